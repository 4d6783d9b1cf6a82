"""A Word (.docx) report as the lines generator.importing.published reads.

python-docx opens the package and names the styles; the body is walked in order over
its XML, so that what python-docx's own text leaves out is read too (tracked insertions,
content controls) and what must stay out is skipped (text boxes, deleted text; headers and
footers are other parts, never read). mammoth (Word to HTML, then our HTML reader) was
the other candidate: it is not installed, and python-docx gives the merged cells as Word
wrote them, which is all the label matching needs.

- A paragraph is one line, with the number Word's automatic numbering prints before it
  (generator.importing.wordnumbers). A heading (Word's heading styles or outline level) that
  still has no number gets the number of the section its words name, so that the sections
  are found as in the text import. The title, often two paragraphs in the Title style
  (unit; year and 政府信息公开工作年度报告), is one line.
- A table row is one line of its cells joined by `|`, as the portals' text copies print
  them: a cell merged across columns (gridSpan) is one cell, and a cell merged down rows
  (vMerge) is printed on its first row only, so every merged cell is read once.

A .docx is a zip: its size is checked before it is opened (generator.inputs.source), and
every part's unpacked size before python-docx reads it, so a small file that unpacks to
gigabytes (a zip bomb) is refused. A broken file is an error, never a traceback.
"""

from __future__ import annotations

import difflib
import io
import re
import zipfile
from pathlib import Path

from generator.core.form import SECTIONS, normalize_label
from generator.importing.published import printed_row
from generator.importing.wordnumbers import Numbering
from generator.inputs.source import read_bytes
from generator.problems import Problems

MAX_DOCX_BYTES = 32 * 1024 * 1024        # a report with its stamped scans; the XML is a few hundred KB
MAX_PART_BYTES = 16 * 1024 * 1024        # unpacked, one part (document.xml, an image)
MAX_UNPACKED_BYTES = 96 * 1024 * 1024    # unpacked, the whole package: python-docx loads every part
MAX_PARTS = 2000

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_SKIPPED = {f"{_W}txbxContent", f"{_W}del", f"{_W}moveFrom", f"{_W}rPr", f"{_W}pPr", f"{_W}instrText",
            f"{_W}delText", f"{_W}footnoteReference", f"{_W}endnoteReference"}
_HEADING_STYLE = re.compile(r"(?i)^(?:heading|标题)\s*(\d)$")
_NUMBERED = re.compile(r"^\s*(?:[一二三四五六七八九十]+\s*[、.．]|[（(][一二三四五六七八九十]+[)）]|\d+\s*[、.．])")


def is_word_file(path: Path) -> bool:
    return path.suffix.lower() == ".docx"


def word_text(path: Path, where: str, problems: Problems) -> str | None:
    """The report's lines, or None with an error saying why the file cannot be read."""
    raw = read_bytes(path, where, problems, from_site=False, limit=MAX_DOCX_BYTES)
    if raw is None:
        return None
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        problems.error(where, None, "这是旧版 Word 文件（.doc），不是 .docx：请在 Word 或 WPS 中“另存为”"
                                    "Word 文档（*.docx）后再导入", "docx")
        return None
    if not _safe_package(raw, where, problems):
        return None
    from docx import Document         # imported when first needed: most imports are text

    try:
        document = Document(io.BytesIO(raw))
    except Exception as exc:       # noqa: BLE001 - a damaged file can fail anywhere inside python-docx
        problems.error(where, None, f"Word 文件已损坏或不是 Word 文档，无法读取（{type(exc).__name__}）："
                                    "请用 Word 或 WPS 打开后重新“另存为” .docx", "docx")
        return None
    return "\n".join(_body_lines(document))


def _safe_package(raw: bytes, where: str, problems: Problems) -> bool:
    """Whether the zip opens and unpacks to a sane size. The sizes are those the zip declares:
    zipfile never unpacks a part beyond its declared size, so they bound what is read."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as package:
            parts = package.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        problems.error(where, None, "这个文件不是有效的 Word 文档（.docx 应是 zip 压缩包）："
                                    "请用 Word 或 WPS 打开后重新“另存为” .docx", "docx")
        return False
    largest = max(parts, key=lambda part: part.file_size, default=None)
    total = sum(part.file_size for part in parts)
    if len(parts) > MAX_PARTS or total > MAX_UNPACKED_BYTES or largest and largest.file_size > MAX_PART_BYTES:
        problems.error(where, None, f"Word 文件解压后过大（{len(parts)} 个部件，共 {total // 1024 // 1024} MB），"
                                    "为安全起见不会读取：年度报告的 .docx 解压后只有几 MB，请检查文件", "docx")
        return False
    return True


# --- the body, in order ----------------------------------------------------------------------

def _body_lines(document) -> list[str]:
    styles = _style_levels(document)
    numbering = Numbering(_numbering_xml(document), document.styles.element)
    titles = {style.style_id for style in document.styles if style.name in ("Title", "标题")}
    lines: list[str] = []
    in_title = False
    for block in _blocks(document.element.body):
        if block.tag == f"{_W}tbl":
            lines += _table_lines(block)
            in_title = False
            continue
        found = _paragraph_lines(block, styles, numbering.label(block))
        title = _style_id(block) in titles
        if found and title and in_title:
            lines[-1] += "".join(found)             # the title's second line
        else:
            lines += found
        in_title = title if found else in_title
    return lines


def _numbering_xml(document):
    try:
        return document.part.numbering_part.element
    except (KeyError, NotImplementedError, AttributeError):     # a document without numbering.xml
        return None


def _style_id(paragraph) -> str | None:
    style = paragraph.find(f"{_W}pPr/{_W}pStyle")
    return style.get(f"{_W}val") if style is not None else None


def _blocks(parent):
    """The body's paragraphs and tables in order, also inside block content controls (w:sdt)."""
    for child in parent:
        if child.tag in (f"{_W}p", f"{_W}tbl"):
            yield child
        elif child.tag == f"{_W}sdt":
            content = child.find(f"{_W}sdtContent")
            if content is not None:
                yield from _blocks(content)


def _text(element) -> str:
    """The visible text under `element`: runs, tabs and breaks; not text boxes or deleted text."""
    parts: list[str] = []
    for child in element:
        if not isinstance(child.tag, str) or child.tag in _SKIPPED:
            continue
        if child.tag == f"{_W}t":
            parts.append(child.text or "")
        elif child.tag in (f"{_W}tab", f"{_W}ptab"):
            parts.append("\t")
        elif child.tag in (f"{_W}br", f"{_W}cr"):
            parts.append("\n")
        elif child.tag != f"{_W}tbl":          # a table nested in a cell: its own lines are not ours
            parts.append(_text(child))
    return "".join(parts)


def _squeeze(text: str) -> str:
    return re.sub(r"[ \t\u00a0]+", " ", text).strip()


def _paragraph_lines(paragraph, styles: dict[str, int], number: str) -> list[str]:
    lines = [_squeeze(line) for line in _text(paragraph).split("\n")]
    lines = [line for line in lines if line]
    if lines and number.strip() and not _NUMBERED.match(lines[0]):
        lines[0] = number.strip() + lines[0]
    level = _outline_level(paragraph, styles)
    if lines and level == 1 and not _NUMBERED.match(lines[0]):
        lines[0] = _numbered_section(lines[0])
    return lines


def _table_lines(table) -> list[str]:
    lines = []
    for row in table.iter(f"{_W}tr"):
        if row.getparent() is not table:
            continue                     # a row of a table nested in a cell
        cells = [_squeeze(_text(cell).replace("\n", "")) for cell in row.findall(f"{_W}tc")
                 if not _continues_merge(cell)]
        if any(cells):
            lines.append(printed_row(cells))
    return lines


def _continues_merge(cell) -> bool:
    """A cell that continues the merge of the cell above (vMerge without restart), or of the cell
    before it (hMerge, as older converters write a merge across columns): printed there."""
    for merge in (cell.find(f"{_W}tcPr/{_W}vMerge"), cell.find(f"{_W}tcPr/{_W}hMerge")):
        if merge is not None and merge.get(f"{_W}val", "continue") == "continue":
            return True
    return False


# --- headings ----------------------------------------------------------------------------------

def _style_levels(document) -> dict[str, int]:
    """Style id -> heading level (1 = a section heading), from the style's name or outline level,
    also through the style it is based on (a 「报告标题一」 based on Heading 1)."""
    levels: dict[str, int] = {}
    for style in document.styles:
        level, seen = None, style
        for _ in range(10):                   # a based-on chain; a loop in a damaged file ends here
            if seen is None:
                break
            level = _level_of_style(seen)
            if level is not None:
                break
            seen = getattr(seen, "base_style", None)     # a numbering style has none
        if level is not None and style.style_id:
            levels[style.style_id] = level
    return levels


def _level_of_style(style) -> int | None:
    match = _HEADING_STYLE.match(style.name or "")
    if match:
        return int(match.group(1))
    outline = style.element.find(f"{_W}pPr/{_W}outlineLvl")
    if outline is not None and (outline.get(f"{_W}val") or "").isdigit() and int(outline.get(f"{_W}val")) < 9:
        return int(outline.get(f"{_W}val")) + 1
    return None


def _outline_level(paragraph, styles: dict[str, int]) -> int | None:
    properties = paragraph.find(f"{_W}pPr")
    if properties is None:
        return None
    outline = properties.find(f"{_W}outlineLvl")
    if outline is not None and (outline.get(f"{_W}val") or "").isdigit():
        value = int(outline.get(f"{_W}val"))
        return value + 1 if value < 9 else None
    style = properties.find(f"{_W}pStyle")
    return styles.get(style.get(f"{_W}val")) if style is not None else None


def _numbered_section(text: str) -> str:
    """A section heading whose number Word prints itself, with its number: 总体情况 -> 一、总体情况.
    Left as it is when its words name no section closely."""
    folded = normalize_label(text)
    best, number = max((difflib.SequenceMatcher(None, folded, normalize_label(heading.split("、", 1)[1])).ratio(),
                        number) for number, heading in SECTIONS)
    return f"{number}、{text}" if best >= 0.75 else text
