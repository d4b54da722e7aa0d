"""Keys for the screening terminal: one at a time, and none lost while the next card is prepared.

At a terminal the keyboard stays in cbreak mode for the whole session (keys unechoed and
unbuffered by line), so keys typed while the next card loads wait in the terminal's queue and
are read, in order, once that card is drawn. click.getchar is not used there: it switches to raw
mode for each key with a flush (dropping keys typed in between) and reads up to 32 bytes at
once (several quick keys arrive as one string). Input typed before the screen starts, and keys
left unread when it closes, are flushed so they never reach the shell.

Without a terminal (piped input, click's CliRunner) keys are read from standard input.
"""

from __future__ import annotations

import codecs
import os
import select
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

import click

# Keys with escape sequences that mean something here; other sequences are ignored whole.
NAMED_SEQUENCES = {
    "\x1b[A": "up",
    "\x1b[B": "down",
    "\x1b[5~": "page-up",
    "\x1b[6~": "page-down",
    "\x1bOA": "up",
    "\x1bOB": "down",
}
IGNORED = "ignored"  # a key to do nothing about (an unmapped escape sequence)
_SEQUENCE_WAIT = 0.05  # seconds: bytes of one escape sequence arrive together


class StreamKeys:
    """Keys from standard input when it is not a terminal: one character at a time."""

    tty = False

    def read(self) -> str:
        return sys.stdin.read(1)

    @contextmanager
    def line_mode(self) -> Iterator[None]:
        yield


class TerminalKeys:
    """Keys from a terminal held in cbreak mode from `__enter__` to `__exit__`."""

    tty = True

    def __init__(self, fd: int) -> None:
        import termios

        self.fd = fd
        self.saved = termios.tcgetattr(fd)
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.pending = ""  # a key read while looking for an escape sequence, returned next

    def __enter__(self) -> TerminalKeys:
        import termios
        import tty

        # Flush: keys typed before the first card was drawn were not meant for it.
        tty.setcbreak(self.fd, termios.TCSAFLUSH)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        import termios

        # Flush: keys typed after the last decision must not run as shell commands.
        termios.tcsetattr(self.fd, termios.TCSAFLUSH, self.saved)

    def read(self) -> str:
        """One key: a character, a name from NAMED_SEQUENCES, IGNORED, or "" at end of input."""
        char = self._char()
        if char != "\x1b" or not self._waiting():
            return char
        seq = self._sequence()
        return "\x1b" if seq == "\x1b" else NAMED_SEQUENCES.get(seq, IGNORED)

    @contextmanager
    def line_mode(self) -> Iterator[None]:
        import termios
        import tty

        # TCSANOW, not a flush: keys typed ahead stay queued for after the note.
        termios.tcsetattr(self.fd, termios.TCSANOW, self.saved)
        try:
            yield
        finally:
            tty.setcbreak(self.fd, termios.TCSANOW)

    def _char(self) -> str:
        if self.pending:
            char, self.pending = self.pending, ""
            return char
        while True:
            byte = os.read(self.fd, 1)
            if not byte:
                return ""
            char = self.decoder.decode(byte)
            if char:
                return char

    def _waiting(self) -> bool:
        return bool(select.select([self.fd], [], [], _SEQUENCE_WAIT)[0])

    def _sequence(self) -> str:
        """The rest of an escape sequence (ESC [ params final, or ESC O char)."""
        seq = "\x1b" + self._char()
        if seq == "\x1b[":
            while self._waiting():
                seq += self._char()
                if "\x40" <= seq[-1] <= "\x7e":
                    break
        elif seq == "\x1bO" and self._waiting():
            seq += self._char()
        elif seq != "\x1bO":  # Esc, then a key typed quickly: keep the key
            self.pending, seq = seq[1:], "\x1b"
        return seq


class ClickKeys:
    """Keys through click.getchar, at a terminal without termios (Windows reads them one by one)."""

    tty = True

    def read(self) -> str:
        return click.getchar()

    @contextmanager
    def line_mode(self) -> Iterator[None]:
        yield


Keys = StreamKeys | TerminalKeys | ClickKeys


def is_terminal() -> bool:
    """True when both keys and screen are a terminal: the screen can be cleared and laid out."""
    return sys.stdin.isatty() and sys.stdout.isatty()


@contextmanager
def open_keys() -> Iterator[Keys]:
    """The keys for this session (restoring the terminal however the session ends)."""
    if not is_terminal():
        yield StreamKeys()
        return
    try:
        keys = TerminalKeys(sys.stdin.fileno())
    except ImportError:  # no termios (Windows)
        yield ClickKeys()
        return
    with keys:
        yield keys
