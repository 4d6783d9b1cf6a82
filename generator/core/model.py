"""The site as the renderer sees it: units, reports and their tables."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from generator.core.form import Row, TableForm

KINDS = ("本级政府", "政府部门", "乡镇（街道）")
# 条例 第四十九条 (2019): (month, day) of the next year by which a kind of unit publishes its
# report. 乡镇（街道） are not named there: their deadline is set locally (site.yaml 发布期限).
STATUTORY_DEADLINES = {"本级政府": (3, 31), "政府部门": (1, 31)}
REPETITION_LIMIT = 50       # per cent: R10 warns above it unless site.yaml's 重复率上限 says otherwise
SCOPES = {"本级": "self", "汇总": "aggregated"}
DEFAULT_PUBLISH_TIME = "09:00"  # a report's 发布时间 when its data file gives none (inspections want HH:MM)

Number = int | Decimal


Key = tuple[str, str]   # (row id, column id) of a table cell


@dataclass
class Table:
    """A table's numbers: a blank cell is None, shown blank, distinct from 0.

    Plain values, not an object per cell: a report has about 265 of them, and a
    build reads thousands of reports."""
    form: TableForm
    file: str
    line: int | None
    values: dict[Key, Number | None] = field(default_factory=dict)
    row_lines: dict[str, int | None] = field(default_factory=dict)
    lines: dict[Key, int] = field(default_factory=dict)       # a number on a line of its own (else its row's)
    computed: set[Key] = field(default_factory=set)           # 总计 cells left out of the data and computed

    def has_row(self, row_id: str) -> bool:
        return row_id in self.row_lines

    def rows(self) -> list[tuple[Row, tuple]]:
        """The rows present in this report, in official order, with their groups."""
        return [(row, parents) for row, parents in self.form.rows() if self.has_row(row.id)]

    def shape(self) -> tuple:
        """Its form and the rows present: the key of what is built once per kind of table and
        filled with each report's numbers (the rows in the order written: another order is
        only another entry)."""
        return id(self.form), tuple(self.row_lines)

    def value(self, row_id: str, column_id: str) -> Number | None:
        return self.values[(row_id, column_id)]

    def number(self, row_id: str, column_id: str) -> Number:
        """The value for arithmetic: a blank counts as 0."""
        value = self.values[(row_id, column_id)]
        return value if value is not None else 0

    def line_of(self, row_id: str, column_id: str) -> int | None:
        """Where the editor wrote the number (a computed 总计: where its table or row is)."""
        return self.lines.get((row_id, column_id)) or self.row_lines.get(row_id)


@dataclass
class Unit:
    id: str
    name: str
    kind: str
    code: str | None
    parent: str | None
    order: int
    accent: str | None
    file: str
    line: int | None
    # 曾用编号: the ids it had; each old address keeps a page that redirects to the new one
    former_ids: tuple[str, ...] = ()
    # 曾用名, oldest first: (名称, the last day it was in force, as a date ordinal: the
    # manifest keeps units as plain values)
    former_names: tuple[tuple[str, int], ...] = ()

    def name_on(self, day: datetime.date) -> str:
        """The name in force on `day`: a report keeps the name it was published under."""
        ordinal = day.toordinal()
        return next((name for name, until in self.former_names if ordinal <= until), self.name)

    def name_of_report(self, year: int, published: datetime.date | None) -> str:
        """The name a report of `year` carries: as when published; without a 发布日期, as at the end of its year."""
        return self.name_on(published or datetime.date(year, 12, 31))


@dataclass
class Narrative:
    file: str
    preamble: str                                            # HTML
    sections: dict[str, str] = field(default_factory=dict)  # 一 -> HTML
    sources: dict[str, str] = field(default_factory=dict)   # 一 -> the Markdown as written ("": the preamble)
    starts: dict[str, int] = field(default_factory=dict)    # 一 -> the file line its Markdown starts on


@dataclass
class KeyFigure:
    """A headline number the narrative quotes (主动公开政务信息 53 条), shown on the 图解."""
    label: str
    value: Number
    unit: str | None


@dataclass
class ReportFile:
    """A file in the report's own folder (content/reports/<unit>/<year>/), published beside its page."""
    name: str                 # its file name, as in the folder and on the site
    source: str               # its path on disk
    rel: str                  # its path in the site folder, for messages
    size: int                 # bytes
    type: str                 # PNG, PDF … (its suffix, as editors know it)
    image: bool               # shown in the narrative (else an attachment)
    width: int | None = None  # an image's, from its header (the page does not jump as it loads)
    height: int | None = None


@dataclass
class Report:
    unit: Unit
    year: int
    data_file: str
    title: str
    published: datetime.date | None
    written: datetime.date | None
    published_time: str | None            # 发布时间 as written, "HH:MM" (None: DEFAULT_PUBLISH_TIME)
    index_no: str | None
    publisher: str | None
    topic: str | None
    doc_no: str | None
    validity: str | None
    format: str
    scope: str
    as_published: bool
    tables: dict[str, Table]
    key_figures: list[KeyFigure] = field(default_factory=list)
    narrative: Narrative | None = None
    discrepancies: list = field(default_factory=list)   # the checks' Problems of an archived report, shown on its page
    summed: bool = False                  # 范围: 汇总 without tables: they are the sum of the members' reports
    members: list[Unit] = field(default_factory=list)   # the units summed, shown on the page
    draft: bool = False                   # 草稿: true, or a 【待填写】 left (generator.content.publishing)
    source: str | None = None             # 来源: where an archived report was taken from, and when
    archive_notes: tuple[str, ...] = ()   # 存档说明: how generate import took numbers in (a unit kept as printed)
    field_lines: dict[str, int | None] = field(default_factory=dict)   # metadata field id -> its line, for messages
    unit_name: str = ""                   # the unit's name when it was published (Unit.name_on)
    files: list[ReportFile] = field(default_factory=list)   # its own folder's files, published beside its page
    original_ref: str | None = None       # 全真版 as written in the data file: a path into its folder
    original: ReportFile | None = None    # that file: the signed original
    shown: set[str] = field(default_factory=set)     # the files the narrative shows as images

    @property
    def key(self) -> tuple[str, int]:
        return (self.unit.id, self.year)

    @property
    def pub_date(self) -> str | None:
        return pub_date(self.published, self.published_time)


def pub_date(published: datetime.date | None, time: str | None) -> str | None:
    """The publication time as inspections read it (PubDate): "YYYY-MM-DD HH:MM"."""
    return f"{published.isoformat()} {time or DEFAULT_PUBLISH_TIME}" if published else None


@dataclass(frozen=True)
class ReportSummary:
    """What the listings and the sitemap show of a report; kept in the build cache."""
    unit: Unit
    year: int
    title: str
    published: datetime.date | None
    published_time: str | None = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.unit.id, self.year)

    @property
    def pub_date(self) -> str | None:
        return pub_date(self.published, self.published_time)

    @property
    def unit_name(self) -> str:
        """The unit's name as the report's title gives it (曾用名)."""
        return self.unit.name_of_report(self.year, self.published)

    @classmethod
    def of(cls, report: "Report") -> "ReportSummary":
        return cls(report.unit, report.year, report.title, report.published, report.published_time)

    def packed(self) -> tuple[int, str, int | None, str | None]:
        """As the build cache keeps it: plain values pickle ten times faster than dataclasses and dates."""
        return (self.year, self.title, self.published.toordinal() if self.published else None, self.published_time)

    @classmethod
    def unpacked(cls, unit: Unit, packed: tuple[int, str, int | None, str | None]) -> "ReportSummary":
        year, title, published, time = packed
        return cls(unit, year, title, datetime.date.fromordinal(published) if published is not None else None, time)


@dataclass(frozen=True)
class Conac:
    """党政机关网站标识: a plain link with an image (no vendor script; see INSPECTION.md)."""
    link: str
    image: str                # an https:// address, or a file of the site's static/ ("static/conac.png")
    line: int | None = None   # where site.yaml names the image, for a message


@dataclass
class SiteConfig:
    name: str
    base_url: str | None
    description: str | None
    host: str | None
    contact: str | None
    site_code: str | None
    icp: str | None
    police_record: str | None
    demo: bool
    accent: str
    search: bool = True       # 站内搜索: the search page, the header box and the Pagefind index
    deadlines: dict[str, tuple[int, int]] = field(default_factory=dict)   # 发布期限: kind -> (month, day)
    index_format: str | None = None     # 索引号格式: a template (see generator.content.publication)
    repetition_limit: int = REPETITION_LIMIT   # 重复率上限: per cent of a narrative repeated before R10 warns
    conac: Conac | None = None          # 党政机关网站标识: a link and its image, shown in the footer


@dataclass
class Site:
    root: Path
    config: SiteConfig
    units: dict[str, Unit]
    reports: list[Report]
