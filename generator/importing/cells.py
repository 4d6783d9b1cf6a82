"""One table cell as offices print it: `251000元`, `8.6万元`, `1,234`, `１２３`, `—` for blank.

Each is read with a note saying how, so the editor can check it; an amount printed in
元 is converted to the form's 万元 only when the table itself prints the column's unit
(a head such as 本年收费金额（单位：万元）). Without it, 251000 is kept as printed and the
unit goes on the page's 存档说明: guessing which unit a table meant would change a number
that the page promises to show as published. Anything else that is not a number is an error.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from generator.core.form import Column
from generator.core.model import Number

# Printed for an empty cell: a dash of any width, a slash, 无. (Full-width －／ fold to -/ first.)
BLANK_MARKS = frozenset({"-", "--", "—", "——", "–", "―", "/", "无"})
AMOUNT_UNITS = ("万元", "元")                     # the form's amounts are in 万元
COUNT_UNITS = ("件", "个", "项", "条", "次")
_NUMBER = re.compile(r"(?P<digits>-?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?)"
                     r"(?P<unit>" + "|".join(AMOUNT_UNITS + COUNT_UNITS) + r")?")
# A cell that starts as a number and goes on with a few word characters (12件元, 3万): printed
# as a value, so it is judged as one rather than taken for a row label (1.属于国家秘密 is not).
_VALUE_LIKE = re.compile(r"-?[0-9][0-9,]*(?:\.[0-9]+)?(?![0-9.,、)])[^\s0-9.,、)]{1,3}")
_TEN_THOUSAND = Decimal(10000)


@dataclass(frozen=True)
class Cell:
    value: Number | None
    note: str | None = None          # how a cell not printed as plain digits was read
    archive_note: str | None = None  # what the page must say of it (存档说明): a unit kept or converted
    error: str | None = None         # why it is not a number


def folded(text: str) -> str:
    """Full-width digits and punctuation as ASCII, spaces gone."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def printed_as_value(text: str) -> bool:
    """Whether a cell is printed in a value's place: a number (with its unit), a blank mark,
    or a number run into a few characters, which is then an error naming the cell."""
    text = folded(text)
    return text in BLANK_MARKS or bool(_NUMBER.fullmatch(text) or _VALUE_LIKE.fullmatch(text))


def head_unit(head: str | None) -> str | None:
    """The unit a column head prints: 本年收费金额（单位：万元） -> 万元; 采购总金额 -> None."""
    if head is None:
        return None
    found = re.search(r"(万元|元)", folded(head))
    return found.group(1) if found else None


def read_cell(printed: str, column: Column, where: str, printed_unit: str | None = None) -> Cell:
    """The cell under `column` (its unit, if the table prints one, in printed_unit); `where`
    names it in notes (表二「政府集中采购」行「采购总金额」列)."""
    text = folded(printed)
    if text == "":
        return Cell(None)
    if text in BLANK_MARKS:
        return Cell(None, note=f"{where}的「{printed}」按空白单元格读入")
    match = _NUMBER.fullmatch(text)
    unit = match and match.group("unit")
    if match is None or unit in AMOUNT_UNITS and not column.amount or unit in COUNT_UNITS and column.amount:
        what = "金额（万元）" if column.amount else "件数"
        return Cell(None, error=f"{where}的「{printed}」不是数字（这一列应为{what}）")
    digits = match.group("digits").replace(",", "")
    value: Number = Decimal(digits) if "." in digits else int(digits)
    if column.amount and (unit or printed_unit) == "元":
        return _yuan(printed, value, where, printed_unit)
    if printed.strip() == digits:
        return Cell(value)
    return Cell(value, note=f"{where}的「{printed}」按 {digits} {unit or ''}读入")


def _yuan(printed: str, value: Number, where: str, printed_unit: str | None) -> Cell:
    """An amount in 元: converted to 万元 when the table prints the column's unit, else kept."""
    if printed_unit is None:
        return Cell(value, note=f"{where}的「{printed}」：表中没有注明这一列的单位，按原样照录为 {value}（单位：元），"
                                "未换算为万元；页面的存档说明注明了这一点",
                    archive_note=f"{where}原表印作「{printed}」，表中未注明单位，照录为 {value}，单位为元")
    converted = value / _TEN_THOUSAND
    converted = int(converted) if converted == converted.to_integral_value() else converted.normalize()
    return Cell(converted, note=f"{where}的「{printed}」按表头的单位（{printed_unit}）换算为 {converted} 万元",
                archive_note=f"{where}原表印作「{printed}」，按表头的单位换算为 {converted} 万元")
