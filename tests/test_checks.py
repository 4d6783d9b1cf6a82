"""Each cross-check rule, broken on purpose: the exact message and the exit code.

Edits keep every other rule satisfied, so each build reports only the rule under test.
"""

from __future__ import annotations

import re

from helpers import HUAJIE, NEXT_YEAR, add_next_year, set_row
from htmltables import parse

NEW = "一、本年新收政府信息公开申请数量:"
OLD = "二、上年结转政府信息公开申请数量:"
DISCLOSED = "（一）予以公开:"
TOTAL = "（七）总计:"
FORWARD = "四、结转下年度继续办理:"
DIRECT = "未经复议直接起诉:"


def drop_row(site, rel, label):
    text = site.read(rel)
    kept = [line for line in text.splitlines(keepends=True) if not line.strip().startswith(label)]
    assert len(kept) == len(text.splitlines()) - 1
    site.write(rel, "".join(kept))


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


def test_r2_results_total(site):
    set_row(site, HUAJIE, TOTAL, [6, 0, 0, 0, 0, 0, 6])
    set_row(site, HUAJIE, FORWARD, [0, 0, 0, 0, 0, 0, 0])
    line = where(site, HUAJIE, TOTAL)
    assert_failed_with(site.build(), [
        f"{line} 表三「（七）总计」行「自然人」列：应为 5（（一）至（六）各项之和），实为 6 (R2)",
        f"{line} 表三「（七）总计」行「总计」列：应为 5（（一）至（六）各项之和），实为 6 (R2)",
    ])


def test_r3_balance(site):
    set_row(site, HUAJIE, FORWARD, [2, 0, 0, 0, 0, 0, 2])
    line = where(site, HUAJIE, FORWARD)
    why = "一、本年新收 6 + 二、上年结转 0 − （七）总计 5"
    assert_failed_with(site.build(), [
        f"{line} 表三「四、结转下年度继续办理」行「自然人」列：应为 1（{why}），实为 2 (R3)",
        f"{line} 表三「四、结转下年度继续办理」行「总计」列：应为 1（{why}），实为 2 (R3)",
    ])


def test_r5_review_and_lawsuit_totals(site):
    set_row(site, HUAJIE, DIRECT, [1, 0, 0, 1, 3])
    assert_failed_with(site.build(), [
        f"{where(site, HUAJIE, DIRECT)} 表四「未经复议直接起诉」行「总计」列："
        "应为 2（结果维持、结果纠正、其他结果、尚未审结之和），实为 3 (R5)",
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
    site.replace(HUAJIE, "发布日期: 2024-01-19", "发布日期: 2024-01-19\n按原样发布: true")
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
