"""The 年报 column at scale: a page per year (newest first, by unit kind) with a year navigation,
the column's entry page listing the years and the units, every report two clicks away, the
pages' size bounded by one year's reports, and incremental builds that rewrite only the year
that changed."""

from __future__ import annotations

import datetime
import shutil
import sys
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath

import pytest

from generator.core.model import ReportSummary, Unit
from generator.inputs.config import load_site_config
from generator.problems import Problems
from generator.render.pages import Renderer
from helpers import REPO, build, rebuild_matches_cold, tree

sys.path.insert(0, str(REPO / "benchmarks"))
from synthetic import LAST_YEAR, make_site, plan_units  # noqa: E402

LIMIT = 300 * 1024          # no listing page over about 300 KB ...
AT_SCALE = 10_000           # ... at 10,000 reports (benchmarks/synthetic.py)


class _Links(HTMLParser):
    """A page's links (resolved from its own path) and its year navigation."""

    def __init__(self, rel: str, html: str):
        super().__init__(convert_charrefs=True)
        self.rel, self.links, self.year_nav, self.current = rel, [], [], []
        self._nav_depth, self._href = 0, None
        self.feed(html)
        self.close()

    def resolve(self, href: str) -> str | None:
        if href.startswith(("http:", "https:", "#", "mailto:")):
            return None
        path = href.split("#")[0].split("?")[0]
        parts = []
        for part in (PurePosixPath(self.rel).parent / path).parts:
            if part == "..":
                parts.pop()
            elif part != ".":
                parts.append(part)
        return "/".join(parts)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "nav" and attrs.get("aria-label", "").startswith("按年度浏览"):
            self._nav_depth = 1
        elif tag == "nav" and self._nav_depth:
            self._nav_depth += 1
        if tag == "a" and attrs.get("href"):
            target = self.resolve(attrs["href"])
            if target:
                self.links.append(target)
            if self._nav_depth:
                self.year_nav.append(target)
                if attrs.get("aria-current") == "page":
                    self.current.append(target)

    def handle_endtag(self, tag):
        if tag == "nav" and self._nav_depth:
            self._nav_depth -= 1


def page_links(out: Path, rel: str) -> _Links:
    return _Links(rel, (out / rel).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    """A synthetic portal of 40 reports (8 units over 2021-2025), built once."""
    root = tmp_path_factory.mktemp("column") / "site"
    make_site(root, 40)
    with (root / "site.yaml").open("a", encoding="utf-8") as f:
        f.write("站内搜索: false\n")
    build(root, root / "build")
    return root


def report_pages(out: Path) -> set[str]:
    return {p.relative_to(out).as_posix() for p in out.glob("nianbao/*/*.html")
            if p.stem.isdigit()}


def test_a_page_per_year_newest_first_with_a_year_navigation(synthetic):
    out = synthetic / "build"
    years = [f"nianbao/{year}.html" for year in range(LAST_YEAR, LAST_YEAR - 5, -1)]
    for rel in ["nianbao/index.html", "index.html", *years]:
        page = page_links(out, rel)
        assert page.year_nav == years, rel              # every year, newest first
        assert page.current == ([rel] if rel in years else []), rel
    html = (out / "nianbao/2023.html").read_text(encoding="utf-8")
    kinds = [html.index(f"<h2 id=\"kind-{n}\">{kind}</h2>") for n, kind in enumerate(("本级政府", "政府部门", "乡镇（街道）"), 1)]
    assert kinds == sorted(kinds)                       # the unit kinds in official order
    listed = {link for link in page_links(out, "nianbao/2023.html").links if link.endswith("/2023.html")}
    assert listed - {"nianbao/2023.html"} == {rel for rel in report_pages(out) if rel.endswith("/2023.html")}


def test_every_report_two_clicks_from_the_column(synthetic):
    out = synthetic / "build"
    first = set(page_links(out, "nianbao/index.html").links)
    second = {link for rel in first if rel.endswith(".html") and (out / rel).is_file()
              for link in page_links(out, rel).links}
    assert len(report_pages(out)) == 40 and report_pages(out) <= first | second


def test_home_and_unit_pages_link_into_the_column_and_the_sitemap_lists_it(synthetic):
    out = synthetic / "build"
    assert "nianbao/2025.html" in page_links(out, "index.html").links
    unit = page_links(out, "nianbao/county/index.html").links
    assert {f"nianbao/{year}.html" for year in range(LAST_YEAR - 4, LAST_YEAR + 1)} <= set(unit)
    sitemap = (out / "sitemap.xml").read_text(encoding="utf-8")
    for year in range(LAST_YEAR - 4, LAST_YEAR + 1):
        assert f"<loc>https://bench.example.org/nianbao/{year}.html</loc>" in sitemap


def listing_sizes(reports: int) -> dict[str, int]:
    """The bytes of every listing page of a synthetic portal of `reports` reports (they are
    rendered from the reports' summaries alone, so the summaries are made directly)."""
    units, summaries = {}, []
    for order, (unit_id, name, kind, years) in enumerate(plan_units(reports), 1):
        unit = Unit(unit_id, name, kind, None, None, order, None, "content/units.yaml", order)
        units[unit_id] = unit
        summaries += [ReportSummary(unit, year, f"{name}{year}年政府信息公开工作年度报告", datetime.date(year + 1, 1, 28))
                      for year in range(LAST_YEAR - years + 1, LAST_YEAR + 1)]
    renderer = Renderer(REPO, load_site_config(REPO, Problems()), units, Problems())
    return {page.path: len(renderer.render_page(page)) for page in renderer.listing_pages(summaries)}


def test_no_listing_page_grows_past_the_bound_at_ten_thousand_reports():
    small, large = listing_sizes(200), listing_sizes(800)
    # The largest page grows with one year's reports (a fifth of them), not with the portal ...
    growth = max(large.values()) - max(small.values())
    per_report = growth / (800 - 200)
    assert per_report < 150, per_report                 # one page for all: about 190 bytes a report
    # ... so at 10,000 it stays under the bound, with room to spare.
    projected = max(large.values()) + per_report * (AT_SCALE - 800)
    assert projected < 0.9 * LIMIT, projected
    assert set(large) - set(small) == set()             # the same pages: one per year, 2021-2025


def test_adding_a_report_of_one_year_rewrites_that_years_page(synthetic, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(synthetic, site, ignore=shutil.ignore_patterns(".gongkai-cache", "build"))
    aside = tmp_path / "aside"
    aside.mkdir()
    for name in ("2025.yaml", "2025.md"):                # the newest year: no later report depends on it
        shutil.move(site / "content/reports/dept-1" / name, aside / name)
    out = tmp_path / "out"
    build(site, out)
    assert "dept-1/2025.html" not in (out / "nianbao/2025.html").read_text(encoding="utf-8")
    before = {rel: (out / rel).stat().st_mtime_ns for rel in ("nianbao/2025.html", "nianbao/2024.html")}
    for name in ("2025.yaml", "2025.md"):
        shutil.move(aside / name, site / "content/reports/dept-1" / name)
    rebuild_matches_cold(site, tmp_path, out)
    assert "dept-1/2025.html" in (out / "nianbao/2025.html").read_text(encoding="utf-8")
    assert (out / "nianbao/2025.html").stat().st_mtime_ns != before["nianbao/2025.html"]
    assert (out / "nianbao/2024.html").stat().st_mtime_ns == before["nianbao/2024.html"]


def test_removing_a_years_last_report_removes_its_page(synthetic, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(synthetic, site, ignore=shutil.ignore_patterns(".gongkai-cache", "build"))
    out = tmp_path / "out"
    build(site, out)
    assert (out / "nianbao/2025.html").is_file()
    for unit in (site / "content/reports").iterdir():
        for name in ("2025.yaml", "2025.md"):
            (unit / name).unlink()
    rebuild_matches_cold(site, tmp_path, out)
    assert not (out / "nianbao/2025.html").exists() and "nianbao/2025.html" not in tree(out)
    assert "2025.html" not in (out / "sitemap.xml").read_text(encoding="utf-8")
