"""The 图解 page: right numbers as text, bars proportional to the data, year over year."""

from __future__ import annotations

import re

import pytest

from helpers import HUAJIE, add_next_year, set_row
from htmltables import parse

TUJIE = "nianbao/huajie/2023-tujie.html"


def stats(html: str) -> dict[str, tuple[str, str]]:
    """{label: (value, change)} of every figure on the page."""
    found = {}
    for item in re.findall(r'<li class="stat">(.*?)</li>', html, flags=re.S):
        label = re.search(r'class="stat-label">(.*?)<', item).group(1)
        value = re.search(r'class="stat-value">(.*?)<', item).group(1)
        change = re.search(r'class="stat-change">(.*?)<', item)
        found[label] = (value, change.group(1) if change else "")
    return found


def chart(html: str, chart_id: str) -> list[tuple[str, int, float]]:
    """[(label, value, bar width)] of one chart, from its table and SVG geometry."""
    figure = re.search(rf'<figure class="chart" id="chart-{chart_id}">(.*?)</figure>', html, flags=re.S).group(1)
    rows = re.findall(r'<th scope="row">(.*?)</th><td class="chart-value">(\d+)</td>.*?<rect x="0" y="0" '
                      r'width="([\d.]+)"', figure, flags=re.S)
    return [(label, int(value), float(width)) for label, value, width in rows]


def assert_proportional(bars):
    largest = max(value for _, value, _ in bars)
    assert largest > 0
    for label, value, width in bars:
        assert width == pytest.approx(100 * value / largest, abs=0.01), label


@pytest.fixture(scope="module")
def huajie_tujie(built_example) -> str:
    return (built_example / TUJIE).read_text(encoding="utf-8")


def test_every_report_has_a_tujie_page_linked_both_ways(built_example):
    for report in ("nianbao/huajie/2023", "nianbao/huaian/2024"):
        page = (built_example / f"{report}.html").read_text(encoding="utf-8")
        tujie = (built_example / f"{report}-tujie.html").read_text(encoding="utf-8")
        name = report.rsplit("/", 1)[1]
        assert re.search(rf'<a href="[./]*{report}-tujie.html">[^<]+年度报告图解</a>', page)
        assert re.search(rf'<a href="[./]*{report}.html">[^<]+年度报告</a>', tujie), name
    title = parse((built_example / TUJIE).read_text(encoding="utf-8")).headings[0]
    assert title == ("h1", "花街镇人民政府2023年政府信息公开工作年度报告图解")


def test_headline_numbers_are_text(huajie_tujie):
    found = stats(huajie_tujie)
    expected = {"行政处罚": "365", "行政强制": "61", "行政许可": "0", "规范性文件本年制发": "0",
                "行政事业性收费": "0", "本年新收申请": "6", "上年结转": "0", "本年办结": "5", "结转下年度": "1",
                "行政复议": "0", "行政诉讼": "2", "主动公开政务信息": "53", "政务新媒体发布信息": "186"}
    assert {label: found[label][0] for label in expected} == expected
    assert "规章本年制发" not in found          # the town's report has no 规章 row
    assert all(change == "" for _, change in found.values())   # no 2022 report: no comparison


def test_chart_bars_are_proportional_to_the_data(huajie_tujie):
    results = chart(huajie_tujie, "results")
    assert [(label, value) for label, value, _ in results] == [
        ("予以公开", 1), ("部分公开", 0), ("不予公开", 0), ("无法提供", 4), ("不予处理", 0), ("其他处理", 0)]
    assert_proportional(results)
    applicants = chart(huajie_tujie, "applicants")
    assert applicants[0][:2] == ("自然人", 6) and sum(v for _, v, _ in applicants) == 6
    assert_proportional(applicants)
    lawsuits = chart(huajie_tujie, "lawsuit")
    assert [(label, value) for label, value, _ in lawsuits] == [("结果维持", 1), ("结果纠正", 0), ("其他结果", 0),
                                                                 ("尚未审结", 1)]
    assert_proportional(lawsuits)


def test_huaian_bars_with_large_numbers(built_example):
    html = (built_example / "nianbao/huaian/2024-tujie.html").read_text(encoding="utf-8")
    results = chart(html, "results")
    assert dict((label, value) for label, value, _ in results) == {
        "予以公开": 1362, "部分公开": 454, "不予公开": 2 + 31 + 5 + 6 + 8 + 12 + 9 + 105,
        "无法提供": 769 + 11 + 1, "不予处理": 62 + 25 + 0 + 0 + 1, "其他处理": 71 + 6 + 110}
    assert_proportional(results)
    assert stats(html)["行政诉讼"][0] == str(26 + 20)


def points(html: str, heading: str) -> list[str]:
    block = re.search(rf"<h3>{heading}</h3><ul>(.*?)</ul>", html).group(1)
    return re.findall(r"<li>(.*?)</li>", block)


def test_problems_and_measures_as_short_points(huajie_tujie, built_example):
    assert points(huajie_tujie, "存在问题") == ["政策解读内容有待提升", "政务公开效率有待提高", "政务公开相关业务培训较少"]
    assert points(huajie_tujie, "改进措施") == ["持续提升政策解读发布质量", "针对公开内容的不同情况,确定公开时间",
                                             "进一步强化教育与培训,积极组织各科室负责人开展政务公开培训"]
    huaian = (built_example / "nianbao/huaian/2024-tujie.html").read_text(encoding="utf-8")
    assert points(huaian, "存在问题") == ["政策解读质量仍需提升，个别单位政策解读内容简单、形式单一", "政务公开队伍建设还需进一步加强"]
    assert points(huaian, "改进措施") == ["着力加强政策解读质效，重点提升解读的针对性和通俗化", "建立健全“传帮带”机制"]


def test_year_over_year_changes(site):
    add_next_year(site)
    next_year = "content/reports/huajie/2024.yaml"
    set_row(site, next_year, "二、上年结转政府信息公开申请数量:", [1, 0, 0, 0, 0, 0, 1])
    set_row(site, next_year, "一、本年新收政府信息公开申请数量:", [8, 0, 0, 0, 0, 0, 8])
    set_row(site, next_year, "（一）予以公开:", [4, 0, 0, 0, 0, 0, 4])
    set_row(site, next_year, "（七）总计:", [8, 0, 0, 0, 0, 0, 8])
    site.replace(next_year, "行政处罚: 365", "行政处罚: 300")
    run = site.build()
    assert run.code == 0, run.err
    found = stats(site.page("nianbao/huajie/2024-tujie.html"))
    assert found["本年新收申请"] == ("8", "较上年 +2")
    assert found["本年办结"] == ("8", "较上年 +3")
    assert found["行政处罚"] == ("300", "较上年 −65")
    assert found["行政强制"] == ("61", "与上年持平")
    assert found["上年结转"] == ("1", "较上年 +1")
    assert all(change == "" for _, change in stats(site.page(TUJIE)).values())


def test_empty_panels_say_so_instead_of_drawing_charts(site):
    text = site.read(HUAJIE)
    text = re.sub(r"\[\s*\d+,\s*\d+,\s*\d+,\s*\d+,\s*\d+,\s*\d+,\s*\d+\]", "[0, 0, 0, 0, 0, 0, 0]", text)
    text = re.sub(r"\[\s*\d+,\s*\d+,\s*\d+,\s*\d+,\s*\d+\]", "[0, 0, 0, 0, 0]", text)
    site.write(HUAJIE, text)
    assert site.build().code == 0
    html = site.page(TUJIE)
    assert "本年度未收到政府信息公开申请，也没有上年结转的申请。" in html
    assert "本年度没有涉及政府信息公开的行政复议和行政诉讼。" in html
    assert '<figure class="chart"' not in html


def test_accent_colour_from_site_and_unit(site):
    site.replace("site.yaml", "演示站点: true", "演示站点: true\n主题色: \"#8B1A1A\"")
    site.replace("content/units.yaml", "  排序: 1\n", "  排序: 1\n  主题色: \"#1d5e3a\"\n")
    assert site.build().code == 0
    assert 'style="--poster-accent: #8b1a1a"' in site.page(TUJIE)
    assert 'style="--poster-accent: #1d5e3a"' in site.page("nianbao/huaian/2024-tujie.html")


def test_a_pale_accent_colour_is_refused(site):
    site.replace("site.yaml", "演示站点: true", "演示站点: true\n主题色: \"#9ec5fe\"")
    run = site.build()
    assert run.code == 1
    assert run.lines[0] == ("site.yaml:13: 「主题色」：「#9ec5fe」太浅：白色文字在其上的对比度只有 1.8:1，"
                            "至少需要 4.5:1，请选更深的颜色 (accent)")


def test_key_figures_are_checked(site):
    site.replace(HUAJIE, "    数值: 53", "    数值: 五十三")
    run = site.build()
    assert run.code == 1
    line = site.line_of(HUAJIE, "数值: 五十三")
    assert run.lines[0] == f"{HUAJIE}:{line}: 「数值」：「五十三」请用阿拉伯数字填写，如 6 (value)"
