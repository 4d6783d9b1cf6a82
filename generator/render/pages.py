"""Render the validated site through the Jinja templates into output files.

Output layout (every link is relative, so the site works from any sub-path):
    index.html                          home
    nianbao/index.html                  政府信息公开年报: its years and its units
    nianbao/<year>.html                 one year's reports, by unit kind
    nianbao/<unit>/index.html           one unit and its reports
    nianbao/<unit>/<year>.html          one report
    nianbao/<unit>/<year>-tujie.html    its 图解 (infographic)
    nianbao/<unit>/<year>/...           its own files: images, attachments, 全真版
    nianbao/<old id>/...                the same pages at a unit's former id (曾用编号): each redirects
    404.html, sitemap.xml, static/...
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import re
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

import jinja2
import markupsafe
from jinja2.exceptions import SecurityError

from generator import __version__
from generator.content.reportfiles import file_size
from generator.core.form import FORMAT_NAMES, SECTIONS, TABLE_SECTIONS
from generator.core.model import KINDS, Report, ReportSummary, SiteConfig, Unit
from generator.core.paths import (COLUMN_DIR, COLUMN_INDEX, COLUMN_TITLE, CSV_HEADER, DATA_PAGE, PORTAL_JSON,
                             PORTAL_SQLITE, SCHEMA, STATIC_DIR, column_year_path, download_paths, portal_csv_path,
                             redirects, report_file_href, report_path, tujie_path, unit_path)
from generator.inputs.source import inside
from generator.problems import Problems
from generator.render.environment import template_dirs, template_environment
from generator.render.column import (by_kind, by_year, latest_pub_date, newest_first, ordered_units, units_by_kind,
                                     year_links)
from generator.render.infographic import build_infographic
from generator.render.sitemeta import ICP_LOOKUP, jiucuo_link, meta_tags
from generator.render.tables import format_number, rows_with_numbers, tables_html

LATEST_ON_HOME = 10
STYLESHEET = "site.css"       # in static/: inlined into 404.html when the site's address is unknown
PAGE_TEMPLATES = ("home.html", "column.html", "column_year.html", "unit.html", "report.html", "tujie.html", "404.html",
                  "data.html", "search.html", "sitemap.xml", "redirect.html", "search_record.html")


@dataclass
class Page:
    path: str                 # output path, "/" separated
    template: str
    title: str
    context: dict | Callable[[], dict] = field(default_factory=dict)   # a callable is built when rendered
    in_sitemap: bool = True
    year: int | None = None   # a report's page: its year (the search index is built by year)
    pub_date: str | None = None   # PubDate, "YYYY-MM-DD HH:MM": a report's, or the newest a listing shows
    source: str | None = None     # ContentSource and Author: a report's 发布机构 (else the site's 主办单位)
    keywords: str | None = None

    @property
    def root(self) -> str:
        """The relative way back to the site root from this page."""
        depth = self.path.count("/")
        return "../" * depth


_YEAR_CSV = re.compile(r"data/gongkai-(\d{4})(?:-(\d+))?\.csv")


def data_files(files: dict[str, int]) -> list[dict]:
    """The portal's data files for the 开放数据 page: the yearly CSVs newest first, then the
    JSON, the database and the schema, each with its address, what it holds and its size."""
    def described(path: str) -> tuple[tuple, str]:
        year_csv = _YEAR_CSV.fullmatch(path)
        if year_csv:
            year, part = int(year_csv[1]), int(year_csv[2] or 1)
            split = portal_csv_path(year, 2) in files
            return (0, -year, part), f"{year} 年度报告的表格数据（CSV）" + (f"，第 {part} 部分" if split else "")
        return {PORTAL_JSON: ((1,), "全部报告的完整数据（JSON）"), PORTAL_SQLITE: ((2,), "全部报告的数据库（SQLite）")}.get(
            path, ((3,), "数据文件的结构说明（JSON Schema）"))
    listed = sorted((described(path), path, size) for path, size in files.items())
    return [{"path": path, "name": path.rpartition("/")[2], "what": what, "size": file_size(size)}
            for (_, what), path, size in listed]


class Renderer:
    """Pages and their HTML. Built once per build (before worker processes fork, so
    they share the compiled templates); knows nothing of how pages are written."""

    def __init__(self, root: Path, config: SiteConfig, units: dict[str, Unit], problems: Problems,
                 compiled: Path | None = None):
        """compiled: the folder that keeps compiled templates between builds (None: none kept)."""
        self.root, self.config, self.units, self.problems = root, config, units, problems
        self.template_dirs = template_dirs(root)
        self.env = template_environment(self.template_dirs, compiled)
        self.env.filters["num"] = format_number
        self.env.filters["date"] = lambda d: d.isoformat() if d else ""
        self.env.filters["absolute_url"] = self._absolute_url
        self.static = self._static_files()
        self._check_conac_image()
        self.env.globals.update(
            site=config,
            generator_version=__version__,
            column_title=COLUMN_TITLE,
            column_dir=COLUMN_DIR,
            column_index=COLUMN_INDEX,
            asset_version=self._asset_version(),
            report_url=report_path,
            tujie_url=tujie_path,
            unit_url=unit_path,
            column_year_url=column_year_path,
            icp_lookup=ICP_LOOKUP,
            format_names=FORMAT_NAMES,
        )
        for name in PAGE_TEMPLATES:   # compiled once, before workers fork, so they share them
            try:
                self.env.get_template(name)
            except jinja2.TemplateError:
                pass                  # reported with its line when a page is rendered

    # -- what the site consists of ------------------------------------------

    def unit_pages(self, unit: Unit, reports: list[Report]) -> list[Page]:
        """A unit's page, and each of its reports' page and 图解 (year over year needs the unit's reports)."""
        by_year = {r.year: r for r in reports}
        parent = self.units.get(unit.parent) if unit.parent else None
        newest = sorted(reports, key=lambda r: -r.year)
        former_names = [(name, datetime.date.fromordinal(until)) for name, until in unit.former_names]
        pages = [Page(unit_path(unit), "unit.html", unit.name,
                      {"unit": unit, "parent": parent, "reports": newest, "former_names": former_names},
                      pub_date=latest_pub_date(reports), source=unit.name)]
        for report in reports:
            previous = by_year.get(report.year - 1)
            article = {"pub_date": report.pub_date, "source": report.publisher or unit.name,
                       "keywords": f"政府信息公开,年度报告,{unit.name},{report.year}年"}
            pages.append(Page(report_path(report), "report.html", report.title,
                              functools.partial(self._report_context, report), year=report.year, **article))
            pages.append(Page(tujie_path(report), "tujie.html", f"{report.title}图解",
                              functools.partial(self._tujie_context, report, previous), **article))
        titles = {page.path: page.title for page in pages}
        pages += [Page(old, "redirect.html", titles[new], {"target": new}, in_sitemap=False)
                  for old, new in redirects(unit, sorted(by_year))]
        return pages

    def listing_pages(self, summaries: list[ReportSummary]) -> list[Page]:
        """Home, the 年报 column (its entry page and a page per year), 404, the open data and the
        search page: they list reports, so they need only their summaries."""
        newest = sorted(summaries, key=newest_first)
        years = by_year(newest)
        links = year_links(years)
        latest = latest_pub_date(summaries)
        pages = [
            Page("index.html", "home.html", self.config.name,
                 {"latest": newest[:LATEST_ON_HOME], "report_count": len(summaries), "year_links": links},
                 pub_date=latest),
            Page(COLUMN_INDEX, "column.html", COLUMN_TITLE,
                 {"year_links": links, "report_count": len(summaries),
                  "units_by_kind": units_by_kind(ordered_units(self.units.values()), summaries)}, pub_date=latest),
        ]
        pages += [Page(column_year_path(year), "column_year.html", f"{year}年度{COLUMN_TITLE}",
                       {"year": year, "year_links": links, "by_kind": by_kind(reports)},
                       pub_date=latest_pub_date(reports)) for year, reports in years]
        pages += [
            Page("404.html", "404.html", "页面未找到", in_sitemap=False, pub_date=latest),
        ]
        if self.config.search:
            kinds = sorted({s.unit.kind for s in summaries}, key=KINDS.index)
            pages.append(Page("search/index.html", "search.html", "搜索年报",
                              {"years": [year for year, _ in years], "kinds": kinds}, pub_date=latest))
        return pages

    def data_page(self, summaries: list[ReportSummary], files: dict[str, int]) -> Page:
        """The 开放数据 page: the portal's data files (path -> size) and what their columns hold.
        Apart from the listings: it is rendered once the files are written."""
        return Page(DATA_PAGE, "data.html", "开放数据",
                    {"report_count": len(summaries), "files": data_files(files), "csv_header": CSV_HEADER,
                     "json": PORTAL_JSON, "schema": SCHEMA},     # the two a theme's data.html could link before
                    pub_date=latest_pub_date(summaries))

    def listing_paths(self, years) -> list[str]:
        """The listing pages' paths (and the 开放数据 page's) for a site whose reports are of these years."""
        fixed = [page.path for page in self.listing_pages([])]
        fixed.insert(fixed.index("404.html") + 1, DATA_PAGE)
        return fixed + [column_year_path(year) for year in sorted(set(years), reverse=True)]

    def sitemap(self, summaries: list[ReportSummary]) -> bytes | None:
        """sitemap.xml of every page, or None (with a warning) without 网站地址."""
        if not self.config.base_url:
            self.problems.warning("site.yaml", None, "未设置「网站地址」(base_url)，因此没有生成 sitemap.xml；"
                                  "404.html 的链接只能从域名根目录（/）算起，网站放在子路径下（如 /nianbao/）时，"
                                  "404 页上的链接会失效（它的样式已内嵌，不受影响）。请在 site.yaml 写「网站地址」，"
                                  "或构建时加 --base-url", "base_url")
            return None
        units = ordered_units(self.units.values())
        entries = [(path, None) for path in self.listing_paths(s.year for s in summaries) if path != "404.html"]
        entries += [(unit_path(u), None) for u in units]
        for summary in sorted(summaries, key=lambda s: s.key):
            entries += [(report_path(summary), summary.published), (tujie_path(summary), summary.published)]
        return self.render_page(Page("sitemap.xml", "sitemap.xml", "", {"urls": entries}))

    def _tujie_context(self, report: Report, previous: Report | None) -> dict:
        return {"report": report, "g": build_infographic(report, previous),
                "accent": report.unit.accent or self.config.accent}

    def _report_context(self, report: Report) -> dict:
        return {
            "report": report,
            "sections": SECTIONS,
            "table_sections": TABLE_SECTIONS,
            "tables": {number: tables_html(table) for number, table in report.tables.items()},
            "rows_with_numbers": rows_with_numbers(report.tables),
            "downloads": [path.rsplit("/", 1)[1] for path in download_paths(report.unit.id, report.year)],
            "original": _listed_file(report, report.original) if report.original else None,
            # 附件: every file neither the 全真版 nor shown in the narrative
            "attachments": [_listed_file(report, file) for file in report.files
                            if file is not report.original and file.name not in report.shown],
        }

    def search_record(self, report: Report) -> bytes | None:
        """What the search index holds of a report (search_record.html): its page's indexed text,
        from the model, without its tables (see output.search)."""
        context = {"report": report, "sections": SECTIONS, "table_sections": (),
                   "rows_with_numbers": rows_with_numbers(report.tables)}
        return self.render_page(Page(report_path(report), "search_record.html", report.title, context,
                                     year=report.year))

    def static_files(self) -> list[tuple[str, bytes]]:
        return [(f"{STATIC_DIR}/{rel}", source.read_bytes()) for rel, source in sorted(self.static.items())]

    def render_page(self, page: Page) -> bytes | None:
        """The page's bytes, or None after recording a template error in problems."""
        root, extra = page.root, {}
        url = self._absolute_url(page.path)
        if page.path == "404.html":
            # Served for any missing URL, so its links cannot be relative.
            root = urlsplit(self.config.base_url).path if self.config.base_url else "/"
            extra["inline_styles"] = None if self.config.base_url else self._inline_stylesheet()
            url = ""               # its address is the one asked for: site.js completes the 找错 link
        extra["meta_tags"] = meta_tags(self.config, page.template, COLUMN_TITLE, page.title, page.pub_date,
                                       page.source, url, page.keywords)
        extra["jiucuo_url"] = jiucuo_link(self.config, url)
        try:
            template = self.env.get_template(page.template)
            context = page.context() if callable(page.context) else page.context
            return template.render(page=page, root=root, **extra, **context).encode("utf-8")
        except jinja2.TemplateSyntaxError as exc:
            self._template_problem(exc.filename, exc.lineno, f"模板语法错误：{exc.message}")
        except SecurityError as exc:
            filename, line = _template_frame(exc)
            self._template_problem(filename, line, f"模板不能访问 Python 的内部对象（网站模板在沙箱中运行）：{exc}")
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
            return path.relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return f"（默认模板）{path.name}"

    def _absolute_url(self, path: str) -> str:
        """The public address of an output path ("" when site.yaml gives no 网站地址)."""
        base = self.config.base_url
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
                    if path.is_file() and inside(self.root, path, shown, self.problems):
                        files[rel] = path
        return files

    def _check_conac_image(self) -> None:
        """The footer's 党政机关网站标识 image, when a file of the site, is one of its static files."""
        conac = self.config.conac
        if conac and conac.image.startswith(f"{STATIC_DIR}/") and conac.image[len(STATIC_DIR) + 1:] not in self.static:
            self.problems.error("site.yaml", conac.line, f"「党政机关网站标识」的图片 {conac.image} 不存在：请把图片放在网站的 "
                                f"templates/{conac.image} ，或写 https:// 开头的网址", "conac")

    def _inline_stylesheet(self) -> markupsafe.Markup | None:
        """static/site.css for a <style> element (the site's own, or the default): a trusted
        file, made unable to close the element early."""
        path = self.static.get(STYLESHEET)
        if path is None:
            return None
        return markupsafe.Markup(path.read_text(encoding="utf-8").replace("</", "<\\/"))

    def _asset_version(self) -> str:
        """A short content hash for ?v= on asset links: a new stylesheet is never served stale."""
        digest = hashlib.sha256()
        for rel, path in sorted(self.static.items()):
            digest.update(rel.encode())
            digest.update(path.read_bytes())
        return digest.hexdigest()[:10]


def _listed_file(report: Report, file) -> dict:
    """A report's own file as its page lists it: name, address, type, size (1.2 MB)."""
    return {"name": file.name, "href": report_file_href(report.year, file.name), "type": file.type,
            "size": file_size(file.size)}


def _template_frame(exc: BaseException) -> tuple[str | None, int | None]:
    """The innermost template file and line in a traceback (Jinja rewrites them)."""
    found = (None, None)
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith((".html", ".xml")):
            found = (frame.filename, frame.lineno)
    return found


def refuse_collisions(pages: list[tuple[str, str]], problems: Problems) -> None:
    """Two pages (path, title) that would write the same file: neither is written (Pelican's rule)."""
    seen: dict[str, str] = {}
    for path, title in pages:
        if path in seen:
            problems.error(path, None, f"两个页面会写到同一个输出文件：「{seen[path]}」和「{title}」", "output path")
        seen[path] = title
