"""Reading a report as it was published: the text of a portal page, tables flattened
into `|`-separated rows (the layout of tests/fixtures/samples; a saved HTML page is
turned into the same lines by generator.importing.htmlpage).

The text is split at the six section headings (and their common variants, also
when a crawler ran them into one line). Each table number is placed by the labels
of its row and the heads of its column, never by position alone; a number that
finds no place is reported, never dropped. Nothing is corrected: blank cells stay
blank, and totals are taken as printed.

Longer than 350 lines: the sections, the metadata and the three tables are read in
one pass over the same numbered lines into one Published record, whose notes every
step adds to; split in two, each half would import the other.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from generator.core.form import (APPLICANT_COLUMNS, APPLICANTS, FORMAT_2019, FORMAT_2021, FORMAT_FREE, FORMS,
                            LEGAL_PERSONS, SECTIONS, TABLE2_CONTENT_LABEL, TABLE3_SINGLE_OTHER, Group, Row,
                            TableForm, match_label, normalize_label)
from generator.core.model import Number
from generator.importing.cells import head_unit, printed_as_value, read_cell

Values = dict[tuple[str, str], Number | None]

# Headings as portals print them besides the official wording.
HEADING_VARIANTS = {
    "五": ("五、存在的主要问题及改进情况", "五、存在问题及改进情况", "五、存在的主要问题和改进情况",
          "五、存在的主要问题及改进措施"),
    "四": ("四、政府信息公开行政复议、行政诉讼情况", "四、政府信息公开行政法复议、行政诉讼情况"),
}
METADATA_KEYS = {"标题": "title", "发布时间": "published", "发布日期": "published", "成文日期": "written",
                 "文号": "doc_no", "发布机构": "publisher", "索引号": "index_no", "主题分类": "topic",
                 "原文链接": "address"}        # the page's own address: the 来源 of the imported report
_IGNORED_KEYS = ("栏目", "来源", "信息来源", "浏览次数", "访问量")
# The value is stripped in Python: `\s*(.*?)\s*$` backtracks quadratically over inner spaces.
_METADATA_LINE = re.compile(r"\s*(" + "|".join(list(METADATA_KEYS) + list(_IGNORED_KEYS)) + r")\s*[:：](.*)")
_TITLE = re.compile(r"^(?P<before>.*?)(?P<year>(?:19|20)\d\d)\s*年度?(?P<after>.*?)政府信息公开(?:工作)?年度?报告(?P<tujie>图解)?$")
# The page around the report: toolbar, breadcrumb, footer. Never part of the text.
# The toolbar's words repeat possessively (`++`, no backtracking: linear on a long line), so a
# longer word comes before its prefix (打印本页 before 打印).
_CHROME = re.compile(r"^(?:-|(?:[【\[]?(?:打印本页|打印|关闭窗口|关闭|返回顶部|收藏|分享)[】\]]?\s*)++|分享到.*"
                     r"|.*字体\s*(?:[:：]\s*)?【\s*大\s*中\s*小\s*】.*|首页\s*>.*|当前位置\s*[:：].*"
                     r"|(?:主办|承办|主办单位|承办单位|版权所有|网站标识码)\s*[:：].*|.*ICP备.*|.*公网安备.*)$")
_DATE = re.compile(r"((?:19|20)\d\d)\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})")
_TABLE_SECTIONS = ("二", "三", "四")


@dataclass
class PublishedTable:
    form: TableForm
    values: Values = field(default_factory=dict)
    rows: set[str] = field(default_factory=set)          # rows printed in the source


@dataclass
class Published:
    title: str | None = None
    year: int | None = None
    unit_name: str | None = None                           # as the title names it
    metadata: dict[str, str] = field(default_factory=dict)  # field id -> text (dates as YYYY-MM-DD)
    format: str = FORMAT_2021
    preamble: list[str] = field(default_factory=list)
    sections: dict[str, list[str]] = field(default_factory=dict)   # 一 -> its lines, verbatim
    headings: dict[str, str] = field(default_factory=dict)         # 一 -> the heading as printed
    tables: dict[str, PublishedTable] = field(default_factory=dict)
    body: list[str] = field(default_factory=list)          # every line of text in order (free-text reports)
    notes: list[tuple[int | None, str]] = field(default_factory=list)     # (line, what was read tolerantly)
    unplaced: list[tuple[int | None, str]] = field(default_factory=list)  # (line, what found no place): fails
    archive_notes: list[str] = field(default_factory=list)   # for the page's 存档说明 (a unit kept as printed)
    original: bytes | None = None      # the published file itself when it is the signed original (a PDF)


def read_published(text: str) -> Published:
    """Everything the published text says, placed; see Published.unplaced for what was not."""
    report = Published()
    lines = _body_lines(text, report)
    current: str | None = None
    table_lines: dict[str, list[tuple[int, str]]] = {}
    for number, line in lines:
        if current in _TABLE_SECTIONS and "|" in line:
            table_lines.setdefault(current, []).append((number, line))
            continue
        if _title(line, report):
            continue                  # the title, or the page's link to its 图解 after the text
        report.body.append(line)
        heading = _section_heading(line)
        if heading is not None:
            current = heading
            report.headings[current] = line
            report.sections.setdefault(current, [])
        elif current is None:
            report.preamble.append(line)
        else:
            report.sections[current].append(line)
    report.format = _format(report, table_lines)
    forms = {form.number: form for form in FORMS[report.format]}
    for number, rows in table_lines.items():
        if number in forms:
            report.tables[number] = _read_table(forms[number], rows, report)
    for number in forms:
        if number not in report.tables:
            report.unplaced.append((None, f"没有找到「{forms[number].heading}」的表格"))
    for table in report.tables.values():
        _missing_rows(table, report)
    return report


def _missing_rows(table: PublishedTable, report: Published) -> None:
    """Rows the source does not print: 规章 may be absent and a 总计 is then computed; any other is an error."""
    for row, _ in table.form.rows():
        if row.id in table.rows or row.optional:
            continue
        if row.total:
            report.notes.append((None, f"表{table.form.number}没有「{row.label}」一行：按各项之和计算"))
        else:
            report.unplaced.append((None, f"表{table.form.number}缺少「{row.label}」一行：原报告中找不到这一行"))


# --- lines, metadata, title ------------------------------------------------------------------

def _body_lines(text: str, report: Published) -> list[tuple[int, str]]:
    """(line number, line) of the report itself: without the samples' notes, the page's
    toolbar and separators; metadata lines are read into report.metadata."""
    lines = []
    in_notes = True
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip().replace("\u3000", " ").strip()
        if in_notes and (line.startswith("SOURCE:") or line.startswith("#")):
            continue                      # the notes at the top of the samples
        in_notes = False
        if not line or _is_separator(line) or _CHROME.match(line):
            continue
        meta = _METADATA_LINE.match(line)
        if meta:
            key, value = METADATA_KEYS.get(meta.group(1)), meta.group(2).strip()
            if key and value:
                report.metadata.setdefault(key, _metadata_value(key, value))
                if key == "title":
                    _title(value, report)
            continue
        for piece in _split_inline_headings(line):
            lines.append((number, piece))
    return lines


def _is_separator(line: str) -> bool:
    """A line of `===` at both ends (a stripped line), tested without a regex: `={3,}.*={3,}` is
    cubic on a long run of `=`."""
    return len(line) >= 6 and line.startswith("===") and line.endswith("===")


def _metadata_value(key: str, value: str) -> str:
    if key in ("published", "written"):
        date = _DATE.search(value)
        if date:
            year, month, day = (int(part) for part in date.groups())
            return f"{year:04d}-{month:02d}-{day:02d}"
    return value


def _title(line: str, report: Published) -> bool:
    """Whether the line is the report's title (or the title of its 图解); notes year and unit."""
    match = _TITLE.match(line) if len(line) < 80 else None
    if match is None:
        return False
    if report.title is None or not match.group("tujie"):
        report.title = report.metadata.get("title") or (line[:-2] if match.group("tujie") else line)
        report.year = int(match.group("year"))
        report.unit_name = (match.group("before") or match.group("after")).strip() or None
    return True


def _split_inline_headings(line: str) -> list[str]:
    """A crawler's flattened page runs the whole report into one line: split it at
    the section headings written out in full, where a space or 。 comes before them."""
    if len(line) < 40:
        return [line]
    cuts = set()
    for number, official in SECTIONS:
        for heading in (official, *HEADING_VARIANTS.get(number, ())):
            for match in re.finditer(r"(?:(?<=[\s。])|^)" + re.escape(heading), line):
                cuts |= {match.start(), match.end()}      # the heading becomes a line of its own
    if not cuts:
        return [line]
    bounds = sorted(cuts | {0, len(line)})
    return [piece.strip() for start, end in zip(bounds, bounds[1:]) if (piece := line[start:end].strip())]


def _section_heading(line: str) -> str | None:
    """The section a heading line opens: its number and wording close to the official one."""
    if len(line) > 40 or "|" in line:
        return None
    folded = normalize_label(line)
    match = re.match(r"^([一二三四五六])\.(.+)$", folded)
    if match is None:
        return None
    number = match.group(1)
    candidates = (dict(SECTIONS)[number], *HEADING_VARIANTS.get(number, ()))
    best = max(difflib.SequenceMatcher(None, folded, normalize_label(c)).ratio() for c in candidates)
    return number if best >= 0.75 else None


def _format(report: Published, table_lines: dict[str, list[tuple[int, str]]]) -> str:
    """The generation of the format, from the tables themselves (and the year when there are none)."""
    if not table_lines:
        if report.year is not None and report.year < 2019:
            return FORMAT_FREE
        return FORMAT_2021                # its tables are reported missing
    heads = " ".join(line for _, line in table_lines.get("二", []))
    if any(word in heads for word in ("本年新制作数量", "上一年项目数量", "政府集中采购", "采购项目数量")):
        return FORMAT_2019
    return FORMAT_2021


# --- tables ------------------------------------------------------------------------------------

def printed_row(cells: list[str]) -> str:
    """A table row as a portal page's text prints it, the line _cells reads back: what the
    HTML, PDF and Word readers make of each row of a table."""
    return " | ".join(cells) + " |"


def _cells(line: str) -> list[str]:
    """The cells as printed (full-width digits too: read_cell notes them; labels are matched folded)."""
    cells = [cell.strip() for cell in line.split("|")]
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _is_number(text: str) -> bool:
    return text.strip() != "" and printed_as_value(text)


def _read_table(form: TableForm, rows: list[tuple[int, str]], report: Published) -> PublishedTable:
    reader = {"二": _read_table2, "三": _read_table3, "四": _read_table4}[form.number]
    return reader(form, rows, report)


def _match(label: str, nodes, report: Published, number: int):
    """The node among `nodes` that `label` names: tolerantly, then by a close spelling (noted)."""
    labels = tuple(node.label for node in nodes)
    found = match_label(label, labels)
    if found is None:
        folded = normalize_label(label)
        scored = sorted(((difflib.SequenceMatcher(None, folded, normalize_label(c)).ratio(), c) for c in labels),
                        reverse=True)
        if scored and scored[0][0] >= 0.8 and (len(scored) == 1 or scored[1][0] < scored[0][0] - 0.1):
            found = scored[0][1]
            report.notes.append((number, f"「{label}」按「{found}」读入"))
    return next((node for node in nodes if node.label == found), None)


def _place_values(table: PublishedTable, row: Row, columns: list, values: list[str], number: int, line: str,
                  report: Published, units: list[str | None] | None = None) -> None:
    """The row's printed values under its columns; `units` are the units the column heads print."""
    if row.id in table.rows:
        report.unplaced.append((number, f"「{line}」：「{row.label}」一行出现了两次"))
        return
    table.rows.add(row.id)
    for index, (column, text) in enumerate(zip(columns, values)):
        where = f"表{table.form.number}「{row.label}」行「{column.label}」列"
        cell = read_cell(text, column, where, units[index] if units else None)
        if cell.error:
            report.unplaced.append((number, f"「{line}」：{cell.error}"))
        if cell.note:
            report.notes.append((number, cell.note))
        if cell.archive_note:
            report.archive_notes.append(cell.archive_note)
        table.values[(row.id, column.id)] = cell.value
    for column in columns[len(values):]:
        table.values[(row.id, column.id)] = None       # printed blank at the end of the row


def _split_row(cells: list[str]) -> tuple[list[str], list[str]]:
    """Leading label cells, then the value cells."""
    labels = []
    for cell in cells:
        if cell == "" or _is_number(cell):
            break
        labels.append(cell)
    return labels, cells[len(labels):]


def _read_table2(form: TableForm, rows: list[tuple[int, str]], report: Published) -> PublishedTable:
    table = PublishedTable(form)
    group: Group | None = None
    heads: list[str] | None = None
    for number, line in rows:
        labels, values = _split_row(_cells(line))
        if not labels and not values:
            continue
        if labels and normalize_label(labels[0]) == normalize_label(TABLE2_CONTENT_LABEL):
            heads = labels[1:]
            continue
        item = _match(labels[0], form.root.children, report, number) if labels and len(labels) == 1 and not values \
            else None
        if isinstance(item, Group):
            group, heads = item, None
            continue
        row = _match(labels[-1], group.children, report, number) if group is not None and labels else None
        if row is None:
            where = (f"「{group.label}」下只有 {'、'.join(group.labels)}" if group is not None
                     else "它前面没有「第二十条第（…）项」")
            report.unplaced.append((number, f"「{line}」：表二中找不到这一行（{where}）：请核对行名，"
                                            "或确认这不是表格的一部分后从文件中删去"))
            continue
        columns = _columns_by_heads(row, heads, number, line, report)
        if columns is None:
            continue
        if len(values) > len(columns):
            report.unplaced.append((number, f"「{line}」：数字比列多（应为 {len(columns)} 个）"))
            continue
        _place_values(table, row, columns, values, number, line, report,
                      [head_unit(head) for head in heads] if heads else None)
    return table


def _columns_by_heads(row: Row, heads: list[str] | None, number: int, line: str, report: Published):
    """The row's columns in the order the printed column heads give."""
    if not heads:
        return list(row.columns)
    columns = []
    for head in heads:
        column = _match(head, row.columns, report, number)
        if column is None:
            report.unplaced.append((number, f"「{line}」：列「{head}」不是「{row.label}」的列"
                                   f"（应为 {'、'.join(c.label for c in row.columns)}）"))
            return None
        columns.append(column)
    return columns


def _read_table3(form: TableForm, rows: list[tuple[int, str]], report: Published) -> PublishedTable:
    table = PublishedTable(form)
    context: list[Group] = [form.root]
    for number, line in rows:
        labels, values = _split_row(_cells(line))
        if not any(_is_number(v) for v in values) and all(_is_head(label) for label in labels):
            continue                          # the column heads
        if not labels:
            report.unplaced.append((number, f"「{line}」：这一行数字前面没有行名"))
            continue
        node, context = _resolve(labels, context, table, report, number)
        if node is None:
            report.unplaced.append((number, f"「{line}」：表三中找不到「{' / '.join(labels)}」这一行："
                                            "请核对行名是否与官方格式一致"))
            continue
        if isinstance(node, Group):
            if node.id != "other":
                report.unplaced.append((number, f"「{line}」：「{node.label}」下应有分项"))
                continue
            table.form = form = TABLE3_SINGLE_OTHER   # （六）其他处理 printed as one row: kept so
            node = next(row for row, _ in form.rows() if row.id == "other")
        if len(values) > len(node.columns) and any(v for v in values[len(node.columns):]):
            report.unplaced.append((number, f"「{line}」：数字比列多（应为 {len(node.columns)} 个）"))
            continue
        _place_values(table, node, list(node.columns), values[:len(node.columns)], number, line, report)
    return table


_HEADS = {normalize_label(word) for word in (*(c.label for c in APPLICANT_COLUMNS), APPLICANTS, LEGAL_PERSONS)}


def _is_head(label: str) -> bool:
    folded = normalize_label(label)
    return folded in _HEADS or folded.startswith(normalize_label("（本列数据"))


def _resolve(labels: list[str], context: list[Group], table: PublishedTable, report: Published, number: int):
    """The row (or group) the labels name, looked for from the innermost open group outwards;
    returns it with the groups now open."""
    for depth in range(len(context), 0, -1):
        path = context[:depth]
        node = None
        for label in labels:
            node = _match(label, path[-1].children, report, number)
            if node is None:
                break
            if isinstance(node, Group) and label is not labels[-1]:
                path = path + [node]
        if node is not None:
            return node, path
    return None, context


def _read_table4(form: TableForm, rows: list[tuple[int, str]], report: Published) -> PublishedTable:
    table = PublishedTable(form)
    columns = [(row, column) for row, _ in form.rows() for column in row.columns]
    for number, line in rows:
        labels, values = _split_row(_cells(line))
        if not any(_is_number(v) for v in values):
            continue                          # the column heads
        if len(values) != len(columns):
            report.unplaced.append((number, f"「{line}」：表四应有 {len(columns)} 个数"
                                   f"（行政复议 5 个、未经复议直接起诉 5 个、复议后起诉 5 个），实有 {len(values)} 个"))
            continue
        if table.rows:
            report.unplaced.append((number, f"「{line}」：表四只应有一行数字"))
            continue
        for row, _ in form.rows():
            mine = [values[i] for i, (r, _) in enumerate(columns) if r is row]
            _place_values(table, row, list(row.columns), mine, number, line, report)
    return table
