"""范围: 汇总: a report whose tables are the sum of its members' reports of the same year.

A county government's report may cover its departments and towns. Its data file
says `范围: 汇总` and gives no tables; the members are the units whose 上级单位 is
this unit. Each cell is the sum of the members' cells (a cell blank in every
member stays blank), and the sum then goes through the same checks as any report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from generator.core.form import FORMS
from generator.core.model import Report, Table, Unit
from generator.problems import WARNING, Problem, Problems

# unit -> its members with their report files, and a way to load a member's reports
Members = Callable[[Unit], list[tuple[Unit, dict]]]


def sum_members(root: Path, report: Report, members: Members, load, problems: Problems) -> bool:
    """Fill report.tables with the sum of its members' tables; False (with errors) if it cannot."""
    found = []
    for member, files in members(report.unit):
        if report.year not in files:
            continue
        # members passed on: a member may itself sum its own members (parent cycles are refused in units.yaml)
        loaded = [r for r in load(root, member, {report.year: files[report.year]}, problems, members)
                  if r.year == report.year]
        if not loaded:
            return False                     # the member's own errors are listed
        found.append(loaded[0])
    if not found:
        problems.error(report.data_file, None, f"「范围: 汇总」的报告没有可汇总的单位：没有哪个单位的「上级单位」是 "
                                               f"{report.unit.id} 且有 {report.year} 年的报告", "aggregate")
        return False
    formats = {r.format for r in found}
    if formats != {report.format}:
        problems.error(report.data_file, None, f"汇总的各单位报告格式不同（{'、'.join(sorted(formats))}），"
                                               f"与本报告的「{report.format}」不一致，无法相加", "aggregate")
        return False
    for number in (form.number for form in FORMS[report.format]):
        forms = {r.tables[number].form for r in found}
        if len(forms) > 1:
            problems.error(report.data_file, None, f"汇总的各单位报告中，表{number}的行不同（如「（六）其他处理」"
                                                   "有的分三项、有的只写一行），无法逐格相加", "aggregate")
            return False
        report.tables[number] = _sum(forms.pop(), [r.tables[number] for r in found], report.data_file)
    report.members = [r.unit for r in found]
    return True


def zeros_instead_of_sum(root: Path, report: Report, members: Members, load) -> list[Problem]:
    """A warning for a 汇总 data file whose tables are all 0 while its members' reports have numbers:
    the editor most likely kept a skeleton's zeros and meant the sum, which needs no tables at all.
    An archived report keeps what was published, zeros included."""
    if report.scope != "aggregated" or report.summed or report.as_published or _has_numbers(report):
        return []
    quiet = Problems()      # the members' own problems are listed where they are loaded as units
    counted = [member for member, files in members(report.unit) if report.year in files
               and any(r.year == report.year and _has_numbers(r)
                       for r in load(root, member, {report.year: files[report.year]}, quiet, members))]
    if not counted:
        return []
    names = "、".join(member.name for member in counted)
    return [Problem(WARNING, report.data_file, report.field_lines.get("scope"),
                    f"「范围: 汇总」的报告，表格中的数字全是 0，而汇总单位（{names}）的 {report.year} 年报告有数字："
                    "如要由各单位的数字相加得出，请删去本文件中的表二、三、四", "aggregate")]


def _has_numbers(report: Report) -> bool:
    return any(value for table in report.tables.values() for value in table.values.values())


def _sum(form, tables: list[Table], file: str) -> Table:
    total = Table(form=form, file=file, line=None)
    for row, _ in form.rows():
        present = [t for t in tables if t.has_row(row.id)]
        if not present:
            continue
        total.row_lines[row.id] = None
        for column in row.columns:
            values = [t.values[(row.id, column.id)] for t in present if (row.id, column.id) in t.values]
            numbers = [v for v in values if v is not None]
            total.values[(row.id, column.id)] = sum(numbers) if numbers else None
    return total
