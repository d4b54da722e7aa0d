"""The screening and adjudication terminals under a pseudo-terminal at 80×24 and 120×40.

Each card is drawn on a cleared screen, so a frame is the output between two clears. A frame
that has no more lines than the screen has rows, and no line wider than its columns, shows
whole: the header at the top of every card proves visible. The child process slows card
preparation (the ranker's retraining) to show that keys typed meanwhile are kept.
"""

from __future__ import annotations

import itertools
import re
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import col, select

from review.cli.terminal_layout import cell_width
from review.db import session_scope
from review.models import ScreeningDecision
from tests.factories import add_works
from tests.screen_helpers import KEPT, assign_to

pexpect = pytest.importorskip("pexpect")

CLEAR = "\x1b[2J\x1b[1;1H"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
SIZES = [(24, 80), (40, 120)]
# Lowercase words only in abstracts, capitalised words only in titles: a line made only of
# them is body or title text, and a word broken across lines would leave a fragment in neither.
ABSTRACT_WORDS = [
    "evaluation", "integrated", "programmes", "outcomes", "families", "wellbeing",
    "childhood", "practitioners", "commissioning", "partnership", "evidence", "qualitative",
]  # fmt: skip
# fmt: off
TITLE_WORDS = [
    "Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf", "Hotel", "India", "Juliett", "Kilo",
]
# fmt: on
# Run the CLI with each re-rank slowed down; RERANK_EVERY = 1 makes every card a re-rank.
CHILD = """
import sys, time
from review.screen import sitting as screen
from review.screen import rank
real, delay = rank.rank, float(sys.argv[1])
def slow(*args, **kwargs):
    time.sleep(delay)
    return real(*args, **kwargs)
rank.rank, screen.RERANK_EVERY = slow, 1
sys.argv = ["review", *sys.argv[2:]]
from review.cli import main
main()
"""


def _abstract(seed: int, words: int = 400) -> str:
    cycle = itertools.islice(itertools.cycle(ABSTRACT_WORDS[seed:] + ABSTRACT_WORDS[:seed]), words)
    return " ".join(cycle) + " Sure Start."  # an include term, highlighted


def _title(seed: int) -> str:
    return " ".join(TITLE_WORDS[seed:] + TITLE_WORDS[:seed])


@pytest.fixture
def queue(engine: Engine) -> dict[int, tuple[str, str]]:
    """Six works with long titles and abstracts in reviewer1's queue: {id: (title, abstract)}."""
    texts = [(_title(i), _abstract(i)) for i in range(6)]
    items = [{**KEPT, "title": t, "abstract": a, "source_id": f"pty-{i}"} for i, (t, a) in enumerate(texts)]
    with session_scope(engine) as s:
        ids = add_works(s, items)
        assign_to(s, ids, "reviewer1")
    return dict(zip(ids, texts, strict=True))


class Screen:
    """A `review` child on a pseudo-terminal and everything it has written."""

    def __init__(self, review_dir: Path, db: str, args: list[str], size: tuple[int, int], delay: float):
        cmd = ["-c", CHILD, str(delay), "--dir", str(review_dir), "--db", db, *args]
        self.rows, self.cols = size
        self.child = pexpect.spawn(sys.executable, cmd, dimensions=size, encoding="utf-8",
                                   cwd=Path(__file__).parent.parent, timeout=30)  # fmt: skip
        self.out = ""

    def frames(self) -> list[str]:
        return self.out.split(CLEAR)[1:]

    def wait_frames(self, count: int, timeout: float = 30) -> list[str]:
        """Read until `count` frames are drawn and the last one is complete (its keys shown)."""
        deadline = time.monotonic() + timeout
        while len(self.frames()) < count or "quit" not in self.frames()[-1]:
            assert time.monotonic() < deadline, f"only {len(self.frames())} frames:\n{self.out[-2000:]}"
            try:
                self.out += self.child.read_nonblocking(65536, timeout=0.2)
            except pexpect.TIMEOUT:
                continue
        return self.frames()

    def finish(self) -> str:
        self.child.expect(pexpect.EOF)
        self.out += self.child.before
        return self.out


@pytest.fixture
def screen(review_dir: Path, db_url: str) -> Iterator[Callable[..., Screen]]:
    started: list[Screen] = []

    def start(args: list[str], size: tuple[int, int], delay: float = 0.0) -> Screen:
        started.append(Screen(review_dir, db_url, args, size, delay))
        return started[-1]

    yield start
    for s in started:
        s.child.close(force=True)


def _lines(frame: str) -> list[str]:
    return ANSI.sub("", frame).split("\r\n")


def _check_fits(frame: str, rows: int, cols: int, header: str) -> list[str]:
    lines = _lines(frame)
    assert len(lines) <= rows, "\n".join(lines)
    assert all(cell_width(line) <= cols for line in lines), "\n".join(lines)
    assert lines[0].startswith(header), "\n".join(lines)
    return lines


def _text_of(lines: list[str], words: list[str]) -> list[str]:
    """Words of the lines made only of `words` (so a line with a broken word is left out)."""
    vocabulary = set(words)
    chosen = [line.split() for line in lines if line.strip()]
    return [w for tokens in chosen if set(tokens) <= vocabulary for w in tokens]


def _decisions(engine: Engine) -> list[tuple[int, str, str | None]]:
    with session_scope(engine) as s:
        rows = s.exec(select(ScreeningDecision).order_by(col(ScreeningDecision.id)))
        return [(r.work_id, r.decision, r.reason_code) for r in rows]


def _shown(frame: str) -> int:
    found = re.search(r"^Work (\d+): ", ANSI.sub("", frame), flags=re.MULTILINE)
    assert found, frame
    return int(found.group(1))


@pytest.mark.parametrize("size", SIZES)
def test_every_page_fits_with_header_title_and_whole_words(
    screen, queue: dict[int, tuple[str, str]], size: tuple[int, int]
) -> None:
    rows, cols = size
    s = screen(["screen", "--reviewer", "reviewer1"], size)
    first = s.wait_frames(1)[-1]
    work = _shown(first)
    title, abstract = queue[work]
    found = re.search(r"Page 1/(\d+)", ANSI.sub("", first))
    assert found is not None
    pages = int(found.group(1))
    assert pages > 1  # the long abstract is paged, not scrolled
    for n in range(2, pages + 1):
        s.child.send(" ")
        s.wait_frames(n)
    s.child.send("b")  # and back a page
    frames = s.wait_frames(pages + 1)
    s.child.send("q")
    s.finish()
    assert "\x1b[32m\x1b[1mSure" in frames[pages - 1]  # the highlight survives the layout
    pages_text: list[str] = []
    for frame in frames:
        lines = _check_fits(frame, rows, cols, "reviewer1 · title/abstract: 0/6 done")
        assert _text_of(lines, ["Work", f"{work}:", *TITLE_WORDS]) == ["Work", f"{work}:", *title.split()]
        pages_text.append(" ".join(_text_of(lines, ABSTRACT_WORDS)))
    body = " ".join(pages_text[:pages])
    # every line but the last (it holds "Sure Start.") is whole words of the abstract, in order
    assert abstract.startswith(body) and len(body.split()) > 400 - cols // 4
    assert pages_text[pages] == pages_text[pages - 2]  # b: the previous page again


@pytest.mark.parametrize("size", SIZES)
def test_keys_typed_while_the_next_card_is_prepared_are_kept(
    screen, engine: Engine, queue: dict[int, tuple[str, str]], size: tuple[int, int]
) -> None:
    s = screen(["screen", "--reviewer", "reviewer1"], size, delay=0.6)
    first = s.wait_frames(1)[-1]
    s.child.send("ie2m")  # four decisions typed at once: each card waits 0.6 s for the ranker
    frames = s.wait_frames(5)
    s.child.send("q")
    out = s.finish()
    made = _decisions(engine)
    assert [(d, r) for _, d, r in made] == [("include", None), ("exclude", "E-TOPIC"), ("maybe", None)]
    shown = [_shown(f) for f in frames if "Exclude: why?" not in f]
    assert [w for w, _, _ in made] == shown[:3] and len(set(shown)) == 4 and shown[0] == _shown(first)
    for frame in frames:
        _check_fits(frame, *size, "reviewer1 · title/abstract:")
    assert "3/6 done" in _lines(frames[-1])[0]  # the header follows the decisions
    assert "3 decision(s) saved this session" in out


def test_keys_typed_before_the_screen_opens_are_dropped(
    screen, engine: Engine, queue: dict[int, tuple[str, str]]
) -> None:
    s = screen(["screen", "--reviewer", "reviewer1"], (24, 80))
    s.child.send("i")  # typed while the command starts, before any card is seen
    s.wait_frames(1)
    s.child.send("q")
    s.finish()
    assert _decisions(engine) == []


@pytest.fixture
def conflicts(engine: Engine) -> list[int]:
    """Three title/abstract conflicts with long abstracts and long notes, committed."""
    from tests.conflicts_helpers import A, B, assign, decide

    items = [{"title": _title(i), "abstract": _abstract(i), "year": 2020} for i in range(3)]
    with session_scope(engine) as s:
        ids = add_works(s, items)
        for w in ids:
            assign(s, w)
            decide(s, w, A, "include", note=" ".join(ABSTRACT_WORDS * 3))
            decide(s, w, B, "exclude", "E-TOPIC")
    return ids


@pytest.mark.parametrize("size", SIZES)
def test_the_adjudicator_screen_fits_and_takes_single_keys(
    screen, engine: Engine, conflicts: list[int], size: tuple[int, int]
) -> None:
    from tests.conflicts_helpers import ADJ

    s = screen(["conflicts", "resolve", "--reviewer", ADJ], size)
    s.wait_frames(1)
    s.child.send("e2i")  # typed at once: the reason is one key, and no key is lost
    frames = s.wait_frames(4)
    s.child.send("q")
    out = s.finish()
    for frame in frames:
        lines = _check_fits(frame, *size, f"Adjudicating as {ADJ} · title-abstract:")
        assert any("Screeners' decisions:" in line for line in lines)  # pinned above the abstract
    assert "1 of 3 conflict(s) left" in _lines(frames[-1])[0]
    with session_scope(engine) as sess:
        made = sess.exec(select(ScreeningDecision).where(ScreeningDecision.reviewer == ADJ)).all()
        assert [(d.work_id, d.decision, d.reason_code) for d in made] == [
            (conflicts[0], "exclude", "E-TOPIC"),
            (conflicts[1], "include", None),
        ]
    assert "2 conflict(s) resolved" in out
