"""Helpers shared by the test modules: running `generate` in-process, a copy of the example
portal, the published samples, and reading pages. Fixtures are in conftest.py; no test module
imports another."""

from __future__ import annotations

import contextlib
import csv
import functools
import gzip
import io
import json
import re
import shutil
import threading
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from generator.cli import main
from htmltables import norm, table_by_id

REPO = Path(__file__).resolve().parents[1]
NODE_MODULES = REPO / "node_modules"     # axe-core and the Nu checker, from `npm ci`
# Published reports, copied into the repository so that a clone passes its tests on its own.
SAMPLES = Path(__file__).resolve().parent / "fixtures" / "samples"
HUAJIE_SAMPLE = SAMPLES / "huajie-2023.txt"
HUAIAN_SAMPLE = SAMPLES / "huaian-city-2024.txt"
NEXT_YEAR_NARRATIVE = Path(__file__).resolve().parent / "fixtures" / "repetition" / "huajie-2024.md"
HUAJIE = "content/reports/huajie/2023.yaml"
NEXT_YEAR = "content/reports/huajie/2024.yaml"
# The units of the published samples and the import fixtures (the `empty_site` fixture's units.yaml).
SAMPLE_UNITS = """\
huajie:
  名称: 花街镇人民政府
  类型: 乡镇（街道）
huaian:
  名称: 淮安市人民政府
  类型: 本级政府
pingtan:
  名称: 平潭综合实验区
  类型: 本级政府
shili:
  名称: 示例镇人民政府
  类型: 乡镇（街道）
"""


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.err.splitlines()


def generate(*args: str) -> Run:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exit_:   # argparse --help / --version
            code = exit_.code or 0
    return Run(code, out.getvalue(), err.getvalue())


def import_(root: Path, *args, code: int = 0) -> Run:
    """`generate import` into the site at `root`, expected to exit with `code`, never a traceback."""
    run = generate("import", "--site", str(root), *map(str, args))
    assert run.code == code, run.out + run.err
    assert "Traceback" not in run.out + run.err
    return run


def build(root: Path, out: Path | None = None, *extra: str) -> Run:
    """`generate build` of the site at `root` (into `out`, else root/build), which must succeed."""
    where = ["--out", str(out)] if out is not None else []
    run = generate("build", "--site", str(root), *where, *extra)
    assert run.code == 0, run.err
    return run


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file's bytes and modification time: equal snapshots mean nothing was written."""
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


# --- builds compared: incremental against cold --------------------------------------------------

def tree(folder: Path) -> dict[str, bytes]:
    """Every output file's bytes. The search indexes are left out: Pagefind itself writes its
    filter files in a different order on every run, even over the same pages (what the search
    page sees of each page is compared instead: searched_pages)."""
    files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
    if (folder / "pagefind/shards.json").is_file():
        files["pagefind: what the search page sees"] = json.dumps(searched_pages(folder), sort_keys=True).encode()
    return {rel: data for rel, data in files.items() if not rel.startswith("pagefind/")}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def rebuild_matches_cold(root: Path, tmp_path: Path, out: Path) -> str:
    """Build incrementally into `out`, cold into a fresh folder; both must be the same bytes."""
    run = build(root, out)
    cold_root = tmp_path / "cold-site"
    shutil.rmtree(cold_root, ignore_errors=True)
    shutil.copytree(root, cold_root, ignore=shutil.ignore_patterns(".gongkai-cache"))
    build(cold_root, tmp_path / "cold-out")
    assert tree(out) == tree(tmp_path / "cold-out")
    return run.out


def read_csv(path: Path) -> list[dict]:
    """A CSV as an analyst opens it: it must start with the BOM Excel and WPS need."""
    raw = path.read_bytes()
    assert raw.startswith("\ufeff".encode("utf-8")), path
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def portal_csv_rows(out: Path) -> list[dict]:
    """Every row of the portal's CSV files (data/gongkai-<year>[-<part>].csv), year by year."""
    paths = sorted((out / "data").glob("gongkai-*.csv"))
    assert paths, "no portal CSV"
    return [row for path in paths for row in read_csv(path)]


class SiteCopy:
    """A copy of the example portal's site.yaml and content/ in a temporary folder."""

    def __init__(self, root: Path):
        self.root = root
        shutil.copy(REPO / "site.yaml", root / "site.yaml")
        shutil.copytree(REPO / "content", root / "content")

    def path(self, rel: str) -> Path:
        return self.root / rel

    def read(self, rel: str) -> str:
        return self.path(rel).read_text(encoding="utf-8")

    def write(self, rel: str, text: str) -> None:
        self.path(rel).parent.mkdir(parents=True, exist_ok=True)
        self.path(rel).write_text(text, encoding="utf-8")

    def replace(self, rel: str, old: str, new: str) -> None:
        text = self.read(rel)
        assert text.count(old) == 1, f"{old!r} should occur once in {rel}"
        self.write(rel, text.replace(old, new))

    def line_of(self, rel: str, needle: str) -> int:
        """The 1-based line of the only line containing `needle`."""
        found = [i for i, line in enumerate(self.read(rel).splitlines(), 1) if needle in line]
        assert len(found) == 1, f"{needle!r} should be on one line of {rel}, found {found}"
        return found[0]

    def build(self, *extra: str) -> Run:
        return generate("build", "--site", str(self.root), *extra)

    def page(self, rel: str) -> str:
        return (self.root / "build" / rel).read_text(encoding="utf-8")


def with_row(text: str, label: str, values) -> str:
    """The data file's text with new numbers in the row whose line starts with `label`."""
    pattern = re.compile(rf"^(\s*{re.escape(label)}\s*)\[[^\]]*\]", re.M)
    assert len(pattern.findall(text)) == 1, label
    return pattern.sub(lambda m: m.group(1) + "[" + ", ".join(map(str, values)) + "]", text)


def set_row(site: SiteCopy, rel: str, label: str, values) -> None:
    """Replace the numbers of the row whose line starts with `label`."""
    site.write(rel, with_row(site.read(rel), label, values))


def add_next_year(site: SiteCopy) -> None:
    """A 2024 report for 花街镇 that passes R1-R5 on its own (2023 carried 1 forward), with its
    own dates and 索引号 (R11) and its own narrative (R10)."""
    text = site.read(HUAJIE)
    for old, new in (("发布日期: 2024-01-19", "发布日期: 2025-01-20"), ("成文日期: 2024-01-18", "成文日期: 2025-01-17"),
                     ("索引号: 00259913X/2024-00003", "索引号: 00259913X/2025-00004")):
        text = text.replace(old, new)
    site.write(NEXT_YEAR, text)
    # Its own narrative: last year's copied would be repeated text (R10).
    site.write(NEXT_YEAR.replace(".yaml", ".md"), NEXT_YEAR_NARRATIVE.read_text(encoding="utf-8"))


# --- Table 3 of a rendered page against the published sample ---------------------------------

APPLICANTS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]


def headers_text(page, cell) -> list[str]:
    ids = {c.attrs["id"]: c.text for t in page.tables for c in t.cells() if "id" in c.attrs}
    return [norm(ids[i]) for i in cell.attrs["headers"].split()]


def check_table3(page, sample):
    table = table_by_id(page, "t3")
    grid = table.grid(table.body)
    assert len(grid) == len(sample.table3) == 25
    groups: list[str] = []
    checked = 0
    for row, published in zip(grid, sample.table3):
        labels, numbers = row[:3], row[3:]
        # The published line prints its group cells only on a group's first row.
        if len(published.labels) > 1:
            groups = [norm(label) for label in published.labels[:-1]]
        elif not published.labels[0][:1].isdigit():
            groups = []
        expected_labels = groups + [norm(published.labels[-1])]
        shown = list(dict.fromkeys(norm(c.text) for c in labels))   # spans repeat a label
        assert shown[-len(expected_labels):] == expected_labels
        assert [c.tag for c in labels] == ["th"] * 3
        assert [c.text for c in numbers] == published.numbers
        for cell, column in zip(numbers, APPLICANTS):
            assert cell.tag == "td" and cell.attrs["class"] == "num"
            names = headers_text(page, cell)
            assert names[-1] == column
            assert expected_labels[-1] in names
            checked += 1
    return checked


# --- In the browser (the callers are marked `browser`) ----------------------------------------

class QuietHandler(SimpleHTTPRequestHandler):
    """A static file handler that logs nothing (the test's output stays the test's)."""

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def served(folder: Path, handler: type[SimpleHTTPRequestHandler] = QuietHandler):
    """`folder` over HTTP on 127.0.0.1, as a web server would serve it; yields its address."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def output_texts(out: Path) -> dict[str, str]:
    """Every file of the output as text, the search index's gzipped fragments unpacked."""
    texts = {}
    for path in sorted(out.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            texts[path.relative_to(out).as_posix()] = (gzip.decompress(data) if data[:2] == b"\x1f\x8b"
                                                       else data).decode("utf-8", "replace")
    return texts


PAGES = ["index.html", "nianbao/index.html", "nianbao/2024.html", "nianbao/2023.html", "nianbao/huajie/index.html",
         "nianbao/huaian/index.html", "nianbao/huajie/2023.html", "nianbao/huaian/2024.html", "nianbao/huajie/2023-tujie.html",
         "nianbao/huaian/2024-tujie.html", "404.html", "data/index.html", "search/index.html"]
REPORT = "nianbao/huajie/2023.html"
SEARCH = "search/index.html"


def body_font_px(page) -> float:
    return page.evaluate("parseFloat(getComputedStyle(document.querySelector('.report-body p')).fontSize)")


def font_button(page, name):
    return page.get_by_role("button", name=name, exact=True)


def search(page, served_example, term: str, year: str = "", kind: str = ""):
    page.goto(served_example + SEARCH)
    page.get_by_label("关键词").fill(term)
    if year:
        page.get_by_label("年度").select_option(year)
    if kind:
        page.get_by_label("单位类型").select_option(kind)
    page.get_by_role("button", name="搜索", exact=True).last.click()
    status = page.get_by_role("status").filter(has_text="报告")
    status.wait_for()
    return status.inner_text(), [link.get_attribute("href") for link in page.locator("[data-search-results] a").all()]


def search_results(page) -> list[tuple[str, str]]:
    """(link, snippet text) of each result shown, in order."""
    return [(item.locator("a").first.get_attribute("href"), item.locator(".search-excerpt").inner_text())
            for item in page.locator("[data-search-results] li").all()]


def fragment_records(fragments):
    """The record of each of Pagefind's gzipped fragment files (a page's URL, text, meta, filters)."""
    for fragment in fragments:
        data = gzip.decompress(fragment.read_bytes())
        yield json.loads(data[data.index(b"{"):])      # after Pagefind's signature


def index_texts(folder: Path) -> dict[str, str]:
    """URL -> the text one Pagefind index (a shard, the overlay) holds of each of its pages."""
    return {record["url"]: record["content"] for record in fragment_records((folder / "fragment").glob("*.pf_fragment"))}


def searched_pages(out: Path) -> dict[str, str]:
    """URL -> the text of each page as the search page sees it: from its shard, unless the overlay
    replaces it (pagefind/shards.json: then the overlay's record)."""
    listed = json.loads((out / "pagefind/shards.json").read_text(encoding="utf-8"))
    pages = {url: text for shard in listed["shards"] for url, text in index_texts(out / "pagefind" / shard).items()
             if url not in listed["replaced"]}
    return pages | (index_texts(out / "pagefind" / listed["overlay"]) if listed["overlay"] else {})


def indexed_pages(out: Path) -> dict[str, dict]:
    """What Pagefind indexed of each page of a built site, by URL: its text (`content`), meta and
    filters, read from the gzipped fragments of every shard of the index."""
    pages = {}
    for record in fragment_records((out / "pagefind").glob("**/fragment/*.pf_fragment")):
        record["content"] = record["content"].replace("\u200b", "")   # its word breaks
        pages[record["url"]] = record
    return pages


AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    # Experimental, so off by default: without it a data table with no headers at all passes.
    "rules": {"td-has-header": {"enabled": True}},
}


def axe_violations(page) -> list[dict]:
    script = NODE_MODULES / "axe-core" / "axe.min.js"
    if not script.exists():
        pytest.fail("node_modules/axe-core is missing: run `npm ci` (the README's test command does)")
    page.evaluate(script.read_text(encoding="utf-8"))   # not a <script> tag: the pages allow no inline script
    result = page.evaluate("([c, o]) => axe.run(c || document, o)", [None, AXE_OPTIONS])
    return [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"]]} for v in result["violations"]]


def pingtan_page_text(tmp_path: Path) -> tuple[Path, Path]:
    """Block A's page text with its run-together tables replaced by block B's recovered ones."""
    text = (SAMPLES / "pingtan-2022.txt").read_text(encoding="utf-8")
    block_a, block_b = text.split("==== B. DECODED TABLES ====")
    header, body = block_a.split("==================== 正文 ====================")
    body = body.strip()
    before, rest = body.split(" 二、主动公开政府信息情况", 1)
    after = rest[rest.index(" 五、存在的主要问题及改进情况"):]
    page_text = tmp_path / "pingtan-2022.txt"
    page_text.write_text(header.split("==== A. VERBATIM PAGE TEXT ====")[1] + "\n" + before + "\n"
                         + block_b.strip() + "\n" + after + "\n", encoding="utf-8")
    tables = tmp_path / "pingtan-tables.txt"
    tables.write_text(block_b, encoding="utf-8")
    return page_text, tables


# --- search: queries and phrases the precision and shard tests share ------------------------------

NOT_THERE = ["量子计算机", "XYZQ", "7730.28"]      # found 2, 2 and 1 reports before (issue 18)
HUAJIE_PHRASE = "通过政务新媒体“掌上永康”发布信息186条"


def unique_phrase(root: Path) -> tuple[str, str]:
    """A sentence of one synthetic narrative found in no other, and its report's page."""
    narratives = {md: md.read_text(encoding="utf-8") for md in sorted((root / "content/reports").glob("*/*.md"))}
    for md, text in narratives.items():
        phrase = re.search(r"全年通过政府网站主动公开政府信息\d+条，发布政策解读\d+篇", text).group(0)
        if sum(phrase in other for other in narratives.values()) == 1:
            return phrase, f"/nianbao/{md.parent.name}/{md.stem}.html"
    raise AssertionError("no narrative has a sentence of its own")


# --- R10: a next year and a sibling unit for 花街镇 (test_repetition, test_repetition_update) -------

HUAJIE_MD = HUAJIE.replace(".yaml", ".md")
NEXT_MD = NEXT_YEAR.replace(".yaml", ".md")
SIBLING = "content/reports/xiaoqiao/2023.yaml"
SIBLING_MD = SIBLING.replace(".yaml", ".md")
SIBLING_UNIT = """
xiaoqiao:
  名称: 小桥镇人民政府
  类型: 乡镇（街道）
  排序: 20
"""


def add_2024(site) -> None:
    """花街镇's 2024 report, passing every check (2023 carried 1 forward)."""
    add_next_year(site)
    set_row(site, NEXT_YEAR, "二、上年结转政府信息公开申请数量:", [1, 0, 0, 0, 0, 0, 1])
    set_row(site, NEXT_YEAR, "四、结转下年度继续办理:", [2, 0, 0, 0, 0, 0, 2])


def copy_last_year(site) -> None:
    """2024's narrative: 2023's with only the years changed."""
    site.write(NEXT_MD, site.read(HUAJIE_MD).replace("2023", "2024").replace("2024年1件", "2025年1件"))


def add_sibling(site, narrative: str) -> None:
    """小桥镇, a unit beside 花街镇, with 花街镇's 2023 tables and the given narrative."""
    site.write("content/units.yaml", site.read("content/units.yaml") + SIBLING_UNIT)
    site.write(SIBLING, site.read(HUAJIE).replace("00259913X/2024-00003", "00259913X/2024-00009")
               .replace("花街镇人民政府", "小桥镇人民政府"))
    site.write(SIBLING_MD, narrative)
