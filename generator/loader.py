"""Load and validate a whole site before anything is written.

Layout of a site folder:
    site.yaml                       the portal
    content/units.yaml              the units that publish reports
    content/reports/<unit>/<year>.yaml   a report's metadata and tables
    content/reports/<unit>/<year>.md     its narrative
    templates/                      optional overrides of the default templates
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from generator.checks import check_carry_over, check_in_force, check_report, complete_totals
from generator.config import load_site_config, load_units
from generator.model import Report, Site, Unit
from generator.narrative import load_narrative
from generator.problems import Problems
from generator.reports import parse_report
from generator.source import load_yaml

REPORTS_DIR = "content/reports"
DATA_SUFFIXES = (".yaml", ".yml")
NARRATIVE_SUFFIX = ".md"
_YEAR = re.compile(r"(19|20)\d\d")


@dataclass
class _Cached:
    signature: tuple          # (name, mtime_ns, size) of the report's files
    report: Report
    warnings: list            # its own warnings, repeated when the report is reused


ReportCache = dict[tuple[str, int], _Cached]


def load_site(root: Path, cache: ReportCache | None = None) -> tuple[Site | None, Problems]:
    """Everything the build needs, or None with the problems that prevent it.

    With a cache (kept by the preview server), a report whose files have not
    changed since it was last read is reused instead of parsed again. The
    caller clears the cache when site.yaml or units.yaml change.
    """
    problems = Problems()
    config = load_site_config(root, problems)
    units = load_units(root, problems)
    reports = _load_reports(root, units, problems, cache)
    _refuse_links_out_of(root, "templates", problems)
    _check(reports, problems)
    if config is None:
        return None, problems
    return Site(root=root, config=config, units=units, reports=reports), problems


def _load_reports(root: Path, units: dict[str, Unit], problems: Problems,
                  cache: ReportCache | None) -> list[Report]:
    folder = root / REPORTS_DIR
    if not folder.is_dir():
        problems.warning(REPORTS_DIR, None, "还没有任何报告：报告放在 content/reports/<单位编号>/<年份>.yaml")
        return []
    reports = []
    for unit_dir in sorted(folder.iterdir()):
        rel_dir = f"{REPORTS_DIR}/{unit_dir.name}"
        if not inside(root, unit_dir, rel_dir, problems):
            continue
        if not unit_dir.is_dir():
            problems.warning(rel_dir, None, "已忽略：content/reports 下应只有以单位编号命名的文件夹")
            continue
        for year, files in sorted(_report_files(unit_dir, rel_dir, problems).items()):
            report = _load_report(root, units.get(unit_dir.name), year, files, problems, cache)
            if report is not None:
                reports.append(report)
    return reports


def _report_files(unit_dir: Path, rel_dir: str, problems: Problems) -> dict[int, dict[str, list[Path]]]:
    by_year: dict[int, dict[str, list[Path]]] = {}
    root = unit_dir.parents[2]
    for path in sorted(unit_dir.iterdir()):
        rel = f"{rel_dir}/{path.name}"
        if not inside(root, path, rel, problems):
            continue
        kind = "data" if path.suffix in DATA_SUFFIXES else "narrative" if path.suffix == NARRATIVE_SUFFIX else None
        if kind is None or not _YEAR.fullmatch(path.stem) or not path.is_file():
            problems.warning(rel, None, "已忽略：报告文件应命名为 <年份>.yaml 和 <年份>.md，如 2023.yaml")
            continue
        by_year.setdefault(int(path.stem), {"data": [], "narrative": []})[kind].append(path)
    return by_year


def _load_report(root: Path, unit: Unit | None, year: int, files: dict[str, list[Path]],
                 problems: Problems, cache: ReportCache | None) -> Report | None:
    data_files, narratives = files["data"], files["narrative"]
    rel = _rel(root, (data_files or narratives)[0])
    if unit is None:
        unit_id = rel.split("/")[2]
        problems.error(rel, None, f"单位「{unit_id}」不在单位名录 content/units.yaml 中："
                                  "请先登记该单位，或把文件夹改名为已登记的单位编号", "unit")
        return None
    if len(data_files) > 1:
        problems.error(_rel(root, data_files[1]), None, f"{unit.name} {year} 年的报告重复：与 "
                       f"{_rel(root, data_files[0])} 是同一份报告，请删除其中一个", "duplicate")
        return None
    if not data_files:
        problems.error(rel, None, f"缺少数据文件 {year}.yaml：每份报告由同名的 .yaml（表格）和 .md（正文）组成", "data")
        return None
    if not narratives:
        problems.error(rel, None, f"缺少正文文件 {year}.md：每份报告由同名的 .yaml（表格）和 .md（正文）组成", "narrative")
        return None
    signature = tuple((p.name, st.st_mtime_ns, st.st_size)
                      for p, st in ((p, p.stat()) for p in (data_files[0], narratives[0])))
    cached = cache.get((unit.id, year)) if cache is not None else None
    if cached is not None and cached.signature == signature:
        cached.report.unit = unit
        problems.items.extend(cached.warnings)
        return cached.report
    before = len(problems.items)
    doc = load_yaml(data_files[0], rel, problems)
    report = parse_report(doc, unit, year, problems) if doc is not None else None
    narrative = load_narrative(narratives[0], _rel(root, narratives[0]), problems)
    own = problems.items[before:]
    if report is None or narrative is None or any(p.level == "error" for p in own):
        return None   # its own errors are listed; checks on half-read data would only add noise
    report.narrative = narrative
    if cache is not None:
        cache[(unit.id, year)] = _Cached(signature, report, own)
    return report


def _check(reports: list[Report], problems: Problems) -> None:
    by_key = {report.key: report for report in reports}
    for report in reports:
        for table in report.tables.values():
            complete_totals(table)
    for report in reports:
        report.discrepancies = []
        failures = check_report(report)
        previous = by_key.get((report.unit.id, report.year - 1))
        if previous is not None:
            failures += check_carry_over(previous, report)
            for warning in check_in_force(previous, report):
                problems.warning(warning.file, warning.line, warning.message, warning.rule)
        for failure in failures:
            if report.as_published:
                report.discrepancies.append(f"{failure.message}（{failure.rule}）")
            else:
                problems.error(failure.file, failure.line, failure.message, failure.rule)


def _refuse_links_out_of(root: Path, folder: str, problems: Problems) -> None:
    """Templates and static files are copied or rendered onto the public site."""
    for path in sorted((root / folder).rglob("*")) if (root / folder).is_dir() else ():
        inside(root, path, path.relative_to(root).as_posix(), problems)


def inside(root: Path, path: Path, rel: str, problems: Problems) -> bool:
    """False (with an error) for a link that leads out of the site folder: such a
    file could put anything on the public site, so it is never read."""
    if not path.is_symlink():
        return True
    if path.resolve().is_relative_to(root.resolve()):
        return True
    problems.error(rel, None, "这是一个指向网站文件夹之外的链接，为安全起见不会读取：请把文件本身放进网站文件夹", "symlink")
    return False


def _rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()
