"""Find and read the site's files: config, units, and each unit's reports with their checks.

Layout of a site folder:
    site.yaml                       the portal
    content/units.yaml              the units that publish reports
    content/reports/<unit>/<year>.yaml   a report's metadata and tables
    content/reports/<unit>/<year>.md     its narrative
    content/reports/<unit>/<year>/       its own files: images, attachments, 全真版 (optional)
    templates/                      optional overrides of the default templates
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from generator.content.aggregate import Members, sum_members, zeros_instead_of_sum
from generator.content.checks import check_carry_over, check_in_force, check_report, complete_totals
from generator.content.narrative import load_narrative
from generator.content.publication import check_publication, duplicate_index_numbers, index_entries
from generator.content.reportfiles import PUBLISHED_TYPES, ReportFolder, folder_files, load_files
from generator.content.reports import parse_report
from generator.content.textcheck import check_text
from generator.core.form import FORMAT_FREE
from generator.core.model import Report, Site, SiteConfig, Unit
from generator.inputs.config import UNITS_FILE, load_site_config, load_units
from generator.inputs.source import MAX_ASSET_BYTES, confined, inside, load_yaml, unreadable
from generator.problems import ERROR, Problems

REPORTS_DIR = "content/reports"
DATA_SUFFIXES = (".yaml", ".yml")
NARRATIVE_SUFFIX = ".md"
_YEAR = re.compile(r"(19|20)\d\d")
LINK_RULES = ("symlink", "hardlink")


# year -> {"data": [...], "narrative": [...], "files": [...]}: paths as strings until a file is
# read (a province has 20,000 of them, and most builds read none); "files", the report's own
# folder's, only when it has that folder
ReportFiles = dict[int, dict[str, list[str]]]
# unit folder name -> (the mtime_ns of it and of its reports' folders, its ReportFiles): the
# folders as the last build listed them
Listings = dict[str, tuple[tuple[int, ...], ReportFiles]]
SETTLED_NS = 2_000_000_000   # a folder changed this recently may change again within its mtime's tick


def load_site(root: Path) -> tuple[Site | None, Problems]:
    """Everything, read and checked in memory, for tools that need the whole site at
    once. `build` and `check` read unit by unit (see generator.build)."""
    problems = Problems()
    config, units, files = read_inputs(root, problems)
    reports = []
    members = members_in(units, files)
    for unit_id, unit_files in files.items():
        reports += load_unit(root, units[unit_id], unit_files, problems, members, config)
    if config is None:
        return None, problems
    problems.items += duplicate_index_numbers(index_entries(reports))
    return Site(root=root, config=config, units=units, reports=reports), problems


def read_inputs(root: Path, problems: Problems, units: dict[str, Unit] | None = None,
                listings: Listings | None = None):
    """site.yaml, the units (unless given: the build may reuse them), and where every
    report's files are; no report is read yet. See discover_reports for `listings`."""
    config = load_site_config(root, problems)
    units = units if units is not None else load_units(root, problems)
    files = discover_reports(root, units, problems, listings)
    refuse_links_out_of(root, "templates", problems)
    if any(p.rule in LINK_RULES for p in problems.items):
        config = None       # nothing is rendered (`check` renders despite errors) while a link leads out
    return config, units, files


def discover_reports(root: Path, units: dict[str, Unit], problems: Problems,
                     listings: Listings | None = None) -> dict[str, ReportFiles]:
    """The report files of every registered unit (units without reports included).

    Folders of unregistered units, stray files and links out of the site are
    reported here, before anything is read.

    listings: the unit folders as last listed, updated in place. A folder whose mtime
    is unchanged has the same files (adding, removing or renaming one changes it),
    so it is not listed again; a folder with something to warn about always is.
    """
    found: dict[str, ReportFiles] = {unit_id: {} for unit_id in units}
    folder = root / REPORTS_DIR
    if not confined(root, REPORTS_DIR, problems):
        return found
    if not folder.is_dir():
        problems.warning(REPORTS_DIR, None, "还没有任何报告：报告放在 content/reports/<单位编号>/<年份>.yaml")
        return found
    # os.scandir: its entries know their type without a stat each (a province has 2,000 units)
    entries = sorted(os.scandir(folder), key=lambda e: e.name)
    if listings:
        for gone in listings.keys() - {entry.name for entry in entries}:
            del listings[gone]
    for entry in entries:
        rel_dir = f"{REPORTS_DIR}/{entry.name}"
        if entry.is_symlink() and not inside(root, Path(entry.path), rel_dir, problems):
            continue
        if not entry.is_dir():
            problems.warning(rel_dir, None, "已忽略：content/reports 下应只有以单位编号命名的文件夹")
            continue
        files = _listed(root, entry, rel_dir, problems, listings)
        if entry.name in units:
            found[entry.name] = files
        elif files and units and not _has_errors(problems, UNITS_FILE):
            # units.yaml with errors: the unit may be one it could not read; its errors say why
            first = min(files.items())[1]
            rel = _rel(root, Path((first["data"] or first["narrative"])[0]))
            renamed = next((unit.id for unit in units.values() if entry.name in unit.former_ids), None)
            fix = (f"单位「{entry.name}」已改为「{renamed}」（content/units.yaml 的曾用编号）："
                   f"请把文件夹改名为 {REPORTS_DIR}/{renamed}" if renamed else
                   f"单位「{entry.name}」不在单位名录 content/units.yaml 中：请先登记该单位，或把文件夹改名为已登记的单位编号")
            problems.error(rel, None, fix, "unit")
    return found


def _has_errors(problems: Problems, rel: str) -> bool:
    return any(p.file == rel and p.level == ERROR for p in problems.items)


def members_in(units: dict[str, Unit], files: dict[str, ReportFiles]) -> Members:
    """The units under each unit (its 上级单位), with their report files: what a 汇总 report sums."""
    children: dict[str, list[str]] = {}
    for unit in units.values():
        if unit.parent:
            children.setdefault(unit.parent, []).append(unit.id)
    return lambda unit: [(units[c], files.get(c, {})) for c in sorted(children.get(unit.id, []),
                                                                     key=lambda c: (units[c].order, c))]


def load_unit(root: Path, unit: Unit, files: ReportFiles, problems: Problems, members: Members,
              config: SiteConfig | None = None) -> list[Report]:
    """One unit's reports, read, completed and checked (R1-R3, R5 each; R6, R7 across its years;
    with the site's `config`, R11's dates and 索引号: not for the members a 汇总 sums, which are
    checked as units of their own).

    A report with errors of its own is left out (its errors are listed), so the
    cross-year checks never add noise about half-read data.
    """
    reports = [r for year, year_files in sorted(files.items())
               if (r := _load_report(root, unit, year, year_files, problems)) is not None]
    reports = [r for r in reports if not r.summed or sum_members(root, r, members, load_unit, problems)]
    for report in reports:
        for table in report.tables.values():
            complete_totals(table)
    by_year = {report.year: report for report in reports}
    for report in reports:
        failures = check_report(report)
        previous = by_year.get(report.year - 1)
        if previous is not None:
            failures += check_carry_over(previous, report)
            for warning in check_in_force(previous, report):
                problems.warning(warning.file, warning.line, warning.message, warning.rule)
        if config is not None:       # not a member loaded for a 汇总: it is checked as a unit of its own
            problems.items += check_publication(report, config)
            problems.items += zeros_instead_of_sum(root, report, members, load_unit)
            # R9, archived reports too (the office should know); not while the tables are being fixed
            if report.as_published or not failures:
                problems.items += check_text(report)
        for failure in failures:
            if report.as_published:
                report.discrepancies.append(failure)
            else:
                problems.error(failure.file, failure.line, failure.message, failure.rule)
    return reports


def _listed(root: Path, entry: os.DirEntry, rel_dir: str, problems: Problems, listings: Listings | None
            ) -> ReportFiles:
    if listings is None:
        return _report_files(root, entry.path, rel_dir, problems)
    known = listings.get(entry.name)
    if known is not None and known[0] == _folder_times(entry.path, known[1]):
        return known[1]
    warnings = len(problems.items)
    files = _report_files(root, entry.path, rel_dir, problems)
    times = _folder_times(entry.path, files)
    if len(problems.items) == warnings and times and time.time_ns() - max(times) > SETTLED_NS:
        listings[entry.name] = (times, files)
    else:
        listings.pop(entry.name, None)
    return files


def _folder_times(unit_dir: str, files: ReportFiles) -> tuple[int, ...]:
    """The mtimes of a unit's folder and of its reports' own folders: a file added to or removed
    from any of them changes one. If the unit's folder is unchanged, so is the list of the others.
    Empty if one is gone."""
    try:
        return (os.stat(unit_dir).st_mtime_ns,) + tuple(os.stat(f"{unit_dir}/{year}").st_mtime_ns
                                                        for year, found in sorted(files.items()) if "files" in found)
    except OSError:
        return ()


def _report_files(root: Path, unit_dir: str, rel_dir: str, problems: Problems) -> ReportFiles:
    by_year: ReportFiles = {}
    folders = {}
    for entry in sorted(os.scandir(unit_dir), key=lambda e: e.name):
        rel = f"{rel_dir}/{entry.name}"
        if entry.is_symlink() and not inside(root, Path(entry.path), rel, problems):
            continue
        if _YEAR.fullmatch(entry.name) and entry.is_dir():
            folders[int(entry.name)] = (entry.path, rel)     # its report's own files
            continue
        stem, _, suffix = entry.name.rpartition(".")
        kind = "data" if f".{suffix}" in DATA_SUFFIXES else "narrative" if f".{suffix}" == NARRATIVE_SUFFIX else None
        if kind is None or not _YEAR.fullmatch(stem) or not entry.is_file():
            problems.warning(rel, None, "已忽略：报告文件应命名为 <年份>.yaml 和 <年份>.md，如 2023.yaml"
                             + (_OWN_FILES_HINT if f".{suffix.lower()}" in PUBLISHED_TYPES else ""))
            continue
        by_year.setdefault(int(stem), {"data": [], "narrative": []})[kind].append(entry.path)
    for year, (path, rel) in folders.items():
        if year in by_year:
            by_year[year]["files"] = folder_files(path, rel, problems)
        else:
            problems.warning(rel, None, f"已忽略：文件夹 {year}/ 放的是 {year} 年报告的图片和附件，"
                                        f"但旁边没有这份报告（{year}.yaml 和 {year}.md）")
    return by_year


_OWN_FILES_HINT = "；报告的图片和附件请放进与报告同名的文件夹，如 2023/图1.png，正文中写作 ![图片说明](2023/图1.png)"


def _load_report(root: Path, unit: Unit, year: int, files: dict[str, list[str]],
                 problems: Problems) -> Report | None:
    data_files, narratives = files["data"], files["narrative"]      # paths as strings (see _rel)
    rel = _rel(root, (data_files or narratives)[0])
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
    errors_before = len(problems.errors)
    doc = load_yaml(data_files[0], rel, problems)
    report = parse_report(doc, unit, year, problems) if doc is not None else None
    free = report is not None and report.format == FORMAT_FREE
    rel_dir = f"{rel.rpartition('/')[0]}/{year}"
    folder = ReportFolder(year, rel_dir, load_files(files.get("files", []), rel_dir, problems))
    narrative = load_narrative(narratives[0], _rel(root, narratives[0]), problems, free=free, folder=folder)
    if report is not None and report.original_ref:
        report.original, problem, rule = folder.original(report.original_ref)
        if report.original is None:
            problems.error(report.data_file, report.field_lines.get("original"), problem, rule)
    if report is None or narrative is None or len(problems.errors) > errors_before:
        return None
    report.narrative = narrative
    report.files, report.shown = list(folder.files.values()), folder.shown
    return report


def refuse_links_out_of(root: Path, folder: str, problems: Problems) -> None:
    """Templates and static files are copied or rendered onto the public site: the folder
    and everything in it stays inside the site, and no file is a hard link or oversized."""
    if not confined(root, folder, problems) or not (root / folder).is_dir():
        return
    for path in sorted((root / folder).rglob("*")):
        rel = path.relative_to(root).as_posix()
        if inside(root, path, rel, problems) and path.is_file():
            unreadable(path.stat(), rel, problems, limit=MAX_ASSET_BYTES)


def _rel(root: Path, path: str | Path) -> str:
    """`path` within the site folder, with /. A path listed under the folder starts with its
    name: cut from the string (Path and relative_to took 12 µs a report)."""
    text, prefix = os.fspath(path), f"{root}{os.sep}"
    if os.sep == "/" and text.startswith(prefix):
        return text[len(prefix):]
    return Path(path).relative_to(root).as_posix()
