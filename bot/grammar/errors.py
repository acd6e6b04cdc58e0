"""The one error the grammar raises: what was wrong, for which command."""

from __future__ import annotations

from bot.messages import Message, Text, message


class CommandError(Exception):
    """A line that is not a valid command.

    ``problem`` says specifically what was wrong (with the user's own words quoted);
    ``command`` names the command when it is known, so the answer can show its usage
    line and an example from the help table.
    """

    def __init__(self, problem: str, *, command: str | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.command = command

    def message(self, *, prefix: str) -> Message:
        """The answer for the user: the problem, the usage line and an example.

        ``prefix`` is what the user types before a command on their platform:
        ``"/okr "`` on Slack, ``"@okrbot "`` on Teams, ``""`` in the console.
        """
        # Imported here: the help table imports the parsers, which raise this error.
        from bot.grammar.table import find_command

        parts = [Text(_sentence(self.problem))]
        spec = find_command(self.command) if self.command else None
        if spec is not None:
            parts.append(Text(f"Usage: {spec.usage_with(prefix)}"))
            parts.append(Text(f"Example: `{prefix}{spec.examples[0]}`"))
            if spec.name != "help":
                parts.append(Text(f"More: `{prefix}help {spec.name}`"))
        else:
            # No command to show: the grammar's own usage line, and the commonest command.
            parts.append(Text(f"Usage: `{prefix}<command> [arguments]`"))
            parts.append(Text(f"Example: `{prefix}list`"))
            parts.append(Text(f"Type `{prefix}help` to see every command."))
        return message(*parts, summary=_sentence(self.problem))


def _sentence(problem: str) -> str:
    """Problems are written as clauses; the answer starts with a capital letter."""
    return problem[:1].upper() + problem[1:] if problem else problem
