"""R9: the numbers the narrative quotes, against the tables (a warning, archived reports included).

Each honest reading is shown once through a whole `generate check` (the line the editor
reads), the extractor's restraint on sentences that must say nothing through check_text
itself, and the samples and import fixtures, which must say nothing at all.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from generator.content.loader import load_site
from generator.content.textcheck import check_text, parse_number
from helpers import HUAJIE, REPO, SAMPLES, generate, pingtan_page_text, set_row

IMPORT_FIXTURES = REPO / "tests" / "fixtures" / "import"
HUAJIE_MD = HUAJIE.replace(".yaml", ".md")
HUAIAN = "content/reports/huaian/2024.yaml"
HUAIAN_MD = HUAIAN.replace(".yaml", ".md")
HUAJIE_SENTENCE = "2023年全年共收到依申请公开信件6件,结转2024年1件,其余信件均在规定时限内予以回复。"
HUAIAN_SENTENCE = "2024年，全市共受理政府信息公开申请3119件，答复3050件"
NEW = "一、本年新收政府信息公开申请数量:"
OLD = "二、上年结转政府信息公开申请数量:"


def r9(run) -> list[str]:
    return [line for line in run.lines if line.endswith("(R9)")]


def check(site) -> list[str]:
    run = generate("check", "--site", str(site.root))
    assert run.code == 0, run.err
    return r9(run)


def says(site, rel: str, old: str, new: str) -> str:
    """Replace a passage of the narrative; returns `file:line:` of the new one."""
    text = site.read(rel)
    assert old in text
    site.write(rel, text.replace(old, new))
    return f"{rel}:{site.line_of(rel, new)}:"


def huajie_with_new(site, new: int) -> None:
    """花街镇's table 三 with `new` new applications, the rest carried over (6 in all, R3 holds)."""
    set_row(site, HUAJIE, NEW, [new, 0, 0, 0, 0, 0, new])
    set_row(site, HUAJIE, OLD, [6 - new, 0, 0, 0, 0, 0, 6 - new])


# --- The readings, as the editor reads them ------------------------------------------


def test_received_in_chinese_numerals_equal_to_new_says_nothing(site):
    huajie_with_new(site, 2)
    says(site, HUAJIE_MD, HUAJIE_SENTENCE, "2023年共收到政府信息公开申请两件。")
    assert check(site) == []


def test_received_unequal_to_new_names_both_numbers_and_both_readings(site):
    huajie_with_new(site, 3)
    where = says(site, HUAJIE_MD, HUAJIE_SENTENCE, "2023年共收到政府信息公开申请两件。")
    assert check(site) == [
        f"{where} 警告：正文说「2023年共收到政府信息公开申请两件」，"
        "表三「一、本年新收政府信息公开申请数量」总计为 3（也不等于新收加上年结转 6） (R9)"]


def test_received_may_count_the_carried_over_too(site):
    says(site, HUAIAN_MD, HUAIAN_SENTENCE, "2024年，全市共收到政府信息公开申请3153件，答复3050件")
    assert check(site) == []           # 新收 3119 + 上年结转 34
    where = says(site, HUAIAN_MD, "3153件", "3152件")
    assert check(site) == [
        f"{where} 警告：正文说「全市共收到政府信息公开申请3152件」，"
        "表三「一、本年新收政府信息公开申请数量」总计为 3119（也不等于新收加上年结转 3153） (R9)"]


def test_disclosed_and_partly_disclosed_is_the_sum_of_both_rows(site):
    says(site, HUAIAN_MD, "答复3050件", "答复3050件，予以公开及部分公开1816件")
    assert check(site) == []           # 1362 + 454
    where = says(site, HUAIAN_MD, "1816件", "1362件")
    assert check(site) == [
        f"{where} 警告：正文说「予以公开及部分公开1362件」，"
        "表三「（一）予以公开」1362 加「（二）部分公开」454 为 1816 (R9)"]


def test_administrative_reviews_in_qi_against_table_four(site):
    says(site, HUAIAN_MD, "政府信息公开行政复议351件", "政府信息公开行政复议351起")
    assert check(site) == []
    where = says(site, HUAIAN_MD, "行政复议351起", "行政复议三百五十二起")
    assert check(site) == [
        f"{where} 警告：正文说「政府信息公开行政复议三百五十二起」，表四「行政复议」总计为 351 (R9)"]


def test_lawsuits_are_both_groups_of_table_four(site):
    where = says(site, HUAIAN_MD, "政府信息公开行政诉讼46件", "政府信息公开行政诉讼26件")
    assert check(site) == [
        f"{where} 警告：正文说「政府信息公开行政诉讼26件」，"
        "表四「行政诉讼」总计为 46（未经复议直接起诉 26 加复议后起诉 20） (R9)"]


def test_normative_documents_in_force_against_table_two(site):
    says(site, HUAIAN_MD, "制作《淮安市人民政府公报》6期。", "制作《淮安市人民政府公报》6期。现行有效规范性文件66件。")
    assert check(site) == []
    where = says(site, HUAIAN_MD, "现行有效规范性文件66件", "现行有效规范性文件６７件")
    assert check(site) == [
        f"{where} 警告：正文说「现行有效规范性文件６７件」，表二「行政规范性文件」行「现行有效件数」为 66 (R9)"]


def test_an_archived_report_is_checked_too_and_its_page_does_not_show_it(empty_site):
    assert generate("import", "--site", str(empty_site), str(SAMPLES / "huaian-city-2024.txt")).code == 0
    md = empty_site / HUAIAN_MD
    md.write_text(md.read_text(encoding="utf-8").replace("行政复议351件", "行政复议350件"), encoding="utf-8")
    run = generate("build", "--site", str(empty_site))
    assert run.code == 0, run.err
    assert [line.split(": ", 1)[1] for line in r9(run)] == [
        "警告：正文说「政府信息公开行政复议350件」，表四「行政复议」总计为 351 (R9)"]
    page = (empty_site / "build/nianbao/huaian/2024.html").read_text(encoding="utf-8")
    assert "行政复议350件" in page and "正文说" not in page and "R9" not in page
    assert generate("build", "--site", str(empty_site), "--strict").code == 1


# --- What must say nothing -------------------------------------------------------------


@pytest.fixture(scope="module")
def huaian_report():
    site, _ = load_site(REPO)
    return next(report for report in site.reports if report.unit.id == "huaian")


def warned(report, text: str) -> list[str]:
    report.narrative.sources, report.narrative.starts = {"一": text}, {"一": 1}
    return [problem.message for problem in check_text(report)]


@pytest.mark.parametrize("text", [
    "全年共收到政府信息公开申请3119件。",                       # 新收
    "全年新收政府信息公开申请3119件，上年结转34件，办结3050件，结转下年度继续办理103件。",
    "予以公开1362件，部分公开454件，不予公开178件，无法提供781件，不予处理88件，其他处理187件。",
    "全年作出行政许可决定447228件，行政处罚决定3985758件，行政强制88283件。",
    "收到政府信息公开申请3,119件。行政事业性收费96171.6万元。行政事业性收费96172万元。",
    "本年度制发规范性文件8件，废止的行政规范性文件26件，规章现行有效11件。",
])
def test_sentences_that_agree_with_the_tables_say_nothing(huaian_report, text):
    assert warned(huaian_report, text) == []


@pytest.mark.parametrize("text", [
    "全年共收到政府信息公开申请较上年增加5件。",                 # a change, not a count
    "全年共收到政府信息公开申请约100件。",
    "全年共收到政府信息公开申请100余件。",
    "全年共收到政府信息公开申请100件以上。",
    "2023年共收到政府信息公开申请5件。",                         # another year
    "上一年度收到政府信息公开申请5件。",
    "其中通过网络收到政府信息公开申请5件。",                     # a part of them
    "收到自然人政府信息公开申请5件。",
    "市本级收到政府信息公开申请5件，各部门答复7件。",              # a member unit of a 汇总
    "收到群众来信5件，受理行政许可申请7件。",                   # not disclosure applications
    "不予公开、无法提供3件。",                                   # two rows, one number
    "收到并答复政府信息公开申请7件。",
    "办结人大代表建议12件，答复网民咨询30件。",
    "全市办理行政复议案件120件。",                               # every review, not disclosure ones
    "主动公开行政处罚信息365条，公示行政许可事项256项。",
    "收取信息处理费3940元。",                                    # not 行政事业性收费
    "新增公开市政府规章1件、市政府及市政府办政策性文件11件。",
])
def test_sentences_the_extractor_is_unsure_of_say_nothing(huaian_report, text):
    assert warned(huaian_report, text) == []


def test_the_line_is_the_passage_line_of_the_narrative_file(huaian_report):
    report = huaian_report
    report.narrative.sources = {"": "前言\n", "一": "\n第一段。\n\n全年共收到政府信息公开申请7件。"}
    report.narrative.starts = {"": 1, "一": 4}
    assert [(p.file, p.line, p.rule) for p in check_text(report)] == [("content/reports/huaian/2024.md", 7, "R9")]


# --- The samples and fixtures say nothing ---------------------------------------------


def test_the_example_portal_says_nothing():
    run = generate("check", "--site", str(REPO))
    assert run.code == 0 and r9(run) == []


@pytest.mark.parametrize("sources", [
    ["huaian-city-2024.txt", "pingtan", "huajie-2023.html", "shili-2016.txt", "shili-2019.txt"],
    ["huajie-2023.txt"],
])
def test_every_sample_and_import_fixture_says_nothing(empty_site, tmp_path, sources):
    where = dict.fromkeys(["huajie-2023.html", "shili-2016.txt", "shili-2019.txt"], IMPORT_FIXTURES)
    for name in sources:
        path = pingtan_page_text(tmp_path)[0] if name == "pingtan" else where.get(name, SAMPLES) / name
        assert generate("import", "--site", str(empty_site), str(path)).code == 0
    run = generate("check", "--site", str(empty_site))
    assert run.code == 0, run.err
    assert r9(run) == []


# --- Numerals --------------------------------------------------------------------------


@pytest.mark.parametrize("text, value", [
    ("两", 2), ("六", 6), ("十", 10), ("十二", 12), ("二十", 20), ("一百零五", 105), ("〇", 0), ("零", 0),
    ("三千零六", 3006), ("一万二千", 12000), ("3万", 30000), ("1.5万", 15000), ("二〇二三", 2023),
    ("1,234", 1234), ("６", 6), ("１２", 12), ("3119", 3119), ("12.5", Decimal("12.5")),
])
def test_numerals(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["", "12,34", "十二个", "abc", "1.2.3"])
def test_what_is_not_a_numeral(text):
    assert parse_number(text) is None


def test_tables_with_errors_of_their_own_are_fixed_first(site):
    set_row(site, HUAJIE, OLD, [0, 0, 0, 0, 0, 0, 1])       # R1, and R3 then disagrees with 结转2024年1件
    run = generate("check", "--site", str(site.root))
    assert run.code == 1 and "(R1)" in run.err and r9(run) == []


def test_carried_forward_may_come_after_its_number(site):
    where = says(site, HUAIAN_MD, "另有103件顺延到下年度答复", "另有104件结转至下年度办理")
    assert check(site) == [
        f"{where} 警告：正文说「另有104件结转至下年度」，表三「四、结转下年度继续办理」总计为 103 (R9)"]
