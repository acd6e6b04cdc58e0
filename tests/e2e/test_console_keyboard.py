"""`okrbot console` at a real terminal (a pseudo-terminal): Tab completes commands and KR
codes, the Up arrow recalls the last line, history survives the session, and Ctrl-C ends
the console at once instead of waiting for Enter."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent.parent
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX terminal")


def _own_terminal() -> None:
    """In the child: a session of its own whose controlling terminal is the pty, so that
    Ctrl-C typed there is a SIGINT to it, as at a real terminal."""
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Terminal:
    """A console process whose stdin, stdout and stderr are one pseudo-terminal."""

    def __init__(self, tmp_path: Path, *args: str) -> None:
        self.master, slave = pty.openpty()
        env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"), "TERM": "xterm",
               "PYTHONIOENCODING": "utf-8"}
        env.pop("DATABASE_URL", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "adapters.cli", "console", "--db", str(tmp_path / "okr.db"),
             *args],
            stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT, close_fds=True,
            preexec_fn=_own_terminal)
        os.close(slave)
        self.screen = ""

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def wait_for(self, text: str, *, after: int = 0, limit: float = 60.0) -> int:
        """Read until ``text`` shows past position ``after``; its position. ``limit`` only
        stops a hung process from hanging the suite."""
        give_up = time.monotonic() + limit
        ended = False
        while (found := self.screen.find(text, after)) < 0:
            if ended or time.monotonic() > give_up:
                raise AssertionError(f"{text!r} never appeared; the screen:\n{self.screen!r}")
            ready, _, _ = select.select([self.master], [], [], 0.5)
            if ready:
                try:
                    self.screen += os.read(self.master, 65536).decode("utf-8", "replace")
                except OSError:  # the process ended and closed the terminal
                    ended = True
        return found

    def settle(self, quiet: float = 0.3) -> None:
        """Read until the screen has been still for ``quiet`` seconds: readline is back
        waiting for a key. (CPython's readline notices a signal only while it waits in
        select(); one that lands while it is still echoing a key waits for the next key.)"""
        while select.select([self.master], [], [], quiet)[0]:
            try:
                self.screen += os.read(self.master, 65536).decode("utf-8", "replace")
            except OSError:
                return

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)
        os.close(self.master)


@pytest.fixture
def terminal(tmp_path: Path):  # type: ignore[no-untyped-def]
    term = Terminal(tmp_path, "--as", "carol", "--in", "team", "--clock", "2027-01-04T09:00")
    yield term
    term.close()


def test_tab_completes_commands_and_kr_codes_and_up_recalls_the_last_line(
    terminal: Terminal, tmp_path: Path
) -> None:
    at = terminal.wait_for("carol@#team> ")
    terminal.type("setup\r")
    at = terminal.wait_for("carol@#team> ", after=at + 1)
    terminal.type('objective add "growth" because "teams find us"\r')
    at = terminal.wait_for("carol@#team> ", after=at + 1)
    terminal.type('kr add O1 increase "signups" from 10 to 50\r')
    at = terminal.wait_for("KR-1 added", after=at)
    at = terminal.wait_for("carol@#team> ", after=at)
    terminal.type("sho\t")  # completes the command
    at = terminal.wait_for("show ", after=at)
    terminal.type("KR\t")  # completes the channel's only KR code
    terminal.wait_for("KR-1", after=at)
    terminal.type("\r")
    at = terminal.wait_for("KR-1 · signups", after=at)
    at = terminal.wait_for("carol@#team> ", after=at)
    terminal.type("\x1b[A")  # Up: the last line again
    terminal.wait_for("show KR-1", after=at)
    terminal.type("\r")
    at = terminal.wait_for("KR-1 · signups", after=at)
    terminal.type(":quit\r")
    assert terminal.process.wait(timeout=60) == 0
    history = (tmp_path / "data" / "okrbot" / "console_history").read_text()
    assert "show KR-1" in history and "setup" in history


def test_ctrl_c_ends_the_console_without_waiting_for_enter(terminal: Terminal) -> None:
    terminal.wait_for("carol@#team> ")
    terminal.type("half a line")
    terminal.wait_for("half a line")
    terminal.settle()
    terminal.type("\x03")
    assert terminal.process.wait(timeout=60) == 130
