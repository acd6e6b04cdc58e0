"""Splitting a command line into words and quoted texts, lazily, keeping what was typed.

Tokens are read one at a time so that a free text at the end of a line (a note, a
reason) is taken exactly as typed, apostrophes and all, without being tokenised.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.grammar.errors import CommandError

# Opening quote → the closing quotes it accepts. Slack, Teams, macOS and iOS replace
# straight quotes with typographic ones, and people paste from documents in many
# languages: English “…” ‘…’, German „…“ ‚…‘, Polish „…”, Swedish ”…”, French «…»,
# Danish »…«. A straight quote closes only a straight one, so straight quotes may sit
# inside typographic ones: “Ship the "fast" path”.
_DOUBLE_QUOTES = {
    '"': '"',
    "“": "”“",
    "„": "“”",
    "”": "”",
    "«": "»",
    "»": "«",
    "‹": "›",
    "›": "‹",
}
# Single quotes double as apostrophes ("don't", "don’t"): one closes only where a word
# ends, so 'we don't ship' keeps its apostrophe.
_SINGLE_QUOTES = {"'": "'", "‘": "’‘", "‚": "‘’"}


@dataclass(frozen=True)
class Token:
    text: str  # the word, or exactly what is inside the quotes
    raw: str  # as typed, quotes included
    quoted: bool
    start: int
    end: int

    def is_word(self, *words: str) -> bool:
        """An unquoted keyword, any case. Quoted text is never a keyword."""
        return not self.quoted and self.text.lower() in words


class Line:
    """A cursor over one command line."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self._next: Token | None = None

    def peek(self) -> Token | None:
        if self._next is None:
            self._next = _scan(self.text, self.pos)
        return self._next

    def take(self) -> Token | None:
        token = self.peek()
        if token is not None:
            self.pos = token.end
            self._next = None
        return token

    def expect(self, what: str) -> Token:
        """The next token, or an error saying ``what`` is missing."""
        token = self.take()
        if token is None:
            raise CommandError(f"missing {what}")
        return token

    def take_word(self, *words: str) -> str | None:
        """Consume the next token if it is one of the keywords ``words``."""
        token = self.peek()
        if token is not None and token.is_word(*words):
            self.take()
            return token.text.lower()
        return None

    def text_until(self, stop: Callable[[Token], bool], *, what: str) -> Token:
        """A text argument: one quoted text, or a single unquoted word.

        Several unquoted words before the next keyword (``stop``) are refused with the
        quoted form to copy, rather than guessed at.
        """
        first = self.peek()
        if first is None or (not first.quoted and stop(first)):
            raise CommandError(f"missing {what} in quotes")
        if first.quoted:
            return self.take() or first
        words: list[Token] = []
        while (token := self.peek()) is not None and not token.quoted and not stop(token):
            words.append(token)
            self.take()
        if len(words) > 1:
            typed = self.text[words[0].start : words[-1].end]
            raise CommandError(f'{what} has several words — put it in quotes: "{typed}"')
        return words[0]

    def rest(self) -> str:
        """Everything left on the line, exactly as typed (outer spaces trimmed)."""
        rest = self.text[self.pos :].strip()
        self.pos = len(self.text)
        self._next = None
        return rest

    def free_text(self) -> str:
        """A free text ending the line, exactly as typed: the rest of the line, without
        its quotes when it is one quoted text. Nothing typed is dropped or refused."""
        token = self.peek()
        if token is not None and token.quoted and not self.text[token.end :].strip():
            self.take()
            return token.text
        return self.rest()

    def finish(self) -> None:
        """Refuse anything left over: extra words are never silently ignored."""
        if self.peek() is not None:
            extra = self.text[self.pos :].strip()
            raise CommandError(f"unexpected “{_preview(extra, 60)}” at the end")


def _scan(text: str, pos: int) -> Token | None:
    n = len(text)
    while pos < n and text[pos].isspace():
        pos += 1
    if pos >= n:
        return None
    first = text[pos]
    if first in _DOUBLE_QUOTES or first in _SINGLE_QUOTES:
        return _scan_quoted(text, pos)
    if first == "<":
        # Platform markup kept whole even with spaces inside: Slack's <@U123|alice smith>,
        # Teams' <at>Alice Smith</at>.
        closing = "</at>" if text[pos : pos + 4].lower() == "<at>" else ">"
        close = text.lower().find(closing, pos + 1)
        if close != -1:
            end = close + len(closing)
            return Token(text[pos:end], text[pos:end], False, pos, end)
    end = pos
    while end < n and not text[end].isspace():
        end += 1
    return Token(text[pos:end], text[pos:end], False, pos, end)


def _scan_quoted(text: str, pos: int) -> Token:
    opener = text[pos]
    single = opener in _SINGLE_QUOTES
    closers = _SINGLE_QUOTES[opener] if single else _DOUBLE_QUOTES[opener]
    for end in range(pos + 1, len(text)):
        if text[end] not in closers:
            continue
        if single and end + 1 < len(text) and not text[end + 1].isspace():
            continue  # an apostrophe inside a word
        return Token(text[pos + 1 : end], text[pos : end + 1], True, pos, end + 1)
    after = _preview(text[pos + 1 :], 30)
    raise CommandError(
        f"the quote {opener} before “{after}” is never closed — end the text with {closers[0]}"
    )


def _preview(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
