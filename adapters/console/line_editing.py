"""Line editing for the interactive console: arrow keys, history across sessions, and Tab
completion of commands, directives and the channel's KR codes.

The standard library's :mod:`readline` does all of it (GNU readline on Linux, libedit on
macOS); where it is missing (Windows without pyreadline) the console still works, only
without editing. Nothing here runs for piped input.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

HISTORY_LENGTH = 1000
DIRECTIVE_WORDS = (":as", ":in", ":clock", ":advance", ":home", ":quit")


def command_words() -> list[str]:
    """Every command's first word(s) as typed, from the one grammar table."""
    from bot.command_table import COMMANDS

    return sorted({spec.name for spec in COMMANDS})


class Completer:
    """readline's completer: the candidates that start with what was typed so far.

    ``dynamic`` is asked for the words that change (the channel's KR codes); the console
    refreshes them between lines, so completing never waits on the database.
    """

    def __init__(self, *, fixed: Iterable[str], dynamic: Callable[[], Iterable[str]]) -> None:
        self.fixed = tuple(fixed)
        self.dynamic = dynamic
        self._matches: list[str] = []

    def candidates(self, text: str, *, first_word: bool) -> list[str]:
        words = list(self.fixed if first_word else ()) + list(self.dynamic())
        if not first_word:
            words += ["direct", "indirect", "none", "into", "to", "because", "owner"]
        folded = text.casefold()
        return sorted({w for w in words if w.casefold().startswith(folded)})

    def __call__(self, text: str, state: int) -> str | None:
        if state == 0:
            readline = _readline()
            line = readline.get_line_buffer() if readline else text
            first_word = not line[: len(line) - len(text)].strip()
            self._matches = self.candidates(text, first_word=first_word)
            if len(self._matches) == 1:
                # Python's readline appends nothing to a completed word: the space that
                # lets the next word follow is ours to add
                self._matches = [self._matches[0] + " "]
        return self._matches[state] if state < len(self._matches) else None


def _readline() -> Any:
    try:
        import readline
    except ImportError:  # no readline on this platform: plain input()
        return None
    return readline


def enable(*, completer: Completer, history: Path | None) -> Callable[[], None]:
    """Turn line editing on for :func:`input`; returns what saves the history at the end."""
    readline = _readline()
    if readline is None:
        return lambda: None
    if "libedit" in (getattr(readline, "__doc__", "") or ""):
        readline.parse_and_bind("bind ^I rl_complete")
    else:
        readline.parse_and_bind("tab: complete")
    # commands and KR codes hold no quotes or spaces; "-" belongs to KR-3
    readline.set_completer_delims(" \t\n\"'“”")
    readline.set_completer(completer)
    readline.set_history_length(HISTORY_LENGTH)
    if history is not None:
        with contextlib.suppress(OSError):
            readline.read_history_file(history)

    def save() -> None:
        if history is None:
            return
        try:
            history.parent.mkdir(parents=True, exist_ok=True)
            readline.write_history_file(history)
        except OSError as error:  # a read-only home: the session still worked
            log.warning("console history not saved to %s: %s", history, error)

    return save


def default_history_file() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("okrbot", appauthor=False)) / "console_history"
