"""Which reports a build publishes: not drafts, and not those dated after today.

A draft (草稿: true, or a 【待填写】 left in its data or narrative) and a scheduled report (a
发布日期 after today) are read and checked like any other, and left out of every output of
`build`: pages, listings, sitemap, search index, open data. `build --drafts` and the preview
show drafts (with a 草稿 banner), `--include-future` the scheduled ones.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field

from generator.core.model import Report
from generator.inputs.fields import PLACEHOLDER
from generator.problems import NOTE, Problem, Problems

TODAY_VARIABLE = "GONGKAI_TODAY"    # YYYY-MM-DD: the date a build takes as today (tests, a rehearsal)


def today() -> datetime.date:
    written = os.environ.get(TODAY_VARIABLE)
    return datetime.date.fromisoformat(written) if written else datetime.date.today()


@dataclass(frozen=True)
class Publishing:
    drafts: bool = False          # drafts are published (marked 草稿)
    future: bool = False          # reports dated after today are published
    today: datetime.date = field(default_factory=today)


def has_placeholder(report: Report) -> bool:
    """A 【待填写】 left in its fields or narrative: the report is a draft, whatever 草稿 says."""
    texts = [report.title, report.index_no, report.publisher, report.topic, report.doc_no, report.validity]
    if report.narrative is not None:
        texts += report.narrative.sources.values()
    # 发布日期 is required unless archived: without one, it was left 【待填写】 (generator.inputs.fields.date)
    return report.published is None and not report.as_published or any(text and PLACEHOLDER in text for text in texts)


def published(reports: list[Report], publishing: Publishing, problems: Problems) -> tuple[list[Report], int | None]:
    """The reports to publish, each one left out said so (a draft: a note, since a draft is a
    normal state; a scheduled report: a warning, the date may be a typo). Also the earliest
    date (an ordinal) of a report left out as scheduled: the build that takes it in."""
    kept, scheduled = [], None
    for report in reports:
        flagged, unfilled = report.draft, has_placeholder(report)
        report.draft = flagged or unfilled      # also the pages' 草稿 banner
        if report.draft and not publishing.drafts:
            problems.items.append(_draft_note(report, flagged, unfilled))
        elif report.published and report.published > publishing.today and not publishing.future:
            problems.warning(report.data_file, report.field_lines.get("published"),
                             f"发布日期 {report.published} 还没到，{report.title}暂不发布，"
                             "到期后的第一次构建自动发布（generate build --include-future 可提前生成）", "R11")
            ordinal = report.published.toordinal()
            scheduled = ordinal if scheduled is None else min(scheduled, ordinal)
        else:
            kept.append(report)
    return kept, scheduled


def _draft_note(report: Report, flagged: bool, unfilled: bool) -> Problem:
    todo = "、".join(what for what, needed in (("删去「草稿: true」", flagged), (f"填完所有「{PLACEHOLDER}」", unfilled))
                    if needed)
    return Problem(NOTE, report.data_file, report.field_lines.get("draft") if flagged else None, f"{report.title}是草稿，未发布：定稿后请{todo}"
                   "（generate build --drafts 可连草稿一起生成，供内部审阅）", "draft")
