"""The summary `generate import` prints at the end: after two hundred files, what happened to each.

It reads an importer.ImportRun: its imported and unchanged reports (each with .source, .unit,
.year, .files), the problems of the files refused, the units registered, the checks' findings.
"""

from __future__ import annotations

from generator.importing.units import registered_line
from generator.problems import ERROR


def summary_lines(run, written: bool) -> list[str]:
    """Chinese lines: imported (unit, year, file), unchanged, refused and why, units registered,
    reports with discrepancies or warnings and their rule ids. written: whether anything was
    written (False: an all-or-nothing import that failed)."""
    lines = ["导入小结："]
    if written:
        lines += _listed(f"已导入 {len(run.imported)} 份", [_report(item) for item in run.imported])
    else:
        lines.append("  没有导入任何报告：有文件不能导入时，默认一份也不写入；加 --keep-going 可导入其余没有错误的文件")
    lines += _listed(f"未改动 {len(run.unchanged)} 份（以前已导入，内容相同）", [_report(item) for item in run.unchanged])
    refused = _refused(run)
    lines += _listed(f"未导入 {len(refused)} 个文件", [f"{source}：{reason}" for source, reason in refused.items()])
    if written:
        lines += _listed(f"新登记单位 {len(run.registered)} 个（已写入 content/units.yaml，请核对）",
                         [registered_line(unit) for unit in run.registered])
    else:
        lines += _listed(f"待登记单位 {len(run.registered)} 个（本次未写入）", [registered_line(unit) for unit in run.registered])
    flagged = [(item, rules) for item in run.imported if (rules := _rules(run, item))]
    lines += _listed(f"有不符之处或提醒的报告 {len(flagged)} 份（详见上文各行）",
                     [f"{item.unit.name} {item.year} 年：{'、'.join(rules)}" for item, rules in flagged])
    return lines


def _listed(heading: str, entries: list[str]) -> list[str]:
    return [f"  {heading}：", *(f"    {entry}" for entry in entries)] if entries else []


def _report(item) -> str:
    return f"{item.unit.name} {item.year} 年（{item.unit.id}）：{item.source}"


def _refused(run) -> dict[str, str]:
    """Each refused file with its first problem (all of them are printed above, one a line)."""
    reasons: dict[str, list[str]] = {}
    for problem in run.refused.items:
        if problem.level == ERROR:
            reasons.setdefault(problem.file, []).append(problem.message)
    return {source: messages[0] + (f"（另有 {len(messages) - 1} 个问题）" if len(messages) > 1 else "")
            for source, messages in reasons.items()}


def _rules(run, item) -> list[str]:
    return sorted({problem.rule for problem in run.checks.items if problem.file in item.files and problem.rule},
                  key=lambda rule: (not rule.startswith("R"), len(rule), rule))
