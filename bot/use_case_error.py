"""The error every use case raises for input that is well-formed but wrong."""

from __future__ import annotations


class UseCaseError(Exception):
    """Input the grammar accepted but the use case cannot carry out; nothing changes.

    ``command`` names the command whose usage and example go with the answer.
    """

    def __init__(self, problem: str, *, command: str | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.command = command
