"""Units change; addresses and titles do not: 曾用编号 and 曾用名 in units.yaml (issue 17, item 4)."""

from __future__ import annotations

import json
import re
import shutil
import traceback
from pathlib import Path

import pytest

from generator.output.manifest import UnitRecord
from helpers import (HUAJIE, NEXT_YEAR, SiteCopy, add_next_year, axe_violations, build, generate, output_texts,
                     portal_csv_rows, served, set_row)

UNITS = "content/units.yaml"
OLD_NAME, NEW_NAME = "花街镇人民政府", "花街街道办事处"
OLD_TITLE = f"{OLD_NAME}2023年政府信息公开工作年度报告"
NEW_TITLE_2024 = f"{NEW_NAME}2024年政府信息公开工作年度报告"
# The pages that lived at the old id: the unit's page, the report's page and its 图解
OLD_PAGES = {"nianbao/hj/index.html": "nianbao/huajie/index.html",
             "nianbao/hj/2023.html": "nianbao/huajie/2023.html",
             "nianbao/hj/2023-tujie.html": "nianbao/huajie/2023-tujie.html"}


def set_unit(site: SiteCopy, *lines: str, name: str = OLD_NAME) -> None:
    """花街镇's entry in units.yaml with its 名称 and the `lines` added under it."""
    site.replace(UNITS, f"  名称: {OLD_NAME}\n", "".join(f"  {line}\n" for line in (f"名称: {name}",) + lines))


def renamed(site: SiteCopy, *extra: str) -> None:
    """花街镇 renamed 花街街道办事处 on 2024-07-01, with its former name recorded."""
    set_unit(site, "曾用名:", f"  - {{名称: {OLD_NAME}, 至: 2024-06-30}}", *extra, name=NEW_NAME)


def add_2024(site: SiteCopy) -> None:
    """花街镇's 2024 report, published 2025-01-20 (after the rename), taking up what 2023 carried on."""
    add_next_year(site)
    site.replace(NEXT_YEAR, f"发布机构: {OLD_NAME}\n", "")
    set_row(site, NEXT_YEAR, "二、上年结转政府信息公开申请数量:", [1, 0, 0, 0, 0, 0, 1])
    set_row(site, NEXT_YEAR, "四、结转下年度继续办理:", [2, 0, 0, 0, 0, 0, 2])


def h1(html: str) -> str:
    return re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1).strip()


def listed_titles(html: str) -> list[str]:
    """The report titles a listing links."""
    return re.findall(r'<a href="[^"]*\d{4}\.html">([^<]+)</a>', html)


def tree(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


# --- 曾用编号: the old addresses redirect -------------------------------------------------------------

def test_an_old_id_keeps_a_redirect_page_at_each_old_address(site):
    set_unit(site, "曾用编号: [hj]")
    build(site.root)
    for old, new in OLD_PAGES.items():
        html = site.page(old)
        target = re.search(r'<meta http-equiv="refresh" content="0; url=([^"]+)">', html).group(1)
        assert target == "../../" + new, old                     # relative: it works under a sub-path
        assert (site.root / "build" / Path(old).parent / target).resolve() == (site.root / "build" / new).resolve()
        assert f'<link rel="canonical" href="https://gongkai.example.org/{new.removesuffix("index.html")}">' in html
        assert '<meta name="robots" content="noindex">' in html and '<html lang="zh-CN">' in html
        assert re.search(rf'<a href="\.\./\.\./{re.escape(new)}">[^<]+</a>', html), old   # without automatic refresh
        assert "地址已更改" in re.search(r"<title>(.*?)</title>", html).group(1)
    assert "2023年政府信息公开工作年度报告" in h1(site.page("nianbao/huajie/2023.html"))   # the new address is the page


def test_sitemap_and_search_have_only_the_new_address(site):
    set_unit(site, "曾用编号: [hj]")
    build(site.root)
    texts = output_texts(site.root / "build")
    assert "nianbao/huajie/2023.html" in texts["sitemap.xml"]
    search = {rel: text for rel, text in texts.items() if rel.startswith("pagefind/")}
    assert any("huajie/2023" in text for text in search.values())           # the search walk does see reports
    assert [rel for rel, text in search.items() if "nianbao/hj/" in text] == []
    assert "nianbao/hj/" not in texts["sitemap.xml"]
    assert all("nianbao/hj/" not in texts[rel] for rel in ("index.html", "nianbao/index.html", "data/gongkai-all.json"))


@pytest.mark.browser
def test_the_old_address_takes_a_browser_to_the_new_one_under_a_sub_path(site, page, nu_messages):
    set_unit(site, "曾用编号: [hj]", "曾用名:", "  - {名称: 花街乡, 至: 2000-12-31}")
    build(site.root)
    checked = [site.root / "build" / path for path in [*OLD_PAGES, "nianbao/huajie/index.html"]]
    assert [m for m in nu_messages(checked) if m["type"] == "error"] == []
    with served(site.root) as url:                   # the site is served under /build/, a sub-path
        for old, new in OLD_PAGES.items():
            page.goto(url + "build/" + old)
            page.wait_for_url(url + "build/" + new)
            assert page.url == url + "build/" + new
        page.goto(url + "build/nianbao/huajie/index.html")                # the unit page with its 曾用名
        assert page.locator("h1").inner_text() == OLD_NAME and page.get_by_text("花街乡（使用至").is_visible()
        assert axe_violations(page) == []


def test_an_old_id_that_is_a_unit_or_claimed_twice_is_an_error_with_its_line(site):
    set_unit(site, "曾用编号: [huaian, hj]")
    site.replace(UNITS, "  名称: 淮安市人民政府\n", "  名称: 淮安市人民政府\n  曾用编号:\n    - hj\n    - Bad\n")
    run = generate("check", "--site", str(site.root))
    assert run.code == 1
    huajie_line = site.line_of(UNITS, "曾用编号: [huaian, hj]")
    hj_line = site.line_of(UNITS, "    - hj")
    assert f"{UNITS}:{huajie_line}: 单位「huajie」的曾用编号「huaian」是现有单位「huaian」的编号" in run.err
    assert f"{UNITS}:{huajie_line}: 曾用编号「hj」写了两次：单位「huaian」（第 {hj_line} 行）和单位「huajie」" in run.err
    assert f"{UNITS}:{hj_line + 1}: 单位「huaian」的曾用编号应是原来的单位编号" in run.err
    assert run.err.count("(former_ids)") == 3
    assert "Traceback" not in run.err


def test_the_old_report_folder_says_where_it_went(site):
    set_unit(site, "曾用编号: [hj]")
    shutil.copytree(site.path("content/reports/huajie"), site.path("content/reports/hj"))
    run = generate("check", "--site", str(site.root))
    assert run.code == 1
    assert "content/reports/hj/2023.yaml: 单位「hj」已改为「huajie」（content/units.yaml 的曾用编号）" in run.err


# --- 曾用名: a report keeps the name it was published under -----------------------------------------

def test_a_2023_report_keeps_the_former_name_after_a_2024_rename(site):
    renamed(site)
    add_2024(site)
    build(site.root)
    assert h1(site.page("nianbao/huajie/2023.html")) == OLD_TITLE
    assert h1(site.page("nianbao/huajie/2024.html")) == NEW_TITLE_2024
    assert f"<dt>发布机构</dt><dd>{NEW_NAME}</dd>" in site.page("nianbao/huajie/2024.html")
    assert f'<span class="poster-unit">{OLD_NAME}</span>' in site.page("nianbao/huajie/2023-tujie.html")
    for listing in ("nianbao/huajie/index.html", "index.html"):
        titles = listed_titles(site.page(listing))
        assert OLD_TITLE in titles and NEW_TITLE_2024 in titles, listing
    # the column's year pages name each report's unit as its title does
    assert OLD_NAME in listed_titles(site.page("nianbao/2023.html")) and NEW_NAME not in site.page("nianbao/2023.html")
    assert NEW_NAME in listed_titles(site.page("nianbao/2024.html"))
    assert h1(site.page("nianbao/huajie/index.html")) == NEW_NAME                  # the unit is named as it is now
    assert f"<dt>曾用名</dt><dd>{OLD_NAME}（使用至 2024-06-30）</dd>" in site.page("nianbao/huajie/index.html")
    data = {r["年度"]: r for r in json.loads(site.page("data/gongkai-all.json")) if r["单位"]["编号"] == "huajie"}
    assert data[2023]["标题"] == OLD_TITLE and data[2023]["单位"]["名称"] == OLD_NAME
    assert data[2023]["单位"]["现名称"] == NEW_NAME
    assert data[2024]["单位"] == {"编号": "huajie", "名称": NEW_NAME, "类型": "乡镇（街道）"}
    assert json.loads(site.page("nianbao/huajie/2023.json"))["单位"]["名称"] == OLD_NAME
    rows = portal_csv_rows(site.root / "build")
    assert {(row["单位"], row["年度"]) for row in rows if row["单位编号"] == "huajie"} == {(OLD_NAME, "2023"), (NEW_NAME, "2024")}


def test_without_a_publication_date_the_name_at_the_end_of_the_year_is_used(site):
    set_unit(site, "曾用名:", f"  - {{名称: {OLD_NAME}, 至: 2023-12-31}}", name=NEW_NAME)
    site.replace(HUAJIE, "发布日期: 2024-01-19\n", "按原样发布: true\n来源: 演示\n")
    build(site.root)
    assert h1(site.page("nianbao/huajie/2023.html")) == OLD_TITLE


def test_a_reports_own_title_wins(site):
    renamed(site)
    site.replace(HUAJIE, "发布日期: 2024-01-19\n", "发布日期: 2024-01-19\n标题: 花街镇2023年度政府信息公开工作报告\n")
    build(site.root)
    assert h1(site.page("nianbao/huajie/2023.html")) == "花街镇2023年度政府信息公开工作报告"


def test_a_copy_with_only_the_year_and_the_new_name_is_still_repeated_text(site):
    """R10 counts a unit's former names (曾用名) as its own name, as it does its name."""
    add_2024(site)
    site.write(NEXT_YEAR.replace(".yaml", ".md"), site.read(HUAJIE.replace(".yaml", ".md")).replace("2023", "2024")
               .replace(OLD_NAME, NEW_NAME).replace("花街镇", "花街街道办事处"))
    shares = []
    for record in (False, True):
        site.write(UNITS, site.read(UNITS).replace("  名称: 花街街道办事处\n", f"  名称: {OLD_NAME}\n"))
        renamed(site) if record else set_unit(site, name=NEW_NAME)
        run = generate("check", "--site", str(site.root))
        shares += [int(re.search(r"正文有 (\d+)% 与", line)[1]) for line in run.lines if line.endswith("(R10)")]
    assert shares[-1] >= 95 and shares[0] < shares[-1], shares


def test_former_names_are_checked_with_their_lines(site):
    set_unit(site, "曾用名:", "  - {名称: 花街乡, 至: 2020-06-30}", "  - {名称: 花街镇, 至: 2019-12-31}",
             "  - 名称: 花街公社", "  - 花街", name=NEW_NAME)
    run = generate("check", "--site", str(site.root))
    assert run.code == 1
    line = site.line_of(UNITS, "花街镇, 至: 2019-12-31")
    assert (f"{UNITS}:{line}: 单位「huajie」的第 2 个曾用名「花街镇」的「至」（2019-12-31）应晚于上一个曾用名的："
            "请按时间先后排列 (former_names)") in run.err
    assert f"{UNITS}:{line + 1}: 单位「huajie」的第 3 个曾用名缺少「至」" in run.err
    assert f"{UNITS}:{line + 2}: 单位「huajie」的第 4 个曾用名应写出名称和使用到哪一天" in run.err


# --- a rename without 曾用名 --------------------------------------------------------------------------

def test_a_rename_without_the_former_name_warns_with_the_reports_retitled(site):
    build(site.root)
    set_unit(site, name=NEW_NAME)
    line = site.line_of(UNITS, "huajie:")
    check = generate("check", "--site", str(site.root))
    warning = (f"{UNITS}:{line}: 警告：单位「huajie」的名称由「{OLD_NAME}」改为「{NEW_NAME}」，但没有写「曾用名」："
               f"已发布的 1 份报告的标题会随之改变（《{OLD_TITLE}》）")
    assert check.code == 0 and warning in check.err and "(rename)" in check.err
    assert generate("check", "--site", str(site.root), "--strict").code == 1
    assert warning in generate("build", "--site", str(site.root)).err      # the build that makes the change
    assert "(rename)" not in build(site.root).err                         # then the change is made


def test_a_rename_with_the_former_name_recorded_or_a_new_id_is_quiet(site):
    build(site.root)
    renamed(site)
    assert "(rename)" not in build(site.root, None, "--strict").err
    site.replace(UNITS, "huajie:", "huajie-jd:")
    site.replace(UNITS, "曾用名:", "曾用编号: [huajie]\n  曾用名:")
    site.path("content/reports/huajie").rename(site.path("content/reports/huajie-jd"))
    assert "(rename)" not in build(site.root, None, "--strict").err


def test_a_new_id_and_a_new_name_without_the_former_name_warn_under_the_old_id(site):
    build(site.root)
    set_unit(site, "曾用编号: [huajie]", name=NEW_NAME)
    site.replace(UNITS, "huajie:", "huajie-jd:")
    site.path("content/reports/huajie").rename(site.path("content/reports/huajie-jd"))
    run = generate("check", "--site", str(site.root))
    assert f"单位「huajie-jd」的名称由「{OLD_NAME}」改为「{NEW_NAME}」" in run.err


# --- incremental builds ---------------------------------------------------------------------------

@pytest.mark.parametrize("lines", [("曾用编号: [hj]",), ("曾用名:", "  - {名称: 花街镇, 至: 2024-01-18}")])
def test_adding_and_removing_a_former_id_or_name_rebuilds_as_a_cold_build(site, tmp_path, lines):
    with site.path("site.yaml").open("a", encoding="utf-8") as config:
        config.write("站内搜索: false\n")          # Pagefind's own files differ from run to run
    build(site.root)
    before = site.read(UNITS)
    for step in ("add", "remove"):
        if step == "add":
            set_unit(site, *lines)
        else:
            site.write(UNITS, before)
        build(site.root)
        cold = tmp_path / f"cold-{step}"
        shutil.copytree(site.root, cold, ignore=shutil.ignore_patterns(".gongkai-cache", "build"))
        build(cold)
        assert tree(site.root / "build") == tree(cold / "build"), step
    assert not site.path("build/nianbao/hj").exists()


def test_a_report_added_and_removed_under_an_old_id_rebuilds_as_a_cold_build(site, tmp_path):
    with site.path("site.yaml").open("a", encoding="utf-8") as config:
        config.write("站内搜索: false\n")
    set_unit(site, "曾用编号: [hj]")
    build(site.root)
    for step in ("add", "remove"):
        if step == "add":
            add_2024(site)
        else:
            site.path(NEXT_YEAR).unlink()
            site.path(NEXT_YEAR.replace(".yaml", ".md")).unlink()
        assert "全部重新生成" not in build(site.root).out
        cold = tmp_path / f"cold-{step}"
        shutil.copytree(site.root, cold, ignore=shutil.ignore_patterns(".gongkai-cache", "build"))
        build(cold)
        assert tree(site.root / "build") == tree(cold / "build"), step
        assert site.path("build/nianbao/hj/2024.html").exists() == (step == "add")


def test_an_edit_to_a_renumbered_unit_checks_collisions_within_its_own_folders(site, monkeypatch):
    """Its old id's folder is its own (no other unit may claim that id), so the collision check
    does not read every other unit's outputs from the manifest (a province has thousands)."""
    monkeypatch.setattr("generator.output.changes.SETTLED_NS", -1)   # the output folders are not listed again
    set_unit(site, "曾用编号: [hj]")
    build(site.root)
    site.write(HUAJIE.replace(".yaml", ".md"), site.read(HUAJIE.replace(".yaml", ".md")) + "\n本报告另附说明。\n")
    read_by, cold = [], UnitRecord.__getattr__

    def reading(record, name):
        read_by.append((name, {frame.name for frame in traceback.extract_stack(limit=4)}))
        return cold(record, name)

    monkeypatch.setattr(UnitRecord, "__getattr__", reading)
    assert "更新了" in build(site.root).out
    assert [name for name, callers in read_by if "_refuse_collisions" in callers] == [], read_by
