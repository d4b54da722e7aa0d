"""GOV.UK HTML publications as text pages: one page per `<h2>` section (the preamble joins page 1)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

BLOCKS = frozenset({"p", "div", "li", "tr", "br", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol"})
SKIP = frozenset({"script", "style", "svg"})


class _Sections(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[list[str]] = [[]]
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIP:
            self._skip += 1
        elif tag == "h2" and "".join(self.sections[-1]).strip():
            self.sections.append([])
        elif tag in BLOCKS:
            self.sections[-1].append("\n")
        elif tag in ("td", "th"):
            self.sections[-1].append("\t")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in BLOCKS:
            self.sections[-1].append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.sections[-1].append(data)


def html_pages(body: str) -> list[str]:
    """The text of an HTML body, split into one page per `<h2>` section; tags stripped."""
    parser = _Sections()
    parser.feed(body)
    parser.close()
    pages = [_tidy("".join(parts)) for parts in parser.sections]
    return [p for p in pages if p] or [""]


def _tidy(text: str) -> str:
    lines = (re.sub(r"[ \xa0]+", " ", line).strip(" \t") for line in text.splitlines())
    return "\n".join(line for line in lines if line)
