"""站内搜索 in headless Chromium: Chinese words found, nothing found said aloud, filters, no-JS."""

from __future__ import annotations

import json

import pytest

from helpers import HUAJIE, SEARCH, search


@pytest.mark.browser
def test_a_chinese_word_finds_the_report(page, served_example):
    said, links = search(page, served_example, "行政处罚")
    assert any(link.endswith("nianbao/huajie/2023.html") for link in links), links
    assert "找到" in said
    first = page.locator("[data-search-results] li").first
    assert "年度" in first.inner_text() and first.locator("mark").count() >= 1


@pytest.mark.browser
def test_a_word_in_no_report_says_not_found_in_a_live_region(page, served_example):
    said, links = search(page, served_example, "航天飞机")
    assert links == [] and "未找到" in said
    assert page.locator("[data-search-status]").get_attribute("aria-live") == "polite"


@pytest.mark.browser
def test_filters_by_year_and_unit_kind(page, served_example):
    _, both = search(page, served_example, "依申请")
    assert {link.rsplit("/", 2)[-2] for link in both} == {"huajie", "huaian"}
    _, by_year = search(page, served_example, "依申请", year="2023")
    assert [link.rsplit("/", 2)[-2] for link in by_year] == ["huajie"]
    _, by_kind = search(page, served_example, "依申请", kind="本级政府")
    assert [link.rsplit("/", 2)[-2] for link in by_kind] == ["huaian"]


@pytest.mark.browser
def test_the_header_box_searches_from_any_page(page, served_example):
    page.goto(served_example + "nianbao/huaian/2024.html")
    page.get_by_role("search").first.get_by_label("搜索年报").fill("行政处罚")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/index.html?q=*")
    page.get_by_role("status").filter(has_text="找到").wait_for()
    assert page.get_by_label("关键词").input_value() == "行政处罚"


@pytest.mark.browser
def test_without_javascript_the_page_says_so_and_links_the_listings(browser, served_example):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(served_example + SEARCH)
    assert page.locator("[data-search-form]").is_hidden()
    # Playwright turns scripts off but still parses <noscript> as text, as a scripting browser does
    notice = page.locator("noscript").inner_html()
    assert "站内搜索需要浏览器启用 JavaScript" in notice and 'href="../nianbao/index.html"' in notice
    context.close()


def test_search_can_be_switched_off(site, tmp_path):
    site.write("site.yaml", site.read("site.yaml") + "站内搜索: false\n")
    out = tmp_path / "out"
    assert site.build("--out", str(out)).code == 0
    assert not (out / "pagefind").exists() and not (out / SEARCH).exists()
    assert 'role="search"' not in (out / "index.html").read_text(encoding="utf-8")


def test_without_pagefind_the_build_still_succeeds_and_says_how_to_add_it(site, tmp_path, monkeypatch):
    import generator.output.search
    monkeypatch.setattr(generator.output.search, "pagefind_executable", lambda: None)
    out = tmp_path / "out"
    run = site.build("--out", str(out))
    assert run.code == 0
    assert "没有生成站内搜索" in run.err and "pip install 'pagefind[extended]'" in run.err
    assert (out / "nianbao/huajie/2023.html").is_file() and not (out / "pagefind").exists()


def test_an_edit_indexes_only_the_overlay(site, tmp_path):
    """The edited report goes to the overlay (see test_search_shards); no year's shard is indexed again."""
    out = tmp_path / "out"
    assert site.build("--out", str(out)).code == 0
    assert json.loads((out / "pagefind/shards.json").read_text(encoding="utf-8"))["shards"] == ["2024/00", "2023/00"]

    def stamps(year: int) -> dict[str, int]:
        folder = out / "pagefind" / str(year)
        return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}

    untouched = stamps(2023), stamps(2024)
    site.replace(HUAJIE.replace(".yaml", ".md"), "## 五、", "本年度新增“一网通办”专区。\n\n## 五、")
    assert site.build("--out", str(out)).code == 0
    assert (stamps(2023), stamps(2024)) == untouched
    listing = json.loads((out / "pagefind/shards.json").read_text(encoding="utf-8"))
    assert listing["overlay"] == "overlay" and listing["replaced"] == ["/nianbao/huajie/2023.html"]
    assert (out / "pagefind/overlay/pagefind.js").is_file()
