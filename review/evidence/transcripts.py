"""Speaker turns from transcripts: WebVTT and SRT (Teams, Zoom) and plain lines (`Name: text`).

A turn is what one speaker says before another speaks: consecutive cues of one speaker are joined,
keeping the first cue's start and the last cue's end. A malformed timing names the file, the line,
the field and the fix. Pure: no store, no pseudonyms (review/evidence/pseudonyms.py does those).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from review.errors import InputError

TIMING = re.compile(r"^\s*(\S+)\s+-->\s+(\S+)")
STAMP = re.compile(r"^(?:(\d{1,2}):)?(\d{1,2}):(\d{2})[.,](\d{1,3})$")
VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]+)>(.*?)(?:</v>|$)", re.S)
TAG = re.compile(r"</?[^>]+>")
# `Jane Smith: text`, `[00:01:02] Jane: text`, `Interviewer (00:01:02): text`; at most four words.
SPEAKER_LINE = re.compile(
    r"^(?:\[?(?P<stamp>\d{1,2}:\d{2}(?::\d{2})?)\]?\s+)?"
    r"(?P<name>[A-Z][\w.'’-]*(?:\s+[A-Z0-9][\w.'’-]*){0,3})"
    r"(?:\s*[\[(](?P<stamp2>\d{1,2}:\d{2}(?::\d{2})?)[\])])?\s*:\s+(?P<text>\S.*)$"
)


@dataclass(frozen=True)
class Turn:
    """One speaker's turn: the speaker as labelled in the file, times in ms when given, the text."""

    speaker: str | None
    text: str
    start_ms: int | None = None
    end_ms: int | None = None
    line: int = 0  # the line it starts on


def parse_vtt(text: str, name: str) -> list[Turn]:
    """The turns of a WebVTT file (voice tags `<v Name>` or `Name: ` prefixes)."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or not lines[0].startswith("WEBVTT"):
        raise InputError(
            f"{name}, line 1, header: a WebVTT file starts with WEBVTT; nothing was imported. "
            "Save the transcript again as .vtt from Teams or Zoom, or as .txt with `Name: text` lines."
        )
    return _merge(_cues(lines, name, srt=False))


def parse_srt(text: str, name: str) -> list[Turn]:
    """The turns of an SRT file (numbered cues; `Name: ` prefixes name the speaker)."""
    return _merge(_cues(text.lstrip("\ufeff").splitlines(), name, srt=True))


def _cues(lines: list[str], name: str, *, srt: bool) -> Iterable[Turn]:
    i = 0
    while i < len(lines):
        match = TIMING.match(lines[i])
        if not match:
            if "-->" in lines[i]:
                _bad_timing(name, i + 1, lines[i], srt)
            i += 1
            continue
        start, end = _ms(match.group(1), name, i + 1, srt), _ms(match.group(2), name, i + 1, srt)
        body, j = [], i + 1
        while j < len(lines) and lines[j].strip():
            body.append(lines[j].strip())
            j += 1
        yield from _cue_turns(" ".join(body), start, end, i + 1)
        i = j


def _cue_turns(body: str, start: int, end: int, line: int) -> Iterable[Turn]:
    voices = VOICE.findall(body)
    if voices:
        for speaker, said in voices:
            yield Turn(speaker.strip(), _plain(said), start, end, line)
        return
    said = _plain(body)
    found = SPEAKER_LINE.match(said)
    if found:
        yield Turn(found["name"], found["text"].strip(), start, end, line)
    elif said:
        yield Turn(None, said, start, end, line)


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", TAG.sub("", text)).strip()


def _ms(stamp: str, name: str, line: int, srt: bool) -> int:
    found = STAMP.match(stamp)
    if not found:
        _bad_timing(name, line, stamp, srt)
    assert found is not None
    hours, minutes, seconds, fraction = found.groups()
    return ((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int(fraction.ljust(3, "0"))


def _bad_timing(name: str, line: int, text: str, srt: bool) -> None:
    example = "00:01:02,500 --> 00:01:05,000" if srt else "00:01:02.500 --> 00:01:05.000"
    raise InputError(
        f"{name}, line {line}, timing: {text.strip()!r} is not a cue timing; nothing was imported. "
        f"Write it as {example}."
    )


def _merge(turns: Iterable[Turn]) -> list[Turn]:
    merged: list[Turn] = []
    for turn in turns:
        last = merged[-1] if merged else None
        if last is not None and last.speaker == turn.speaker:
            merged[-1] = Turn(last.speaker, f"{last.text} {turn.text}", last.start_ms, turn.end_ms, last.line)
        else:
            merged.append(turn)
    return merged


def parse_lines(lines: list[str]) -> list[Turn]:
    """Turns from lines or paragraphs written `Name: text`; a line without a speaker continues the
    turn before it. Used for TXT and DOCX transcripts."""
    turns: list[Turn] = []
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        found = SPEAKER_LINE.match(line)
        if found:
            stamp = found["stamp"] or found["stamp2"]
            turns.append(Turn(found["name"], found["text"].strip(), _clock(stamp), None, number))
        elif turns:
            last = turns[-1]
            turns[-1] = Turn(last.speaker, f"{last.text}\n{line}", last.start_ms, None, last.line)
        else:
            turns.append(Turn(None, line, None, None, number))
    return _merge(turns)


def _clock(stamp: str | None) -> int | None:
    if not stamp:
        return None
    parts = [int(p) for p in stamp.split(":")]
    seconds = parts[-1] + 60 * parts[-2] + (3600 * parts[-3] if len(parts) == 3 else 0)
    return seconds * 1000


def has_speakers(turns: list[Turn]) -> bool:
    """Whether the lines read as a transcript: most text belongs to a named speaker."""
    named = sum(len(t.text) for t in turns if t.speaker)
    return named > 0 and named >= sum(len(t.text) for t in turns) / 2
