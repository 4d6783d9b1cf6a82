"""Word (.docx) reports as offices write them, built with python-docx from a published text sample.

The committed fixtures in tests/fixtures/import/docx/ are written by running this file
(`python tests/docxfixtures.py`); tests build variants of them (a wrong total, a newer
version) with the same functions. Every variant has the official table layout, with the
merged cells Word writes (gridSpan across columns, vMerge down rows):
- styles: the title in two paragraphs of the Title style, section headings in Heading 1 and
  sub-heads in Heading 2, numbered by a multi-level list tied to the two styles: Word prints
  「一、」 and 「(一)」, the text holds only 「总体情况」 and 「主动公开情况」 (auto_numbers=False:
  no list, so the section headings have no number at all);
- bold: everything in the Normal style, headings only bold, numbered in their text;
- boxes: as bold, plus a text box (DrawingML and VML) and a header and footer whose text
  would break the import if it were read.
A WPS-saved file is not among them: no free tool here writes one (LibreOffice is not installed).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from docx import Document
from docx.oxml import parse_xml

HERE = Path(__file__).resolve().parent
SAMPLE = HERE / "fixtures" / "samples" / "huajie-2023.txt"
FIXTURES = HERE / "fixtures" / "import" / "docx"
TITLE = "花街镇人民政府2023年政府信息公开工作年度报告"
VARIANTS = ("styles", "bold", "boxes")

_SECTION = re.compile(r"^[一二三四五六]、")
_SUBHEAD = re.compile(r"^[（(][一二三四五六七八九十]+[)）]")
_LEVEL = ((re.compile(r"^[一二三四五六七八九十]+、"), 0), (_SUBHEAD, 1), (re.compile(r"^\d+\."), 2))


def sample_lines(path: Path = SAMPLE) -> list[str]:
    """The report's lines: the sample without the page's toolbar and 图解 link after 六."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.endswith("图解"):
            break
        lines.append(line)
    return lines


def write_report(path: Path, variant: str, lines: list[str] | None = None, auto_numbers: bool = True) -> Path:
    """The report of `lines` (the sample's, unless given) as a Word file of one of VARIANTS."""
    lines = sample_lines() if lines is None else lines
    doc = Document()
    numbered = variant == "styles" and auto_numbers
    if numbered:
        _number_headings(doc)
    if variant == "styles":
        unit, rest = TITLE.split("2023", 1)
        _paragraph(doc, unit, "Title")
        _paragraph(doc, "2023" + rest, "Title")
    else:
        _paragraph(doc, TITLE, None, bold=True)
    table: list[list[str]] = []
    section = None
    for line in lines + [""]:
        if "|" in line:
            table.append([cell.strip() for cell in line.split("|")])
            continue
        if table:
            {"二": _table2, "三": _table3, "四": _table4}[section](doc, table)
            table = []
        if not line:
            continue
        if _SECTION.match(line):
            section = line[0]
            if variant == "styles":
                _paragraph(doc, line[2:], "Heading 1")       # 一、 printed by Word's numbering, or absent
            else:
                _paragraph(doc, line, None, bold=True)
        elif _SUBHEAD.match(line) and len(line) <= 30:
            text = _SUBHEAD.sub("", line) if numbered else line
            _paragraph(doc, text, "Heading 2" if variant == "styles" else None, bold=variant != "styles")
        else:
            _paragraph(doc, line, None)
    if variant == "boxes":
        _add_distractions(doc)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path


_LIST = """<w:abstractNum xmlns:w="{w}" w:abstractNumId="90"><w:multiLevelType w:val="multilevel"/>
 <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/>
  <w:suff w:val="nothing"/></w:lvl>
 <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="(%2)"/>
  <w:suff w:val="nothing"/></w:lvl></w:abstractNum>"""


def _number_headings(doc) -> None:
    """A multi-level list (一、 / (一)) tied to Heading 1 and Heading 2, as offices' templates have."""
    numbering = doc.part.numbering_part.element
    first_num = numbering.find(f"{{{_W}}}num")
    abstract = parse_xml(_LIST.replace("{w}", _W))
    if first_num is not None:
        first_num.addprevious(abstract)
    else:
        numbering.append(abstract)
    numbering.append(parse_xml(f'<w:num xmlns:w="{_W}" w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    for style_id, level in (("Heading1", 0), ("Heading2", 1)):
        properties = doc.styles[style_id.replace("Heading", "Heading ")].element.get_or_add_pPr()
        number = parse_xml(f'<w:numPr xmlns:w="{_W}"><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>')
        keep = [child for child in properties if child.tag in (f"{{{_W}}}keepNext", f"{{{_W}}}keepLines")]
        if keep:
            keep[-1].addnext(number)
        else:
            properties.insert(0, number)


def _paragraph(doc, text: str, style: str | None, bold: bool = False):
    paragraph = doc.add_paragraph(style=style)
    run = paragraph.add_run(text)
    run.bold = bold or None
    return paragraph


def _grid(doc, rows: int, columns: int, rects: list[tuple[int, int, int, int, str]]) -> None:
    """A table with merged cells: each rect is (row, column, rows down, columns across, text)."""
    table = doc.add_table(rows=rows, cols=columns)
    table.style = "Table Grid"
    for row, column, down, across, text in rects:
        cell = table.cell(row, column)
        if down > 1 or across > 1:
            cell = cell.merge(table.cell(row + down - 1, column + across - 1))
        first, wrapped, rest = text.partition("(区分处理的")     # offices break this label in two paragraphs
        cell.text = first
        if wrapped:
            cell.add_paragraph(wrapped + rest)


def _table2(doc, rows: list[list[str]]) -> None:
    rects = []
    for r, cells in enumerate(rows):
        printed = [cell for cell in cells if cell]
        spans = {1: [4], 2: [1, 3]}.get(len(printed), [1] * len(printed))
        column = 0
        for text, across in zip(printed, spans):
            rects.append((r, column, 1, across, text))
            column += across
    _grid(doc, len(rows), 4, rects)


def _table3(doc, rows: list[list[str]]) -> None:
    """The official layout: three label columns (一、 / （一） / 1. each in its own column, a
    group's label merged down its rows) and seven applicant columns under merged heads."""
    heads, body = rows[:3], rows[3:]
    rects = [(0, 0, 3, 3, heads[0][0]), (0, 3, 1, 7, heads[0][1]),
             (1, 3, 2, 1, heads[1][0]), (1, 4, 1, 5, heads[1][1]), (1, 9, 2, 1, heads[1][2])]
    rects += [(2, 4 + i, 1, 1, text) for i, text in enumerate(c for c in heads[2] if c)]
    printed = [[cell for cell in cells if cell] for cells in body]
    for i, cells in enumerate(printed):
        labels = [cell for cell in cells if not re.fullmatch(r"\d+", cell)]
        numbers = cells[len(labels):]
        columns = [next(level for pattern, level in _LEVEL if pattern.match(label)) for label in labels]
        for k, (label, column) in enumerate(zip(labels, columns)):
            last = k == len(labels) - 1
            across = (3 if last else columns[k + 1]) - column
            down = 1 if last else 1 + _rows_inside(printed[i + 1:], column)
            rects.append((3 + i, column, down, across, label))
        rects += [(3 + i, 3 + j, 1, 1, number) for j, number in enumerate(numbers)]
    _grid(doc, len(rows), 10, rects)


def _rows_inside(rows: list[list[str]], column: int) -> int:
    """How many of the following rows sit inside the group whose label is in `column`."""
    count = 0
    for cells in rows:
        first = next(level for pattern, level in _LEVEL if pattern.match(cells[0]))
        if first <= column:
            break
        count += 1
    return count


def _table4(doc, rows: list[list[str]]) -> None:
    review, lawsuits = [cell for cell in rows[1] if cell][:5], [cell for cell in rows[2] if cell]
    rects = [(0, 0, 1, 5, "行政复议"), (0, 5, 1, 10, "行政诉讼")]
    rects += [(1, i, 2, 1, text) for i, text in enumerate(review)]
    rects += [(1, 5, 1, 5, "未经复议直接起诉"), (1, 10, 1, 5, "复议后起诉")]
    rects += [(2, 5 + i, 1, 1, text) for i, text in enumerate(lawsuits)]
    rects += [(3, i, 1, 1, text) for i, text in enumerate(c for c in rows[3] if c)]
    _grid(doc, 4, 15, rects)


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_BOX_TEXT = ("三、收到和处理政府信息公开申请情况", "审阅意见 | 9 | 9 | 9 |")
_DRAWING_BOX = f"""<w:r xmlns:w="{_W}"
  xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
  xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"
  xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">
 <w:drawing><wp:anchor distT="0" distB="0" distL="0" distR="0" simplePos="0" relativeHeight="1" behindDoc="0"
   locked="0" layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/>
  <wp:positionH relativeFrom="column"><wp:posOffset>0</wp:posOffset></wp:positionH>
  <wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset></wp:positionV>
  <wp:extent cx="2000000" cy="500000"/><wp:wrapSquare wrapText="bothSides"/><wp:docPr id="90" name="文本框 1"/>
  <a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">
   <wps:wsp><wps:cNvSpPr txBox="1"/><wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="2000000" cy="500000"/></a:xfrm>
    <a:prstGeom prst="rect"><a:avLst/></a:prstGeom></wps:spPr>
    <wps:txbx><w:txbxContent>{"".join(f"<w:p><w:r><w:t>{t}</w:t></w:r></w:p>" for t in _BOX_TEXT)}</w:txbxContent></wps:txbx>
    <wps:bodyPr/></wps:wsp>
  </a:graphicData></a:graphic></wp:anchor></w:drawing></w:r>"""
_VML_BOX = f"""<w:r xmlns:w="{_W}" xmlns:v="urn:schemas-microsoft-com:vml"><w:pict>
 <v:shape id="box2" style="width:200pt;height:40pt"><v:textbox><w:txbxContent>
  {"".join(f"<w:p><w:r><w:t>{t}</w:t></w:r></w:p>" for t in _BOX_TEXT)}
 </w:txbxContent></v:textbox></v:shape></w:pict></w:r>"""


def _add_distractions(doc) -> None:
    """A header naming another year, a page-number footer, and two text boxes (Word's DrawingML
    one and the VML one of older Word and WPS) holding a section heading and a row of numbers."""
    section = doc.sections[0]
    section.header.paragraphs[0].text = "花街镇人民政府2022年政府信息公开工作年度报告（征求意见稿）"
    section.footer.paragraphs[0].text = "- 1 -"
    paragraphs = doc.paragraphs
    paragraphs[2]._p.append(parse_xml(_DRAWING_BOX))
    paragraphs[-1]._p.append(parse_xml(_VML_BOX))


def main() -> None:
    for variant in VARIANTS:
        print(write_report(FIXTURES / f"huajie-2023-{variant}.docx", variant))


if __name__ == "__main__":
    sys.exit(main())
