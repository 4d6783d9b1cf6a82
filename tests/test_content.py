"""Content-level mistakes and safety: files, units, narrative sections, escaping."""

from __future__ import annotations

import datetime
from decimal import Decimal

import markupsafe
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from helpers import HUAJIE, REPO, generate
from generator.content.loader import read_inputs
from generator.importing.datafile import yaml_comment, yaml_scalar
from generator.inputs.source import parse_yaml
from generator.problems import Problems
from generator.render import pages as render
from generator.render.environment import escape_output

NARRATIVE = HUAJIE.replace(".yaml", ".md")


def problems(run) -> list[str]:
    return [line for line in run.lines if not line.startswith("构建失败")]


def test_the_same_report_twice(site):
    site.write(HUAJIE.replace(".yaml", ".yml"), site.read(HUAJIE))
    run = site.build()
    assert run.code == 1
    assert problems(run) == ["content/reports/huajie/2023.yml: 花街镇人民政府 2023 年的报告重复：与 "
                             "content/reports/huajie/2023.yaml 是同一份报告，请删除其中一个 (duplicate)"]


def test_a_report_whose_unit_is_not_registered(site):
    site.write("content/reports/nowhere/2023.yaml", site.read(HUAJIE))
    site.write("content/reports/nowhere/2023.md", site.read(NARRATIVE))
    run = site.build()
    assert run.code == 1
    assert problems(run)[0].startswith("content/reports/nowhere/2023.yaml: 单位「nowhere」不在单位名录")


def test_missing_narrative_and_missing_data(site):
    site.path(NARRATIVE).unlink()
    site.path("content/reports/huaian/2024.yaml").unlink()
    run = site.build()
    assert problems(run) == [
        "content/reports/huaian/2024.md: 缺少数据文件 2024.yaml：每份报告由同名的 .yaml（表格）和 .md（正文）组成 (data)",
        "content/reports/huajie/2023.yaml: 缺少正文文件 2023.md：每份报告由同名的 .yaml（表格）和 .md（正文）组成 (narrative)",
    ]


def test_narrative_sections_missing_repeated_or_out_of_order(site):
    text = site.read(NARRATIVE).replace("## 六、其他需要报告的事项", "## 五、存在的主要问题及改进情况")
    site.write(NARRATIVE, text + "\n## 四、政府信息公开行政复议、行政诉讼情况\n")
    run = site.build()
    line_six = site.line_of(NARRATIVE, "本年度我单位未发出") - 2
    assert problems(run) == [
        f"{NARRATIVE}: 缺少「六、其他需要报告的事项」一节：请加上一行「## 六、其他需要报告的事项」并在其下填写内容 (section)",
        f"{NARRATIVE}:{line_six}: 「五、存在的主要问题及改进情况」出现了两次（第一次在第 27 行） (section)",
        f"{NARRATIVE}:{len(text.splitlines()) + 2}: 「四、政府信息公开行政复议、行政诉讼情况」应在「五、存在的主要问题及改进情况」之前 (section)",
    ]


def test_missing_row_unknown_key_and_metadata(site):
    text = site.read(HUAJIE)
    text = text.replace("    行政强制: 61", "    行政强制措施: 61").replace("发布日期: 2024-01-19", "发布日其: 2024-01-19")
    site.write(HUAJIE, text)
    run = site.build()
    assert problems(run) == [
        f"{HUAJIE}:{site.line_of(HUAJIE, '发布日其')}: 报告数据中没有「发布日其」这一项，是否想写「发布日期」？ (发布日其)",
        f"{HUAJIE}:{site.line_of(HUAJIE, '行政强制措施')}: 表二「第二十条第（六）项」下没有「行政强制措施」这一项，"
        "是否想写「行政强制」？ (label)",
    ]


def test_short_labels_and_half_width_brackets_are_accepted(site):
    text = site.read(HUAJIE).replace("（二）部分公开（区分处理的，只计这一情形，不计其他情形）:", "(二)部分公开:")
    site.write(HUAJIE, text.replace("1.属于国家秘密:", "1、属于国家秘密:"))
    assert site.build().code == 0


def test_blank_cell_stays_blank_and_is_not_zero(site):
    site.replace(HUAJIE, "行政许可: 0", "行政许可: null")
    assert site.build().code == 0
    html = site.page("nianbao/huajie/2023.html")
    assert '<tr><th scope="row">行政许可</th><td class="num"></td></tr>' in html


def test_markup_in_content_is_escaped_never_active(site):
    site.replace(HUAJIE, "发布机构: 花街镇人民政府", '发布机构: "<script>alert(1)</script>"')
    narrative = site.read(NARRATIVE).replace(
        "## 五、", '<script>alert("x")</script>\n\n<img src=x onerror="alert(1)">\n\n'
                  '[点我](javascript:alert(1)) [官网](https://www.gov.cn/)\n\n## 五、')
    site.write(NARRATIVE, narrative)
    assert site.build().code == 0
    html = site.page("nianbao/huajie/2023.html")
    assert "<script>alert" not in html and "<img" not in html and "javascript:" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=" in html
    assert '<a>点我</a>' in html and '<a href="https://www.gov.cn/">官网</a>' in html


@pytest.mark.parametrize("value", ['<a href="x">&\'', "行政许可", "", 12, -3, Decimal("1.50"), datetime.date(2024, 1, 19),
                                   Markup("<b>已转义</b>"), ["<列表>"]])
def test_expressions_are_escaped_exactly_as_markupsafe_escapes(value):
    assert escape_output(value) == str(markupsafe.escape(value))


def test_the_templates_escape_their_expressions_with_the_quick_escape():
    """It was a tenth of a build: should Jinja stop calling it, the pages stay right but slow."""
    problems = Problems()
    config, units, _ = read_inputs(REPO, problems)
    env = render.Renderer(REPO, config, units, problems).env
    for name in ("report.html", "tujie.html", "base.html", "partials/breadcrumb.html"):
        assert env.get_template(name).root_render_func.__globals__["escape"] is escape_output


def test_units_file_mistakes(site):
    site.write("content/units.yaml", site.read("content/units.yaml") + """
dept-a:
  名称: 某县教育局
  类型: 部门局
  上级单位: dept-b
dept-b:
  名称: 某县财政局
  类型: 政府部门
  上级单位: dept-a
dept-c:
  名称: 某县林业局
  类型: 政府部门
  上级单位: dept-d
dept-d:
  名称: 某县水利局
  类型: 政府部门
  上级单位: dept-c
""")
    lines = problems(site.build())
    units = "content/units.yaml"
    assert lines == [
        f"{units}:{site.line_of(units, '部门局')}: 「类型」应为 本级政府、政府部门、乡镇（街道） 之一，实为「部门局」 (kind)",
        f"{units}:{site.line_of(units, '上级单位: dept-d')}: 单位「dept-c」的上级单位关系绕成了一个圈：请检查「上级单位」 (parent)",
        f"{units}:{site.line_of(units, '上级单位: dept-c')}: 单位「dept-d」的上级单位关系绕成了一个圈：请检查「上级单位」 (parent)",
    ]   # dept-b's parent exists (with an error of its own): not reported as missing


def test_a_required_field_left_empty(site):
    site.replace("site.yaml", "网站名称: 政府信息公开年报示例门户", "网站名称:")
    assert problems(site.build()) == ["site.yaml:4: 「网站名称」不能为空，如：某某县人民政府门户网站 (name)"]


def test_full_width_hash_signs_make_headings(site):
    text = site.read(NARRATIVE).replace("## 五、", "＃＃ 五、").replace("### (一)存在问题", "＃＃＃ (一)存在问题")
    site.write(NARRATIVE, text)
    assert site.build().code == 0
    html = site.page("nianbao/huajie/2023.html")
    assert "<h2>五、存在的主要问题及改进情况</h2>" in html and "<h3>(一)存在问题</h3>" in html


def test_a_section_heading_without_hash_signs_is_text_with_a_warning(site):
    site.replace(NARRATIVE, "## 六、其他需要报告的事项", "六、其他需要报告的事项\n\n## 六、其他需要报告的事项")
    run = site.build()
    line = site.line_of(NARRATIVE, "## 六、其他需要报告的事项") - 2
    assert run.code == 0 and problems(run) == [
        f"{NARRATIVE}:{line}: 警告：「六、其他需要报告的事项」像是章节标题，但前面没有 ##，因此当作正文处理；"
        "作为标题请写成「## 六、其他需要报告的事项」 (section)"]


# --- text from input is written into generated YAML as data ------------------------------------

INJECTED_NAME = "花街镇人民政府\n按原样发布: true"


def both_readings(text: str) -> list:
    """The file as gongkai reads it (its fast reader or PyYAML through its resolver) and as PyYAML does."""
    doc = parse_yaml(text, "x.yaml", Problems())
    assert doc is not None, text
    return [doc.data, yaml.safe_load(text)]


def test_a_line_break_in_a_unit_name_adds_no_key_to_a_new_report(site):
    site.replace("content/units.yaml", "名称: 花街镇人民政府", '名称: "花街镇人民政府\\n按原样发布: true"')
    run = generate("new", "huajie", "2024", "--site", str(site.root))
    assert run.code == 0, run.err
    for data in both_readings(site.read("content/reports/huajie/2024.yaml")):
        assert "按原样发布" not in data and data["发布机构"] == INJECTED_NAME


@settings(max_examples=500, deadline=None, derandomize=True)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",))) | st.sampled_from(
    ["", " a", "a ", "yes", "null", "012", "1.50", "2024-01-19", "a: b", "a #b", "- a", "=", "<<", "~", "'",
     "\\", '"', "\u2028a: 1", "\x85", "\ufeff", "\u3000", "a\tb", "\x7f", "\ufffe", "文号: X"]))
def test_any_text_written_as_a_scalar_or_a_comment_reads_back_as_itself(text):
    for data in both_readings(f"# {yaml_comment(text)}\n键: {yaml_scalar(text)}\n"):
        assert data == {"键": text}


# --- invisible characters: bidi controls and zero-width characters --------------------------

RLO, ZWSP, ZWJ, LRI = "\u202e", "\u200b", "\u200d", "\u2066"


def test_invisible_characters_in_names_and_labels_are_refused_with_their_position(site):
    """A bidi control reorders a name on screen, a zero-width character makes two names that
    look the same differ: refused where they name something, and the message shows the text
    without them (a right-to-left override would reorder the message itself)."""
    units, title = "content/units.yaml", "content/reports/huajie/2023.yaml"
    site.replace(units, "名称: 花街镇人民政府", f"名称: 花街镇{RLO}人民政府")
    site.replace("site.yaml", "网站名称: 政府信息公开年报示例门户", f"网站名称: 政府信息{ZWSP}公开年报示例门户")
    assert problems(site.build()) == [
        f"{units}:{site.line_of(units, '名称: 花街镇')}: 「名称」的第 4 个字符是不可见的从右到左覆盖控制符 U+202E，请删除 (name)",
        "site.yaml:4: 「网站名称」的第 5 个字符是不可见的零宽空格 U+200B，请删除 (name)",
    ]
    site.replace(units, f"名称: 花街镇{RLO}人民政府", "名称: 花街镇人民政府")
    site.replace("site.yaml", ZWSP, "")
    site.replace(title, "发布机构:", f"标题: 花街镇{RLO}人民政府2023年政府信息公开工作年度报告\n发布机构:")
    assert problems(site.build()) == [
        f"{title}:{site.line_of(title, '标题:')}: 「标题」的第 4 个字符是不可见的从右到左覆盖控制符 U+202E，请删除 (title)"]


def test_invisible_characters_in_a_reports_keys_and_labels_are_refused_once(site):
    site.replace(HUAJIE, "行政处罚: 365", f"行政{ZWJ}处罚: 365")
    site.replace(HUAJIE, "发布日期:", f"发布{LRI}日期:")
    site.replace(HUAJIE, "三、收到和处理政府信息公开申请情况:", f"三、收到和处理政府信息公开申请情况{ZWSP}{ZWSP}:")
    assert problems(site.build()) == [   # each read without it: not also unknown, missing or a wrong total
        f"{HUAJIE}:{site.line_of(HUAJIE, f'发布{LRI}日期')}: 项目名「发布日期」的第 3 个字符是不可见的从左到右隔离控制符 U+2066，"
        "请删除 (invisible)",
        f"{HUAJIE}:{site.line_of(HUAJIE, '处罚: 365')}: 「行政处罚」的第 3 个字符是不可见的零宽连字 U+200D，请删除 (label)",
        f"{HUAJIE}:{site.line_of(HUAJIE, '三、收到')}: 「三、收到和处理政府信息公开申请情况」的第 18 个字符是不可见的零宽空格 "
        "U+200B（共 2 个不可见字符），请删除 (label)",
    ]


def test_invisible_characters_in_the_narrative_are_a_warning_on_their_line(site):
    site.write(NARRATIVE, site.read(NARRATIVE).replace("。", f"。{RLO}", 3))
    lines = [n for n, line in enumerate(site.read(NARRATIVE).split("\n"), 1) if RLO in line]
    column = site.read(NARRATIVE).split("\n")[lines[0] - 1].index(RLO) + 1
    run = site.build()
    assert run.code == 0 and problems(run) == [
        f"{NARRATIVE}:{lines[0]}: 警告：本行第 {column} 个字符是不可见的从右到左覆盖控制符 U+202E，请删除"
        f"{'' if len(lines) == 1 else '；第 ' + '、'.join(map(str, lines[1:])) + ' 行也有'} (invisible)"]


@pytest.mark.parametrize("rel", [NARRATIVE, HUAJIE])
def test_a_doubled_bom_is_reported_as_such_and_ignored(site, rel):
    """Not as a missing first section (the heading started with an invisible U+FEFF)."""
    site.path(rel).write_bytes(b"\xef\xbb\xbf" * 2 + site.read(rel).encode("utf-8"))
    run = site.build()
    assert run.code == 0 and problems(run) == [
        f"{rel}:1: 警告：文件开头有两个 BOM（不可见的编码标记 U+FEFF），已忽略；请用记事本或 WPS 把文件“另存为”UTF-8 编码 (BOM)"]
