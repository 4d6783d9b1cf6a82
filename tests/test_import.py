"""`generate import`: published reports into the site, every number in its place."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import yaml

from helpers import HUAJIE, SAMPLES, axe_violations, build, check_table3, generate, import_, pingtan_page_text
from htmltables import norm, parse, table_by_id
from samples import read_sample
from generator.importing.htmlpage import html_to_text
from generator.importing.published import read_published
from generator.inputs.source import parse_yaml
from generator.problems import Problems

FIXTURES = Path(__file__).parent / "fixtures" / "import"
def page(out: Path, unit: str, year: int):
    return parse((out / "nianbao" / unit / f"{year}.html").read_text(encoding="utf-8"))


def visible_text(out: Path, unit: str, year: int) -> str:
    html = (out / "nianbao" / unit / f"{year}.html").read_text(encoding="utf-8")
    return re.sub(r"<[^>]+>", "", html)


def numbers(page_, table_id: str) -> list[str]:
    return [cell.text for row in table_by_id(page_, table_id).body for cell in row if cell.tag == "td"]


TABLE_IDS = ["t2-item1", "t2-item5", "t2-item6", "t2-item8", "t3", "t4"]


def test_huajie_sample_imports_to_the_numbers_of_the_hand_written_example(empty_site, built_example):
    run = import_(empty_site, SAMPLES / "huajie-2023.txt")
    assert "已导入" in run.out and "花街镇人民政府 2023 年" in run.out
    build(empty_site)
    imported = page(empty_site / "build", "huajie", 2023)
    example = page(built_example, "huajie", 2023)
    for table_id in TABLE_IDS:
        assert numbers(imported, table_id) == numbers(example, table_id), table_id
    assert check_table3(imported, read_sample(SAMPLES / "huajie-2023.txt")) == 175
    assert "存档说明" in visible_text(empty_site / "build", "huajie", 2023)


def test_huaian_sample_imports_with_every_number_as_published(empty_site):
    import_(empty_site, SAMPLES / "huaian-city-2024.txt")
    build(empty_site)
    imported = page(empty_site / "build", "huaian", 2024)
    sample = read_sample(SAMPLES / "huaian-city-2024.txt")
    assert check_table3(imported, sample) == 175
    assert numbers(imported, "t4") == sample.table4
    shown = [n for table_id in TABLE_IDS[:4] for n in numbers(imported, table_id)]
    assert shown == [n for row in ("规章", "行政规范性文件", "行政许可", "行政处罚", "行政强制", "行政事业性收费")
                     for n in sample.table2[row]]


def test_pingtan_block_b_imports_and_its_run_together_text_is_split_at_the_headings(empty_site, tmp_path):
    source, tables = pingtan_page_text(tmp_path)
    import_(empty_site, source)
    build(empty_site)
    out = empty_site / "build"
    imported = page(out, "pingtan", 2022)
    sample = read_sample(tables)
    assert check_table3(imported, sample) == 175
    assert numbers(imported, "t4") == sample.table4
    assert numbers(imported, "t2-item8") == ["9116.36"]
    narrative = (empty_site / "content/reports/pingtan/2022.md").read_text(encoding="utf-8")
    assert "## 一、总体情况\n\n2022年，平潭综合实验区坚持" in narrative
    assert "## 五、存在的主要问题及改进情况\n\n2022年，平潭综合实验区政府信息公开工作取得了一定成绩" in narrative
    data = (empty_site / "content/reports/pingtan/2022.yaml").read_text(encoding="utf-8")
    assert "发布日期: 2023-02-20" in data


def test_a_saved_html_page_imports_the_same_numbers_as_its_text(empty_site, tmp_path):
    from generator.importing.htmlpage import html_to_text
    from generator.importing.published import read_published

    html = (FIXTURES / "huajie-2023.html").read_text(encoding="utf-8")
    assert 'rowspan="22"' in html and 'colspan="3"' in html
    from_html = read_published(html_to_text(html))
    from_text = read_published((SAMPLES / "huajie-2023.txt").read_text(encoding="utf-8"))
    assert from_html.unplaced == [] and from_text.unplaced == []
    for number in ("二", "三", "四"):
        assert from_html.tables[number].values == from_text.tables[number].values
    assert from_html.sections == from_text.sections
    import_(empty_site, FIXTURES / "huajie-2023.html")
    build(empty_site)
    imported = page(empty_site / "build", "huajie", 2023)
    assert check_table3(imported, read_sample(SAMPLES / "huajie-2023.txt")) == 175
    data = (empty_site / "content/reports/huajie/2023.yaml").read_text(encoding="utf-8")
    assert "发布日期: 2024-01-19" in data and "发布机构: 花街镇人民政府" in data


def test_the_2019_trial_format_imports_and_renders_its_own_tables(empty_site):
    run = import_(empty_site, FIXTURES / "shili-2019.txt")
    assert "国办公开办函〔2019〕60号（试行）" in run.out
    build(empty_site)
    imported = page(empty_site / "build", "shili", 2019)
    item5 = table_by_id(imported, "t2-item5")
    assert [norm(c.text) for c in item5.head[0]] == ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"]
    assert [[c.text for c in row] for row in item5.body] == [["行政许可", "12", "-2", "340"],
                                                           ["其他对外管理服务事项", "5", "0", "18"]]
    assert [[c.text for c in row] for row in table_by_id(imported, "t2-item9").body] == [["政府集中采购", "14", "386.5"]]
    # （六）其他处理 is one row, as printed, spanning the two inner label columns
    table3 = table_by_id(imported, "t3")
    other = next(row for row in table3.body if any(norm(c.text) == norm("（六）其他处理") for c in row))
    label = next(c for c in other if norm(c.text) == norm("（六）其他处理"))
    assert label.colspan == 2 and [c.text for c in other if c.tag == "td"] == ["1", "0", "0", "0", "0", "0", "1"]
    assert len(table3.body) == 23
    texts = visible_text(empty_site / "build", "shili", 2019)
    assert "报告格式" in texts and "不符合" not in texts     # it passes R1-R5
    assert (empty_site / "build/nianbao/shili/2019-tujie.html").is_file()


def test_a_free_text_report_from_before_2019_imports_and_renders(empty_site):
    run = import_(empty_site, FIXTURES / "shili-2016.txt")
    assert "2019年以前的自由格式" in run.out
    build(empty_site)
    out = empty_site / "build"
    imported = page(out, "shili", 2016)
    assert imported.tables == []
    texts = visible_text(out, "shili", 2016)
    for line in ("一、概述", "2016年，我镇共主动公开政府信息120条", "六、政府信息公开工作存在的主要问题及改进情况"):
        assert line in texts
    tujie = (out / "nianbao/shili/2016-tujie.html").read_text(encoding="utf-8")
    assert "自由格式" in tujie


def test_totals_that_do_not_add_up_import_and_show_the_rule(empty_site, tmp_path):
    text = (SAMPLES / "huajie-2023.txt").read_text(encoding="utf-8")
    wrong = text.replace("(七)总计 | 5 | 0 | 0 | 0 | 0 | 0 | 5 |", "(七)总计 | 6 | 0 | 0 | 0 | 0 | 0 | 6 |")
    assert wrong != text
    source = tmp_path / "huajie-2023.txt"
    source.write_text(wrong, encoding="utf-8")
    run = import_(empty_site, source)
    assert "(R2)" in run.err and "存档说明" in run.err
    data = (empty_site / "content/reports/huajie/2023.yaml").read_text(encoding="utf-8")
    assert "（七）总计: [   6," in data                 # as published: not corrected
    build(empty_site)
    imported = page(empty_site / "build", "huajie", 2023)
    total = next(row for row in table_by_id(imported, "t3").body if any(norm(c.text) == norm("（七）总计") for c in row))
    assert [c.text for c in total if c.tag == "td"] == ["6", "0", "0", "0", "0", "0", "6"]
    notice = visible_text(empty_site / "build", "huajie", 2023)
    assert "存档说明" in notice and "（R2）" in notice and "（R3）" in notice


def test_a_number_without_a_row_fails_the_import_and_writes_nothing(empty_site, tmp_path):
    text = (SAMPLES / "huajie-2023.txt").read_text(encoding="utf-8")
    source = tmp_path / "huajie-2023.txt"
    source.write_text(text.replace("行政强制 | 61 | ||\n", "行政强制 | 61 | ||\n行政征收 | 12 | ||\n"), encoding="utf-8")
    run = import_(empty_site, source, code=1)
    assert "行政征收 | 12" in run.err and "找不到这一行" in run.err
    assert "没有写入任何文件" in run.err
    assert not (empty_site / "content/reports").exists()


def test_importing_the_same_report_twice_needs_force(empty_site):
    import_(empty_site, SAMPLES / "huajie-2023.txt")
    data = empty_site / "content/reports/huajie/2023.yaml"
    data.write_text(data.read_text(encoding="utf-8") + "# 编辑过\n", encoding="utf-8")
    run = import_(empty_site, SAMPLES / "huajie-2023.txt", code=1)
    assert "已存在" in run.err and "content/reports/huajie/2023.yaml" in run.err and "--force" in run.err
    assert data.read_text(encoding="utf-8").endswith("# 编辑过\n")
    import_(empty_site, SAMPLES / "huajie-2023.txt", "--force")
    assert not data.read_text(encoding="utf-8").endswith("# 编辑过\n")



def test_two_copies_of_one_report_import_once_and_copies_that_differ_are_refused(empty_site, tmp_path):
    """An archive holds the page saved as HTML and its text: the same numbers are one report,
    taken from the copy with the page's metadata (发布日期); different numbers, the editor chooses."""
    run = import_(empty_site, SAMPLES / "huajie-2023.txt", FIXTURES / "huajie-2023.html")
    assert f"{SAMPLES / 'huajie-2023.txt'} 是同一份报告的另一份副本（数字相同），只导入这一份" in run.out
    assert "发布日期: 2024-01-19" in (empty_site / "content/reports/huajie/2023.yaml").read_text(encoding="utf-8")
    other = tmp_path / "huajie-2023.txt"
    other.write_text((SAMPLES / "huajie-2023.txt").read_text(encoding="utf-8")
                     .replace("行政强制 | 61 |", "行政强制 | 62 |"), encoding="utf-8")
    run = import_(empty_site, FIXTURES / "huajie-2023.html", other, "--force", code=1)
    assert f"{other}: 与 {FIXTURES / 'huajie-2023.html'} 是同一份报告（花街镇人民政府 2023 年），但数字不同" in run.err


def test_a_report_that_names_no_unit_asks_for_unit_and_year(empty_site, tmp_path):
    source = tmp_path / "report.txt"
    lines = (SAMPLES / "huajie-2023.txt").read_text(encoding="utf-8").splitlines()
    source.write_text("\n".join(line for line in lines if "图解" not in line), encoding="utf-8")
    run = import_(empty_site, source, code=1)
    assert "--unit" in run.err and "--year" in run.err
    import_(empty_site, source, "--unit", "huajie", "--year", "2023")
    assert (empty_site / "content/reports/huajie/2023.md").is_file()


@pytest.mark.browser
def test_pages_of_the_older_formats_pass_axe_and_the_nu_checker(empty_site, page, nu_messages):
    import_(empty_site, FIXTURES / "shili-2019.txt", FIXTURES / "shili-2016.txt")
    build(empty_site)
    out = empty_site / "build"
    pages = [out / "nianbao/shili" / f"{name}.html" for name in ("2019", "2019-tujie", "2016", "2016-tujie", "index")]
    for path in pages:
        page.goto(path.as_uri())
        assert axe_violations(page) == [], path.name
    assert [m for m in nu_messages(pages) if m["type"] == "error"] == []


def test_labels_are_read_tolerantly_and_blank_cells_stay_blank(empty_site, tmp_path):
    text = (SAMPLES / "huajie-2023.txt").read_text(encoding="utf-8")
    edits = {"(二)部分公开(区分处理的,只计这一情形,不计其他情形) | 0": "（二）部分公开 | 0",       # a short form
             "3.补正后申请内容仍不明确 | 0": "3、补正后申请内容仍不明晰 | 0",                         # 、 and a typo
             "行政许可 | 0 | ||": "行政许可 |  | ||"}                                          # a blank cell
    for old, new in edits.items():
        assert old in text
        text = text.replace(old, new)
    source = tmp_path / "huajie-2023.txt"
    source.write_text(text, encoding="utf-8")
    run = import_(empty_site, source)
    assert "「3、补正后申请内容仍不明晰」按「3.补正后申请内容仍不明确」读入" in run.out
    data = (empty_site / "content/reports/huajie/2023.yaml").read_text(encoding="utf-8")
    assert "行政许可: null" in data
    build(empty_site)
    imported = page(empty_site / "build", "huajie", 2023)
    assert numbers(imported, "t2-item5") == [""]
    assert check_table3(imported, read_sample(SAMPLES / "huajie-2023.txt")) == 175


def test_other_handling_printed_as_one_row_is_kept_so_in_the_2021_format(empty_site, tmp_path):
    lines = (SAMPLES / "huajie-2023.txt").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("(六)其他处理"))
    lines[start:start + 3] = ["(六)其他处理 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | ||"]
    source = tmp_path / "huajie-2023.txt"
    source.write_text("\n".join(lines), encoding="utf-8")
    run = import_(empty_site, source)
    assert "国办公开办函〔2021〕30号" in run.out
    build(empty_site)
    table3 = table_by_id(page(empty_site / "build", "huajie", 2023), "t3")
    assert len(table3.body) == 23
    assert any(norm(c.text) == norm("（六）其他处理") and c.colspan == 2 for row in table3.body for c in row)


def test_a_gbk_page_imports_with_a_note(empty_site, tmp_path):
    source = tmp_path / "huaian-2024.txt"
    source.write_bytes((SAMPLES / "huaian-city-2024.txt").read_text(encoding="utf-8").encode("gb18030"))
    run = import_(empty_site, source)
    assert "GBK" in run.out
    assert "淮安市人民政府2024年政府信息公开工作年度报告" in (
        empty_site / "content/reports/huaian/2024.yaml").read_text(encoding="utf-8")


# --- hostile input: the time to read a line grows linearly with its length ---------------------

def _seconds(read, text: str, loops: int) -> float:
    """The best of five timings of `loops` reads of `text` (the best is the least disturbed)."""
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(loops):
            read(text)
        best = min(best, time.perf_counter() - start)
    return best


def growth(read, make, n: int) -> float:
    """How much longer a 4n-long input takes than an n-long one: about 4 when linear, 16 when
    quadratic, 64 when cubic. Enough loops that the n-long reads take a few milliseconds."""
    loops = 1
    while _seconds(read, make(n), loops) < 0.005 and loops < 100_000:
        loops *= 4
    return _seconds(read, make(4 * n), loops) / _seconds(read, make(n), loops)


@pytest.mark.parametrize("make, n", [
    (lambda n: "=" * n + "x", 250),                        # a separator that does not end (was cubic)
    (lambda n: "标题:a" + " " * n + "a", 2000),           # a metadata line with inner spaces (was quadratic)
    (lambda n: "字体" + " " * n + "x", 2000),              # the 字体【大 中 小】 toolbar (was quadratic)
    (lambda n: "字体:" + " " * n + "【 大" + " " * n + "x", 2000),
    (lambda n: "【打印】 " * n + "x", 8000),                 # the toolbar's words, repeated
], ids=["separator", "metadata", "font-size", "font-size-colon", "toolbar"])
def test_a_hostile_line_is_read_in_linear_time(make, n):
    ratio = growth(read_published, make, n)
    assert ratio < 10, f"4 times the text took {ratio:.0f} times as long"


def test_a_saved_page_that_never_closes_its_tags_is_read_in_linear_time():
    ratio = growth(html_to_text, lambda n: "<html><body><p>报告</p>" + "<a" * n, 8000)
    assert ratio < 10, f"4 times the page took {ratio:.0f} times as long"
    assert html_to_text("<body><p>报告</p>x<a<b") == "报告\nx<a<b"


@pytest.mark.parametrize("make", [
    lambda n: "<div>" * n + "<p>一、总体情况</p><p>二、主动公开</p>" * n,       # deeper than any page, and long
    lambda n: "<table><tr><td>" * n + "<p>一、总体情况</p>" * n,                  # layout tables in layout tables
    lambda n: "<div hidden>" * n + "<p>一、总体情况</p>" * n,
], ids=["nested-divs", "nested-tables", "hidden"])
def test_a_deeply_nested_page_is_read_in_linear_time(make):
    ratio = growth(html_to_text, make, 500)
    assert ratio < 10, f"4 times the page took {ratio:.0f} times as long"


def test_a_line_break_in_a_file_name_title_or_field_adds_no_key(empty_site, tmp_path):
    """PyYAML breaks lines at U+2028 too: each of these would otherwise start a key of its own."""
    title = "示例镇人民政府\u2028文号: 伪〔2019〕1号 2019年政府信息公开工作年度报告"
    doc_no = "示例〔2019〕1号\u2028索引号: 伪造"
    text = (FIXTURES / "shili-2019.txt").read_text(encoding="utf-8")
    source = tmp_path / "shili-2019\n文号: 伪〔2019〕2号.txt"
    source.write_text(text.replace("示例镇人民政府2019年政府信息公开工作年度报告", f"{title}\n文号: {doc_no}", 1),
                      encoding="utf-8")
    import_(empty_site, source, "--unit", "shili")      # a name with more after it is not guessed to be the unit's
    written = (empty_site / "content/reports/shili/2019.yaml").read_text(encoding="utf-8")
    for data in (parse_yaml(written, "2019.yaml", Problems()).data, yaml.safe_load(written)):
        assert (data["标题"], data["文号"], data["按原样发布"]) == (title, doc_no, True)
        assert "索引号" not in data


# --- What check would say of an imported report (issue 16: R9 and R11 printed by import) ---------

def with_metadata(tmp_path: Path, sample: str, *lines: str, narrative=("", "")) -> Path:
    """A sample as its portal page would give it, with metadata lines above it, its narrative edited."""
    text = (SAMPLES / sample).read_text(encoding="utf-8")
    edited = text.replace(*narrative)
    assert edited != text or narrative == ("", "")
    source = tmp_path / sample
    source.write_text("\n".join(lines) + "\n" + edited, encoding="utf-8")
    return source


def printed(run, rule: str) -> list[str]:
    return [line for line in run.lines if line.endswith(f"({rule})")]


def test_import_prints_r9_and_r11_of_the_imported_report_as_check_does(empty_site, tmp_path):
    source = with_metadata(tmp_path, "huajie-2023.txt", "发布日期：2024-04-15",
                           narrative=("共收到依申请公开信件6件", "共收到依申请公开信件17件"))
    run = import_(empty_site, source)          # warnings: the import succeeds
    line = next(n for n, text in enumerate((empty_site / "content/reports/huajie/2023.md")
                                           .read_text(encoding="utf-8").splitlines(), 1) if "信件17件" in text)
    [r9] = printed(run, "R9")
    assert r9.startswith(f"content/reports/huajie/2023.md:{line}: 警告：正文说「") and "17" in r9 and "6" in r9
    [r11] = printed(run, "R11")
    assert r11.startswith("content/reports/huajie/2023.yaml:") and "2024-04-15" in r11 and "2024-03-31" in r11
    check = generate("check", "--site", str(empty_site))
    assert r9 in check.lines and r11 in check.lines       # word for word what check says


def test_import_names_a_duplicate_index_number_and_not_the_other_reports_findings(empty_site, tmp_path):
    first = with_metadata(tmp_path, "huajie-2023.txt", "索引号：00259913X/2024-00003",
                          narrative=("共收到依申请公开信件6件", "共收到依申请公开信件17件"))
    assert printed(import_(empty_site, first), "R9")
    second = with_metadata(tmp_path, "huaian-city-2024.txt", "索引号：00259913X/2024-00003")
    run = import_(empty_site, second)
    [duplicate] = printed(run, "R11")
    assert duplicate.startswith("content/reports/huaian/2024.yaml:") and "content/reports/huajie/2023.yaml:" in duplicate
    assert printed(run, "R9") == []            # huajie's narrative is not this import's business


def test_import_prints_r10_for_last_years_text_taken_in_again(empty_site):
    import_(empty_site, SAMPLES / "huajie-2023.txt")
    run = import_(empty_site, SAMPLES / "huajie-2023.txt", "--year", "2024")
    [r10] = printed(run, "R10")
    assert r10.startswith("content/reports/huajie/2024.md:") and "content/reports/huajie/2023.md" in r10


def test_with_a_broken_site_yaml_the_import_succeeds_and_says_the_checks_wait(empty_site):
    (empty_site / "site.yaml").write_text("网站名称: [未闭合\n", encoding="utf-8")
    run = import_(empty_site, SAMPLES / "huajie-2023.txt")
    assert (empty_site / "content/reports/huajie/2023.yaml").is_file()
    assert "site.yaml: 警告：网站配置有错误，导入的报告尚未检查：请运行 generate check 查看并改正" in run.lines


def test_import_lists_what_it_breaks_in_the_next_years_report(site):
    """The example's 2023 report carried over nothing (二、上年结转 0): a 2022 that left one case
    open (四 1) breaks its R6, and the import says so, as it always has, with its exit code."""
    run = import_(site.root, SAMPLES / "huajie-2023.txt", "--year", "2022", code=1)
    assert (site.root / "content/reports/huajie/2022.yaml").is_file()
    r6 = printed(run, "R6")
    assert r6 and all(line.startswith(f"{HUAJIE}:") for line in r6)
    assert "导入的报告有错误，生成网站前请先改正。" in run.err
