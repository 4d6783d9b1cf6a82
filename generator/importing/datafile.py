"""Writing a report's data file in the shape editors fill in (see generator.content.reports).

Every official row is written, one per line, numbers aligned in columns, with a
comment naming the columns above each block: the file an editor opens looks
like the official form.
"""

from __future__ import annotations

import datetime
import re
import unicodedata

from generator.core.form import TABLE2, TABLE3, TABLE4, Group, Row, TableForm
from generator.core.model import Number
from generator.render.tables import format_number

Values = dict[tuple[str, str], Number | None]   # (row id, column id) -> value

HEADER = """\
# {title}：数据文件
# 正文写在同名的 {year}.md 中。
#
# 填写说明：每个数字填在方括号中对应的位置；没有的填 0；原表空白的单元格写 null。
# 各行最后的“总计”可以省略（省略时自动计算），填写了就会被核对。
"""

# A 汇总 report written by `generate new --aggregate`: no tables, so the build sums the members'.
AGGREGATE_HEADER = """\
# {title}：数据文件（汇总）
# 正文写在同名的 {year}.md 中。
#
# 范围: 汇总：表二、三、四不必填写。生成网站时，它们由各下属单位（content/units.yaml 中
# 「上级单位」是本单位的单位）{year} 年报告的数字逐格相加得出，并照常核对。
"""


def data_file_text(title: str, year: int, metadata: dict[str, str], tables: dict[str, Values],
                   omit_rows: frozenset[str] = frozenset(), forms: tuple[TableForm, ...] = (TABLE2, TABLE3, TABLE4),
                   header: str = HEADER) -> str:
    """The YAML text of a data file. `metadata` maps Chinese keys to YAML-ready values (text from
    any input made so by yaml_scalar); the title goes into the header's comment."""
    lines = header.format(title=yaml_comment(title), year=year).splitlines()
    lines.append("")
    for key, value in metadata.items():
        lines.append(f"{key}: {value}")
    for form in forms:
        lines.append("")
        lines.append(f"{form.heading}:")
        lines += _table_lines(form, tables.get(form.number, {}), omit_rows)
    return "\n".join(_align(lines)) + "\n"


# --- text from input, written as YAML data ---------------------------------------------------
# A unit's name, a title or a file name is data: pasted into YAML, a line break in it starts a
# new key (`按原样发布: true`). PyYAML also breaks lines at U+0085, U+2028 and U+2029.

# Plain text that no YAML reader takes for syntax: no indicator or space first, no colon, #,
# bracket or quote anywhere, no space last.
_PLAIN = re.compile(r"[^\s\-?:,\[\]{}#&*!|>'\"%@`][^:#\[\]{},&*!|>'\"%@`]*(?<! )")


def yaml_scalar(text: str) -> str:
    """`text` as a YAML scalar that reads back as exactly this string: plain when that is
    certain, else double-quoted with every character that is not printable escaped."""
    if _PLAIN.fullmatch(text) and text.isprintable() and _plain_is_text(text):
        return text
    return '"' + _escaped(text.replace("\\", "\\\\").replace('"', '\\"')) + '"'


def yaml_comment(text: str) -> str:
    """`text` for a `#` comment: on one line, whatever it holds."""
    return _escaped(text)


def _escaped(text: str) -> str:
    """Line breaks, control and format characters as YAML escapes (\\n, \\x85, \\u2028 ...);
    spaces such as the full-width U+3000 stay as they are."""
    return "".join(ch if ch.isprintable() or unicodedata.category(ch) == "Zs" else _escape(ch) for ch in text)


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02X}" if code <= 0xFF else f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}"


def _plain_is_text(text: str) -> bool:
    """Whether YAML reads the plain scalar as a string (not a number, date, boolean or null)."""
    import yaml     # PyYAML only when a file is written: a build never needs it here

    return yaml.resolver.Resolver().resolve(yaml.ScalarNode, text, (True, False)) == "tag:yaml.org,2002:str"


def _table_lines(form: TableForm, values: Values, omit_rows: frozenset[str]) -> list[str]:
    lines: list[str] = []
    described: set[tuple[str, ...]] = set()

    def walk(group: Group, depth: int) -> None:
        for child in group.children:
            indent = "  " * depth
            if isinstance(child, Group):
                lines.append(f"{indent}{child.label}:")
                walk(child, depth + 1)
                continue
            if child.id in omit_rows:
                continue
            names = tuple(c.label for c in child.columns)
            if len(names) > 1 and names not in described:
                described.add(names)
                lines.append(f"{indent}# 每行 {len(names)} 个数：{', '.join(names)}")
            lines.append(f"{indent}{child.label}: {_row_value(child, values)}"
                         + (f"   # {names[0]}" if len(names) == 1 else ""))

    walk(form.root, 1)
    return lines


def _row_value(row: Row, values: Values) -> str:
    cells = [_yaml_number(values.get((row.id, c.id), 0)) for c in row.columns]
    if len(cells) == 1:
        return cells[0]
    return "[" + ", ".join(cell.rjust(4) for cell in cells) + "]"


def _yaml_number(value) -> str:
    return "null" if value is None else format_number(value)


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _align(lines: list[str]) -> list[str]:
    """Align the values of consecutive `key: value` lines of one indentation (CJK-aware)."""
    out: list[str] = []
    block: list[tuple[str, str]] = []

    def flush() -> None:
        if block:
            width = max(_display_width(key) for key, _ in block)
            out.extend(key + " " * (width - _display_width(key)) + " " + value for key, value in block)
            block.clear()

    def indent(text: str) -> int:
        return len(text) - len(text.lstrip())

    for line in lines:
        key, sep, value = line.partition(": ")
        is_row = sep and value.strip() and not line.lstrip().startswith("#") and (
            value.startswith("[") or value.split("#")[0].strip().replace(".", "").isdigit()
            or value.startswith("null"))
        if is_row and (not block or indent(block[0][0]) == indent(key)):
            block.append((key + ":", value))
            continue
        flush()
        if is_row:
            block.append((key + ":", value))
        else:
            out.append(line)
    flush()
    return out


def carried_over_from(previous_t3: Values) -> Values:
    """R6: this year's 二、上年结转 is last year's 四、结转下年度继续办理.

    Until the editor records results, those applications are still pending, so
    四 starts equal to 二 and the empty skeleton already balances (R3).
    """
    carried = {column: value for (row, column), value in previous_t3.items() if row == "carried_forward"}
    return ({("carried_over", column): value for column, value in carried.items()}
            | {("carried_forward", column): value for column, value in carried.items()})


def new_report_metadata(publisher: str, today: datetime.date, aggregated: bool = False) -> dict[str, str]:
    scope = {"范围": "汇总   # 表格由下属单位的报告相加得出"} if aggregated else {}
    return {
        "草稿": "true   # 草稿不会发布：定稿后删去这一行",
        **scope,
        "发布日期": f"{today.isoformat()}   # 请改为实际发布日期",
        "成文日期": f"{today.isoformat()}",
        "索引号": "                    # 如：组织机构代码/2025-00001",
        "发布机构": yaml_scalar(publisher),
        "主题分类": "综合政务\\政务公开",
    }
