"""A JSON Schema of the report data file, built from the official form (generator.core.form).

Editors' tools (the YAML extension of VS Code, WPS add-ins, a unit's own checks)
can use it for completion and to flag a word in a count before gongkai runs. It
names the official labels; gongkai itself also accepts their short forms, so a
key it does not list is allowed here and judged by the build.
"""

from __future__ import annotations

from generator.core.form import FORMAT_2019, FORMAT_2021, FORMS, SUPPORTED_FORMATS, TABLE3_SINGLE_OTHER, Group, Row
from generator.core.model import SCOPES

SCHEMA_ID = "https://gongkai.invalid/schema/report.schema.json"

_DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$", "description": "如 2024-01-19"}
_TEXT = {"type": ["string", "null"]}


def report_schema() -> dict:
    tables = {}
    for number in ("二", "三", "四"):
        variants = {id(form): form for fmt in (FORMAT_2021, FORMAT_2019) for form in FORMS[fmt]
                    if form.number == number}
        if number == "三":
            variants[id(TABLE3_SINGLE_OTHER)] = TABLE3_SINGLE_OTHER
        schemas = [_group(form.root) for form in variants.values()]
        heading = next(iter(variants.values())).heading
        tables[heading] = schemas[0] if len(schemas) == 1 else {"anyOf": schemas}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "政府信息公开工作年度报告：数据文件（gongkai）",
        "description": "content/reports/<单位编号>/<年份>.yaml 的结构。表格的键为官方格式的行名；"
                       "每行的数字按列的顺序写在方括号中，空白单元格写 null，各行最后的总计可以省略。",
        "type": "object",
        "properties": {
            "标题": _TEXT,
            "发布日期": _DATE,
            "发布时间": {"type": "string", "pattern": "^([01]?[0-9]|2[0-3])[:：][0-5][0-9]$",
                     "description": "24 小时制的时和分，如 09:30；不写则为 09:00"},
            "成文日期": {**_DATE, "type": ["string", "null"]},
            "索引号": _TEXT,
            "发布机构": _TEXT,
            "主题分类": _TEXT,
            "文号": _TEXT,
            "有效性": _TEXT,
            "格式": {"enum": list(SUPPORTED_FORMATS)},
            "范围": {"enum": list(SCOPES)},
            "按原样发布": {"type": "boolean"},
            "来源": {**_TEXT, "description": "按原样发布的报告从何处导入（原文件或网址）及导入日期"},
            "草稿": {"type": "boolean", "description": "true：草稿，generate build 不发布"},
            "全真版": {"type": "string", "pattern": r"^\d{4}/[^/\\]+\.(pdf|ofd|PDF|OFD)$",
                       "description": "加盖公章的原件（PDF 或 OFD），放在与报告同名的文件夹中，如 2023/原件.pdf"},
            "图解数字": {"type": "array", "items": {
                "type": "object", "required": ["名称", "数值"],
                "properties": {"名称": {"type": "string"}, "数值": {"type": "number", "minimum": 0},
                               "单位": _TEXT}}},
            **tables,
        },
    }


def _group(group: Group) -> dict:
    properties = {child.label: _group(child) if isinstance(child, Group) else _row(child)
                  for child in group.children}
    return {"type": "object", "description": group.label, "properties": properties}


def _row(row: Row) -> dict:
    cells = [_cell(column) for column in row.columns]
    names = "、".join(column.label for column in row.columns)
    minimum = len(cells) - 1 if row.columns[-1].total else len(cells)
    listed = {"type": "array", "prefixItems": cells, "items": False, "minItems": minimum,
              "description": f"{len(cells)} 个数：{names}"}
    return {"anyOf": [cells[0], listed]} if len(cells) == 1 else listed


def _cell(column) -> dict:
    cell: dict = {"type": ["number" if column.amount else "integer", "null"], "description": column.label}
    if not column.signed:
        cell["minimum"] = 0
    return cell

