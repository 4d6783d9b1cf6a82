"""Reading rendered pages in tests: tables as grids (spans expanded), headings, text."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser


def norm(text: str) -> str:
    """Fold width and spaces, so a sample's (一) equals the page's （一）."""
    return "".join(unicodedata.normalize("NFKC", text).split())


@dataclass
class Cell:
    tag: str
    attrs: dict
    text: str = ""

    @property
    def rowspan(self) -> int:
        return int(self.attrs.get("rowspan", 1))

    @property
    def colspan(self) -> int:
        return int(self.attrs.get("colspan", 1))


@dataclass
class Table:
    attrs: dict
    caption: str = ""
    head: list[list[Cell]] = field(default_factory=list)
    body: list[list[Cell]] = field(default_factory=list)

    def grid(self, rows: list[list[Cell]]) -> list[list[Cell]]:
        """Rows with every spanned cell repeated in each grid position it covers."""
        grid: dict[tuple[int, int], Cell] = {}
        for r, row in enumerate(rows):
            c = 0
            for cell in row:
                while (r, c) in grid:
                    c += 1
                for dr in range(cell.rowspan):
                    for dc in range(cell.colspan):
                        grid[(r + dr, c + dc)] = cell
                c += cell.colspan
        width = 1 + max(c for _, c in grid)
        return [[grid.get((r, c)) for c in range(width)] for r in range(len(rows))]

    def cells(self) -> list[Cell]:
        return [cell for row in self.head + self.body for cell in row]


class PageParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[Table] = []
        self.headings: list[tuple[str, str]] = []   # (tag, text)
        self.paragraphs: list[str] = []
        self.by_class: dict[str, list[str]] = {}
        self._table: Table | None = None
        self._section = "body"
        self._cell: Cell | None = None
        self._text: list[str] | None = None
        self._text_tag = ""
        self._in_caption = False
        self._class_stack: list[tuple[str, str, list[str]]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for cls in (attrs.get("class") or "").split():
            self._class_stack.append((tag, cls, []))
        if tag == "table":
            self._table = Table(attrs)
            self.tables.append(self._table)
        elif tag in ("thead", "tbody"):
            self._section = "head" if tag == "thead" else "body"
        elif tag == "tr" and self._table is not None:
            (self._table.head if self._section == "head" else self._table.body).append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = Cell(tag, attrs)
            rows = self._table.head if self._section == "head" else self._table.body
            rows[-1].append(self._cell)
        elif tag == "caption":
            self._in_caption = True
        elif tag in ("h1", "h2", "h3", "h4", "p", "li"):
            self._text, self._text_tag = [], tag

    def handle_endtag(self, tag):
        if tag == "table":
            self._table, self._section = None, "body"
        elif tag in ("td", "th"):
            self._cell = None
        elif tag == "caption":
            self._in_caption = False
        elif tag == self._text_tag and self._text is not None:
            text = "".join(self._text).strip()
            if tag == "p":
                self.paragraphs.append(text)
            elif tag.startswith("h"):
                self.headings.append((tag, text))
            self._text = None
        while self._class_stack and self._class_stack[-1][0] == tag:
            _, cls, parts = self._class_stack.pop()
            self.by_class.setdefault(cls, []).append("".join(parts).strip())
            if self._class_stack:
                self._class_stack[-1][2].extend(parts)

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.text += data
        if self._in_caption and self._table is not None:
            self._table.caption += data
        if self._text is not None:
            self._text.append(data)
        if self._class_stack:
            self._class_stack[-1][2].append(data)


def parse(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    parser.close()
    return parser


def table_by_id(page: PageParser, table_id: str) -> Table:
    found = [t for t in page.tables if t.attrs.get("id") == table_id]
    assert len(found) == 1, f"one table #{table_id} expected, found {len(found)}"
    return found[0]
