"""`generate import`: published reports (portal text, saved HTML pages, PDFs) into the site.

Every file is read and placed before anything is written: a file that names no
unit or year, a number without a row, an existing report (without --force), all
are listed, and then nothing is written (with --keep-going, the other files are).
An imported report is an archived record (按原样发布: true): the checks run on it
and any failure is shown on its page and listed here, but no number is changed. Once
written, what `generate check` would warn of these reports (R9, R10, R11 ...) is listed
too: the import still succeeds. A Word file (.docx, generator.importing.wordreport) is
instead the report being prepared: written as a draft that every check of a hand-written
report judges, unless --archive.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path

from generator.content.loader import REPORTS_DIR, load_site
from generator.content.publishing import today as publishing_today
from generator.content.repetition import fingerprints, repeated_text
from generator.core.form import FORMAT_2021, FORMS
from generator.core.model import Unit
from generator.importing.datafile import HEADER as DRAFT_HEADER
from generator.importing.datafile import data_file_text, new_report_metadata, yaml_comment, yaml_scalar
from generator.importing.htmlpage import web_address
from generator.importing.published import Published
from generator.importing.readers import files_to_import, reader_for
from generator.importing.reimport import report_changes, with_metadata_kept
from generator.importing.units import Registry, appended_units_file
from generator.importing.verbatim import narrative_markdown
from generator.importing.wordreport import is_word_file
from generator.inputs.config import SITE_FILE, UNITS_FILE, load_units
from generator.output.write import write_atomically
from generator.problems import ERROR, NOTE, WARNING, CommandFailed, Problem, Problems
from generator.scaffold import undecided_metadata

ORIGINAL_NAME = "原件.pdf"      # an imported PDF kept in the report's folder (README: 全真版)
ACROSS_YEARS = ("R6", "R7")     # the rules that judge a report against its unit's report of the year before

HEADER = """\
# {title}：数据文件（由 generate import 从已发布的报告导入）
# 按原样发布：数字照录原报告，未作更正；不符合勾稽关系之处会在页面上列出。
"""


@dataclass
class Imported:
    source: str                        # the file as given on the command line
    unit: Unit
    year: int
    report: Published
    files: dict[str, str | bytes] = field(default_factory=dict)   # rel path -> text (or a file's bytes) to write
    draft: bool = False                # a Word file: the report being prepared (see imported_data_file)


@dataclass
class ImportRun:
    """What one `generate import` did, for its summary."""
    imported: list[Imported] = field(default_factory=list)
    unchanged: list[Imported] = field(default_factory=list)    # imported before, the same again: not rewritten
    refused: Problems = field(default_factory=Problems)         # the errors of the files not imported
    registered: list[Unit] = field(default_factory=list)
    checks: Problems = field(default_factory=Problems)          # what `check` says of the imported reports


class ImportFailed(CommandFailed):
    def __init__(self, problems: Problems, run: ImportRun | None = None):
        super().__init__(f"共 {len(problems.errors)} 个问题，没有写入任何文件。", problems)
        self.run = run             # None: the import stopped before reading any file (units.yaml)


def import_reports(root: Path, sources: list[Path], unit_id: str | None = None, year: int | None = None,
                   force: bool = False, register: bool = False, keep_going: bool = False,
                   archive: bool = False) -> ImportRun:
    """Read, place and write the reports (files, and folders searched for them); returns what
    was done, with the checks' findings on the imported reports. A file with an error fails the
    whole import, nothing written (ImportFailed), unless keep_going: then the others are written
    and run.refused lists its problems. The site is read once for the checks, however many files."""
    problems = Problems()
    units = load_units(root, problems)
    if problems.errors:
        raise ImportFailed(problems)
    run = ImportRun()
    failures = run.refused
    registry = Registry.of(units, _report_folders(root))
    read = [(str(path), report) for path in files_to_import(sources, failures)
            if (report := _read(path, failures)) is not None]
    units_of = registry.units_of(read, unit_id, register, failures)
    imported = _one_per_report([item for source, report in read
                                if (item := _placed(root, source, report, units_of.get(source), year, failures,
                                                    archive))], failures)
    run.unchanged = _refuse_existing(root, imported, force, failures)
    if failures.errors and not keep_going:
        run.registered = list(registry.new)
        raise ImportFailed(failures, run)
    refused = {problem.file for problem in failures.errors}
    unchanged = {id(item) for item in run.unchanged}
    run.imported = [item for item in imported if item.source not in refused and id(item) not in unchanged]
    kept = {item.unit.id for item in run.imported + run.unchanged}
    run.registered = [unit for unit in registry.new if unit.id in kept]
    if run.registered:
        old = (root / UNITS_FILE).read_bytes()
        write_atomically(root / UNITS_FILE, appended_units_file(old, run.registered, publishing_today()))
    for item in run.imported:
        for rel, text in item.files.items():
            write_atomically(root / rel, text if isinstance(text, bytes) else text.encode("utf-8"))
    if run.imported or run.registered:
        run.checks = _check(root, run.imported)
    return run


def _report_folders(root: Path) -> set[str]:
    folder = root / REPORTS_DIR
    return {path.name for path in folder.iterdir() if path.is_dir()} if folder.is_dir() else set()


def _read(path: Path, failures: Problems) -> Published | None:
    report = reader_for(path)(path, str(path), failures)
    if report is not None:
        for line, message in report.unplaced:
            failures.error(str(path), line, message)
    return report


def _placed(root: Path, source: str, report: Published, unit: Unit | None, year: int | None,
            failures: Problems, archive: bool = False) -> Imported | None:
    year = year or report.year
    if year is None:
        failures.error(source, None, "找不到报告的年份（标题中没有「XXXX年政府信息公开工作年度报告」）：请用 --year 指定")
    if unit is None or year is None or report.unplaced:
        return None
    item = Imported(source, unit, year, report, draft=is_word_file(Path(source)) and not archive)
    folder = f"{REPORTS_DIR}/{unit.id}"
    title = report.title or f"{unit.name}{year}年政府信息公开工作年度报告"
    original = f"{year}/{ORIGINAL_NAME}" if report.original is not None else None
    # a draft's metadata as `generate new` starts it: the dates and the 索引号's 流水号 left 【待填写】
    draft = new_report_metadata(unit.name, publishing_today()) | undecided_metadata(root, unit, year) \
        if item.draft else None
    if item.draft:              # a number kept as printed is the editor's to correct: said now, not on a page
        report.notes += [(None, note) for note in report.archive_notes]
    data = imported_data_file(report, title, year, Path(source).name, original=original, draft=draft)
    item.files[f"{folder}/{year}.yaml"] = with_metadata_kept(root, f"{folder}/{year}.yaml", data) if item.draft else data
    item.files[f"{folder}/{year}.md"] = narrative_markdown(report)
    if original:            # the signed original itself, offered on the page as its 全真版
        item.files[f"{folder}/{original}"] = report.original
    return item


def _one_per_report(imported: list[Imported], failures: Problems) -> list[Imported]:
    """The same report twice in this run is written once. An archive often holds two copies of
    a report (the page saved as HTML and its text): with the same numbers, the copy that
    carries more of the page's metadata (发布日期 ...) is taken, and the other is named in a
    note; with different numbers, the editor chooses."""
    kept: dict[tuple[str, int], Imported] = {}
    for item in imported:
        key = (item.unit.id, item.year)
        first = kept.setdefault(key, item)
        if first is item:
            continue
        if _numbers(first.report) != _numbers(item.report):
            failures.error(item.source, None, f"与 {first.source} 是同一份报告（{item.unit.name} {item.year} 年），"
                                              "但数字不同：请只导入其中正确的一份")
            continue
        taken, other = (item, first) if len(item.report.metadata) > len(first.report.metadata) else (first, item)
        taken.report.notes.append((None, f"{other.source} 是同一份报告的另一份副本（数字相同），只导入这一份"))
        kept[key] = taken
    chosen = {id(item) for item in kept.values()}
    return [item for item in imported if id(item) in chosen]


def _numbers(report: Published) -> dict:
    return {number: table.values for number, table in report.tables.items()}


def _refuse_existing(root: Path, imported: list[Imported], force: bool, failures: Problems) -> list[Imported]:
    """A report already in the site is not overwritten without --force. One that reads the same
    again (its 来源 aside) is left as it is, so a second run over an archive changes nothing:
    returns those."""
    unchanged = []
    for item in imported:
        existing = [rel for rel in item.files if (root / rel).exists()]
        existing += [rel for rel in (f"{REPORTS_DIR}/{item.unit.id}/{item.year}.yml",) if (root / rel).exists()]
        if existing and _same_as_written(root, item):
            unchanged.append(item)
            continue
        word = is_word_file(Path(item.source))      # a newer version of the editor's file: what it changes
        changes = report_changes(root, item.unit, item.year, item.files) if existing and word else []
        if force:
            item.report.notes += [(None, f"覆盖现有报告的改动：{change}") for change in changes]
        else:
            failures.items += [Problem(NOTE, item.source, None, f"与现有报告相比：{change}") for change in changes]
        if existing and not force:
            failures.error(item.source, None, f"{item.unit.name} {item.year} 年的报告已存在（{'、'.join(existing)}），"
                                                "且与这次导入的内容不同，不会覆盖；确认要用导入的内容覆盖，请加 --force")
    return unchanged


# Where and when a report was imported: another day, or another copy of the file, is the same report.
_SOURCE_LINE = re.compile(r"^(?:来源:.*|按原样发布: true +# .*)$", re.MULTILINE)


def _same_as_written(root: Path, item: Imported) -> bool:
    for rel, text in item.files.items():
        path = root / rel
        try:
            if isinstance(text, bytes):          # a PDF kept as the 全真版: the same file or not
                if path.read_bytes() != text:
                    return False
                continue
            written = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return False
        if _SOURCE_LINE.sub("", written) != _SOURCE_LINE.sub("", text):
            return False
    return True


def _check(root: Path, imported: list[Imported]) -> Problems:
    """What `generate check` says of the imported reports: their warnings (R9 text against tables,
    R10 repeated text, R11 deadline, dates and 索引号 against every report of the site ...) and
    their rule failures, which the pages list as 存档说明; what the import changed in the next
    year's report (R6, R7 compare it with the imported one); and, as always, any error of the
    imported units, which fails the import. The rest of the site is not ours to judge here."""
    site, problems = load_site(root)
    if site is None:        # site.yaml does not read: the checks that need it wait for `generate check`
        return Problems([Problem(WARNING, SITE_FILE, None, "网站配置有错误，导入的报告尚未检查："
                                                             "请运行 generate check 查看并改正")])
    repeated_text(fingerprints(site.reports), site.units, site.config.repetition_limit, root, problems)
    ours = {rel for item in imported for rel in item.files}
    following = tuple(f"{REPORTS_DIR}/{item.unit.id}/{item.year + 1}." for item in imported)
    folders = tuple(f"{REPORTS_DIR}/{item.unit.id}/" for item in imported)
    found = Problems([p for p in problems.items if p.file in ours
                      or p.rule in ACROSS_YEARS and p.file.startswith(following)
                      or p.level == ERROR and p.file.startswith(folders)])
    for report in site.reports:
        if report.data_file in ours:
            for failure in report.discrepancies:
                found.warning(failure.file, failure.line, f"存档说明：{failure.message}", failure.rule)
    return found


# --- writing gongkai content -------------------------------------------------------------------

def imported_data_file(report: Published, title: str, year: int, source: str,
                       today: datetime.date | None = None, original: str | None = None,
                       draft: dict[str, str] | None = None) -> str:
    """The data file of an imported report (the open-data tests check it against the schema):
    按原样发布, with 来源 saying where it came from (the page's address, else the file's name)
    and when it was imported, and the 全真版 when the source was the published PDF
    (`original`: its path from the data file). With `draft` (the metadata of a new report), a
    report being prepared instead, as `generate new` starts one: 草稿, checked as every new
    report is (a wrong total is an error), where it came from in a comment."""
    today = today or publishing_today()
    metadata = {"标题": yaml_scalar(title)}
    if draft is not None:
        metadata |= draft
    for key, name in (("published", "发布日期"), ("written", "成文日期"), ("index_no", "索引号"),
                      ("publisher", "发布机构"), ("doc_no", "文号"), ("topic", "主题分类")):
        if report.metadata.get(key):
            metadata[name] = _metadata_text(key, report.metadata[key])
    if report.format != FORMAT_2021:
        metadata["格式"] = report.format
    if original:
        metadata["全真版"] = yaml_scalar(original)
    if draft is None:
        metadata["按原样发布"] = f"true   # 导入自 {yaml_comment(source)}"
        origin = web_address(report.metadata.get("address")) or source     # the page's address when it gives one
        metadata["来源"] = yaml_scalar(f"{origin}（{today.isoformat()} 导入）")
    if report.archive_notes and draft is None:   # a unit kept as printed, or converted: the page says so (存档说明)
        metadata["存档说明"] = "[" + ", ".join(map(yaml_scalar, report.archive_notes)) + "]"
    forms = tuple(report.tables[form.number].form for form in FORMS[report.format])
    values = {number: table.values for number, table in report.tables.items()}
    absent = frozenset(row.id for form in forms for row, _ in form.rows()
                       if row.id not in report.tables[form.number].rows)
    imported = f"{yaml_comment(source)}（{today.isoformat()} 导入）".replace("{", "{{").replace("}", "}}")
    header = HEADER if draft is None else DRAFT_HEADER + f"# 由 generate import 从 Word 文件 {imported}\n"
    return data_file_text(title, year, metadata, values, omit_rows=absent, forms=forms, header=header)


def _metadata_text(key: str, value: str) -> str:
    """A date read from the page (YYYY-MM-DD, see published._metadata_value) is written as a
    YAML date; any other value as text, whatever it holds."""
    if key in ("published", "written") and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return value
    return yaml_scalar(value)
