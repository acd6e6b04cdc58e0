"""The one error the grammar raises: what was wrong, for which command.

Its answer (the problem, the usage line and an example from the help table) is
:func:`bot.commands.error_answer`: the help table imports the readers, which raise this.
"""

from __future__ import annotations


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


def sentence(problem: str) -> str:
    """Problems are written as clauses; the answer starts with a capital letter."""
    return problem[:1].upper() + problem[1:] if problem else problem
