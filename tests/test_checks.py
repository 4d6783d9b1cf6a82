"""Each cross-check rule, broken on purpose: the exact message, its file and line.

Every rule (R1-R3, R5-R7) is run on the checking functions of generator.content.checks, over the
example's 花街镇 report read as a build reads it. Whole builds are kept where they show what
the functions alone do not: an error as the editor reads it (file:line, the summary line,
exit 1), a warning (the site still builds), a rule across two years' files, and errors of
several files listed together. Edits keep every other rule satisfied, so each check reports
only the rule under test.
"""

from __future__ import annotations

import re

from generator.content.checks import check_carry_over, check_in_force, check_report, complete_totals
from generator.content.reports import parse_report
from generator.core.model import Report
from generator.inputs.config import load_units
from generator.inputs.source import parse_yaml
from generator.problems import Problems
from helpers import HUAJIE, NEXT_YEAR, REPO, add_next_year, set_row, with_row
from htmltables import parse

NEW = "一、本年新收政府信息公开申请数量:"
OLD = "二、上年结转政府信息公开申请数量:"
DISCLOSED = "（一）予以公开:"
TOTAL = "（七）总计:"
FORWARD = "四、结转下年度继续办理:"
DIRECT = "未经复议直接起诉:"


def without_row(text: str, label: str) -> str:
    kept = [line for line in text.splitlines(keepends=True) if not line.strip().startswith(label)]
    assert len(kept) == len(text.splitlines()) - 1
    return "".join(kept)


def drop_row(site, rel, label):
    site.write(rel, without_row(site.read(rel), label))


def where(site, rel, label):
    return f"{rel}:{site.line_of(rel, label)}:"


def assert_failed_with(run, expected):
    assert run.code == 1
    problems = [line for line in run.lines if not line.startswith("构建失败")]
    assert problems == expected
    assert run.lines[-1].startswith("构建失败：共")


def test_r1_row_total(site):
    set_row(site, HUAJIE, OLD, [0, 0, 0, 0, 0, 0, 1])
    set_row(site, HUAJIE, FORWARD, [1, 0, 0, 0, 0, 0, 2])
    assert_failed_with(site.build(), [
        f"{where(site, HUAJIE, OLD)} 表三「二、上年结转政府信息公开申请数量」行「总计」列：应为 0（自然人至其他各列之和），实为 1 (R1)",
        f"{where(site, HUAJIE, FORWARD)} 表三「四、结转下年度继续办理」行「总计」列：应为 1（自然人至其他各列之和），实为 2 (R1)",
    ])


def test_r6_carried_over_across_years(site):
    add_next_year(site)     # its 二、上年结转 is all 0, but 2023 carried 1 forward
    line = where(site, NEXT_YEAR, OLD)
    why = "2023年报告「四、结转下年度继续办理」"
    assert_failed_with(site.build(), [
        f"{line} 表三「二、上年结转政府信息公开申请数量」行「自然人」列：应为 1（{why}），实为 0 (R6)",
        f"{line} 表三「二、上年结转政府信息公开申请数量」行「总计」列：应为 1（{why}），实为 0 (R6)",
    ])


def test_r7_in_force_is_a_warning_and_builds(site):
    add_next_year(site)
    set_row(site, NEXT_YEAR, OLD, [1, 0, 0, 0, 0, 0, 1])
    set_row(site, NEXT_YEAR, DISCLOSED, [2, 0, 0, 0, 0, 0, 2])
    drop_row(site, NEXT_YEAR, TOTAL)            # left out: computed as 6
    set_row(site, NEXT_YEAR, "行政规范性文件:", [2, 0, 0])
    run = site.build()
    assert run.code == 0, run.err
    assert run.lines == [
        f"{where(site, NEXT_YEAR, '行政规范性文件:')} 警告：表二「行政规范性文件」行「现行有效件数」列："
        "应为 2（上年现行有效 0 + 本年制发 2 − 本年废止 0；如本年清理了文件，可忽略），实为 0 (R7)",
    ]
    assert (site.root / "build/nianbao/huajie/2024.html").is_file()


def test_errors_of_all_files_are_listed_together(site):
    set_row(site, HUAJIE, DIRECT, [1, 0, 0, 1, 3])
    set_row(site, "content/reports/huaian/2024.yaml", "行政复议:", [72, 64, 178, 37, 350])
    run = site.build()
    assert run.code == 1
    assert [line.rsplit(" ", 1)[-1] for line in run.lines[:-1]] == ["(R5)", "(R5)"]
    assert run.lines[0].startswith("content/reports/huaian/2024.yaml:")
    assert run.lines[1].startswith(f"{HUAJIE}:")


def test_report_published_with_errors_builds_with_a_notice(site):
    set_row(site, HUAJIE, DIRECT, [1, 0, 0, 1, 3])
    site.replace(HUAJIE, "发布日期: 2024-01-19", "发布日期: 2024-01-19\n按原样发布: true\n来源: huajie-2023.txt（2024-03-01 导入）")
    run = site.build()
    assert run.code == 0, run.err
    page = parse(site.page("nianbao/huajie/2023.html"))
    (notice,) = page.by_class["notice"]
    assert "按原发布内容照录" in notice
    assert ("表四「未经复议直接起诉」行「总计」列：应为 2（结果维持、结果纠正、其他结果、尚未审结之和），实为 3（R5）"
            in notice)
    (body,) = [row for row in parse(site.page("nianbao/huajie/2023.html")).tables if row.attrs["id"] == "t4"][0].body
    assert [c.text for c in body][5:10] == ["1", "0", "0", "1", "3"]   # shown as published, not corrected


def test_a_correct_report_has_no_notice(built_example):
    page = parse((built_example / "nianbao/huajie/2023.html").read_text(encoding="utf-8"))
    assert "notice" not in page.by_class


def test_totals_left_out_give_the_same_page(site, tmp_path):
    assert site.build("--out", str(tmp_path / "with-totals")).code == 0
    for rel in (HUAJIE, "content/reports/huaian/2024.yaml"):
        text = site.read(rel)
        text = re.sub(r"^(\s*[^#\s][^:\n]*:\s*\[(?:[^,\]]*,){6})[^\]]*\]", r"\1]", text, flags=re.M)  # table 三
        text = re.sub(r"^(\s*[^#\s][^:\n]*:\s*\[(?:[^,\]]*,){3}[^,\]]*),[^,\]]*\]$",
                      lambda m: m.group(1) + "]" if "复议" in m.group(0) or "起诉" in m.group(0) else m.group(0),
                      text, flags=re.M)                                                          # table 四
        text = re.sub(r"^\s*（七）总计:.*\n", "", text, flags=re.M)
        text = text.replace(",]", "]")
        site.write(rel, text)
    assert "（七）总计" not in site.read(HUAJIE)
    assert re.search(r"一、本年新收政府信息公开申请数量:\s*\[\s*6,(\s*0,){4}\s*0\]", site.read(HUAJIE))
    assert re.search(r"未经复议直接起诉:\s*\[\s*1,\s*0,\s*0,\s*1\]", site.read(HUAJIE))
    run = site.build("--out", str(tmp_path / "without-totals"))
    assert run.code == 0, run.err
    for page in ("nianbao/huajie/2023.html", "nianbao/huaian/2024.html"):
        assert (tmp_path / "without-totals" / page).read_bytes() == (tmp_path / "with-totals" / page).read_bytes()


# --- The rules on the checking functions ---------------------------------------------------

EXAMPLE = (REPO / HUAJIE).read_text(encoding="utf-8")
NEXT_YEAR_TEXT = EXAMPLE.replace("发布日期: 2024-01-19", "发布日期: 2025-01-20")   # as add_next_year
UNITS = load_units(REPO, Problems())


def read_report(text: str, rel: str = HUAJIE, year: int = 2023) -> Report:
    """花街镇's report from the text of its data file, read and completed as a build does."""
    problems = Problems()
    doc = parse_yaml(text, rel, problems)
    report = parse_report(doc, UNITS["huajie"], year, problems)
    assert problems.items == []
    for table in report.tables.values():
        complete_totals(table)
    return report


def line(text: str, label: str) -> int:
    (found,) = [i for i, written in enumerate(text.splitlines(), 1) if written.strip().startswith(label)]
    return found


def found(failures) -> list[tuple]:
    return [(f.file, f.line, f.message, f.rule) for f in failures]


def test_the_example_report_passes_every_rule():
    previous = read_report(EXAMPLE)
    report = read_report(NEXT_YEAR_TEXT, NEXT_YEAR, 2024)
    assert check_report(previous) == [] and check_report(report) == []
    assert check_in_force(previous, report) == []      # (R6 across these two is what test_r6 breaks)


def test_r1_row_total_unit():
    text = with_row(with_row(EXAMPLE, OLD, [0, 0, 0, 0, 0, 0, 1]), FORWARD, [1, 0, 0, 0, 0, 0, 2])
    assert found(check_report(read_report(text))) == [
        (HUAJIE, line(text, OLD), "表三「二、上年结转政府信息公开申请数量」行「总计」列：应为 0（自然人至其他各列之和），实为 1", "R1"),
        (HUAJIE, line(text, FORWARD), "表三「四、结转下年度继续办理」行「总计」列：应为 1（自然人至其他各列之和），实为 2", "R1"),
    ]


def test_a_blank_total_is_named_blank():
    text = with_row(EXAMPLE, DIRECT, [1, 0, 0, 1, "null"])
    assert found(check_report(read_report(text))) == [
        (HUAJIE, line(text, DIRECT), "表四「未经复议直接起诉」行「总计」列：应为 2（结果维持、结果纠正、其他结果、尚未审结之和），实为 空白",
         "R5"),
    ]


def test_r2_results_total():
    text = with_row(with_row(EXAMPLE, TOTAL, [6, 0, 0, 0, 0, 0, 6]), FORWARD, [0, 0, 0, 0, 0, 0, 0])
    at = line(text, TOTAL)
    assert found(check_report(read_report(text))) == [
        (HUAJIE, at, "表三「（七）总计」行「自然人」列：应为 5（（一）至（六）各项之和），实为 6", "R2"),
        (HUAJIE, at, "表三「（七）总计」行「总计」列：应为 5（（一）至（六）各项之和），实为 6", "R2"),
    ]


def test_r2_a_total_left_out_is_computed_not_checked():
    report = read_report(without_row(EXAMPLE, TOTAL))
    assert report.tables["三"].number("results_total", "total") == 5
    assert check_report(report) == []


def test_r3_balance():
    text = with_row(EXAMPLE, FORWARD, [2, 0, 0, 0, 0, 0, 2])
    at = line(text, FORWARD)
    why = "一、本年新收 6 + 二、上年结转 0 − （七）总计 5"
    assert found(check_report(read_report(text))) == [
        (HUAJIE, at, f"表三「四、结转下年度继续办理」行「自然人」列：应为 1（{why}），实为 2", "R3"),
        (HUAJIE, at, f"表三「四、结转下年度继续办理」行「总计」列：应为 1（{why}），实为 2", "R3"),
    ]


def test_r5_review_and_lawsuit_totals():
    text = with_row(EXAMPLE, DIRECT, [1, 0, 0, 1, 3])
    assert found(check_report(read_report(text))) == [
        (HUAJIE, line(text, DIRECT), "表四「未经复议直接起诉」行「总计」列：应为 2（结果维持、结果纠正、其他结果、尚未审结之和），实为 3",
         "R5"),
    ]


def test_r6_carried_over_across_years_unit():
    previous, report = read_report(EXAMPLE), read_report(NEXT_YEAR_TEXT, NEXT_YEAR, 2024)
    at = line(NEXT_YEAR_TEXT, OLD)
    why = "2023年报告「四、结转下年度继续办理」"
    assert found(check_carry_over(previous, report)) == [
        (NEXT_YEAR, at, f"表三「二、上年结转政府信息公开申请数量」行「自然人」列：应为 1（{why}），实为 0", "R6"),
        (NEXT_YEAR, at, f"表三「二、上年结转政府信息公开申请数量」行「总计」列：应为 1（{why}），实为 0", "R6"),
    ]


def test_r7_in_force_unit():
    text = with_row(with_row(NEXT_YEAR_TEXT, OLD, [1, 0, 0, 0, 0, 0, 1]), DISCLOSED, [2, 0, 0, 0, 0, 0, 2])
    text = with_row(without_row(text, TOTAL), "行政规范性文件:", [2, 0, 0])
    previous, report = read_report(EXAMPLE), read_report(text, NEXT_YEAR, 2024)
    assert check_report(report) == [] and check_carry_over(previous, report) == []
    assert found(check_in_force(previous, report)) == [
        (NEXT_YEAR, line(text, "行政规范性文件:"), "表二「行政规范性文件」行「现行有效件数」列："
         "应为 2（上年现行有效 0 + 本年制发 2 − 本年废止 0；如本年清理了文件，可忽略），实为 0", "R7"),
    ]
