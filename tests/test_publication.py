"""R11: the publication deadline, the order of the dates, and the 索引号 (all warnings).

Whole `generate check` and `build` runs on a copy of the example portal: 淮安市人民政府 (本级政府,
2024 report) and 花街镇人民政府 (乡镇（街道）, 2023 report), with one date, kind or 索引号 changed.
"""

from __future__ import annotations

import datetime

import pytest

from generator.content.publication import deadline, index_pattern
from generator.core.model import SiteConfig, Unit
from helpers import HUAJIE, generate

HUAIAN = "content/reports/huaian/2024.yaml"
UNITS = "content/units.yaml"


def check(site, *extra):
    return generate("check", "--site", str(site.root), *extra)


def r11_lines(run) -> list[str]:
    return [line for line in run.lines if line.endswith("(R11)")]


def make_huajie(site, kind: str) -> None:
    site.replace(UNITS, "类型: 乡镇（街道）", f"类型: {kind}")


def test_the_example_portal_has_no_r11_warning(site):
    run = check(site, "--strict")
    assert run.code == 0, run.err
    assert "R11" not in run.err and "index_no" not in run.err


def test_a_department_report_published_after_january_31_is_late(site):
    make_huajie(site, "政府部门")
    site.replace(HUAJIE, "发布日期: 2024-01-19", "发布日期: 2024-02-15")
    run = check(site)
    assert run.code == 0, run.err        # a warning: it fails only with --strict
    assert r11_lines(run) == [
        f"{HUAJIE}:{site.line_of(HUAJIE, '发布日期')}: 警告：发布日期 2024-02-15 晚于 2023 年报告的发布期限 "
        "2024-01-31（政府部门：条例第四十九条，次年1月31日前），逾期 15 天 (R11)"]
    assert check(site, "--strict").code == 1


def test_the_same_date_is_on_time_for_a_local_government(site):
    make_huajie(site, "本级政府")
    site.replace(HUAJIE, "发布日期: 2024-01-19", "发布日期: 2024-02-15")
    run = check(site, "--strict")
    assert run.code == 0, run.err
    assert r11_lines(run) == []


def test_a_department_report_on_january_31_is_on_time(site):
    make_huajie(site, "政府部门")
    site.replace(HUAJIE, "发布日期: 2024-01-19", "发布日期: 2024-01-31")
    assert r11_lines(check(site)) == []


def test_a_township_is_judged_by_the_deadline_of_site_yaml(site):
    site.replace(HUAJIE, "发布日期: 2024-01-19", "发布日期: 2024-03-01")
    assert r11_lines(check(site)) == []                 # by default: 3月31日
    site.write("site.yaml", site.read("site.yaml") + "发布期限:\n  乡镇（街道）: 02-20\n")
    assert r11_lines(check(site)) == [
        f"{HUAJIE}:{site.line_of(HUAJIE, '发布日期')}: 警告：发布日期 2024-03-01 晚于 2023 年报告的发布期限 "
        "2024-02-20（乡镇（街道）：site.yaml「发布期限」，次年2月20日前），逾期 10 天 (R11)"]
    site.replace(HUAJIE, "发布日期: 2024-03-01", "发布日期: 2024-02-20")
    assert r11_lines(check(site)) == []


def test_the_default_township_deadline_is_march_31(site):
    site.replace(HUAJIE, "发布日期: 2024-01-19", "发布日期: 2024-04-01")
    assert r11_lines(check(site)) == [
        f"{HUAJIE}:{site.line_of(HUAJIE, '发布日期')}: 警告：发布日期 2024-04-01 晚于 2023 年报告的发布期限 "
        "2024-03-31（乡镇（街道）：条例未作规定，可在 site.yaml「发布期限」中设定，次年3月31日前），逾期 1 天 (R11)"]


def test_an_archived_report_published_late_is_warned_too(site):
    make_huajie(site, "政府部门")
    site.replace(HUAJIE, "发布日期: 2024-01-19", "发布日期: 2024-05-06\n按原样发布: true\n来源: huajie-2023.txt（2024-06-01 导入）")
    run = site.build()
    assert run.code == 0, run.err
    assert [line.split(": ", 1)[0] for line in r11_lines(run)] == [f"{HUAJIE}:{site.line_of(HUAJIE, '发布日期')}"]
    assert "逾期 96 天" in run.err


@pytest.mark.parametrize("kind, year, expected", [
    ("政府部门", 2023, datetime.date(2024, 1, 31)),
    ("本级政府", 2023, datetime.date(2024, 3, 31)),
    ("乡镇（街道）", 2023, datetime.date(2024, 3, 31)),
    ("政府部门", 2018, datetime.date(2019, 3, 31)),    # before the 2019 条例: every unit by 3月31日
    ("政府部门", 2019, datetime.date(2020, 1, 31)),
])
def test_deadlines_by_kind_and_year(kind, year, expected):
    unit = Unit("x", "某单位", kind, None, None, 1, None, UNITS, 1)
    config = SiteConfig("示例", None, None, None, None, None, None, None, False, "#0b4a8b")
    assert deadline(unit, year, config)[0] == expected


def test_deadlines_in_site_yaml_may_be_earlier_never_later_and_are_real_days(site):
    site.write("site.yaml", site.read("site.yaml") + "发布期限:\n  部门: 1月15日\n  街道: 02-30\n")
    run = check(site)
    assert run.code == 1
    assert any("site.yaml:" in line and "乡镇（街道）：只写次年的月和日，如 02-20 或 2月20日，实为「02-30」" in line
               for line in run.lines), run.err
    site.write("site.yaml", site.read("site.yaml").replace("  街道: 02-30\n", "  本级政府: 04-30\n"))
    run = check(site)
    assert run.code == 1
    assert any("本级政府：条例第四十九条规定在次年3月31日前公布，本站的期限只能更早，不能是4月30日" in line
               for line in run.lines), run.err
    site.write("site.yaml", site.read("site.yaml").replace("  本级政府: 04-30\n", ""))
    make_huajie(site, "政府部门")
    site.replace(HUAJIE, "发布日期: 2024-01-19", "发布日期: 2024-01-20")
    assert "2024-01-15（政府部门：site.yaml「发布期限」，次年1月15日前），逾期 5 天" in check(site).err


def test_written_after_published_is_a_warning(site):
    site.replace(HUAJIE, "成文日期: 2024-01-18", "成文日期: 2024-01-22")
    assert r11_lines(check(site)) == [
        f"{HUAJIE}:{site.line_of(HUAJIE, '成文日期')}: 警告：成文日期 2024-01-22 晚于发布日期 2024-01-19："
        "报告应先成文、后发布，请检查两个日期 (R11)"]


def test_dates_within_the_report_year_are_a_warning(site):
    site.replace(HUAJIE, "发布日期: 2024-01-19", "发布日期: 2023-12-01")
    site.replace(HUAJIE, "成文日期: 2024-01-18", "成文日期: 2023-11-30")
    published, written = site.line_of(HUAJIE, "发布日期"), site.line_of(HUAJIE, "成文日期")
    assert r11_lines(check(site)) == [
        f"{HUAJIE}:{published}: 警告：发布日期 2023-12-01 不在报告年度之后：2023 年的年度报告总结全年工作，"
        "应在 2024 年成文和发布，请检查年份 (R11)",
        f"{HUAJIE}:{written}: 警告：成文日期 2023-11-30 不在报告年度之后：2023 年的年度报告总结全年工作，"
        "应在 2024 年成文和发布，请检查年份 (R11)"]


def duplicate_lines(site) -> list[str]:
    huajie, huaian = f"{HUAJIE}:{site.line_of(HUAJIE, '索引号:')}", f"{HUAIAN}:{site.line_of(HUAIAN, '索引号:')}"
    return [f"{huaian}: 警告：索引号「00259913X/2024-00003」与 {huajie} 的索引号相同：索引号在全站应唯一，请改正其中一个 (R11)",
            f"{huajie}: 警告：索引号「00259913X/2024-00003」与 {huaian} 的索引号相同：索引号在全站应唯一，请改正其中一个 (R11)"]


def test_a_duplicate_index_number_names_both_files(site):
    site.replace(HUAIAN, "索引号: 11320800014065338X/2025-00012", "索引号: 00259913x/2024-00003")
    run = check(site)
    assert sorted(r11_lines(run)) == [line.replace("「00259913X/2024-00003」与 content/reports/huajie",
                                                   "「00259913x/2024-00003」与 content/reports/huajie")
                                      for line in duplicate_lines(site)]


def test_a_duplicate_index_number_is_found_by_a_build_that_rebuilds_one_unit(site):
    assert site.build().code == 0
    site.replace(HUAIAN, "索引号: 11320800014065338X/2025-00012", "索引号: 00259913X/2024-00003")
    run = site.build()
    assert run.code == 0, run.err
    assert sorted(r11_lines(run)) == duplicate_lines(site)
    run = site.build()                        # nothing changed: both still named, from the manifest
    assert sorted(r11_lines(run)) == duplicate_lines(site)
    site.replace(HUAIAN, "索引号: 00259913X/2024-00003", "索引号: 11320800014065338X/2025-00012")
    assert r11_lines(site.build()) == []


def test_an_index_number_against_the_format_of_site_yaml(site):
    site.write("site.yaml", site.read("site.yaml") + "索引号格式: 组织机构代码/年份-流水号\n")
    assert r11_lines(check(site)) == []       # both example numbers start with their unit's code
    site.replace(HUAJIE, "索引号: 00259913X/2024-00003", "索引号: 11320800014065338X/2024-00003")
    assert r11_lines(check(site)) == [
        f"{HUAJIE}:{site.line_of(HUAJIE, '索引号:')}: 警告：索引号「11320800014065338X/2024-00003」不符合本站的"
        "索引号格式「组织机构代码/年份-流水号」（site.yaml；组织机构代码为本单位在 content/units.yaml 中的"
        "「00259913X」，年份为四位数字，流水号为数字） (R11)"]


def test_the_format_of_site_yaml_replaces_the_common_one(site):
    site.write("site.yaml", site.read("site.yaml") + "索引号格式: HJ-年份-*\n")
    site.replace(HUAJIE, "索引号: 00259913X/2024-00003", "索引号: HJ-2024-公开-3")
    run = check(site)
    assert [line for line in run.lines if HUAJIE in line] == []
    site.write("site.yaml", site.read("site.yaml").replace("索引号格式: HJ-年份-*\n", ""))
    assert [line for line in check(site).lines if line.endswith("(index_no)")] == [
        f"{HUAJIE}:{site.line_of(HUAJIE, '索引号:')}: 警告：索引号「HJ-2024-公开-3」不符合常见格式"
        "「组织机构代码/年份-五位序号」 (index_no)"]


def test_an_index_template_stands_for_itself_apart_from_its_words():
    unit = Unit("x", "某单位", "政府部门", "A1.B", None, 1, None, UNITS, 1)
    pattern = index_pattern("统一社会信用代码(年份)流水号", unit)
    assert pattern.fullmatch("A1.B(2024)7")
    assert not pattern.fullmatch("A1xB(2024)7") and not pattern.fullmatch("A1.B(24)7")
    no_code = Unit("y", "某单位", "政府部门", None, None, 1, None, UNITS, 1)
    assert index_pattern("组织机构代码/年份", no_code).fullmatch("00259913X/2024")
