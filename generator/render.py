"""Render the validated site through the Jinja templates into output files.

Output layout (every link is relative, so the site works from any sub-path):
    index.html                          home
    nianbao/index.html                  政府信息公开年报: every report by year and unit kind
    nianbao/<unit>/index.html           one unit and its reports
    nianbao/<unit>/<year>.html          one report
    nianbao/<unit>/<year>-tujie.html    its 图解 (infographic)
    404.html, sitemap.xml, static/...
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import traceback
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import urlsplit

import jinja2

from generator import __version__
from generator.form import SECTIONS, TABLE_SECTIONS
from generator.infographic import build_infographic
from generator.loader import inside
from generator.model import KINDS, Report, Site, Unit
from generator.problems import Problems
from generator.tables import format_number, table2_layouts, table3_layout, table4_layout, table_html

COLUMN_DIR = "nianbao"
COLUMN_TITLE = "政府信息公开年报"
STATIC_DIR = "static"
LATEST_ON_HOME = 10


def default_templates_dir() -> Path:
    """The templates shipped with the package (the repository's templates/ in a checkout)."""
    here = Path(__file__).resolve().parent
    installed = here / "templates"
    return installed if installed.is_dir() else here.parent / "templates"


@dataclass
class Page:
    path: str                 # output path, "/" separated
    template: str
    title: str
    context: dict | Callable[[], dict] = field(default_factory=dict)   # a callable is built when rendered
    in_sitemap: bool = True
    lastmod: datetime.date | None = None

    @property
    def root(self) -> str:
        """The relative way back to the site root from this page."""
        depth = self.path.count("/")
        return "../" * depth


def report_path(report: Report) -> str:
    return f"{COLUMN_DIR}/{report.unit.id}/{report.year}.html"


def tujie_path(report: Report) -> str:
    return f"{COLUMN_DIR}/{report.unit.id}/{report.year}-tujie.html"


def unit_path(unit: Unit) -> str:
    return f"{COLUMN_DIR}/{unit.id}/index.html"


class Renderer:
    def __init__(self, site: Site, problems: Problems):
        self.site = site
        self.problems = problems
        self.template_dirs = _template_dirs(site.root)
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(d) for d in self.template_dirs]),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters["num"] = format_number
        self.env.filters["table_html"] = table_html
        self.env.filters["date"] = lambda d: d.isoformat() if d else ""
        self.env.filters["absolute_url"] = self._absolute_url
        self.static = self._static_files()
        self.env.globals.update(
            site=site.config,
            generator_version=__version__,
            column_title=COLUMN_TITLE,
            asset_version=self._asset_version(),
            report_url=report_path,
            tujie_url=tujie_path,
            unit_url=unit_path,
        )

    # -- what the site consists of ------------------------------------------

    def pages(self) -> list[Page]:
        site = self.site
        units = _ordered_units(site.units.values())
        reports_by_unit = {u.id: site.reports_of(u.id) for u in units}
        newest = sorted(site.reports, key=_newest_first)
        pages = [
            Page("index.html", "home.html", site.config.name,
                 {"latest": newest[:LATEST_ON_HOME], "report_count": len(site.reports)}),
            Page(f"{COLUMN_DIR}/index.html", "column.html", COLUMN_TITLE,
                 {"by_year": _by_year(newest), "units_by_kind": _by_kind(units, reports_by_unit)}),
        ]
        for unit in units:
            parent = site.units.get(unit.parent) if unit.parent else None
            pages.append(Page(unit_path(unit), "unit.html", unit.name,
                              {"unit": unit, "parent": parent, "reports": reports_by_unit[unit.id]}))
        by_key = {r.key: r for r in site.reports}
        for report in site.reports:
            previous = by_key.get((report.unit.id, report.year - 1))
            pages.append(Page(report_path(report), "report.html", report.title,
                              functools.partial(self._report_context, report), lastmod=report.published))
            pages.append(Page(tujie_path(report), "tujie.html", f"{report.title}图解",
                              functools.partial(self._tujie_context, report, previous), lastmod=report.published))
        pages.append(Page("404.html", "404.html", "页面未找到", in_sitemap=False))
        return pages

    def _tujie_context(self, report: Report, previous: Report | None) -> dict:
        return {"report": report, "g": build_infographic(report, previous),
                "accent": report.unit.accent or self.site.config.accent}

    def _report_context(self, report: Report) -> dict:
        tables = report.tables
        return {
            "report": report,
            "sections": SECTIONS,
            "table_sections": TABLE_SECTIONS,
            "layouts": {
                "二": table2_layouts(tables["二"]),
                "三": [table3_layout(tables["三"])],
                "四": [table4_layout(tables["四"])],
            },
        }

    # -- rendering ----------------------------------------------------------

    def render(self, pages: list[Page] | None = None, only: set[str] | None = None
               ) -> Iterator[tuple[str, bytes]]:
        """Output files as (path, bytes); template errors go to problems.

        `only` limits the pages rendered (the preview's incremental rebuild);
        the sitemap is always written, static files only on a full render.
        """
        pages = pages if pages is not None else self.pages()
        _refuse_collisions(pages, self.problems)
        for page in pages:
            if only is not None and page.path not in only:
                continue
            html = self._render_page(page)
            if html is not None:
                yield page.path, html.encode("utf-8")
        if self.site.config.base_url:
            sitemap = self._render_page(Page("sitemap.xml", "sitemap.xml", "", {
                "urls": [p for p in pages if p.in_sitemap]}))
            if sitemap is not None:
                yield "sitemap.xml", sitemap.encode("utf-8")
        else:
            self.problems.warning("site.yaml", None, "未设置「网站地址」(base_url)，因此没有生成 sitemap.xml", "base_url")
        if only is None:
            for rel, source in self.static.items():
                yield f"{STATIC_DIR}/{rel}", source.read_bytes()

    def static_paths(self) -> set[str]:
        return {f"{STATIC_DIR}/{rel}" for rel in self.static}

    def _render_page(self, page: Page) -> str | None:
        if page.path == "404.html":
            # Served for any missing URL, so its links cannot be relative.
            root = urlsplit(self.site.config.base_url).path if self.site.config.base_url else "/"
        else:
            root = page.root
        try:
            template = self.env.get_template(page.template)
            context = page.context() if callable(page.context) else page.context
            return template.render(page=page, root=root, **context)
        except jinja2.TemplateSyntaxError as exc:
            self._template_problem(exc.filename, exc.lineno, f"模板语法错误：{exc.message}")
        except Exception as exc:  # an error raised while a template runs
            filename, line = _template_frame(exc)
            self._template_problem(filename, line, f"模板运行出错：{type(exc).__name__}: {exc}")
        return None

    def _template_problem(self, filename: str | None, line: int | None, message: str) -> None:
        where = self._template_rel(filename)
        problem_key = (where, line, message)
        if problem_key not in {(p.file, p.line, p.message) for p in self.problems.items}:
            self.problems.error(where, line, message, "template")

    def _template_rel(self, filename: str | None) -> str:
        if not filename:
            return "templates"
        path = Path(filename).resolve()
        try:
            return path.relative_to(self.site.root.resolve()).as_posix()
        except ValueError:
            return f"（默认模板）{path.name}"

    def _absolute_url(self, path: str) -> str:
        """The public address of an output path ("" when site.yaml gives no 网站地址)."""
        base = self.site.config.base_url
        if not base:
            return ""
        return base + (path[: -len("index.html")] if path.endswith("index.html") else path)

    # -- static assets --------------------------------------------------------

    def _static_files(self) -> dict[str, Path]:
        """static/ of the defaults, overridden file by file by the site's own."""
        files: dict[str, Path] = {}
        for directory in reversed(self.template_dirs):
            static = directory / STATIC_DIR
            if static.is_dir():
                for path in sorted(static.rglob("*")):
                    rel = path.relative_to(static).as_posix()
                    shown = f"templates/{STATIC_DIR}/{rel}"
                    if path.is_file() and inside(self.site.root, path, shown, self.problems):
                        files[rel] = path
        return files

    def _asset_version(self) -> str:
        """A short content hash for ?v= on asset links: a new stylesheet is never served stale."""
        digest = hashlib.sha256()
        for rel, path in sorted(self.static.items()):
            digest.update(rel.encode())
            digest.update(path.read_bytes())
        return digest.hexdigest()[:10]


def _template_dirs(root: Path) -> list[Path]:
    dirs = []
    own = root / "templates"
    if own.is_dir():
        dirs.append(own.resolve())
    default = default_templates_dir().resolve()
    if default not in dirs:
        dirs.append(default)
    return dirs


def _template_frame(exc: BaseException) -> tuple[str | None, int | None]:
    """The innermost template file and line in a traceback (Jinja rewrites them)."""
    found = (None, None)
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith((".html", ".xml")):
            found = (frame.filename, frame.lineno)
    return found


def _refuse_collisions(pages: list[Page], problems: Problems) -> None:
    seen: dict[str, Page] = {}
    for page in pages:
        if page.path in seen:
            problems.error(page.path, None, f"两个页面会写到同一个输出文件：「{seen[page.path].title}」和"
                                            f"「{page.title}」", "output path")
        seen[page.path] = page


def _newest_first(report: Report):
    published = report.published.toordinal() if report.published else 0
    return (-report.year, -published, report.unit.order, report.unit.name)


def _ordered_units(units) -> list[Unit]:
    return sorted(units, key=lambda u: (KINDS.index(u.kind), u.order, u.name))


def _by_year(newest: list[Report]) -> list[tuple[int, list[tuple[str, list[Report]]]]]:
    """[(year, [(kind, reports)])], newest year first, kinds in official order."""
    result = []
    for year, reports in groupby(newest, key=lambda r: r.year):
        reports = list(reports)
        kinds = [(kind, [r for r in reports if r.unit.kind == kind]) for kind in KINDS]
        result.append((year, [(kind, rs) for kind, rs in kinds if rs]))
    return result


def _by_kind(units: list[Unit], reports_by_unit: dict) -> list[tuple[str, list[tuple[Unit, int]]]]:
    result = []
    for kind in KINDS:
        members = [(u, len(reports_by_unit[u.id])) for u in units if u.kind == kind]
        if members:
            result.append((kind, members))
    return result
