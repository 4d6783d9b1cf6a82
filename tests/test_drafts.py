"""Drafts and scheduled reports stay out of `build`; archives say where they came from (issue 16, items 3-5)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from helpers import (HUAJIE, NEXT_YEAR, SAMPLES, SiteCopy, add_next_year, axe_violations, build, generate, import_,
                     output_texts, served, set_row)
from htmltables import parse
from generator.serve import Preview

DRAFT_TITLE = "花街镇人民政府2024年政府信息公开工作年度报告（送审稿）"
DRAFT_PAGE = "nianbao/huajie/2024.html"
# What any output file would hold of the 2024 report: its title, its address (pages, listings,
# sitemap), its rows in the portal-wide CSV.
TRACES = (DRAFT_TITLE, "huajie/2024", "huajie,花街镇人民政府,乡镇（街道）,2024")
TODAY = "GONGKAI_TODAY"


def add_2024(site: SiteCopy, *fields: str) -> None:
    """花街镇's 2024 report (published 2025-02-10, after every other) with its own title and any
    `fields` added; it takes up the application 2023 carried forward, and carries it on."""
    add_next_year(site)
    site.replace(NEXT_YEAR, "发布日期: 2025-01-20", "\n".join(("发布日期: 2025-02-10", f"标题: {DRAFT_TITLE}") + fields))
    set_row(site, NEXT_YEAR, "二、上年结转政府信息公开申请数量:", [1, 0, 0, 0, 0, 0, 1])
    set_row(site, NEXT_YEAR, "四、结转下年度继续办理:", [2, 0, 0, 0, 0, 0, 2])


def traces_of_2024(out: Path) -> dict[str, list[str]]:
    """Each output file that mentions the 2024 report, with what it mentions."""
    found = {rel: [t for t in TRACES if t in text] for rel, text in output_texts(out).items()}
    years = {(r["单位"]["编号"], r["年度"]) for r in json.loads((out / "data/gongkai-all.json").read_text("utf-8"))}
    if ("huajie", 2024) in years:
        found["data/gongkai-all.json"] = ["huajie 2024"]
    return {rel: traces for rel, traces in found.items() if traces}


def banner(html: str) -> list[str]:
    """The 草稿 banners of a page: each one's opening tag and its text."""
    return [tag + " " + re.sub(r"<[^>]+>|\s+", "", body)
            for tag, body in re.findall(r'(<div class="draft-banner"[^>]*>)(.*?)</div>', html, re.S)]


# --- drafts -------------------------------------------------------------------------------------

def test_a_draft_is_in_no_output_file_of_build(site):
    add_2024(site, "草稿: true")
    run = build(site.root, None, "--strict")          # a draft is a normal state: a note, not a warning
    line = site.line_of(NEXT_YEAR, "草稿: true")
    assert f"{NEXT_YEAR}:{line}: {DRAFT_TITLE}是草稿，未发布：定稿后请删去「草稿: true」（" in run.err
    assert "(draft)" in run.err
    assert "2 份报告" in run.out
    assert traces_of_2024(site.root / "build") == {}
    assert "huajie/2023" in site.page("sitemap.xml")   # the walk does see what is published
    assert any(rel.endswith(".pf_fragment") for rel in output_texts(site.root / "build"))
    again = build(site.root)                          # nothing changed: still said
    assert "没有变化" in again.out and f"{DRAFT_TITLE}是草稿，未发布" in again.err


def test_the_same_report_not_a_draft_leaves_traces_everywhere(site):
    add_2024(site)
    build(site.root)
    traces = traces_of_2024(site.root / "build")
    for rel in (DRAFT_PAGE, "nianbao/huajie/2024-tujie.html", "nianbao/huajie/2024.csv", "nianbao/huajie/2024.json",
                "index.html", "nianbao/2024.html", "nianbao/huajie/index.html", "sitemap.xml",
                "data/gongkai-2024.csv", "data/gongkai-all.json"):
        assert rel in traces, rel
    assert any(rel.startswith("pagefind/2024/00/fragment/") for rel in traces)


def test_a_placeholder_left_in_the_narrative_or_the_data_makes_a_draft(site):
    add_2024(site, "草稿: false")
    narrative = NEXT_YEAR.replace(".yaml", ".md")
    site.write(narrative, site.read(narrative) + "\n联系电话：【待填写】\n")
    run = build(site.root)
    assert f"{NEXT_YEAR}: {DRAFT_TITLE}是草稿，未发布：定稿后请填完所有「【待填写】」" in run.err
    assert not (site.root / "build" / DRAFT_PAGE).exists()
    site.write(narrative, site.read(narrative).replace("联系电话：【待填写】", "联系电话：0000-0000000"))
    site.replace(NEXT_YEAR, "发布机构: 花街镇人民政府", "发布机构: 【待填写】")
    build(site.root)
    assert not (site.root / "build" / DRAFT_PAGE).exists()


def test_build_drafts_marks_each_draft_page_with_a_banner(site):
    add_2024(site, "草稿: true")
    build(site.root, None, "--drafts")
    for rel in (DRAFT_PAGE, "nianbao/huajie/2024-tujie.html"):
        (shown,) = banner(site.page(rel))
        assert 'role="note"' in shown and 'aria-label="草稿"' in shown
        assert "草稿：本报告尚未定稿" in shown and "不得对外发布" in shown
    assert banner(site.page("nianbao/huajie/2023.html")) == []
    assert "2024.html" in site.page("nianbao/huajie/index.html")


@pytest.mark.browser
def test_the_banner_passes_axe_and_nu_and_is_printed(site, page, nu_messages):
    add_2024(site, "草稿: true")
    build(site.root, None, "--drafts")
    pages = [DRAFT_PAGE, "nianbao/huajie/2024-tujie.html"]
    assert [m for m in nu_messages([site.root / "build" / p for p in pages]) if m["type"] == "error"] == []
    with served(site.root / "build") as url:
        for path in pages:
            page.goto(url + path)
            assert axe_violations(page) == []        # its contrast included
            page.emulate_media(media="print")
            assert page.locator(".draft-banner").is_visible()
            page.emulate_media(media="screen")
            assert page.get_by_role("note", name="草稿").is_visible()


def test_the_preview_shows_drafts_with_the_banner(site, tmp_path):
    add_2024(site, "草稿: true")
    log: list[str] = []
    Preview(site.root, tmp_path / "preview", log=log.append).build()
    (shown,) = banner((tmp_path / "preview" / DRAFT_PAGE).read_text(encoding="utf-8"))
    assert "草稿：本报告尚未定稿" in shown


def test_a_build_without_drafts_after_one_with_them_removes_them(site):
    add_2024(site, "草稿: true")
    build(site.root, None, "--drafts")
    assert DRAFT_PAGE in traces_of_2024(site.root / "build")
    build(site.root)
    assert traces_of_2024(site.root / "build") == {}


def test_toggling_a_draft_adds_and_removes_all_its_traces(site, tmp_path):
    add_2024(site)
    out = site.root / "build"
    build(site.root)
    published = without_search_index(output_texts(out))
    site.replace(NEXT_YEAR, f"标题: {DRAFT_TITLE}", f"标题: {DRAFT_TITLE}\n草稿: true")
    run = build(site.root)
    assert "全部重新生成" not in run.out            # incremental
    assert traces_of_2024(out) == {}
    site.replace(NEXT_YEAR, "\n草稿: true", "")
    run = build(site.root)
    assert "全部重新生成" not in run.out
    # Exactly what the build of the published report wrote (Pagefind names its files anew each time).
    assert without_search_index(output_texts(out)) == published
    # in the overlay: the edits since the shards were indexed (output.search)
    assert any(rel.startswith("pagefind/overlay/fragment/") for rel in traces_of_2024(out))


def without_search_index(texts: dict[str, str]) -> dict[str, str]:
    return {rel: text for rel, text in texts.items() if not rel.startswith("pagefind/")}


def test_check_counts_a_draft_and_says_it_is_one(site):
    add_2024(site, "草稿: true")
    run = generate("check", "--site", str(site.root), "--strict")
    assert run.code == 0, run.err
    assert "3 份报告，0 个错误，0 个警告" in run.out and "是草稿，未发布" in run.err


def test_new_writes_a_draft_flag_that_says_to_remove_it(site):
    run = generate("new", "huajie", "2024", "--site", str(site.root))
    assert run.code == 0 and "定稿后删去数据文件中的「草稿: true」" in run.out
    line = next(line for line in site.read(NEXT_YEAR).splitlines() if line.startswith("草稿:"))
    assert line.split("#")[0].strip() == "草稿: true" and "删去" in line
    assert yaml.safe_load(site.read(NEXT_YEAR))["草稿"] is True


# --- scheduled reports ---------------------------------------------------------------------------

def test_a_future_report_waits_for_its_date(site, monkeypatch):
    add_2024(site)
    out = site.root / "build"
    monkeypatch.setenv(TODAY, "2025-02-09")
    run = build(site.root)
    line = site.line_of(NEXT_YEAR, "发布日期")
    assert f"{NEXT_YEAR}:{line}: 警告：发布日期 2025-02-10 还没到" in run.err and "(R11)" in run.err
    assert traces_of_2024(out) == {}
    assert generate("build", "--site", str(site.root), "--strict").code == 1
    monkeypatch.setenv(TODAY, "2025-02-10")            # no file changed: the date came
    run = build(site.root)
    assert "全部重新生成" not in run.out and "还没到" not in run.err
    assert DRAFT_PAGE in traces_of_2024(out)
    assert "data/gongkai-all.json" in traces_of_2024(out)


def test_include_future_publishes_a_scheduled_report(site, monkeypatch):
    add_2024(site)
    monkeypatch.setenv(TODAY, "2025-02-01")
    run = build(site.root, None, "--include-future")
    assert "还没到" not in run.err
    assert (site.root / "build" / DRAFT_PAGE).is_file()
    assert banner(site.page(DRAFT_PAGE)) == []       # scheduled, not a draft


# --- archives -----------------------------------------------------------------------------------

def test_as_published_without_a_source_is_an_error_that_says_what_it_is_for(site):
    site.replace(HUAJIE, "发布日期: 2024-01-19", "发布日期: 2024-01-19\n按原样发布: true")
    run = site.build()
    assert run.code == 1
    (line,) = [line for line in run.lines if "(as_published)" in line]
    assert line.startswith(f"{HUAJIE}:{site.line_of(HUAJIE, '按原样发布')}: ")
    assert "照原样存档的已发布报告" in line and "来源" in line and "新写的报告请删去" in line


def test_import_writes_where_the_report_came_from_and_when(tmp_path):
    root = tmp_path / "site"
    assert generate("init", str(root)).code == 0
    shutil.rmtree(root / "content" / "reports")
    import_(root, SAMPLES / "huajie-2023.txt")
    data = yaml.safe_load((root / HUAJIE).read_text(encoding="utf-8"))
    assert data["按原样发布"] is True
    assert data["来源"].startswith("huajie-2023.txt（") and data["来源"].endswith(" 导入）")
    build(root)


def test_a_negative_count_in_an_archive_is_a_discrepancy(site):
    site.replace(HUAJIE, "行政许可: 0 ", "行政许可: -1 ")
    failed = site.build()
    assert failed.code == 1 and "(R8)" in failed.err
    site.replace(HUAJIE, "发布日期: 2024-01-19", "发布日期: 2024-01-19\n按原样发布: true\n来源: huajie-2023.txt（2024-03-01 导入）")
    run = build(site.root)
    assert "(R8)" not in run.err
    (notice,) = parse(site.page("nianbao/huajie/2023.html")).by_class["notice"]
    assert "不能为负数，实为 -1（R8）" in notice
