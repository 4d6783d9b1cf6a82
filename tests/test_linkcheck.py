"""The link check: every internal link and anchor of every built page, before the new tree is
committed; a broken one is a warning (`link`) where it was written, and fails --strict."""

from __future__ import annotations

import marshal
import os
import shutil
from types import SimpleNamespace

import generator.output.links as links
from generator.output.manifest import read_manifest
from helpers import REPO, generate, snapshot

NARRATIVE = "content/reports/huajie/2023.md"
ANCHOR = "2023年我镇政务公开社会评议和责任追究结果情况:无。"


def add_to_narrative(site, text: str) -> None:
    site.replace(NARRATIVE, ANCHOR, f"{ANCHOR}\n\n{text}")


def link_lines(run) -> list[str]:
    return [line for line in run.lines if line.endswith("(link)")]


def test_the_example_portal_has_no_broken_link(tmp_path):
    run = generate("build", "--site", str(REPO), "--out", str(tmp_path / "build"))
    assert run.code == 0 and link_lines(run) == [] and "外部链接" not in run.err, run.err


def test_a_narrative_link_to_a_missing_report_is_a_warning_with_its_line(site):
    add_to_narrative(site, "详见[2019年报告](../huaian/2019.html)。")
    line = site.line_of(NARRATIVE, "2019年报告")
    run = site.build()
    assert run.code == 0, run.err
    assert link_lines(run) == [f"{NARRATIVE}:{line}: 警告：链接「../huaian/2019.html」指向的 nianbao/huaian/2019.html "
                               "不存在（见 nianbao/huajie/2023.html） (link)"], run.err


def test_with_strict_a_broken_link_fails_the_build_and_leaves_the_output_untouched(site):
    assert site.build().code == 0
    before = snapshot(site.root / "build")
    add_to_narrative(site, "详见[2019年报告](../huaian/2019.html)。")
    run = site.build("--strict")
    assert run.code == 1, run.err
    assert link_lines(run) and run.lines[-1].startswith("构建未通过（--strict：警告也算未通过）：共 1 个警告。"), run.err
    assert snapshot(site.root / "build") == before


def test_with_strict_a_first_build_with_a_broken_link_writes_nothing(site):
    add_to_narrative(site, "详见[2019年报告](../huaian/2019.html)。")
    assert site.build("--strict").code == 1
    assert not (site.root / "build").exists()


def test_anchors_in_the_same_page_and_in_another_page(site):
    add_to_narrative(site, "见[表三](#t3)、[淮安表三](../huaian/2024.html#t3)、[没有的位置](#nowhere)、"
                           "[淮安没有的位置](../huaian/2024.html#nope)、[顶部](#top)。")
    line = site.line_of(NARRATIVE, "没有的位置")
    run = site.build()
    assert sorted(link_lines(run)) == [
        f"{NARRATIVE}:{line}: 警告：链接「#nowhere」：页面 nianbao/huajie/2023.html 中没有「#nowhere」这个位置"
        "（见 nianbao/huajie/2023.html） (link)",
        f"{NARRATIVE}:{line}: 警告：链接「../huaian/2024.html#nope」：页面 nianbao/huaian/2024.html 中没有「#nope」"
        "这个位置（见 nianbao/huajie/2023.html） (link)"], run.err


def test_a_site_templates_link_to_a_missing_page_names_the_template_line_and_the_page(site):
    home = (REPO / "templates" / "home.html").read_text(encoding="utf-8")
    bad = '  <p><a href="{{ root }}no-such-page.html">旧栏目</a></p>\n'
    site.write("templates/home.html", home.replace("</section>", bad + "</section>", 1))
    line = site.line_of("templates/home.html", "no-such-page.html")
    run = site.build()
    assert link_lines(run) == [f"templates/home.html:{line}: 警告：链接「no-such-page.html」指向的 no-such-page.html "
                               "不存在（见 index.html） (link)"], run.err


def test_an_incremental_build_after_deleting_a_linked_report_warns(site):
    add_to_narrative(site, "详见[淮安市2024年报告](../huaian/2024.html)。")
    line = site.line_of(NARRATIVE, "淮安市2024年报告")
    run = site.build()
    assert run.code == 0 and link_lines(run) == [], run.err
    page = (site.root / "build/nianbao/huajie/2023.html").stat().st_mtime_ns
    for suffix in ("yaml", "md"):
        site.path(f"content/reports/huaian/2024.{suffix}").unlink()
    run = site.build()
    assert run.code == 0 and "全部重新生成" not in run.out, run.out    # incremental: huajie's page is kept
    assert (site.root / "build/nianbao/huajie/2023.html").stat().st_mtime_ns == page
    assert [line_ for line_ in link_lines(run) if line_.startswith(f"{NARRATIVE}:{line}: ")], run.err
    shutil.rmtree(site.root / "build")
    cold = site.build()
    assert link_lines(cold) == link_lines(run)                         # the same as a cold build


def test_external_links_are_counted_not_fetched(site):
    add_to_narrative(site, "见[中国政府网](https://www.gov.cn/)、[来信](mailto:gk@example.cn)、[电话](tel:12345)。")
    run = site.build()
    assert run.code == 0 and link_lines(run) == [], run.err
    assert "build: 外部链接 3 个（未检查）" in run.lines, run.err
    assert site.build("--strict").code == 0                               # a note, not a warning


def test_a_rebuild_that_keeps_the_linking_unit_reports_its_broken_links_again(site):
    """The pages of a unit kept from the last build are not read again: the manifest keeps
    what they link to, and their broken links are found again, inside and outside their folder."""
    add_to_narrative(site, "见[2022年报告](2022.html)和[淮安2019年报告](../huaian/2019.html)。")
    first = site.build()
    assert len(link_lines(first)) == 2, first.err
    site.replace("content/reports/huaian/2024.md", "## 五、", "新的一段。\n\n## 五、")     # huajie is kept
    run = site.build()
    assert "全部重新生成" not in run.out and link_lines(run) == link_lines(first), run.err
    nothing = site.build()
    assert "没有变化" in nothing.out and link_lines(nothing) == link_lines(first), nothing.err
    site.replace(NARRATIVE, "(2022.html)", "(#t3)")                    # fixed
    fixed = site.build()
    assert fixed.code == 0 and [line for line in link_lines(fixed) if "2022" in line] == [], fixed.err
    assert len(link_lines(fixed)) == 1, fixed.err


def test_a_rebuild_that_rewrites_no_site_page_takes_their_links_from_the_manifest(site):
    """The site's own pages (the 年报 column's are megabytes at 10,000 units) are read only when
    this build rewrote one of them; otherwise what they link to comes from the manifest, and a
    broken link is reported again, and no longer once the page is rendered without it."""
    home = (REPO / "templates" / "home.html").read_text(encoding="utf-8")
    bad = '  <p><a href="{{ root }}no-such-page.html">旧栏目</a></p>\n'
    site.write("templates/home.html", home.replace("</section>", bad + "</section>", 1))
    first = site.build()
    assert len(link_lines(first)) == 1, first.err
    page = site.root / "build" / "index.html"
    page.write_bytes(page.read_bytes().replace(b"no-such-page.html", b"index.html#top"))   # not read again
    site.replace("content/reports/huaian/2024.md", "## 五、", "新的一段。\n\n## 五、")   # the listings stay
    kept = site.build()
    assert "全部重新生成" not in kept.out and link_lines(kept) == link_lines(first), kept.err
    site.write("templates/home.html", home)                                 # rendered again, without it
    fixed = site.build()
    assert fixed.code == 0 and link_lines(fixed) == [], fixed.err


def test_a_rebuild_of_the_same_files_keeps_the_kept_units_verdicts_and_checks_their_anchors_again(site, monkeypatch):
    """When the new tree holds the files the last one held, a unit kept from the last build is not
    checked again (its record is not even read from the manifest): its broken links are the last
    build's. Its links to an id of another page are checked again, as that page may have been
    rewritten: the same warnings as a cold build."""
    add_to_narrative(site, "见[淮安表三](../huaian/2024.html#t3)、[淮安没有的位置](../huaian/2024.html#nope)"
                           "和[2022年报告](2022.html)。")
    first = site.build()
    assert len(link_lines(first)) == 2, first.err
    read = []
    monkeypatch.setattr(links, "marshal", SimpleNamespace(dumps=marshal.dumps, loads=lambda data: read.append(data)
                                                          or marshal.loads(data)))
    site.replace("content/reports/huaian/2024.md", "## 五、", "新的一段。\n\n## 五、")     # huajie is kept
    run = site.build()
    assert "全部重新生成" not in run.out and link_lines(run) == link_lines(first), run.err
    assert read == []
    nothing = site.build()
    assert "没有变化" in nothing.out and link_lines(nothing) == link_lines(first) and read == [], nothing.err
    touched = site.path("content/reports/huaian/2024.md")
    os.utime(touched, ns=(touched.stat().st_atime_ns, touched.stat().st_mtime_ns + 10**9))
    assert link_lines(site.build()) == link_lines(first)               # touched, not edited: a manifest saved
    assert read_manifest(site.root, site.root / "build").links.keys() == {"", "huaian", "huajie"}
    site.replace("content/reports/huaian/2024.md", "新的一段。", "又一段。")
    assert link_lines(site.build()) == link_lines(first) and read == []
    shutil.rmtree(site.root / "build")
    assert link_lines(site.build()) == link_lines(first)
