"""A report's data file: metadata fields plus tables 二, 三 and 四.

The tables are written as nested mappings that mirror the official form:

    三、收到和处理政府信息公开申请情况:
      #                  自然人 商业企业 科研机构 社会公益组织 法律服务机构 其他 总计
      一、本年新收:        [6,    0,      0,      0,          0,          0,   6]
      三、本年度办理结果:
        （一）予以公开:    [1, 0, 0, 0, 0, 0, 1]
        （三）不予公开:
          1.属于国家秘密: [0, 0, 0, 0, 0, 0, 0]

A row with one column may be a bare number; a 总计 may be left out.
"""

from __future__ import annotations

import dataclasses

from generator.core.form import (FORMAT_2021, FORMAT_FREE, FORMAT_NAMES, FORMS, SUPPORTED_FORMATS, TABLE3,
                            TABLE3_SINGLE_OTHER, TABLES, Group, Row, TableForm, match_label, suggest_label)
from generator.core.model import SCOPES, KeyFigure, Report, Table, Unit
from generator.inputs import fields as f
from generator.inputs.document import Document
from generator.inputs.inspection import clock_time
from generator.problems import ERROR, Problem, Problems


def _format(value, raw) -> str:
    written = f.text(value, raw) or FORMAT_2021
    if written not in SUPPORTED_FORMATS:
        known = "；".join(f"{name}（{FORMAT_NAMES[name]}）" for name in SUPPORTED_FORMATS)
        raise f.FieldError(f"应为以下之一：{known}，实为「{written}」")
    return written


METADATA_FIELDS = (
    f.Field("title", "标题", f.text),
    f.Field("published", "发布日期", f.date, required=True, hint="如：2024-01-19"),
    f.Field("published_time", "发布时间", clock_time, hint="如：09:30"),
    f.Field("written", "成文日期", f.date),
    f.Field("index_no", "索引号", f.text),
    f.Field("publisher", "发布机构", f.text),
    f.Field("topic", "主题分类", f.text),
    f.Field("doc_no", "文号", f.text),
    f.Field("validity", "有效性", f.text),
    f.Field("format", "格式", _format, default=FORMAT_2021),
    f.Field("scope", "范围", f.choice(SCOPES), default="self"),
    f.Field("as_published", "按原样发布", f.boolean, default=False),
    f.Field("draft", "草稿", f.boolean, default=False),
    f.Field("source", "来源", f.text),
    f.Field("archive_notes", "存档说明", lambda value, raw: _texts(value), default=()),   # written by generate import
    f.Field("original", "全真版", f.text),      # the signed original: resolved by generator.content.reportfiles
    f.Field("key_figures", "图解数字", lambda value, raw: value, default=None),   # read by _key_figures
)

# An archived report is shown as it was published; some portals never showed a date.
ARCHIVE_METADATA_FIELDS = tuple(dataclasses.replace(field, required=False) if field.id == "published" else field
                                for field in METADATA_FIELDS)


def _texts(value) -> tuple[str, ...]:
    """One text or a list of texts (存档说明: what the page says of how a number was taken in)."""
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(item, str) for item in items):
        raise f.FieldError("应为一段文字，或以「- 」开头的几行文字")
    return tuple(item.strip() for item in items if item.strip())


def _metadata_fields(metadata: dict) -> tuple[f.Field, ...]:
    flag = metadata.get("按原样发布", metadata.get("as_published"))
    try:
        archived = f.boolean(flag, None) if flag is not None else False
    except f.FieldError:
        archived = False                  # reported when the fields are read
    return ARCHIVE_METADATA_FIELDS if archived else METADATA_FIELDS


KEY_FIGURE_FIELDS = (
    f.Field("label", "名称", f.text, required=True, hint="如：主动公开政务信息"),
    f.Field("value", "数值", lambda value, raw: f.number(value, amount=True), required=True, hint="如：53"),
    f.Field("unit", "单位", f.text),
)

TABLE_HEADINGS = [t.heading for t in TABLES]


def parse_report(doc: Document, unit: Unit, year: int, problems: Problems) -> Report | None:
    if doc.data is None:
        problems.error(doc.rel, None, "数据文件是空的：请填写发布日期和表二、表三、表四，可参考示例报告")
        return None
    if not isinstance(doc.data, dict):
        problems.error(doc.rel, doc.line(()), "数据文件应由「项目: 内容」组成，而不是列表或单独的文字")
        return None
    metadata, table_values = {}, {}
    for key, value in doc.data.items():
        shown = f.visible(key) if doc.invisible else key
        heading = match_label(shown, TABLE_HEADINGS) if _looks_like_table(shown) else None
        if heading is None:
            metadata[key] = value         # read_fields reports an invisible character in its key
        elif heading in table_values:
            problems.error(doc.rel, doc.line((key,)), f"「{heading}」写了两次", "table")
        else:
            if doc.invisible:
                f.refuse_invisible(doc, (), key, problems, "", "label")
            table_values[heading] = (key, value)
    values = f.read_fields(doc, metadata, (), _metadata_fields(metadata), problems, "报告数据")
    field_lines = {field.id: doc.line((key,)) for field in METADATA_FIELDS for key in (field.key, field.id)
                   if key in metadata}
    forms = FORMS[values["format"] or FORMAT_2021]
    tables, discrepancies = {}, []
    summed = values["scope"] == "aggregated" and not table_values    # computed from the members' (generator.content.aggregate)
    if values["as_published"]:
        _require_source(doc, values, problems)
        reported, problems = problems, _ArchivedCells(problems, discrepancies)
    for form in () if summed else forms:
        if form.heading not in table_values:
            problems.error(doc.rel, None, f"缺少「{form.heading}」表格的数据", "table")
            continue
        key, value = table_values[form.heading]
        if form is TABLE3 and _other_as_one_row(value):
            form = TABLE3_SINGLE_OTHER        # （六）其他处理 published as one row: kept so
        tables[form.number] = parse_table(form, value, doc, (key,), problems)
    if values["as_published"]:
        problems = reported
    else:
        _warn_blank_cells(doc, tables, problems)
    if not forms and table_values:
        heading = next(iter(table_values))
        problems.error(doc.rel, doc.line((table_values[heading][0],)),
                       f"「{FORMAT_FREE}」的报告没有统计表格：请删去「{heading}」，或把「格式」改为 2021 或 2019试行", "table")
    unit_name = unit.name_of_report(year, values["published"])     # as it was when published (曾用名)
    title = values.pop("title") or f"{unit_name}{year}年政府信息公开工作年度报告"
    values["key_figures"] = _key_figures(doc, values["key_figures"], problems)
    values["original_ref"] = values.pop("original")    # the file itself: found by generator.content.loader
    return Report(unit=unit, year=year, data_file=doc.rel, title=title, tables=tables, summed=summed,
                  discrepancies=discrepancies, field_lines=field_lines, unit_name=unit_name, **values)


def _warn_blank_cells(doc: Document, tables: dict[str, Table], problems: Problems) -> None:
    """A blank (null) cell or row in a new report: the form wants 0 for nothing, and a blank
    is usually a number forgotten. Only an archived report keeps the blanks it was published with."""
    for table in tables.values():
        if None not in table.values.values():
            continue                  # every report but a few: nothing to look at
        for row, _ in table.rows():
            # a blank 总计 is named by R1, R2 or R5 when the sum is not 0
            cells = [(key, column) for key, column in zip(row.keys, row.columns)
                     if not column.total and key not in table.computed]
            blank = [column.label for key, column in cells if table.values[key] is None]
            if not blank or any(p.file == doc.rel and p.line == table.row_lines[row.id] for p in problems.errors):
                continue              # a cell that could not be read is reported as such
            where = f"表{table.form.number}「{row.label}」"
            what = "没有填写" if len(blank) == len(cells) else f"的「{'」「'.join(blank)}」列是空白"
            problems.warning(doc.rel, table.row_lines[row.id], f"{where}{what}：请填写数字，没有的写 0"
                                                               "（null 只用于照原样存档的报告中原表空白的单元格）", "blank")


def _require_source(doc: Document, values: dict, problems: Problems) -> None:
    """按原样发布 silences the checks and tells citizens the page is an archive: only a report
    taken in as published may say so, and 来源 records where from (generate import writes both)."""
    if not values["source"]:
        key = "按原样发布" if "按原样发布" in doc.data else "as_published"
        problems.error(doc.rel, doc.line((key,)), "「按原样发布: true」只用于照原样存档的已发布报告（generate import "
                       "导入时写入）：数字不符合勾稽关系也照常发布，页面注明为历史存档。存档的报告请写明「来源」"
                       "（原文件或网址，以及导入日期）；新写的报告请删去这一行", "as_published")


class _ArchivedCells(Problems):
    """An archived report's tables are read as published: a negative count (R8) is listed
    among its discrepancies, like R1-R6, instead of failing the build; anything else is reported."""

    def __init__(self, problems: Problems, discrepancies: list):
        super().__init__(problems.items)
        self.discrepancies = discrepancies

    def error(self, file: str, line: int | None, message: str, rule: str = "") -> None:
        if rule == "R8" and f.NEGATIVE in message:
            self.discrepancies.append(Problem(ERROR, file, line, message, rule))
        else:
            super().error(file, line, message, rule)


def _key_figures(doc: Document, value, problems: Problems) -> list[KeyFigure]:
    """图解数字: optional headline numbers from the narrative, each 名称 / 数值 / 单位."""
    if value is None:
        return []
    key = "图解数字" if "图解数字" in doc.data else "key_figures"
    if not isinstance(value, list):
        problems.error(doc.rel, doc.line((key,)), "「图解数字」应逐条列出，每条以“- 名称:”开头", "key_figures")
        return []
    figures = []
    for index, item in enumerate(value):
        path = (key, index)
        if not isinstance(item, dict):
            problems.error(doc.rel, doc.line(path), "「图解数字」的每一条应有 名称、数值（和单位）", "key_figures")
            continue
        fields = f.read_fields(doc, item, path, KEY_FIGURE_FIELDS, problems, "图解数字")
        if fields["label"] is not None and fields["value"] is not None:
            figures.append(KeyFigure(**fields))
    return figures


def _other_as_one_row(table3) -> bool:
    """Whether table 3's （六）其他处理 is written as one row of numbers rather than its three sub-rows."""
    if not isinstance(table3, dict):
        return False
    results = next((v for k, v in table3.items() if match_label(k, TABLE3.root.labels) == "三、本年度办理结果"), None)
    if not isinstance(results, dict):
        return False
    group = next(c for c in TABLE3.root.children if isinstance(c, Group))
    return any(isinstance(v, list) for k, v in results.items() if match_label(k, group.labels) == "（六）其他处理")


def _looks_like_table(key: str) -> bool:
    return key[:1] in "二三四表" or "情况" in key


def parse_table(form: TableForm, value, doc: Document, path: tuple, problems: Problems) -> Table:
    table = Table(form=form, file=doc.rel, line=doc.line(path))
    _read_group(form, form.root, value, doc, path, table, problems)
    return table


def _read_group(form: TableForm, group: Group, value, doc: Document, path: tuple,
                table: Table, problems: Problems) -> None:
    if not isinstance(value, dict):
        problems.error(doc.rel, doc.line(path), f"{_where(form, group)}下应逐行列出各项（换行并缩进），而不是直接写数字", "table")
        return
    labels = group.labels
    given: dict[str, str] = {}
    suggested: set[str] = set()   # a misspelt row is reported once, not also as missing
    for key in value:
        shown = f.refuse_invisible(doc, path, key, problems, "", "label") if doc.invisible else key
        label = match_label(shown, labels)
        if label is None:
            suggestion = suggest_label(shown, labels)
            suggested.add(suggestion)
            fix = f"，是否想写「{suggestion}」？" if suggestion else f"，应为：{'、'.join(labels)}"
            problems.error(doc.rel, doc.line(path + (key,)), f"{_where(form, group)}下没有「{shown}」这一项{fix}", "label")
        elif label in given:
            problems.error(doc.rel, doc.line(path + (key,)),
                           f"{_where(form, group)}下的「{label}」写了两次（另一处写作「{f.visible(given[label])}」）", "label")
        else:
            given[label] = key
    for child in group.children:
        key = given.get(child.label)
        if key is None:
            if child.label in suggested or isinstance(child, Row) and (child.optional or child.total):
                continue
            problems.error(doc.rel, doc.line(path), f"{_where(form, group)}下缺少「{child.label}」"
                           f"{'一行' if isinstance(child, Row) else '一组'}：请补上，没有的写 0", "label")
            continue
        if isinstance(child, Group):
            _read_group(form, child, value[key], doc, path + (key,), table, problems)
        else:
            _read_row(form, child, value[key], doc, path + (key,), table, problems)


_INTS_ONLY = {int}      # a row of plain counts, checked without a Python-level loop
_MAX_COUNT = f.MAX_COUNT


def _where(form: TableForm, node: Row | Group) -> str:
    """「表三「…」」, the row or group a message is about (written only when there is one)."""
    return f"表{form.number}「{node.label}」"


def _read_row(form: TableForm, row: Row, value, doc: Document, path: tuple,
              table: Table, problems: Problems) -> None:
    line = doc.line(path)
    columns = row.columns
    if len(columns) == 1 and not isinstance(value, list):
        value = [value]
    types = set(map(type, value)) if isinstance(value, list) else None    # (once: the fast path asks too)
    if types is None or str in types:
        punctuation = f.row_punctuation(value)        # ［５，２］, [5，2, 0], [1、0、0]: one line for the row
        if punctuation is not None:
            problems.error(doc.rel, line, f"{_where(form, row)}：{punctuation}", "R8")
            return
    if types is None:
        problems.error(doc.rel, line, f"{_where(form, row)}应写成方括号中的 {len(columns)} 个数："
                       f"[{', '.join(c.label for c in columns)}]", "table")
        return
    may_omit_total = columns[-1].total
    if not (len(value) == len(columns) or (may_omit_total and len(value) == len(columns) - 1)):
        names = "、".join(c.label for c in columns)
        problems.error(doc.rel, line, f"{_where(form, row)}应有 {len(columns)} 个数（{names}"
                       f"{'，总计可省略' if may_omit_total else ''}），实有 {len(value)} 个", "table")
        return
    table.row_lines[row.id] = line
    itemized = path + (0,) in doc.lines      # each number has a line of its own (else it is the row's)
    if types == _INTS_ONLY and not itemized and min(value) >= 0 and max(value) <= _MAX_COUNT:
        table.values.update(zip(row.keys, value))      # a row of plain counts (most rows): nothing to check
        return
    for index, (key, column, number) in enumerate(zip(row.keys, columns, value)):   # a 总计 left out: complete_totals
        if itemized:
            table.lines[key] = doc.line(path + (index,))
        if type(number) is not int or not 0 <= number <= _MAX_COUNT:     # f.number says what is wrong
            try:
                number = f.number(number, amount=column.amount, signed=column.signed)
            except f.FieldError as exc:
                problems.error(doc.rel, table.lines.get(key, line), f"{_where(form, row)}行「{column.label}」列：{exc}", "R8")
                number = None
        table.values[key] = number
