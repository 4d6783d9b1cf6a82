"""The 年报 column's pages: one page per year (newest first, grouped by unit kind), and the
column's entry page, which lists the years and the units.

By year, so that no page grows with the whole portal: on one page the column was about 2 MB
at 10,000 reports; a year's page holds only that year's reports (see tests/test_column_pages.py).
"""

from __future__ import annotations

from itertools import groupby

from generator.core.model import KINDS, Report, ReportSummary, Unit
from generator.core.paths import column_year_path

YearLink = tuple[int, str, int]       # (year, its page, how many reports)


def newest_first(report: Report | ReportSummary):
    published = report.published.toordinal() if report.published else 0
    return (-report.year, -published, report.unit.order, report.unit.name)


def ordered_units(units) -> list[Unit]:
    return sorted(units, key=lambda u: (KINDS.index(u.kind), u.order, u.name))


def by_year(newest: list[ReportSummary]) -> list[tuple[int, list[ReportSummary]]]:
    """[(year, its reports)], newest year first; `newest` is sorted by newest_first."""
    return [(year, list(reports)) for year, reports in groupby(newest, key=lambda r: r.year)]


def year_links(years: list[tuple[int, list[ReportSummary]]]) -> list[YearLink]:
    return [(year, column_year_path(year), len(reports)) for year, reports in years]


def by_kind(reports: list[ReportSummary]) -> list[tuple[str, list[ReportSummary]]]:
    """[(kind, reports)] in official order (本级政府, 政府部门, 乡镇（街道）), empty kinds left out."""
    kinds = [(kind, [r for r in reports if r.unit.kind == kind]) for kind in KINDS]
    return [(kind, members) for kind, members in kinds if members]


def units_by_kind(units: list[Unit], summaries: list[ReportSummary]) -> list[tuple[str, list[tuple[Unit, int]]]]:
    """[(kind, [(unit, how many reports)])], every unit listed (one without reports shows 0)."""
    count = {u.id: 0 for u in units}
    for summary in summaries:
        count[summary.unit.id] += 1
    kinds = [(kind, [(u, count[u.id]) for u in units if u.kind == kind]) for kind in KINDS]
    return [(kind, members) for kind, members in kinds if members]


def latest_pub_date(reports) -> str | None:
    """The newest publication time among the reports a page lists: the page's PubDate
    (「未注明信息发布时间的视为不更新」: a listing is as new as its newest report)."""
    return max((r.pub_date for r in reports if r.pub_date), default=None)
