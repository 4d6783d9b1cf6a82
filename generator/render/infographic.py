"""The 图解 (infographic) of a report: the year at a glance, computed from the same data.

Everything here is numbers and short texts for templates/tujie.html. Charts are
tables whose bars are inline SVG: the numbers stay real text (the chart's text
alternative is the table itself), bars scale with the page, and every bar has
its label and value beside it, so colour is never the only cue.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from generator.core.form import TABLE2, TABLE3
from generator.core.model import Number, Report
from generator.render.keypoints import KeyPoints, key_points
from generator.render.tables import format_number


@dataclass
class Figure:
    label: str
    value: Number | None
    unit: str = "件"
    change: str = ""          # 较上年 +2 / 较上年 −3 / 与上年持平; "" without last year's report

    @property
    def text(self) -> str:
        return format_number(self.value)


@dataclass
class Bar:
    label: str
    value: Number
    width: float              # 0-100, proportional to value over the chart's largest value


@dataclass
class Chart:
    id: str
    title: str
    unit: str
    bars: list[Bar]

    @property
    def empty(self) -> bool:
        return not any(bar.value for bar in self.bars)


@dataclass
class Infographic:
    title: str
    disclosure: list[Figure]
    key_figures: list[Figure]
    flow: list[Figure]                 # 新收, 上年结转, 办结, 结转下年度
    applications_empty: bool
    results: Chart | None
    applicants: Chart | None
    appeals: list[Chart]               # 行政复议, 行政诉讼
    appeal_totals: list[Figure]
    appeals_empty: bool
    points: KeyPoints = field(default_factory=KeyPoints)   # of section 五: problems, measures or undivided
    compared_with: int | None = None   # last year, when its report exists
    free_text: bool = False            # a report from before 2019: no tables, so no charts


RESULT_GROUPS = ("disclosed", "partly", "withheld", "unavailable", "not_handled", "other")
APPLICANTS = ("natural", "business", "research", "welfare", "legal", "other")


def build_infographic(report: Report, previous: Report | None) -> Infographic:
    key_figures = [Figure(k.label, k.value, k.unit or "") for k in report.key_figures]
    points = key_points(report.narrative.sources.get("五", "")) if report.narrative else KeyPoints()
    if not report.tables:
        return Infographic(title=f"{report.title}图解", disclosure=[], key_figures=key_figures, flow=[],
                           applications_empty=True, results=None, applicants=None, appeals=[], appeal_totals=[],
                           appeals_empty=True, points=points, free_text=True)
    t2, t3, t4 = (report.tables[n] for n in ("二", "三", "四"))
    if previous is not None and previous.format != report.format:
        previous = None               # another format counts other things: no year-over-year

    def figure(label: str, getter, unit: str = "件") -> Figure:
        value = getter(report)
        change = _change(value, getter(previous)) if previous is not None else ""
        return Figure(label, value, unit, change)

    def t2_value(row: str, column: str):
        return lambda r: r.tables["二"].value(row, column) if r.tables["二"].has_row(row) else None

    def t3_total(row: str):
        return lambda r: r.tables["三"].value(row, "total")

    if t2.form is TABLE2:
        disclosure = []
        for row, name in (("rules", "规章"), ("normative", "规范性文件")):
            if t2.has_row(row):
                disclosure += [figure(f"{name}本年制发", t2_value(row, "issued")),
                               figure(f"{name}本年废止", t2_value(row, "repealed")),
                               figure(f"{name}现行有效", t2_value(row, "in_force"))]
        disclosure += [figure("行政许可", t2_value("licensing", "decisions")),
                       figure("行政处罚", t2_value("penalty", "decisions")),
                       figure("行政强制", t2_value("coercion", "decisions")),
                       figure("行政事业性收费", t2_value("fees", "amount"), "万元")]
    else:                             # the trial format: every number of its table 2, by its labels
        disclosure = [figure(f"{row.label}{column.label}", t2_value(row.id, column.id), _trial_unit(report, column))
                      for row, _ in t2.rows() for column in row.columns]

    flow = [figure("本年新收申请", t3_total("new")),
            figure("上年结转", t3_total("carried_over")),
            figure("本年办结", t3_total("results_total")),
            figure("结转下年度", t3_total("carried_forward"))]

    results = _chart("results", "办理结果", "件", [
        (_group_label(group_id), _group_total(t3, group_id)) for group_id in RESULT_GROUPS])
    applicants = _chart("applicants", "新收申请的申请人类型", "件", [
        (column.label, t3.number("new", column.id))
        for column in TABLE3.find("new")[0].columns if column.id in APPLICANTS])

    outcomes = [c for c in t4.form.find("review")[0].columns if not c.total]

    def lawsuits(r: Report, column_id: str):
        t = r.tables["四"]
        return t.number("direct", column_id) + t.number("after_review", column_id)

    appeals = [
        _chart("review", "行政复议结果", "件", [(c.label, t4.number("review", c.id)) for c in outcomes]),
        _chart("lawsuit", "行政诉讼结果（含未经复议直接起诉和复议后起诉）", "件",
               [(c.label, lawsuits(report, c.id)) for c in outcomes]),
    ]
    appeal_totals = [figure("行政复议", lambda r: r.tables["四"].number("review", "total")),
                     figure("行政诉讼", lambda r: lawsuits(r, "total"))]

    return Infographic(
        title=f"{report.title}图解",
        disclosure=disclosure,
        key_figures=key_figures,
        flow=flow,
        applications_empty=not any(f.value for f in flow),
        results=results,
        applicants=applicants,
        appeals=appeals,
        appeal_totals=appeal_totals,
        appeals_empty=not any(f.value for f in appeal_totals),
        points=points,
        compared_with=previous.year if previous is not None else None,
    )


def _trial_unit(report: Report, column) -> str:
    """万元 for an amount of the trial format, as editors write it; none for an archived report's:
    its form prints 采购总金额 without a unit, and a number kept as printed (251000, printed
    251000元: see importing.cells) may be in 元. The 图解 does not guess."""
    if not column.amount or report.as_published and "万元" not in column.label:
        return ""
    return "万元"


def _change(now: Number | None, before: Number | None) -> str:
    if now is None or before is None:
        return ""
    delta = now - before
    if delta == 0:
        return "与上年持平"
    return f"较上年 {'+' if delta > 0 else '−'}{format_number(abs(delta))}"


def _chart(chart_id: str, title: str, unit: str, items: list[tuple[str, Number]]) -> Chart:
    largest = max((value for _, value in items), default=0)
    bars = [Bar(label, value, round(100 * value / largest, 2) if largest else 0) for label, value in items]
    return Chart(chart_id, title, unit, bars)


@functools.cache
def _group_label(group_id: str) -> str:
    """（三）不予公开 -> 不予公开; （二）部分公开（区分处理的…） -> 部分公开."""
    for row, parents in TABLE3.rows():
        for node in (row, *parents):
            if node.id == group_id:
                return re.sub(r"^（.）|（.*）$", "", node.label)
    raise KeyError(group_id)


@functools.cache
def _group_rows(group_id: str) -> tuple[str, ...]:
    return tuple(row.id for row, parents in TABLE3.rows()
                 if row.id == group_id or any(p.id == group_id for p in parents))


def _group_total(table, group_id: str) -> Number:
    return sum(table.number(row_id, "total") for row_id in _group_rows(group_id) if table.has_row(row_id))
