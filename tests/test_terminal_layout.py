"""Wrapping to the terminal: whole words, widths in cells, colours kept across line breaks."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from review.cli.terminal_frame import Card, Content, View, frame
from review.cli.terminal_layout import cell_width, line_spans, pages, tidy, wrap, wrap_indented

ANSI = re.compile(r"\x1b\[[0-9;]*m")
words = st.text(alphabet=st.sampled_from("abcdéfgh世界"), min_size=1, max_size=12)


@given(st.lists(words, max_size=60), st.integers(min_value=24, max_value=120))
def test_lines_fit_and_keep_every_word_whole(text_words: list[str], width: int) -> None:
    text = " ".join(text_words)
    lines = wrap(text, width)
    assert all(cell_width(line) <= width for line in lines)
    assert [w for line in lines for w in line.split()] == text_words  # nothing cut, nothing lost


def test_a_word_wider_than_the_line_is_the_only_one_cut() -> None:
    assert wrap("see https://example.org/a/very/long/path end", 10) == [
        "see",
        "https://ex",
        "ample.org/",
        "a/very/lon",
        "g/path end",
    ]


def test_tidy_keeps_line_breaks_and_is_idempotent() -> None:
    text = "Background:\t two  spaces\r\n\n\n\nMethods: x  "
    assert tidy(text) == "Background: two spaces\n\nMethods: x"
    assert tidy(tidy(text)) == tidy(text)
    assert wrap(text, 40) == ["Background: two spaces", "", "Methods: x"]


def test_wide_characters_take_two_cells() -> None:
    assert cell_width("世界") == 4 and cell_width("é") == 1 and cell_width("e\u0301") == 1
    assert line_spans("世界 世界", 5) == [(0, 2), (3, 5)]


def test_continuation_lines_keep_the_indent() -> None:
    lines = wrap_indented("      note: " + "word " * 20, 40)
    assert all(line.startswith("      ") and len(line) <= 40 for line in lines) and len(lines) > 1


def test_pages() -> None:
    assert pages(list("abcde"), 2) == [["a", "b"], ["c", "d"], ["e"]]
    assert pages([], 3) == [[]]


def _content(**changes: Any) -> Content:
    base: dict[str, Any] = dict(header="alice · title/abstract: 3/40 done", extra=(), panel_lines=(),
                                   keys="Keys: i include, q quit", include_terms=("sure start",))  # fmt: skip
    return Content(**{**base, **changes})


def test_a_highlighted_phrase_broken_across_lines_is_coloured_on_both() -> None:
    card = Card(7, "T", "meta", abstract="aaaa bbbb cccc dddd Sure Start eeee")
    lines = frame(View(card), _content(), 24, 12)
    at = next(i for i, line in enumerate(lines) if line.endswith("\x1b[0m") and "Sure" in line)
    assert "\x1b[32m\x1b[1mSure\x1b[0m" in lines[at] and "\x1b[32m\x1b[1mStart\x1b[0m" in lines[at + 1]
    assert all(cell_width(ANSI.sub("", line)) <= 24 for line in lines)  # colour codes never count


def test_a_frame_fits_the_screen_with_header_and_title_on_every_page() -> None:
    card = Card(7, "A title long enough to wrap onto two lines", "meta", abstract="word " * 300)
    view = View(card, page=99)  # past the end: shows the last page
    lines = frame(view, _content(extra=("Your note: check it",)), 30, 14)
    plain = [ANSI.sub("", line) for line in lines]
    assert len(lines) == 14 and plain[0].startswith("alice") and plain[3].startswith("Work 7: A title")
    assert "Your note: check it" in plain and plain[-1] == "Keys: i include, q quit"
    assert re.match(r"Page (\d+)/\1: b back$", plain[-2])
    assert view.page > 0


def test_context_that_leaves_no_room_is_paged_with_the_abstract() -> None:
    card = Card(7, "Title", "meta", abstract="the abstract")
    lines = frame(View(card), _content(extra=tuple(f"context {i}" for i in range(10))), 40, 12)
    plain = [ANSI.sub("", line) for line in lines]
    assert len(lines) == 12 and "context 0" in plain and "the abstract" not in plain
    assert plain[-2].startswith("Page 1/")


def test_without_a_terminal_lines_are_printed_whole() -> None:
    card = Card(7, "Title", "meta", abstract="word " * 100)
    lines = frame(View(card), _content(extra=("context " * 30,)), 40, None)
    assert ("context " * 30).strip() in lines and ("word " * 100).strip() in [ANSI.sub("", x) for x in lines]
