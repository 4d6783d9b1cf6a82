"""Totals and the cross-checks (勾稽关系) of FORMAT.md: R1-R3, R5, R6 and R7.

`complete_totals` fills every 总计 the editor left out; the rules then compare
every 总计 that was given. A failure is a Problem: one Chinese line naming the
table, row, column, expected and actual number, and the rule id.
"""

from __future__ import annotations

from generator.core.form import Row
from generator.core.model import Number, Report, Table
from generator.problems import ERROR, WARNING, Problem

def row_title(row: Row, parents: tuple) -> str:
    """「（三）不予公开 1.属于国家秘密」: a numbered sub-row names its group too."""
    if row.label[:1].isdigit() and parents:
        return f"{parents[-1].label} {row.label}"
    return row.label


def complete_totals(table: Table) -> None:
    """Compute the 总计 cells and rows that were left out of the data."""
    for row, _ in table.rows():
        key = row.keys[-1]
        if row.columns[-1].total and key not in table.values:
            table.values[key] = _row_sum(table, row)
            table.computed.add(key)
    for row, parents in table.form.rows():
        if row.total and not table.has_row(row.id):
            summands = _summands(table, row, parents)
            table.row_lines[row.id] = table.line
            for column, key in zip(row.columns, row.keys):
                table.values[key] = _column_sum(table, summands, column.id)
                table.computed.add(key)


def _summands(table: Table, total_row: Row, parents: tuple) -> list[str]:
    """The rows a 总计 row adds up: the others of its group present in this report."""
    key = (id(table.form), total_row.id)        # by id: hashing a frozen form hashes all its rows
    if key not in _GROUP_ROWS:
        group = parents[-1]
        _GROUP_ROWS[key] = tuple(row.id for row, row_parents in table.form.rows()
                                 if row.id != total_row.id and any(p is group for p in row_parents))
    row_lines = table.row_lines
    return [row_id for row_id in _GROUP_ROWS[key] if row_id in row_lines]


# The rows of a 总计 row's group, of each form (module constants: ids stay theirs); asked for
# three times a report, from 30 rows and their groups each time (a sixth of check_report)
_GROUP_ROWS: dict[tuple[int, str], tuple[str, ...]] = {}


def _row_sum(table: Table, row: Row) -> Number:
    """The row's cells before its 总计 (R1, R5)."""
    return _sum(table.values, row.keys[:-1])


def _column_sum(table: Table, row_ids: list[str], column_id: str) -> Number:
    """One column of these rows (R2)."""
    return _sum(table.values, [(row_id, column_id) for row_id in row_ids])


def _sum(values: dict, keys) -> Number:
    """The cells' sum, a blank counting as 0 (as Table.number); plain lookups, no method
    calls: every check of every report runs through here."""
    total = 0
    for key in keys:
        value = values[key]
        if value is not None:
            total += value
    return total


def check_report(report: Report) -> list[Problem]:
    if not report.tables:
        return []                     # a free-text report (before 2019) has no tables to check
    t3, t4 = report.tables["三"], report.tables["四"]
    wrong_results = _wrong_results_totals(t3)      # R2's findings: R3 leaves them to it
    return [*_check_row_totals(t3, "R1", "自然人至其他各列之和"),
            *_check_results_total(t3, wrong_results),
            *_check_balance(t3, wrong_results, blame_once=not report.as_published),
            *_check_row_totals(t4, "R5", "结果维持、结果纠正、其他结果、尚未审结之和")]


def _check_row_totals(table: Table, rule: str, why: str) -> list[Problem]:
    failures = []
    for row, parents in table.rows():
        key = row.keys[-1]
        if key in table.computed:
            continue
        expected = _row_sum(table, row)
        if table.number(*key) != expected:
            total = row.columns[-1]
            failures.append(_fail(table, row, parents, total.id, total.label, expected, why, rule))
    return failures


def _wrong_results_totals(table: Table) -> dict[str, Number]:
    """R2: （一）+（二）+ the sub-rows of （三）-（六） = （七）总计, every column: the columns whose
    given （七）总计 is not that sum, with the sum."""
    if not table.has_row("results_total"):
        return {}
    row, parents = table.form.find("results_total")
    summands = _summands(table, row, parents)
    wrong = {}
    for column, key in zip(row.columns, row.keys):
        if key not in table.computed:
            expected = _column_sum(table, summands, column.id)
            if table.number(*key) != expected:
                wrong[column.id] = expected
    return wrong


def _check_results_total(table: Table, wrong: dict[str, Number]) -> list[Problem]:
    """R2's failures (`wrong`: _wrong_results_totals)."""
    if not wrong:
        return []
    row, parents = table.form.find("results_total")
    return [_fail(table, row, parents, column.id, column.label, wrong[column.id], "（一）至（六）各项之和", "R2")
            for column in row.columns if column.id in wrong]


def _check_balance(table: Table, wrong_results: dict[str, Number], blame_once: bool = True) -> list[Problem]:
    """R3: 一 + 二 = 三（七）总计 + 四, every column; reported on row 四.

    blame_once (a report being written, not an archive's list of its published discrepancies):
    one wrong 总计 is reported once, on its own row, and not also blamed on row 四: a column
    whose （七）总计 fails R2 (`wrong_results`), or row 四's own 总计 failing R1, is left to those
    rules; a 总计 of 一 or 二 that fails R1 is replaced by the sum of its cells, and the message says so."""
    failures = []
    forward_row, parents = table.form.find("carried_forward")
    for column in forward_row.columns:
        if blame_once and (column.total and _total_is_wrong(table, "carried_forward")
                           or column.id in wrong_results):
            continue
        (new, new_note), (old, old_note) = (_balance_figure(table, rid, column) if blame_once
                                            else (table.number(rid, column.id), "") for rid in ("new", "carried_over"))
        done = table.number("results_total", column.id)
        expected = new + old - done
        if table.number("carried_forward", column.id) != expected:
            why = f"一、本年新收 {new}{new_note} + 二、上年结转 {old}{old_note} − （七）总计 {done}"
            failures.append(_fail(table, forward_row, parents, column.id, column.label, expected, why, "R3"))
    return failures


def _total_is_wrong(table: Table, row_id: str) -> bool:
    """Whether the row's given 总计 fails R1 (it is not the sum of its cells)."""
    row, _ = table.form.find(row_id)
    key = row.keys[-1]
    return key not in table.computed and table.number(*key) != _row_sum(table, row)


def _balance_figure(table: Table, row_id: str, column) -> tuple[Number, str]:
    """A figure of R3, and when it is a 总计 that fails R1, the sum of its cells instead,
    with a note saying so."""
    written = table.number(row_id, column.id)
    if not (column.total and _total_is_wrong(table, row_id)):
        return written, ""
    right = _row_sum(table, table.form.find(row_id)[0])
    return right, f"（所填 {written} 有误，按各列之和计）"


def check_carry_over(previous: Report, report: Report) -> list[Problem]:
    """R6: 四、结转下年度 of year N-1 = 二、上年结转 of year N, every column."""
    if "三" not in previous.tables or "三" not in report.tables:
        return []
    before, now = previous.tables["三"], report.tables["三"]
    carried_over_row, parents = now.form.find("carried_over")
    failures = []
    for column in carried_over_row.columns:
        expected = before.number("carried_forward", column.id)
        if now.number("carried_over", column.id) != expected:
            why = f"{previous.year}年报告「四、结转下年度继续办理」"
            failures.append(_fail(now, carried_over_row, parents, column.id, column.label, expected, why, "R6"))
    return failures


def check_in_force(previous: Report, report: Report) -> list[Problem]:
    """R7 (a warning): 现行有效 (N) ≈ 现行有效 (N-1) + 本年制发 (N) − 本年废止 (N)."""
    before, now = previous.tables.get("二"), report.tables.get("二")
    if before is None or now is None or before.form is not now.form:
        return []                     # the trial format's table 2 counts other things
    failures = []
    for row, parents in now.form.rows():
        if row.columns[0].id != "issued" or not (before.has_row(row.id) and now.has_row(row.id)):
            continue
        last = before.number(row.id, "in_force")
        issued, repealed = now.number(row.id, "issued"), now.number(row.id, "repealed")
        expected = last + issued - repealed
        if now.number(row.id, "in_force") != expected:
            why = f"上年现行有效 {last} + 本年制发 {issued} − 本年废止 {repealed}；如本年清理了文件，可忽略"
            failures.append(_fail(now, row, parents, "in_force", "现行有效件数", expected, why, "R7", WARNING))
    return failures


def _fail(table: Table, row: Row, parents: tuple, column_id: str, column: str, expected,
          why: str, rule: str, level: str = ERROR) -> Problem:
    value = table.value(row.id, column_id)
    actual = "空白" if value is None else value
    message = (f"表{table.form.number}「{row_title(row, parents)}」行「{column}」列："
               f"应为 {expected}（{why}），实为 {actual}")
    return Problem(level, table.file, table.line_of(row.id, column_id), message, rule)
