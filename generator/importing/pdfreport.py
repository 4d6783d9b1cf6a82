"""A published report as a PDF (the signed, stamped copy offices put online) turned into
the lines generator.importing.published reads, so its numbers are placed by the same
label matching as a portal page's text.

pdfplumber finds the tables by their ruling lines and character positions; each table
row becomes one `|`-separated line, its cells' wrapped text rejoined. The rest of the
text layer becomes paragraphs: a line wrapped at the page width is joined to the next
(without a space between Chinese characters), a new paragraph starts where a line is
indented or the line before ends short, and page numbers and running headers/footers
are dropped. A PDF without a text layer (a scan), or whose fonts give glyphs without their
characters, is refused: it needs OCR first.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from generator.core.form import FORMS, Group, match_label
from generator.importing.cells import printed_as_value
from generator.importing.published import printed_row
from generator.inputs.source import read_bytes
from generator.problems import Problems

MAX_PDF_BYTES = 32 * 1024 * 1024   # a signed report with its stamp as an image is a few MB

# A line that is only a page number: 2, -2-, - 2 -, — 2 —, 第 2 页, 第2页 共6页, 2/6, Page 2.
_PAGE_NUMBER = re.compile(r"[-—–－‐~\s]*\d{1,4}[-—–－‐~\s]*|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?"
                          r"|共\s*\d+\s*页\s*[,，]?\s*第\s*\d+\s*页|\d+\s*/\s*\d+|(?i:page)\s*\d+(?:\s*of\s*\d+)?")
_EDGE_LINES = 2          # page numbers and running headers sit among the first or last lines of a page
# Whitespace beside a Chinese character (or full-width punctuation) is a gap of the layout, never a space.
_CJK = r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f\u2018-\u201d\u2026\u00b7]"
_LAYOUT_SPACE = re.compile(rf"(?<={_CJK})\s+|\s+(?={_CJK})")
# Some fonts map a common character's glyph to its radical's code point (Noto CJK printed by
# Chromium gives 「⼈⺠」 for 人民): Kangxi radicals fold by NFKC, the simplified ones by this table.
_KANGXI = {chr(code): unicodedata.normalize("NFKC", chr(code)) for code in range(0x2F00, 0x2FD6)}
_RADICALS = str.maketrans({**_KANGXI, "⼾": "户",      # NFKC gives the traditional 戶
                           **dict(zip("⺟⺠⺩⻅⻆⻉⻋⻓⻔⻘⻙⻚⻛⻜⻢⻣⻤⻥⻦⻧⻨⻩⻪⻬⻮⻰⻳",
                                      "母民王见角贝车长门青韦页风飞马骨鬼鱼鸟卤麦黄黾齐齿龙龟"))})


@dataclass
class Line:
    text: str
    page: int
    top: float
    x0: float
    x1: float
    size: float


@dataclass
class Table:
    rows: list[list[str | None]]     # None: the space of a cell spanned from the left or above
    page: int
    top: float


@dataclass
class PdfText:
    """The report as lines of text (see published.read_published), with the page of each line."""
    raw: bytes = b""                                         # the PDF itself
    lines: list[str] = field(default_factory=list)
    pages: list[int] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def page_of(self, line: int | None) -> int | None:
        """The page of a line of `text` (numbered from 1)."""
        return self.pages[line - 1] if line and 0 < line <= len(self.pages) else None

    def add(self, text: str, page: int) -> None:
        self.lines.append(text)
        self.pages.append(page)


def read_pdf(path: Path, rel: str, problems: Problems) -> PdfText | None:
    """The text of a PDF named on the command line; None (with an error) when it has none to give."""
    raw = read_bytes(path, rel, problems, from_site=False, limit=MAX_PDF_BYTES)
    if raw is None:
        return None
    if not raw.lstrip()[:5].startswith(b"%PDF"):
        problems.error(rel, None, "文件扩展名是 .pdf，但内容不是 PDF：请确认文件没有损坏，或用正确的扩展名", "pdf")
        return None
    import pdfplumber        # imported when a PDF is read: a build never needs it
    # pdfminer logs each odd font (「Could not get FontBBox」) as a warning: noise to an editor
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    try:
        with pdfplumber.open(io.BytesIO(raw)) as pdf:
            pages = [_unreadable(page) or _page_items(page, number) for number, page in enumerate(pdf.pages, start=1)]
    except Exception as exc:     # pdfminer raises many kinds on a damaged or encrypted file; none is ours
        problems.error(rel, None, f"无法读取这个 PDF（{type(exc).__name__}）：文件可能已损坏或加了密码；"
                                  "请用 PDF 阅读器打开确认，必要时重新导出", "pdf")
        return None
    unreadable = _unreadable_pages(pages)
    if unreadable and all(isinstance(page, str) for page in pages):
        problems.error(rel, None, f"这个 PDF 读不出文字（{unreadable}）：需要先做文字识别（OCR），"
                                  "再导入识别出的文字；如有原来的 Word/WPS 文件，也可以导入它", "pdf-ocr")
        return None
    if unreadable:
        problems.warning(rel, None, f"PDF {unreadable}：其中的内容没有导入；如有表格或正文，请先做文字识别（OCR）",
                         "pdf-ocr")
    result = PdfText(raw)
    _write_lines(_without_page_furniture([page if isinstance(page, list) else [] for page in pages]), result)
    return result


_WHY_UNREADABLE = {"empty": "没有文字层，是图像（扫描件）", "unmapped": "的字体没有文字编码，只能读出字形编号"}


def _unreadable(page) -> str | None:
    """Why a page gives no text: "empty" (a scanned image), "unmapped" (glyphs without their
    characters: pdfminer reads 「(cid:1234)」), or None."""
    chars = [char["text"] for char in page.chars if char["text"].strip()]
    if not chars:
        return "empty"
    if sum(text.startswith("(cid:") for text in chars) * 2 > len(chars):
        return "unmapped"
    return None


def _unreadable_pages(pages: list) -> str:
    """「第 1、2 页没有文字层，是图像」 for the pages that give no text, by why."""
    parts = []
    for why, says in _WHY_UNREADABLE.items():
        numbers = [str(number) for number, page in enumerate(pages, start=1) if page == why]
        if numbers:
            parts.append(f"第 {'、'.join(numbers)} 页{says}")
    return "；".join(parts)


# --- one page: its text lines and tables, in reading order -------------------------------------

def _page_items(page, number: int) -> list[Line | Table]:
    """The lines outside tables and the tables of a page, top to bottom."""
    found = [(table, rows) for table in page.find_tables() if _is_grid(rows := table.extract())]
    tables = [table for table, _ in found]
    items: list[Line | Table] = [Table(rows, number, table.bbox[1]) for table, rows in found]
    for line in page.extract_text_lines():
        middle = (line["top"] + line["bottom"]) / 2
        if any(t.bbox[1] <= middle <= t.bbox[3] and t.bbox[0] <= line["x0"] <= t.bbox[2] for t in tables):
            continue
        text = _squeeze(line["text"])
        if text:
            sizes = Counter(round(char["size"], 1) for char in line["chars"])
            items.append(Line(text, number, line["top"], line["x0"], line["x1"], sizes.most_common(1)[0][0]))
    return sorted(items, key=lambda item: item.top)


def _is_grid(rows: list[list[str | None]]) -> bool:
    """A table of at least two columns: a box drawn round a paragraph is found as a one-column table."""
    return any(sum(1 for cell in row if cell and cell.strip()) >= 2 for row in rows)


def cell_text(text: str) -> str:
    """A table cell's text: its lines were wrapped by the column's width, so they join without
    a space (「96171.」+「6」, 「结 果」+「维持」) unless both sides are Latin words."""
    return _squeeze(re.sub(r"\s*\n\s*(?![A-Za-z])|(?<![A-Za-z])\s*\n\s*", "", text))


def _squeeze(text: str) -> str:
    """A cell's or line's text: wrapped lines rejoined, no space beside a Chinese character."""
    return re.sub(r"\s+", " ", _LAYOUT_SPACE.sub("", text.translate(_RADICALS))).strip()


def is_page_number(text: str) -> bool:
    return _PAGE_NUMBER.fullmatch(text.strip()) is not None


def _without_page_furniture(pages: list[list[Line | Table]]) -> list[Line | Table]:
    """Every page's items in order, without page numbers and the lines repeated at the top
    or bottom of most pages (running headers and footers)."""
    def edges(items):
        lines = [item for item in items if isinstance(item, Line)]
        return lines[:_EDGE_LINES] + lines[-_EDGE_LINES:]

    def shape(line: Line) -> str:
        return re.sub(r"\d+", "#", line.text.replace(" ", ""))

    repeated = Counter(key for items in pages for key in {shape(line) for line in edges(items)})
    running = {key for key, count in repeated.items() if count >= 2 and count * 2 >= len(pages)}
    kept = []
    for items in pages:
        furniture = {id(line) for line in edges(items) if is_page_number(line.text) or shape(line) in running}
        kept += [item for item in items if id(item) not in furniture]
    return kept


# --- writing the lines: paragraphs and table rows ------------------------------------------------

def _write_lines(items: list[Line | Table], result: PdfText) -> None:
    lines = [item for item in items if isinstance(item, Line)]
    if not lines:
        margin = right = size = 0.0
    else:
        size = Counter(line.size for line in lines).most_common(1)[0][0]
        body = [line for line in lines if abs(line.size - size) <= 0.5]
        margin = min(line.x0 for line in body)           # indented and centred lines lie right of it
        right = Counter(round(line.x1) for line in body).most_common(1)[0][0]
    paragraph: Line | None = None
    previous: Line | Table | None = None
    for item in _joined_tables(items):
        if isinstance(item, Table):
            if paragraph is not None:
                result.add(paragraph.text, paragraph.page)
                paragraph = None
            for row in item.rows:
                if (cells := _row_cells(row)):
                    result.add(printed_row(cells), item.page)
        elif paragraph is not None and isinstance(previous, Line) and _continues(previous, item, margin, right, size):
            paragraph.text = _join(paragraph.text, item.text)
        else:
            if paragraph is not None:
                result.add(paragraph.text, paragraph.page)
            paragraph = Line(item.text, item.page, item.top, item.x0, item.x1, item.size)
        previous = item
    if paragraph is not None:
        result.add(paragraph.text, paragraph.page)


def _continues(previous: Line, line: Line, margin: float, right: float, size: float) -> bool:
    """Whether `line` goes on with the paragraph of `previous`: a title printed large over two
    lines, or a body line after one that ran to the right margin."""
    if abs(previous.size - line.size) > 0.5:
        return False
    if line.size > size + 1:
        return True                                      # the title, wrapped
    starts_at_margin = line.x0 < margin + line.size * 0.8
    previous_full = previous.x1 > right - line.size * 1.5
    # A sentence's full stop pushed past the margin: the paragraph ended exactly at the line's end
    # (the next one, in a text box, may lack its indent); a comma there is only the wrap.
    previous_ended = previous.text.endswith(("。", "！", "？")) and previous.x1 > right + line.size * 0.3
    return starts_at_margin and previous_full and not previous_ended


def _join(text: str, more: str) -> str:
    """A wrapped line rejoined: words of Latin script get their space back, Chinese text none."""
    if re.search(r"[A-Za-z,.;:]$", text) and re.match(r"[A-Za-z]", more):
        return f"{text} {more}"
    return text + more


def _row_cells(row: list[str | None]) -> list[str]:
    """A row's cells as published.py reads them: a spanned cell is printed once (on its first
    row), so the spaces it covers are left out, and so are empty cells before the labels."""
    cells = [cell_text(cell) for cell in row if cell is not None]
    while cells and not cells[0]:
        cells.pop(0)
    return cells if any(cells) else []


def _joined_tables(items: list[Line | Table]) -> list[Line | Table]:
    """A table that runs on to the next page is one table: its continuation is the first item of
    the next page, with as many columns (see continued_table)."""
    joined: list[Line | Table] = []
    for item in items:
        before = joined[-1] if joined else None
        if (isinstance(item, Table) and isinstance(before, Table) and item.page == before.page + 1
                and item.rows and before.rows and len(item.rows[0]) == len(before.rows[0])):
            before.rows = continued_table(before.rows, item.rows)
            continue
        joined.append(Table([list(row) for row in item.rows], item.page, item.top)
                      if isinstance(item, Table) else item)
    return joined


def continued_table(above: list[list[str | None]], below: list[list[str | None]]) -> list[list[str | None]]:
    """The rows of a table cut by a page break (`above` on one page, `below` on the next), as
    one table. A label cell cut in two is rejoined when only the two halves together name a
    label of the form (「（四）无」 + 「法提供」); a row cut in two (no label of its own below) is
    one row, its numbers taken from whichever page printed them."""
    rows = [list(row) for row in above]
    below = [list(row) for row in below]
    if not rows or not below:
        return rows + below
    first = below[0]
    own_label = cut = False
    for column, text in enumerate(first):
        cell = cell_text(text or "")
        if not cell or printed_as_value(cell):
            continue
        owner = _owner(rows, column)
        if owner is not None and match_label(cell, _FORM_LABELS) is None \
                and match_label(cell_text(owner[1]) + cell, _FORM_LABELS) is not None:
            rows[owner[0]][column] = owner[1] + cell
            first[column] = ""
            cut = True
        else:
            own_label = True
    if own_label or not cut:
        return rows + below
    last = rows[-1]
    for column, cell in enumerate(first):
        if cell and cell.strip() and column < len(last) and not (last[column] or "").strip():
            last[column] = cell
    return rows + below[1:]


def _owner(rows: list[list[str | None]], column: int) -> tuple[int, str] | None:
    """The last cell of a column (its row and text), looking up through the spanned spaces."""
    for index in range(len(rows) - 1, -1, -1):
        if column < len(rows[index]) and rows[index][column] is not None:
            return index, rows[index][column]
    return None


def _labels(group: Group) -> list[str]:
    found = []
    for child in group.children:
        found.append(child.label)
        if isinstance(child, Group):
            found += _labels(child)
    return found


_FORM_LABELS = tuple(dict.fromkeys(label for forms in FORMS.values() for form in forms for label in _labels(form.root)))
