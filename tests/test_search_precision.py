"""站内搜索 finds only what is there: words in no report find nothing, a narrative phrase finds
its report with the phrase in the snippet, and a table's row name finds the reports with a number
in that row, though the tables themselves are not indexed. In Chromium, on the example portal and
on a synthetic portal of 200 reports."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from helpers import (HUAJIE_PHRASE, NOT_THERE, REPO, axe_violations, build, indexed_pages, search, search_results,
                     served, unique_phrase)

sys.path.insert(0, str(REPO / "benchmarks"))
from synthetic import make_site  # noqa: E402

TABLE_TEXT = ["第二十条第", "本年制发件数", "本年处理决定数量", "商业企业", "社会公益组织", "法律服务机构"]


def reports_with_a_number_in(out: Path, name: str) -> set[str]:
    """The report pages whose open data has a number other than 0 in a row named (or grouped) `name`."""
    found = set()
    for data_file in (out / "nianbao").glob("*/*.json"):
        data = json.loads(data_file.read_text(encoding="utf-8"))
        for table in data["表格"]:
            for row in table["行"]:
                if any(name in label for label in [row["行"], *row["分组"]]) and any(row["数值"].values()):
                    found.add(f"/nianbao/{data_file.parent.name}/{data_file.stem}.html")
    return found


# --- what is indexed ------------------------------------------------------------------------------

def test_the_tables_are_not_indexed_but_the_rows_with_numbers_are_named(built_example):
    pages = indexed_pages(built_example)
    assert set(pages) == {"/nianbao/huajie/2023.html", "/nianbao/huaian/2024.html"}
    for url, record in pages.items():
        content = record["content"]
        assert not [text for text in TABLE_TEXT if text in content], url
        named = re.search(r"本报告表格中数字不为 ?0 ?的项目：(.*?)。", content).group(1).split("、")
        assert ("（三）不予公开" in named) == (url in reports_with_a_number_in(built_example, "不予公开")), url
        assert "（四）无法提供" in named and "1.本机关不掌握相关政府信息" in named
        assert not [label for label in named if "总计" in label or label.startswith("第二十条")]
    # ... on the page, hidden from every reader: the tables say it already
    page = (built_example / "nianbao/huajie/2023.html").read_text(encoding="utf-8")
    assert re.search(r"<p hidden>本报告表格中数字不为 0 的项目：[^<]*（四）无法提供", page)


# --- in the browser: the example portal -----------------------------------------------------------

@pytest.mark.browser
@pytest.mark.parametrize("term", NOT_THERE)
def test_words_in_no_report_find_nothing(page, served_example, term):
    said, links = search(page, served_example, term)
    assert links == [] and "未找到" in said


@pytest.mark.browser
def test_a_narrative_phrase_finds_its_report_first_with_the_phrase_in_the_snippet(page, served_example):
    said, links = search(page, served_example, HUAJIE_PHRASE)
    ((link, snippet),) = search_results(page)
    assert link.endswith("nianbao/huajie/2023.html") and "找到 1 份" in said
    assert HUAJIE_PHRASE in snippet and snippet.endswith("。")         # the sentence, not table headers
    assert "".join(page.locator(".search-excerpt mark").all_inner_texts()) == HUAJIE_PHRASE


@pytest.mark.browser
def test_snippets_are_the_sentences_that_matched(page, served_example):
    search(page, served_example, "信息处理费")
    results = search_results(page)
    assert len(results) == 2
    for link, snippet in results:
        assert "信息处理费" in snippet and not [text for text in TABLE_TEXT if text in snippet], snippet
        narrative = (REPO / "content/reports" / link.split("/")[-2] / link.split("/")[-1]).with_suffix(".md")
        sentence = snippet.strip("…").replace(",", "，")
        assert sentence.replace("，", "") in narrative.read_text(encoding="utf-8").replace("，", "").replace(",", "")


@pytest.mark.browser
def test_a_row_name_finds_the_reports_with_a_number_in_that_row(page, served_example, built_example):
    for name in ("不予公开", "无法提供", "部分公开", "不予处理"):   # not in a section heading
        _, links = search(page, served_example, name)
        assert set(links) == reports_with_a_number_in(built_example, name), name
    assert reports_with_a_number_in(built_example, "不予公开") == {"/nianbao/huaian/2024.html"}


# --- in the browser: 200 synthetic reports --------------------------------------------------------

@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    root = tmp_path_factory.mktemp("synthetic200") / "site"
    make_site(root, 200)
    run = build(root, root / "build")
    assert run.code == 0, run.err     # not --strict: the synthetic narratives repeat each other (R10)
    with served(root / "build") as url:
        yield root, url


@pytest.mark.browser
@pytest.mark.slow
def test_on_200_reports_words_in_no_report_find_nothing_and_a_phrase_its_report(page, synthetic):
    root, url = synthetic
    for term in NOT_THERE:
        said, links = search(page, url, term)
        assert links == [] and "未找到" in said, term
    phrase, report = unique_phrase(root)
    said, links = search(page, url, phrase)
    assert links[0] == report
    assert phrase in search_results(page)[0][1]


@pytest.mark.browser
@pytest.mark.slow
def test_on_200_reports_a_row_name_lists_fifty_then_more_by_keyboard(page, synthetic):
    root, url = synthetic
    expected = reports_with_a_number_in(root / "build", "不予公开")
    assert len(expected) > 100
    said, links = search(page, url, "不予公开")
    assert 50 <= len(links) < len(expected) and "可能还有更多" in said and set(links) <= expected
    assert axe_violations(page) == []           # results, their marks and the 继续查找 button
    more = page.get_by_role("button", name="继续查找")
    for _ in range(len(expected) // 50 + 1):
        if more.is_hidden():
            break
        shown = page.locator("[data-search-results] li").count()
        more.focus()
        page.keyboard.press("Enter")
        page.get_by_role("status").filter(has_text="报告").wait_for()    # 「正在搜索……」 since the key press
        # a keyboard user goes on from the first new result
        assert page.evaluate("[...document.querySelectorAll('[data-search-results] li')]"
                             ".indexOf(document.activeElement.closest('li'))") == shown
    assert more.is_hidden() and f"找到 {len(expected)} 份" in page.locator("[data-search-status]").inner_text()
    assert {a.get_attribute("href") for a in page.locator("[data-search-results] a").all()} == expected
