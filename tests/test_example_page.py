"""The rendered 花街镇 2023 report shows every published number in its official cell."""

from __future__ import annotations

import pytest

from helpers import HUAIAN_SAMPLE, HUAJIE_SAMPLE, check_table3, headers_text
from htmltables import norm, parse, table_by_id
from samples import read_sample

OUTCOMES = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
# Table 4's columns as FORMAT.md prints them: (top, middle, bottom) header per column.
TABLE4_COLUMNS = ([("行政复议", o, o) for o in OUTCOMES]
                  + [("行政诉讼", "未经复议直接起诉", o) for o in OUTCOMES]
                  + [("行政诉讼", "复议后起诉", o) for o in OUTCOMES])
SECTIONS = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
            "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]


@pytest.fixture(scope="module")
def huajie(built_example):
    return parse((built_example / "nianbao/huajie/2023.html").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def huaian(built_example):
    return parse((built_example / "nianbao/huaian/2024.html").read_text(encoding="utf-8"))


def test_every_table3_number_in_its_row_and_column(huajie):
    assert check_table3(huajie, read_sample(HUAJIE_SAMPLE)) == 175


def test_every_table4_number_in_its_column(huajie):
    published = read_sample(HUAJIE_SAMPLE).table4
    table = table_by_id(huajie, "t4")
    head = table.grid(table.head)
    assert len(head) == 3
    for column, expected in enumerate(TABLE4_COLUMNS):
        assert tuple(norm(head[level][column].text) for level in range(3)) == expected
    (body,) = table.grid(table.body)
    assert [c.text for c in body] == published and len(published) == 15
    for cell, (top, middle, bottom) in zip(body, TABLE4_COLUMNS):
        assert headers_text(huajie, cell) == list(dict.fromkeys([top, middle, bottom]))


def test_table2_rows_as_published_without_a_rules_row(huajie):
    published = read_sample(HUAJIE_SAMPLE).table2
    rows = {}
    for item in ("item1", "item5", "item6", "item8"):
        table = table_by_id(huajie, f"t2-{item}")
        for row in table.body:
            rows[row[0].text] = [c.text for c in row[1:]]
    assert rows == published
    assert "规章" not in rows     # the town's report has no 规章 row
    captions = [table_by_id(huajie, f"t2-{i}").caption for i in ("item1", "item5", "item6", "item8")]
    assert captions == ["第二十条第（一）项", "第二十条第（五）项", "第二十条第（六）项", "第二十条第（八）项"]


def test_huaian_tables_as_published(huaian):
    sample = read_sample(HUAIAN_SAMPLE)
    check_table3(huaian, sample)
    (body,) = table_by_id(huaian, "t4").grid(table_by_id(huaian, "t4").body)
    assert [c.text for c in body] == sample.table4
    assert table_by_id(huaian, "t2-item1").body[0][0].text == "规章"
    fees = table_by_id(huaian, "t2-item8").body[0]
    assert [fees[0].text, fees[1].text] == ["行政事业性收费", "96171.6"]


def test_sections_in_order_and_narrative_verbatim(huajie):
    h2 = [text for tag, text in huajie.headings if tag == "h2"]
    assert h2 == SECTIONS + ["下载"]          # the report's own sections, then its downloads
    h3 = [text for tag, text in huajie.headings if tag == "h3"]
    assert h3 == ["(一)主动公开情况", "(二)依申请公开情况", "(三)政府信息管理情况", "(四)政府信息公开平台建设情况",
                  "(五)监督保障情况", "(一)存在问题", "(二)改进措施"]
    # Every narrative paragraph of the published page appears, word for word, in order.
    lines = read_sample(HUAJIE_SAMPLE).lines
    narrative = [line for line in lines if line and "|" not in line and line.strip() not in SECTIONS
                 and line not in h3 and not line.startswith(("2023年花街镇政府信息公开工作年度报告图解", "-"))
                 and line not in ("打印", "关闭")]
    shown = [p for p in huajie.paragraphs if p in narrative]
    assert shown == narrative and len(narrative) == 14


def test_title_and_metadata(huajie):
    assert ("h1", "花街镇人民政府2023年政府信息公开工作年度报告") in huajie.headings
    meta = "".join(huajie.by_class["report-meta"])
    for field in ("索引号", "发布机构", "成文日期", "发布日期", "主题分类"):
        assert field in meta
    assert "2024-01-19" in meta
