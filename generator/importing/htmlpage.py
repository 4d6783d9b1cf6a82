"""A saved portal page (HTML) as the lines generator.importing.published reads.

Paragraphs and headings become lines; each table row becomes one line of its
cells joined by `|`, as the portals' text copies show them. Row and column spans
need no expanding: a spanned label is printed once, on the first row it covers,
in the text copies too, and published.py keeps the open groups from row to row.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "br", "tr", "table", "section", "article",
           "header", "footer", "title", "dt", "dd", "blockquote", "pre"}
_SKIPPED = {"script", "style", "noscript", "template", "head"}
_META = {"articletitle": "标题", "pubdate": "发布日期", "contentsource": "发布机构"}


def looks_like_html(text: str) -> bool:
    head = text.lstrip()[:2000].lower()
    return head.startswith("<!doctype html") or head.startswith("<html") or "<table" in head or "<body" in head


def html_to_text(html: str) -> str:
    parser = _PageText()
    parser.feed(_unclosed_tail_as_text(html))
    parser.close()
    return "\n".join(parser.lines())


def _unclosed_tail_as_text(html: str) -> str:
    """No tag can end after the page's last `>`: each `<` there is text. HTMLParser rescans from
    every such `<` to the end of the page (quadratic: a 2 MB page of `<a` would take hours)."""
    head, end, tail = html.rpartition(">")
    return head + end + tail.replace("<", "&lt;")


class _PageText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self._lines: list[str] = []
        self._text: list[str] = []
        self._skipping = 0
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._meta: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "meta":
            found = dict(attrs)
            key = _META.get((found.get("name") or "").lower())
            if key and found.get("content"):
                self._meta.append(f"{key}: {found['content'].strip()}")
            return
        if tag in _SKIPPED:
            self._skipping += 1
            return
        if tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag in _BLOCKS and self._cell is None:
            self._end_line()

    def handle_endtag(self, tag):
        if tag in _SKIPPED:
            self._skipping = max(0, self._skipping - 1)
            return
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(_squeeze("".join(self._cell)))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if any(self._row):
                self._lines.append(" | ".join(self._row) + " |")
            self._row = None
        elif tag in _BLOCKS and self._cell is None:
            self._end_line()

    def handle_data(self, data):
        if self._skipping:
            return
        if self._cell is not None:
            self._cell.append(data)
        else:
            self._text.append(data)

    def _end_line(self):
        line = _squeeze("".join(self._text))
        if line:
            self._lines.append(line)
        self._text = []

    def lines(self) -> list[str]:
        self._end_line()
        return self._meta + self._lines


def _squeeze(text: str) -> str:
    return re.sub(r"[ \t\r\n\u00a0]+", " ", text).strip()
