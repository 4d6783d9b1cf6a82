"""Pipe tables in a narrative: real tables with header scopes in the official tables' labelled
scroll region, and a warning with its line for a table that will not show as the editor meant."""

from __future__ import annotations

import pytest

from helpers import REPORT, axe_violations, served
from htmltables import parse

NARRATIVE = "content/reports/huajie/2023.md"
ANCHOR = "2023年我镇政务公开社会评议和责任追究结果情况:无。"
TABLE = """表1 主动公开信息分类统计
| 类别 | 条数 |
| --- | ---: |
| 政务动态 | 31 |
| 政策文件 | 22 |
"""
UNTITLED = """| 年度 | 条数 |
|---|---|
| 2022 | 48 |
| 2023 | 53 |
"""


def add_to_narrative(site, text: str) -> None:
    site.replace(NARRATIVE, ANCHOR, f"{ANCHOR}\n\n{text}")


def test_a_pipe_table_is_a_table_with_header_scopes_in_a_labelled_region(site):
    add_to_narrative(site, TABLE)
    run = site.build()
    assert run.code == 0, run.err
    html = site.page(REPORT)
    page = parse(html)
    table = next(t for t in page.tables if "md-table" in t.attrs.get("class", ""))
    assert table.caption == "表1 主动公开信息分类统计"
    assert [(c.tag, c.attrs.get("scope"), c.text) for c in table.head[0]] == [("th", "col", "类别"), ("th", "col", "条数")]
    assert [[(c.tag, c.attrs.get("scope"), c.text) for c in row] for row in table.body] == [
        [("th", "row", "政务动态"), ("td", None, "31")], [("th", "row", "政策文件"), ("td", None, "22")]]
    assert table.body[0][1].attrs["class"] == "align-right"                  # a class, not an inline style
    region = f'<div aria-labelledby="{table.attrs["id"]}-caption" class="table-wrap" role="region" tabindex="0">'
    assert region in html
    assert "<p>表1 主动公开信息分类统计</p>" not in html                        # moved into the caption, not repeated
    assert "| 类别 |" not in html


def test_an_untitled_table_is_named_by_its_heading_and_a_number_column_stays_data(site):
    add_to_narrative(site, UNTITLED)
    assert site.build().code == 0
    table = next(t for t in parse(site.page(REPORT)).tables if "md-table" in t.attrs.get("class", ""))
    assert table.caption == "(五)监督保障情况"            # the heading the table is under
    assert [c.tag for row in table.body for c in row] == ["td"] * 4   # years are data, not row headers


def test_a_table_directly_under_its_title_line_or_another_paragraph_is_still_a_table():
    from generator.content.narrative import render_markdown

    html = render_markdown("说明如下：\n| a | b |\n|---|---|\n| 1 | 2 |")
    assert "<p>说明如下：</p>" in html and '<th scope="col">a</th>' in html


def test_a_row_with_another_number_of_cells_is_a_warning_with_its_line(site):
    add_to_narrative(site, TABLE + "| 其他 | 1 | 2 |\n")
    line = site.line_of(NARRATIVE, "| 其他 | 1 | 2 |")
    run = site.build()
    assert run.code == 0, run.err
    assert f"{NARRATIVE}:{line}: 警告：表格这一行有 3 格，表头有 2 格" in run.err and "(table)" in run.err
    assert site.build("--strict").code == 1


def test_pipe_rows_without_the_separator_line_are_a_warning(site):
    add_to_narrative(site, "| 类别 | 条数 |\n| 政务动态 | 31 |\n")
    line = site.line_of(NARRATIVE, "| 类别 | 条数 |")
    run = site.build()
    assert f"{NARRATIVE}:{line}: 警告：第 {line}–{line + 1} 行像是表格，但表头下面缺少分隔行" in run.err, run.err


def test_a_separator_with_another_number_of_cells_is_a_warning(site):
    add_to_narrative(site, "| 类别 | 条数 |\n| --- |\n| 政务动态 | 31 |\n")
    line = site.line_of(NARRATIVE, "| --- |")
    run = site.build()
    assert f"{NARRATIVE}:{line}: 警告：表格的表头有 2 格，下面的分隔行有 1 格" in run.err, run.err


def test_text_with_pipes_that_is_no_table_is_left_alone():
    from generator.content.tablesource import warn_malformed_tables
    from generator.problems import Problems

    problems = Problems()
    text = "甲 | 乙\n\n    | 代码 |\n    | 代码 |\n\n一行 | 表格 |\n"
    warn_malformed_tables(text, "a.md", problems)
    assert problems.items == []


def test_the_same_html_with_and_without_the_fast_path_for_text_with_pipes():
    from generator.content.fullmarkdown import render_full
    from generator.content.plainmarkdown import render_plain

    text = "甲 | 乙 | 丙\n\n一段。"
    assert render_plain(text) is None              # a `|` may make a table: Python-Markdown decides
    assert render_full(text) == "<p>甲 | 乙 | 丙</p>\n<p>一段。</p>"


@pytest.mark.browser
def test_a_narrative_table_passes_axe_and_nu_and_scrolls_in_its_region_on_a_phone(site, browser, nu_messages):
    wide = "| 类别 | " + " | ".join(f"第{n}季度政务信息数量" for n in range(1, 9)) + " |\n"
    wide += "|---|" + "---:|" * 8 + "\n| 政务动态 | " + " | ".join(str(n) for n in range(8)) + " |\n"
    add_to_narrative(site, TABLE + "\n" + UNTITLED + "\n" + wide)
    assert site.build().code == 0
    out = site.root / "build"
    assert [m for m in nu_messages([out / REPORT]) if m["type"] == "error"] == []
    with served(out) as url:
        context = browser.new_context(viewport={"width": 320, "height": 640})
        page = context.new_page()
        page.goto(url + REPORT)
        assert axe_violations(page) == []
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        region = page.locator("#md-table-3").locator("xpath=..")
        assert region.evaluate("e => e.scrollWidth > e.clientWidth && getComputedStyle(e).overflowX === 'auto'")
        context.close()
