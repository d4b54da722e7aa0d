"""Keys from a terminal: one at a time, typed-ahead keys kept, escape sequences read whole."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest

from review.cli.terminal_keys import IGNORED, StreamKeys, TerminalKeys, open_keys

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals need termios")


@pytest.fixture
def pty() -> Iterator[tuple[int, int]]:
    """A pseudo-terminal: (the keyboard's end, the program's end)."""
    keyboard, program = os.openpty()
    yield keyboard, program
    os.close(keyboard)
    os.close(program)


def test_keys_come_one_at_a_time_in_order(pty: tuple[int, int]) -> None:
    keyboard, program = pty
    with TerminalKeys(program) as keys:
        os.write(keyboard, "iie2é".encode())  # typed faster than they are read
        assert [keys.read() for _ in range(5)] == ["i", "i", "e", "2", "é"]


def test_escape_sequences_are_read_whole(pty: tuple[int, int]) -> None:
    keyboard, program = pty
    with TerminalKeys(program) as keys:
        os.write(keyboard, b"\x1b[B\x1b[6~\x1b[15~i")  # down, page down, F5, then a key
        assert [keys.read() for _ in range(4)] == ["down", "page-down", IGNORED, "i"]
        os.write(keyboard, b"\x1bi")  # Esc, then a key typed at once: both kept
        assert [keys.read(), keys.read()] == ["\x1b", "i"]


def _typed_ahead(keyboard: int, program: int, data: bytes) -> None:
    """Type `data` and wait until the terminal holds it: a pty hands written bytes to the reading
    side asynchronously (a kernel worker), so a flush right after the write could miss them. The
    count of waiting bytes is only readable out of canonical mode, so that mode is left meanwhile."""
    import fcntl
    import struct
    import termios
    import time

    canonical = termios.tcgetattr(program)
    raw = [*canonical[:3], canonical[3] & ~termios.ICANON, *canonical[4:6], list(canonical[6])]
    termios.tcsetattr(program, termios.TCSANOW, raw)
    os.write(keyboard, data)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        waiting = struct.unpack("i", fcntl.ioctl(program, termios.FIONREAD, b"\0\0\0\0"))[0]
        if waiting >= len(data):
            break
        time.sleep(0.01)
    termios.tcsetattr(program, termios.TCSANOW, canonical)


def test_keys_typed_before_the_screen_opens_are_flushed(pty: tuple[int, int]) -> None:
    import termios

    keyboard, program = pty
    _typed_ahead(keyboard, program, b"xyz")
    with TerminalKeys(program) as keys:
        os.write(keyboard, b"i")
        assert keys.read() == "i"
    assert termios.tcgetattr(program)[3] & termios.ICANON  # the terminal is given back as it was


def test_line_mode_gives_a_whole_line_and_keeps_keys_typed_ahead(pty: tuple[int, int]) -> None:
    keyboard, program = pty
    with TerminalKeys(program) as keys:
        with keys.line_mode():
            os.write(keyboard, b"a note\n")
            assert os.read(program, 100) == b"a note\n"
        os.write(keyboard, b"m")
        assert keys.read() == "m"


def test_without_a_terminal_keys_come_from_standard_input(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("ie"))
    with open_keys() as keys:
        assert isinstance(keys, StreamKeys) and not keys.tty
        assert [keys.read(), keys.read(), keys.read()] == ["i", "e", ""]
