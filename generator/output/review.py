"""The 自查表: one page (or JSON) for the whole site, a row per report and a column per item a
reviewer grades (issue 16 item 7), for the 政务公开办 to go through before publishing.

Every item but 要素齐全 is read from the problems `check` found, by rule id (a rule not in
CHECKED_RULES shows — in its column: not checked). 要素齐全 is
judged here: it is what reviewers count, not something a build refuses.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from generator.content.loader import load_unit, members_in
from generator.core.form import FORMAT_FREE
from generator.core.model import Narrative, Report, Unit
from generator.core.paths import COLUMN_DIR, report_path
from generator.inputs.config import SiteConfig
from generator.problems import ERROR, WARNING, Problem, Problems

# (id, column heading): the order of the columns
ITEMS = (("on_time", "按时发布"), ("format", "格式"), ("balance", "勾稽关系"), ("text", "文表一致"),
         ("repeat", "重复率"), ("complete", "要素齐全"), ("draft", "草稿"))
BALANCE_RULES = {"R1", "R2", "R3", "R4", "R5", "R6", "R7"}
RULE_ITEMS = {"R11": "on_time", "R9": "text", "R10": "repeat", "draft": "draft", "placeholder": "draft",
              **{r: "balance" for r in BALANCE_RULES}}
# Items that need a rule to have run: until R10 lands, its column says — (not checked), never ✓.
CHECKED_RULES = {"R9", "R10", "R11"}
NEEDS_RULE = {"text": "R9", "repeat": "R10", "on_time": "R11"}
PASS, FAIL, NONE = "pass", "fail", "none"
MARKS = {PASS: ("✓", "通过"), FAIL: ("✗", "未通过"), NONE: ("—", "未检查")}
COMPLETE = "要素齐全"
METADATA = (("published", "发布日期"), ("written", "成文日期"), ("index_no", "索引号"), ("publisher", "发布机构"))
NARRATIVE_SECTIONS = ("一", "五", "六")
MIN_SECTION_FIVE = 10        # characters: 「无」 or a line is not a section 五
PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*[%％]")


@dataclass
class Row:
    unit: Unit
    year: int
    file: str                                  # the data file, relative to the site
    title: str
    url: str | None                            # the page's address, if site.yaml gives 网站地址
    path: str                                  # the page's path in the output
    items: dict[str, str] = field(default_factory=dict)
    findings: list[tuple[str, Problem]] = field(default_factory=list)   # (item id, problem)
    repeat_percent: float | None = None

    @property
    def anchor(self) -> str:
        return f"r-{self.unit.id}-{self.year}"


@dataclass
class Sheet:
    rows: list[Row]
    site_findings: list[Problem]      # of no one report: site.yaml, units.yaml, templates, stray files


def review_sheet(root: Path, config: SiteConfig, units: dict[str, Unit], files: dict, problems: Problems) -> Sheet:
    """A row per report file of the site, its items judged from `problems` (those of a check).

    The reports are read again (the check's workers keep none of them): 要素齐全 needs them."""
    members = members_in(units, files)
    by_file: dict[str, list[Problem]] = {}
    for problem in problems.sorted():
        if problem.level in (ERROR, WARNING) or problem.rule == "draft":
            by_file.setdefault(problem.file, []).append(problem)
    rows = []
    for unit_id in sorted(files, key=lambda u: (units[u].order, u)):
        loaded = {r.year: r for r in load_unit(root, units[unit_id], files[unit_id], Problems(), members)}
        for year, year_files in sorted(files[unit_id].items()):
            paths = [_relative(root, p) for p in year_files.get("data", []) + year_files.get("narrative", [])
                     + year_files.get("files", [])]     # its own folder's files: a refused type is the report's
            found = [p for path in paths for p in by_file.pop(path, [])]
            rows.append(_row(units[unit_id], year, paths[0], loaded.get(year), found, config))
    return Sheet(rows, [p for found in by_file.values() for p in found])


def _relative(root: Path, path: str) -> str:
    return Path(path).resolve().relative_to(root).as_posix()


def _row(unit: Unit, year: int, file: str, report: Report | None, found: list[Problem], config: SiteConfig) -> Row:
    title = report.title if report is not None else f"{unit.name}{year}年政府信息公开工作年度报告"
    path = report_path(report) if report is not None else f"{COLUMN_DIR}/{unit.id}/{year}.html"
    # The sheet is written wherever --report says, so a relative link would lead nowhere.
    row = Row(unit, year, file, title, config.base_url + path if config.base_url else None, path)
    row.findings = [(item_of(p), p) for p in found]
    if report is not None:
        row.findings += [("complete", p) for p in completeness(report)]
    for item, _ in ITEMS:
        if any(i == item for i, _ in row.findings):
            row.items[item] = FAIL          # each ✗ links to its findings, so a ✗ always has some
        elif not _checked(item, report, row.findings):
            row.items[item] = NONE
        else:
            row.items[item] = PASS
    percents = [float(m.group(1)) for i, p in row.findings if i == "repeat" and (m := PERCENT.search(p.message))]
    row.repeat_percent = max(percents) if percents else None
    return row


def _checked(item: str, report: Report | None, findings: list[tuple[str, Problem]]) -> bool:
    """Whether an item without findings was checked at all: not when its rule has not landed,
    not (beyond 格式 and 勾稽关系) when the file did not load, and not R9 while the tables fail
    R1-R6 (it waits for them, except in an archived report)."""
    rule = NEEDS_RULE.get(item)
    if rule is not None and rule not in CHECKED_RULES:
        return False
    if report is None:
        return item in ("format", "balance")
    tables_fail = any(i == "balance" and p.level == ERROR for i, p in findings)
    return not (item == "text" and tables_fail and not report.as_published)


def item_of(problem: Problem) -> str:
    """The column a problem marks: by its rule id; anything without one of ours (yaml, R8, a
    field's name, index_no) is 格式, and so is R11's duplicate 索引号 (a wrongly entered 索引号)."""
    if problem.rule == "R11" and "索引号" in problem.message:
        return "format"
    return RULE_ITEMS.get(problem.rule, "format")


def completeness(report: Report) -> list[Problem]:
    """要素齐全: the metadata, the six sections present and not empty, 五 more than 「无」, and
    六 saying whether 信息处理费 was charged. Each gap is one line, like the checks'."""
    gaps = []

    def gap(line: int | None, message: str, file: str | None = None) -> None:
        gaps.append(Problem(WARNING, file or report.data_file, line, message, COMPLETE))

    for field_id, label in METADATA:
        if not getattr(report, field_id):
            gap(None, f"缺少「{label}」")
    if report.format != FORMAT_FREE:
        for section in ("二", "三", "四"):
            if not report.tables.get(section):
                gap(None, f"缺少第{section}部分的表格")
    narrative = report.narrative
    if narrative is None:
        gap(None, "缺少正文（同名 .md 文件）：第一、五、六部分")
        return gaps
    if report.format == FORMAT_FREE:
        return gaps
    sources = narrative.sources
    for section in NARRATIVE_SECTIONS:
        if not _plain(sources.get(section, "")):
            gap(_heading_line(narrative, section), f"正文第{section}部分缺少或为空", narrative.file)
    five = _plain(sources.get("五", ""))
    if five and (five.strip("。.") == "无" or len(five) < MIN_SECTION_FIVE):
        gap(_heading_line(narrative, "五"), f"正文第五部分（存在的主要问题及改进情况）只有「{five}」：应写明问题和改进措施",
            narrative.file)
    six = sources.get("六", "")
    if _plain(six) and "信息处理费" not in six:
        gap(_heading_line(narrative, "六"), "正文第六部分没有说明是否收取信息处理费", narrative.file)
    return gaps


def _heading_line(narrative: Narrative, section: str) -> int | None:
    """The line of a section's heading (its Markdown starts on the next), None if it has none."""
    start = narrative.starts.get(section)
    return start - 1 if start else None


def _plain(markdown: str) -> str:
    """The text of a section without its Markdown headings, marks and spaces."""
    text = re.sub(r"^\s*#+.*$", "", markdown, flags=re.M)
    return re.sub(r"[\s*_`>#-]+", "", text)


def review_json(sheet: Sheet, config: SiteConfig) -> str:
    """The sheet for scripts: {"site", "items": [{id, label}], "reports": [{unit, unit_id, year,
    title, file, url, path, items: {id: pass|fail|none}, repeat_percent, findings: [{item, rule,
    level, line}]}], "site_findings": [{rule, level, line}]}."""
    rows = sheet.rows
    data = {
        "site": config.name,
        "items": [{"id": item, "label": label} for item, label in ITEMS],
        "reports": [{"unit": row.unit.name, "unit_id": row.unit.id, "year": row.year, "title": row.title,
                     "file": row.file, "url": row.url, "path": row.path, "items": row.items, "repeat_percent": row.repeat_percent,
                     "findings": [{"item": item, "rule": p.rule, "level": p.level, "line": p.format()}
                                  for item, p in row.findings]}
                    for row in rows],
        "site_findings": [{"rule": p.rule, "level": p.level, "line": p.format()} for p in sheet.site_findings],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


STYLE = """
@page { size: A4 landscape; margin: 12mm; }
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 1rem; color: #1a1a1a; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; font-weight: bold; padding: .5rem 0; }
th, td { border: 1px solid #555; padding: .3rem .5rem; text-align: left; vertical-align: top; }
td.mark { text-align: center; }
.fail { color: #a40000; font-weight: bold; }
a { color: #0645ad; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
@media print { a { color: inherit; } }
"""


def review_html(sheet: Sheet, config: SiteConfig) -> str:
    esc = html.escape
    rows = sheet.rows
    head = "".join(f'<th scope="col">{esc(label)}</th>' for _, label in ITEMS)
    body = "".join(_html_row(row) for row in rows)
    details = "".join(_html_findings(row) for row in rows if row.findings)
    if sheet.site_findings:
        lines = "".join(f"<li><code>{esc(p.format())}</code></li>" for p in sheet.site_findings)
        details += f'<section aria-labelledby="site-h"><h3 id="site-h">全站（不属于某一份报告）</h3>\n<ul>{lines}</ul></section>\n'
    passed = sum(all(v != FAIL for v in row.items.values()) for row in rows)
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>年报自查表 - {esc(config.name)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"
        f"<h1>{esc(config.name)}：政府信息公开工作年度报告自查表</h1>\n"
        f"<p>共 {len(rows)} 份报告，{passed} 份各项均未发现问题。✓ 通过，✗ 未通过（点击查看问题），— 未检查。</p>\n"
        f'<table>\n<caption>各报告审查项目</caption>\n<thead><tr><th scope="col">单位</th><th scope="col">年度</th>'
        f'<th scope="col">报告</th>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>\n'
        + (f"<h2>发现的问题</h2>\n{details}" if details else "<p>没有发现问题。</p>\n")
        + "</main>\n</body>\n</html>\n")


def _html_row(row: Row) -> str:
    esc = html.escape
    title = f'<a href="{esc(row.url)}">{esc(row.title)}</a>' if row.url else f"{esc(row.title)}（{esc(row.path)}）"
    cells = []
    for item, label in ITEMS:
        state = row.items[item]
        mark, words = MARKS[state]
        extra = f" {row.repeat_percent:g}%" if item == "repeat" and row.repeat_percent is not None else ""
        shown = f'<span aria-hidden="true">{mark}</span><span class="visually-hidden">{words}</span>{esc(extra)}'
        if state == FAIL:
            shown = f'<a class="fail" href="#{row.anchor}-{item}">{shown}</a>'
        cells.append(f'<td class="mark">{shown}</td>')
    return (f'<tr><th scope="row">{esc(row.unit.name)}</th><td>{row.year}</td>'
            f'<td>{title}<br><small>{esc(row.file)}</small></td>'
            f'{"".join(cells)}</tr>\n')


def _html_findings(row: Row) -> str:
    esc = html.escape
    parts = [f'<section id="{row.anchor}" aria-labelledby="{row.anchor}-h">'
             f'<h3 id="{row.anchor}-h">{esc(row.title)}</h3>\n']
    for item, label in ITEMS:
        lines = [p.format() for i, p in row.findings if i == item]
        if lines:
            items = "".join(f"<li><code>{esc(line)}</code></li>" for line in lines)
            parts.append(f'<h4 id="{row.anchor}-{item}">{esc(label)}</h4>\n<ul>{items}</ul>\n')
    return "".join(parts) + "</section>\n"
