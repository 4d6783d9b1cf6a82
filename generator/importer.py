"""`generate import`: published reports (portal text or saved HTML pages) into the site.

Every file is read and placed before anything is written: a file that names no
unit or year, a number without a row, an existing report (without --force), all
are listed, and then nothing is written. An imported report is an archived
record (按原样发布: true): the checks run on it and any failure is shown on its
page and listed here, but no number is changed. Once written, what `generate check`
would warn of these reports (R9, R10, R11 ...) is listed too: the import still succeeds.
A Word file (.docx, generator.importing.wordreport) is instead the report being prepared:
written as a draft that every check of a hand-written report judges, unless --archive.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path

from generator.content.loader import REPORTS_DIR, load_site
from generator.content.publishing import today as publishing_today
from generator.content.repetition import fingerprints, repeated_text
from generator.core.form import FORMAT_2021, FORMAT_FREE, FORMS, SECTIONS, TABLE_SECTIONS
from generator.core.model import Unit
from generator.importing.datafile import HEADER as DRAFT_HEADER
from generator.importing.datafile import data_file_text, new_report_metadata, yaml_comment, yaml_scalar
from generator.importing.htmlpage import html_to_text, looks_like_html
from generator.importing.published import Published, read_published
from generator.importing.reimport import report_changes, with_metadata_kept
from generator.importing.wordreport import is_word_file, word_text
from generator.inputs.config import SITE_FILE, load_units
from generator.inputs.source import read_text
from generator.output.write import write_atomically
from generator.problems import ERROR, NOTE, WARNING, CommandFailed, Problem, Problems
from generator.scaffold import undecided_metadata

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
    files: dict[str, str] = field(default_factory=dict)   # rel path -> text to write
    draft: bool = False                # a Word file: the report being prepared (see imported_data_file)


class ImportFailed(CommandFailed):
    def __init__(self, problems: Problems):
        super().__init__(f"共 {len(problems.errors)} 个问题，没有写入任何文件。", problems)


def import_reports(root: Path, sources: list[Path], unit_id: str | None = None, year: int | None = None,
                   force: bool = False, archive: bool = False) -> tuple[list[Imported], Problems]:
    """Read, place and write the reports; returns them with the checks' findings on them.
    Raises ImportFailed listing every problem, with nothing written."""
    problems = Problems()
    units = load_units(root, problems)
    if problems.errors:
        raise ImportFailed(problems)
    failures = Problems()
    imported = []
    for source in sources:
        result = _import_one(root, source, units, unit_id, year, failures, archive)
        if result is not None:
            imported.append(result)
    _refuse_doubles(root, imported, force, failures)
    if failures.errors:
        raise ImportFailed(failures)
    for item in imported:
        for rel, text in item.files.items():
            write_atomically(root / rel, text.encode("utf-8"))
    return imported, _check(root, imported)


def _import_one(root: Path, source: Path, units: dict[str, Unit], unit_id: str | None, year: int | None,
                failures: Problems, archive: bool = False) -> Imported | None:
    problems = Problems()
    word = is_word_file(source)
    if word:
        text = word_text(source, str(source), problems)
    else:
        text = read_text(source, str(source), problems, from_site=False)    # named on the command line
    if text is None:
        failures.items += problems.errors
        return None
    report = read_published(html_to_text(text) if looks_like_html(text) else text)
    report.notes += [(None, problem.message) for problem in problems.warnings]     # e.g. read as GBK
    where = str(source)
    for line, message in report.unplaced:
        failures.error(where, line, message)
    unit = _unit(where, report, units, unit_id, failures)
    year = year or report.year
    if year is None:
        failures.error(where, None, "找不到报告的年份（标题中没有「XXXX年政府信息公开工作年度报告」）：请用 --year 指定")
    if unit is None or year is None or report.unplaced:
        return None
    item = Imported(str(source), unit, year, report, draft=word and not archive)
    folder = f"{REPORTS_DIR}/{unit.id}"
    title = report.title or f"{unit.name}{year}年政府信息公开工作年度报告"
    # a draft's metadata as `generate new` starts it: the dates and the 索引号's 流水号 left 【待填写】
    draft = new_report_metadata(unit.name, publishing_today()) | undecided_metadata(root, unit, year) \
        if item.draft else None
    data = imported_data_file(report, title, year, source.name, draft=draft)
    item.files[f"{folder}/{year}.yaml"] = with_metadata_kept(root, f"{folder}/{year}.yaml", data) if item.draft else data
    item.files[f"{folder}/{year}.md"] = _narrative(report)
    return item


def _unit(where: str, report: Published, units: dict[str, Unit], unit_id: str | None,
          failures: Problems) -> Unit | None:
    """The unit: --unit, or the one registered unit whose name the title gives."""
    if unit_id is not None:
        if unit_id not in units:
            failures.error(where, None, f"单位「{unit_id}」不在单位名录 content/units.yaml 中：请先登记该单位"
                                        f"（已登记：{'、'.join(units) or '无'}）")
            return None
        return units[unit_id]
    name = report.unit_name
    if not name:
        failures.error(where, None, "报告中找不到发布单位的名称：请用 --unit 指定单位编号"
                                    f"（已登记：{'、'.join(units) or '无'}）")
        return None
    exact = [u for u in units.values() if u.name == name]
    close = exact or [u for u in units.values() if u.name.startswith(name) or name.startswith(u.name)]
    if len(close) == 1:
        return close[0]
    if close:
        failures.error(where, None, f"「{name}」可能是 {'、'.join(f'{u.name}（{u.id}）' for u in close)}：请用 --unit 指定")
    else:
        failures.error(where, None, f"单位「{name}」不在单位名录 content/units.yaml 中：请先登记，或用 --unit 指定单位编号")
    return None


def _refuse_doubles(root: Path, imported: list[Imported], force: bool, failures: Problems) -> None:
    """The same report twice (in this run, or already in the site) is never written twice."""
    seen: dict[tuple[str, int], str] = {}
    for item in imported:
        key = (item.unit.id, item.year)
        if key in seen:
            failures.error(item.source, None, f"与 {seen[key]} 是同一份报告（{item.unit.name} {item.year} 年）：只导入一次")
            continue
        seen[key] = item.source
        existing = [rel for rel in item.files if (root / rel).exists()]
        existing += [rel for rel in (f"{REPORTS_DIR}/{item.unit.id}/{item.year}.yml",) if (root / rel).exists()]
        word = is_word_file(Path(item.source))      # a newer version of the editor's file: what it changes
        changes = report_changes(root, item.unit, item.year, item.files) if existing and word else []
        if force:
            item.report.notes += [(None, f"覆盖现有报告的改动：{change}") for change in changes]
        else:
            failures.items += [Problem(NOTE, item.source, None, f"与现有报告相比：{change}") for change in changes]
        if existing and not force:
            failures.error(item.source, None, f"{item.unit.name} {item.year} 年的报告已存在（{'、'.join(existing)}），"
                                                "不会重复导入；确认要用导入的内容覆盖，请加 --force")


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
                       today: datetime.date | None = None, draft: dict[str, str] | None = None) -> str:
    """The data file of an imported report (the open-data tests check it against the schema):
    按原样发布, with 来源 saying where it came from and when it was imported. With `draft` (the
    metadata of a new report), a report being prepared instead, as `generate new` starts one:
    草稿, checked as every new report is (a wrong total is an error), the source in a comment."""
    today = today or publishing_today()
    imported = f"{yaml_comment(source)}（{today.isoformat()} 导入）"
    metadata = {"标题": yaml_scalar(title)}
    if draft is not None:
        metadata |= draft
    for key, name in (("published", "发布日期"), ("written", "成文日期"), ("index_no", "索引号"),
                      ("publisher", "发布机构"), ("doc_no", "文号"), ("topic", "主题分类")):
        if report.metadata.get(key):
            metadata[name] = _metadata_text(key, report.metadata[key])
    if report.format != FORMAT_2021:
        metadata["格式"] = report.format
    if draft is None:
        metadata["按原样发布"] = f"true   # 导入自 {yaml_comment(source)}"
        metadata["来源"] = yaml_scalar(f"{source}（{today.isoformat()} 导入）")
    forms = tuple(report.tables[form.number].form for form in FORMS[report.format])
    values = {number: table.values for number, table in report.tables.items()}
    absent = frozenset(row.id for form in forms for row, _ in form.rows()
                       if row.id not in report.tables[form.number].rows)
    braced = imported.replace("{", "{{").replace("}", "}}")          # the header is a format string
    header = HEADER if draft is None else DRAFT_HEADER + f"# 由 generate import 从 Word 文件 {braced}\n"
    return data_file_text(title, year, metadata, values, omit_rows=absent, forms=forms, header=header)


def _metadata_text(key: str, value: str) -> str:
    """A date read from the page (YYYY-MM-DD, see published._metadata_value) is written as a
    YAML date; any other value as text, whatever it holds."""
    if key in ("published", "written") and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return value
    return yaml_scalar(value)


def _narrative(report: Published) -> str:
    """The text as published: each printed line a paragraph, under the section headings."""
    if report.format == FORMAT_FREE:           # no sections to find: every line in its order
        return "\n\n".join(_markdown_literal(line) for line in report.body) + "\n"
    parts = [_markdown_literal(line) for line in report.preamble]
    for number, official in SECTIONS:
        if number in TABLE_SECTIONS and not report.sections.get(number):
            continue
        parts.append(f"## {report.headings.get(number, official)}")
        parts += [_markdown_literal(line) for line in report.sections.get(number, [])]
    return "\n\n".join(parts) + "\n"


_MARKDOWN_START = re.compile(r"^(\s*)([#>+*-]|\d+[.)](?=\s))")


def _markdown_literal(line: str) -> str:
    """A printed line as Markdown that shows exactly it: no list, heading or emphasis."""
    line = re.sub(r"([\\`*_\[\]<])", r"\\\1", line)
    return _MARKDOWN_START.sub(lambda m: m.group(1) + "\\" + m.group(2), line, count=1)
