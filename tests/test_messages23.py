"""Issue 23: messages an editor understands at once. Each mistake is reported on its own line,
in the editor's words, with what to type instead; a mistake's consequences are held back."""

from __future__ import annotations

import pytest
import yaml

from generator.inputs import yamlfull
from helpers import HUAJIE, generate, set_row

ROW = "1.本机关不掌握相关政府信息:"
ROW_NUMBERS = "[   4,    0,    0,    0,    0,    0,    4]"
WHERE = "表三「1.本机关不掌握相关政府信息」"

LOADERS = [yaml.SafeLoader] + ([yaml.CSafeLoader] if getattr(yaml, "CSafeLoader", None) else [])


def problem_lines(run) -> list[str]:
    """The problem lines of a failed check, without its summary."""
    assert run.code == 1, run.err
    return run.lines[:-1]


def check(site, *extra: str):
    return generate("check", "--site", str(site.root), *extra)


def row_written_as(site, written: str) -> list[str]:
    site.replace(HUAJIE, ROW_NUMBERS, written)
    return problem_lines(check(site))


# --- 1-5: numbers and brackets typed with a Chinese input method -------------------------------

def test_1_a_chinese_comma_is_named(site):
    line = site.line_of(HUAJIE, ROW)
    assert row_written_as(site, "[4，0, 0, 0, 0, 0, 4]") == [
        f"{HUAJIE}:{line}: {WHERE}：数字之间用了中文逗号「，」：请改用英文逗号「,」，写作 [4, 0, 0, 0, 0, 0, 4] (R8)"]


def test_2_a_row_separated_by_dunhao_is_one_message(site):
    line = site.line_of(HUAJIE, ROW)
    assert row_written_as(site, "[4、0、0、0、0、0、4]") == [
        f"{HUAJIE}:{line}: {WHERE}：数字之间用了顿号「、」：请改用英文逗号「,」，写作 [4, 0, 0, 0, 0, 0, 4] (R8)"]


def test_3_full_width_brackets_are_called_brackets(site):
    line = site.line_of(HUAJIE, ROW)
    assert row_written_as(site, "［４, ０, ０, ０, ０, ０, ４］") == [
        f"{HUAJIE}:{line}: {WHERE}：方括号是全角（中文）的「［ ］」，数字是全角的：请改用英文方括号「[ ]」和半角数字，"
        "写作 [4, 0, 0, 0, 0, 0, 4] (R8)"]


@pytest.mark.parametrize("loader", LOADERS)
def test_4_a_blank_cell_is_written_null(site, monkeypatch, loader):
    monkeypatch.setattr(yamlfull, "_Loader", loader)
    line = site.line_of(HUAJIE, ROW)
    assert row_written_as(site, "[   4,    0,     ,    0,    0,    0,    4]") == [
        f"{HUAJIE}:{line}: 方括号中第 3 个数是空的：空白单元格请写 null（没有的写 0），"
        "写作 [4, 0, null, 0, 0, 0, 4] (yaml)"]


def test_5_a_full_width_digit_is_named(site):
    line = site.line_of(HUAJIE, ROW)
    assert row_written_as(site, "[   ４,    0,    0,    0,    0,    0,    4]") == [
        f"{HUAJIE}:{line}: {WHERE}行「自然人」列：「４」是全角数字：请改用半角（英文）数字，写作 4 (R8)"]
    site.replace(HUAJIE, "行政处罚: 365", "行政处罚: ３６５")
    assert f"{HUAJIE}:{site.line_of(HUAJIE, '行政处罚')}: 表二「行政处罚」行「本年处理决定数量」列：「３６５」是全角数字：" \
           "请改用半角（英文）数字，写作 365 (R8)" in problem_lines(check(site))


# --- 6: a date in the right form that does not exist -------------------------------------------

def test_6_a_day_that_does_not_exist(site):
    site.replace(HUAJIE, "发布日期: 2024-01-19", "发布日期: 2025-02-30")
    assert problem_lines(check(site)) == [
        f"{HUAJIE}:{site.line_of(HUAJIE, '发布日期')}: 「发布日期」：「2025-02-30」这一天不存在："
        "2025 年 2 月只有 28 天，请核对日期 (published)"]


# --- 7: a misaligned first key is blamed, not the next line ------------------------------------

@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize("spaces", [3, 5])
def test_7_a_bad_indent_is_reported_on_its_own_line(site, monkeypatch, loader, spaces):
    monkeypatch.setattr(yamlfull, "_Loader", loader)
    site.replace(HUAJIE, "    行政处罚: 365", " " * spaces + "行政处罚: 365")
    line = site.line_of(HUAJIE, "行政处罚")
    assert problem_lines(check(site)) == [
        f"{HUAJIE}:{line}: 缩进不对齐：这一行缩进了 {spaces} 个空格，同一层的下一项（第 {line + 1} 行）是 4 个："
        "请改为 4 个空格，使同一层的项目左对齐 (yaml)"]


# --- 8: a wrong 总计 is reported once, on its own row -------------------------------------------

NEW_ROW = "一、本年新收政府信息公开申请数量:"
FORWARD_ROW = "四、结转下年度继续办理:"


def test_8_a_wrong_total_is_not_also_blamed_on_row_four(site):
    set_row(site, HUAJIE, NEW_ROW, [6, 0, 0, 0, 0, 0, 7])
    assert problem_lines(check(site)) == [
        f"{HUAJIE}:{site.line_of(HUAJIE, NEW_ROW)}: 表三「一、本年新收政府信息公开申请数量」行「总计」列："
        "应为 6（自然人至其他各列之和），实为 7 (R1)"]


def test_8_r3_says_which_figure_it_used_in_place_of_a_wrong_total(site):
    set_row(site, HUAJIE, NEW_ROW, [6, 0, 0, 0, 0, 0, 7])
    set_row(site, HUAJIE, FORWARD_ROW, [2, 0, 0, 0, 0, 0, 2])
    forward = site.line_of(HUAJIE, FORWARD_ROW)
    assert problem_lines(check(site)) == [
        f"{HUAJIE}:{site.line_of(HUAJIE, NEW_ROW)}: 表三「一、本年新收政府信息公开申请数量」行「总计」列："
        "应为 6（自然人至其他各列之和），实为 7 (R1)",
        f"{HUAJIE}:{forward}: 表三「四、结转下年度继续办理」行「自然人」列："
        "应为 1（一、本年新收 6 + 二、上年结转 0 − （七）总计 5），实为 2 (R3)",
        f"{HUAJIE}:{forward}: 表三「四、结转下年度继续办理」行「总计」列："
        "应为 1（一、本年新收 6（所填 7 有误，按各列之和计） + 二、上年结转 0 − （七）总计 5），实为 2 (R3)"]


def test_8_a_wrong_results_total_is_not_blamed_on_row_four(site):
    set_row(site, HUAJIE, "（七）总计:", [6, 0, 0, 0, 0, 0, 6])
    lines = problem_lines(check(site))
    assert [line.rsplit(" ", 1)[-1] for line in lines] == ["(R2)", "(R2)"], lines


# --- 9: a mistake in units.yaml is reported there, not again for every report ---------------------

UNITS = "content/units.yaml"


@pytest.mark.parametrize("old, new, needle, message", [
    ("类型: 乡镇（街道）", "类型: 镇子", "镇子", "「类型」应为 本级政府、政府部门、乡镇（街道） 之一，实为「镇子」 (kind)"),
    ("huajie:\n  名称: 花街镇人民政府\n  类型: 乡镇（街道）\n  组织机构代码: \"00259913X\"\n  上级单位:\n  排序: 10\n",
     "huajie: {名称：花街镇人民政府, 类型: 乡镇（街道）}\n", "{名称",
     "「名称：花街镇人民政府」用了中文冒号「：」：请改为英文冒号「:」，后面再加一个空格，写成「名称: 花街镇人民政府」 (yaml)"),
])
def test_9_a_unit_with_errors_is_not_also_called_unregistered(site, old, new, needle, message):
    site.replace(UNITS, old, new)
    assert problem_lines(check(site)) == [f"{UNITS}:{site.line_of(UNITS, needle)}: {message}"]


def test_9_a_parent_written_as_a_name_suggests_its_id(site):
    site.replace(UNITS, "  上级单位:\n  排序: 10", "  上级单位: 淮安市人民政府\n  排序: 10")
    assert problem_lines(check(site)) == [
        f"{UNITS}:{site.line_of(UNITS, '上级单位: 淮安')}: 单位「huajie」的上级单位「淮安市人民政府」不在单位名录中："
        "「淮安市人民政府」是单位「huaian」的名称，这里要写单位编号，请写成「上级单位: huaian」 (parent)"]


def test_9_an_unregistered_folder_is_still_reported_when_units_yaml_is_right(site):
    site.write("content/reports/nowhere/2023.yaml", site.read(HUAJIE))
    assert any("单位「nowhere」不在单位名录" in line for line in problem_lines(check(site)))


# --- 10: what was accepted silently ------------------------------------------------------------

BLANK_HINT = "：请填写数字，没有的写 0（null 只用于照原样存档的报告中原表空白的单元格） (blank)"


@pytest.mark.parametrize("written", ["行政许可:   ", "行政许可: null "])
def test_10_a_blank_row_in_a_new_report_is_a_warning(site, written):
    site.replace(HUAJIE, "行政许可: 0 ", written)
    run = check(site, "--strict")
    assert problem_lines(run) == [f"{HUAJIE}:{site.line_of(HUAJIE, '行政许可')}: 警告：表二「行政许可」没有填写{BLANK_HINT}"]


def test_10_blank_cells_in_a_new_report_are_named(site):
    site.replace(HUAJIE, ROW_NUMBERS, "[4, null, 0, 0, 0, null, 4]")
    assert problem_lines(check(site, "--strict")) == [
        f"{HUAJIE}:{site.line_of(HUAJIE, ROW)}: 警告：{WHERE}的「商业企业」「其他」列是空白{BLANK_HINT}"]


def test_10_an_archived_report_keeps_its_blanks_silently(site):
    site.replace(HUAJIE, ROW_NUMBERS, "[4, null, 0, 0, 0, null, 4]")
    site.replace(HUAJIE, "发布机构:", "按原样发布: true\n来源: 门户网站原文（2024-01-20 导入）\n发布机构:")
    run = check(site, "--strict")
    assert run.code == 0, run.err


def test_10_a_report_of_a_year_still_to_come_is_refused(site, monkeypatch):
    monkeypatch.setenv("GONGKAI_TODAY", "2026-03-01")
    run = generate("new", "huajie", "2030", "--site", str(site.root))
    assert run.code == 1 and run.lines == [
        "无法新建报告：2030 年还没有到（今天是 2026-03-01）：年度报告总结已经过去的一年，在次年年初编写，"
        "如现在新建的应是 2025 年的报告。请检查年份"]
    assert not site.path("content/reports/huajie/2030.yaml").exists()


def test_10_two_units_with_one_name_are_named_both(site):
    site.write(UNITS, site.read(UNITS) + "\nhuajie-old:\n  名称: 花街镇人民政府\n  类型: 乡镇（街道）\n")
    lines = site.read(UNITS).splitlines()
    first, second = [n for n, line in enumerate(lines, 1) if "名称: 花街镇人民政府" in line]
    assert problem_lines(check(site, "--strict")) == [
        f"{UNITS}:{second}: 警告：单位「huajie-old」与单位「huajie」（第 {first} 行）的名称都是「花街镇人民政府」："
        "两者的报告标题会完全相同，读者无法区分；请改正其中一个的名称，或删去重复登记的单位 (name)"]


# --- 11: a section heading with a full-width period --------------------------------------------

NARRATIVE = HUAJIE.replace(".yaml", ".md")


@pytest.mark.parametrize("heading", ["六．其他需要报告的事项", "六.其他需要报告的事项", "六、其他需要报告的事项"])
def test_11_a_heading_without_hashes_is_warned_whatever_its_period(site, heading):
    site.replace(NARRATIVE, "## 六、其他需要报告的事项", f"{heading}\n\n## 六、其他需要报告的事项")
    line = site.line_of(NARRATIVE, "## 六、其他需要报告的事项") - 2
    assert problem_lines(check(site, "--strict")) == [
        f"{NARRATIVE}:{line}: 警告：「{heading}」像是章节标题，但前面没有 ##，因此当作正文处理；"
        f"作为标题请写成「## {heading}」 (section)"]


# --- 12: the command line answers in Chinese ---------------------------------------------------

def test_12_an_unknown_option_is_named_in_chinese_with_the_one_meant(site):
    run = generate("build", "--qiet", "--site", str(site.root))
    assert run.code == 2
    assert run.lines[0] == "generate build：没有选项 --qiet，是否想写 --quiet？"
    assert run.lines[1].startswith("用法：generate build ") and run.lines[-1] == "用 generate build --help 查看全部选项和说明。"
    assert "error" not in run.err and "usage" not in run.err


def test_12_build_q_is_quiet(site):
    run = generate("build", "-q", "--site", str(site.root))
    assert (run.code, run.out, run.err) == (0, "", "")


def test_12_a_word_check_does_not_take_points_to_site():
    run = generate("check", "county")
    assert (run.code, run.lines[0]) == (2, "generate check：不需要「county」：要指定网站文件夹，请写 --site county")


@pytest.mark.parametrize("args, first", [
    (["new", "huajie"], "generate new：缺少 年度"),
    (["new", "huajie", "二〇二四"], "generate new：年度 应为整数，实为「二〇二四」"),
    (["publish"], "generate：命令 不能是「publish」，可选的有：build, check, serve, new, import, init, theme"),
])
def test_12_other_usage_mistakes_are_in_chinese(args, first):
    run = generate(*args)
    assert (run.code, run.lines[0]) == (2, first)


@pytest.mark.parametrize("command", [["check"], ["build"], ["new", "huajie", "2024"], ["theme", "diff"]])
def test_12_run_from_a_subfolder_it_says_where_the_site_is(site, monkeypatch, command):
    monkeypatch.chdir(site.path("content"))
    run = generate(*command)
    root = site.root.resolve()
    assert run.code == 1 and len(run.lines) == 1, run.err
    assert run.lines[0].endswith(f"：这里不是网站文件夹（其中没有 site.yaml）：{root / 'content'}。"
                                 f"上一级的 {root} 是网站文件夹：请在那里运行，或加 --site {root}")


def test_12_a_folder_that_is_no_site_at_all(tmp_path):
    run = generate("check", "--site", str(tmp_path))
    assert run.lines == [f"检查未通过：这里不是网站文件夹（其中没有 site.yaml）：{tmp_path.resolve()}。请在网站文件夹"
                         "（有 site.yaml 的文件夹）中运行，或用 --site 指定它；新建网站用 generate init 文件夹"]


# --- 13: the preview's error page quotes the line to change ------------------------------------

def test_13_the_error_page_quotes_the_offending_line_escaped(site, tmp_path):
    from generator.serve import Preview

    site.replace(HUAJIE, "行政处罚: 365 ", "行政处罚: <b>365</b> ")
    line = site.line_of(HUAJIE, "行政处罚")
    written = site.read(HUAJIE).splitlines()[line - 1].rstrip().replace("<", "&lt;").replace(">", "&gt;")
    preview = Preview(site.root, tmp_path / "preview", log=lambda line: None)
    preview.build()
    page = preview.error_page.decode()
    assert (f'<code>{HUAJIE}:{line}</code>\n 表二「行政处罚」行「本年处理决定数量」列：「&lt;b&gt;365&lt;/b&gt;」不是数字' in page)
    assert f'<pre class="quote" aria-label="第 {line} 行现在的内容"><span>{line} |</span> {written}</pre>' in page
    assert "<b>" not in page


def test_13_a_problem_without_a_line_quotes_nothing(site, tmp_path):
    from generator.serve import Preview

    site.path("site.yaml").unlink()
    preview = Preview(site.root, tmp_path / "preview", log=lambda line: None)
    preview.build()
    assert b"<pre" not in preview.error_page and "网站暂时无法生成：发现 1 个错误".encode() in preview.error_page


# --- 14: the skeleton `generate new` writes ----------------------------------------------------

NEW = "content/reports/huajie/2024.yaml"


def new_2024(site, monkeypatch, site_extra: str = "") -> dict:
    monkeypatch.setenv("GONGKAI_TODAY", "2025-01-10")
    site.replace(HUAJIE, "行政规范性文件: [   0,    0,    0]", "行政规范性文件: [   2,    1,   15]")
    if site_extra:
        site.write("site.yaml", site.read("site.yaml") + site_extra)
    run = generate("new", "huajie", "2024", "--site", str(site.root))
    assert run.code == 0, run.err
    return yaml.safe_load(site.read(NEW))


def test_14_in_force_is_carried_over_so_r7_is_quiet(site, monkeypatch):
    data = new_2024(site, monkeypatch)
    assert data["二、主动公开政府信息情况"]["第二十条第（一）项"]["行政规范性文件"] == [0, 0, 15]
    run = check(site)
    assert run.code == 0 and "(R7)" not in run.err, run.err


def test_14_the_index_number_follows_the_site_pattern_and_the_unit_code(site, monkeypatch):
    data = new_2024(site, monkeypatch, "索引号格式: HJ-组织机构代码-年份-流水号\n")
    assert data["索引号"] == "HJ-00259913X-2025-【待填写】"
    assert "(index_no)" not in check(site).err          # to be filled: the draft says so, not R11


def test_14_without_a_pattern_the_usual_one(site, monkeypatch):
    assert new_2024(site, monkeypatch)["索引号"] == "00259913X/2025-【待填写】"


def test_14_the_dates_are_left_to_fill_and_the_report_stays_a_draft(site, monkeypatch):
    data = new_2024(site, monkeypatch)
    assert (data["发布日期"], data["成文日期"]) == ("【待填写】", "【待填写】")
    site.replace(NEW, "草稿: true", "草稿: false")
    run = check(site)
    assert run.code == 0, run.err
    assert (f"{NEW}: 花街镇人民政府2024年政府信息公开工作年度报告是草稿，未发布：定稿后请填完所有「【待填写】」"
            "（generate build --drafts 可连草稿一起生成，供内部审阅） (draft)") in run.lines
    assert generate("build", "--drafts", "--site", str(site.root)).code == 0


def test_14_a_commented_key_figures_example(site, monkeypatch):
    new_2024(site, monkeypatch)
    text = site.read(NEW)
    example = text[text.index("# 图解数字（可选）"):text.index("二、主动公开")]
    uncommented = "\n".join(line.removeprefix("# ") for line in example.splitlines()[1:])
    assert yaml.safe_load(uncommented) == {"图解数字": [{"名称": "主动公开政务信息", "数值": 53, "单位": "条"}]}
    site.write(NEW, text.replace(example, uncommented + "\n\n"))
    assert check(site).code == 0


def test_14_init_says_to_remove_the_demo_flag(tmp_path):
    assert generate("init", str(tmp_path / "new")).code == 0
    line = next(line for line in (tmp_path / "new" / "site.yaml").read_text(encoding="utf-8").splitlines()
                if line.startswith("演示站点"))
    assert line == "演示站点: true        # 演示用：每页标明“本网站仅用于演示”。正式网站请删去这一行"
