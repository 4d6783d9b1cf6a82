"""R11 (warnings): when and under which 索引号 a report is published.

- Deadline (条例 第四十九条): 政府部门 by 1月31日 of the next year, 本级政府 by 3月31日;
  乡镇（街道） are not named there, so by 3月31日 unless site.yaml's 发布期限 sets their day
  (it may also set an earlier day for the other kinds). Reports of 2018 and before
  fell under the 条例 before its 2019 revision: every unit by 3月31日.
- Date order: 成文日期 not after 发布日期; both after the report year.
- 索引号: it follows site.yaml's 索引号格式 when there is one (else the common
  「组织机构代码/年份-五位序号」, rule index_no as before), and it is unique within the
  site (duplicate_index_numbers, run by the build over every unit's records).

Archived reports (按原样发布) are judged too: the office should know, and these are only warnings.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from typing import Iterable

from generator.core.model import STATUTORY_DEADLINES, Report, SiteConfig, Unit
from generator.inputs.fields import PLACEHOLDER
from generator.problems import WARNING, Problem

RULE = "R11"
BEFORE_2019 = (3, 31)         # the 条例 of 2008, 第三十一条: every 行政机关 by 3月31日
LOCAL_DEFAULT = (3, 31)       # 乡镇（街道） when site.yaml does not say: the latest a county's own report may be
COMMON_INDEX_NO = re.compile(r"[0-9A-Z]{9}(?:[0-9A-Z]{9})?/\d{4}(?:\d{2})?-\d{5}")

# The words of a 索引号格式 template and what each stands for; anything else is literal.
PLACEHOLDERS = {
    "统一社会信用代码": None,     # the unit's 组织机构代码 in units.yaml (either name: portals use both)
    "组织机构代码": None,
    "年份": r"\d{4}",
    "流水号": r"\d+",
    "*": r".+",
}
_TEMPLATE_WORD = re.compile("|".join(re.escape(word) for word in PLACEHOLDERS))
_ANY_CODE = r"(?:[0-9A-Z]{9}|[0-9A-Z]{18})"

IndexEntry = tuple[str, str, int | None]      # (索引号, data file, line): what the manifest keeps of a report


def check_publication(report: Report, config: SiteConfig) -> list[Problem]:
    """The R11 warnings of one report (and index_no's, when the site gives no 索引号格式)."""
    return [*_check_deadline(report, config), *_check_date_order(report), *_check_index_format(report, config)]


def deadline(unit: Unit, year: int, config: SiteConfig) -> tuple[datetime.date, str]:
    """The last day to publish `unit`'s report of `year`, and where that day comes from."""
    if unit.kind in config.deadlines:
        (month, day), why = config.deadlines[unit.kind], f"{unit.kind}：site.yaml「发布期限」"
    elif year <= 2018:
        (month, day), why = BEFORE_2019, "2019年修订前的条例第三十一条"
    elif unit.kind in STATUTORY_DEADLINES:
        (month, day), why = STATUTORY_DEADLINES[unit.kind], f"{unit.kind}：条例第四十九条"
    else:
        (month, day), why = LOCAL_DEFAULT, f"{unit.kind}：条例未作规定，可在 site.yaml「发布期限」中设定"
    return datetime.date(year + 1, month, day), f"{why}，次年{month}月{day}日前"


def _check_deadline(report: Report, config: SiteConfig) -> list[Problem]:
    published = report.published
    if published is None:
        return []
    last_day, why = deadline(report.unit, report.year, config)
    if published <= last_day:
        return []
    return [_warn(report, "published", f"发布日期 {published} 晚于 {report.year} 年报告的发布期限 "
                                       f"{last_day}（{why}），逾期 {(published - last_day).days} 天")]


def _check_date_order(report: Report) -> list[Problem]:
    found = []
    for field_id, name in (("published", "发布日期"), ("written", "成文日期")):
        day = getattr(report, field_id)
        if day is not None and day.year <= report.year:
            found.append(_warn(report, field_id, f"{name} {day} 不在报告年度之后：{report.year} 年的年度报告"
                                                 f"总结全年工作，应在 {report.year + 1} 年成文和发布，请检查年份"))
    if report.written and report.published and report.written > report.published:
        found.append(_warn(report, "written", f"成文日期 {report.written} 晚于发布日期 {report.published}："
                                              "报告应先成文、后发布，请检查两个日期"))
    return found


def _check_index_format(report: Report, config: SiteConfig) -> list[Problem]:
    index_no = report.index_no
    if not index_no or PLACEHOLDER in index_no:
        return []                     # still to be filled (generate new): the draft says so
    if config.index_format is None:
        if COMMON_INDEX_NO.fullmatch(index_no):
            return []
        return [Problem(WARNING, report.data_file, report.field_lines.get("index_no"),
                        f"索引号「{index_no}」不符合常见格式「组织机构代码/年份-五位序号」", "index_no")]
    if index_pattern(config.index_format, report.unit).fullmatch(index_no):
        return []
    return [_warn(report, "index_no", f"索引号「{index_no}」不符合本站的索引号格式「{config.index_format}」"
                                      f"（site.yaml；{_explained(config.index_format, report.unit)}）")]


def index_pattern(template: str, unit: Unit) -> re.Pattern:
    """A 索引号格式 template as a regular expression for `unit`'s reports: 组织机构代码 (or
    统一社会信用代码) is the unit's own code in units.yaml (any 9 or 18 capitals and digits if it
    has none), 年份 four digits, 流水号 digits, * any text; everything else stands for itself."""
    parts, end = [], 0
    for word in _TEMPLATE_WORD.finditer(template):
        parts.append(re.escape(template[end:word.start()]))
        parts.append(PLACEHOLDERS[word.group()] or (re.escape(unit.code) if unit.code else _ANY_CODE))
        end = word.end()
    parts.append(re.escape(template[end:]))
    return re.compile("".join(parts))


def _explained(template: str, unit: Unit) -> str:
    """What the template's words mean for this unit, in the warning."""
    meanings = {"组织机构代码": f"组织机构代码为本单位在 content/units.yaml 中的「{unit.code}」" if unit.code
                else "组织机构代码为 9 或 18 位字母和数字",
                "年份": "年份为四位数字", "流水号": "流水号为数字", "*": "* 为任意文字"}
    meanings["统一社会信用代码"] = meanings["组织机构代码"].replace("组织机构代码为", "统一社会信用代码为")
    used = dict.fromkeys(word.group() for word in _TEMPLATE_WORD.finditer(template))
    return "，".join(meanings[word] for word in used) or "其中没有可替换的部分，索引号须与之完全相同"


def index_entries(reports: Iterable[Report]) -> list[IndexEntry]:
    """What the site-wide uniqueness check needs of a unit's reports."""
    return [(r.index_no, r.data_file, r.field_lines.get("index_no")) for r in reports if r.index_no]


def duplicate_index_numbers(entries: Iterable[IndexEntry]) -> list[Problem]:
    """A warning on each report whose 索引号 another report of the site also has, naming the
    other's file and line. Compared as a reader would: full-width characters, case and spaces
    do not make two numbers different."""
    by_number: dict[str, list[IndexEntry]] = {}
    for entry in entries:
        by_number.setdefault(_comparable(entry[0]), []).append(entry)
    found = []
    for same in by_number.values():
        if len(same) < 2:
            continue
        same.sort(key=lambda e: (e[1], e[2] or 0))
        for index_no, file, line in same:
            others = "、".join(_where(f, n) for _, f, n in same if (f, n) != (file, line))
            found.append(Problem(WARNING, file, line, f"索引号「{index_no}」与 {others} 的索引号相同："
                                                      "索引号在全站应唯一，请改正其中一个", RULE))
    return found


def _comparable(index_no: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", index_no)).upper()


def _where(file: str, line: int | None) -> str:
    return file if line is None else f"{file}:{line}"


def _warn(report: Report, field_id: str, message: str) -> Problem:
    return Problem(WARNING, report.data_file, report.field_lines.get(field_id), message, RULE)

