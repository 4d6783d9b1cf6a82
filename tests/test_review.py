"""The 自查表 of `generate check --report FILE.html` and its JSON form `--report -` (issue 16, item 7)."""

from __future__ import annotations

from html import escape
import json
import re
import subprocess
from pathlib import Path

import pytest

from helpers import HUAJIE, REPO, axe_violations, generate, set_row
from generator.problems import Problems

NARRATIVE = "content/reports/huajie/2023.md"
HUAIAN = "content/reports/huaian/2024.yaml"
ITEM_IDS = ["on_time", "format", "balance", "text", "repeat", "complete", "draft"]


def sheet_json(root: Path) -> dict:
    """`check --report -`: stdout must be the JSON alone."""
    run = generate("check", "--site", str(root), "--report", "-")
    return json.loads(run.out)


def row_of(sheet: dict, unit_id: str) -> dict:
    found = [r for r in sheet["reports"] if r["unit_id"] == unit_id]
    assert len(found) == 1
    return found[0]


def sheet_rows(html: str) -> list[str]:
    return re.findall(r"<tr><th scope=\"row\">.*?</tr>", html)


def test_the_example_portal_has_a_row_per_report_all_passing(tmp_path):
    target = tmp_path / "review.html"
    run = generate("check", "--site", str(REPO), "--report", str(target))
    assert run.code == 0, run.err
    html = target.read_text(encoding="utf-8")
    rows = sheet_rows(html)
    assert len(rows) == 2
    assert "淮安市人民政府" in rows[0] and "花街镇人民政府" in rows[1]     # units.yaml's 排序
    for row in rows:
        # every item checked and passed
        assert row.count('<span class="visually-hidden">通过</span>') == 7
        assert '<span class="visually-hidden">未检查</span>' not in row
        assert "未通过" not in row
    assert '<a href="https://gongkai.example.org/nianbao/huajie/2023.html">' in html   # site.yaml's 网站地址
    assert "<caption>" in html and 'lang="zh-CN"' in html and "size: A4 landscape" in html
    assert "没有发现问题" in html


def test_check_output_and_exit_code_are_unchanged_by_the_sheet(tmp_path):
    plain = generate("check", "--site", str(REPO))
    with_sheet = generate("check", "--site", str(REPO), "--report", str(tmp_path / "r.html"))
    assert (with_sheet.code, with_sheet.out) == (plain.code, plain.out)
    assert with_sheet.err == plain.err + f"自查表已写入 {tmp_path / 'r.html'}（2 份报告）\n"


def test_the_json_form_has_the_documented_shape():
    sheet = sheet_json(REPO)
    assert sheet["site"] == "政府信息公开年报示例门户"
    assert [item["id"] for item in sheet["items"]] == ITEM_IDS
    assert [item["label"] for item in sheet["items"]] == ["按时发布", "格式", "勾稽关系", "文表一致", "重复率",
                                                          "要素齐全", "草稿"]
    huajie = row_of(sheet, "huajie")
    assert huajie == {"unit": "花街镇人民政府", "unit_id": "huajie", "year": 2023,
                      "title": "花街镇人民政府2023年政府信息公开工作年度报告", "file": HUAJIE,
                      "url": "https://gongkai.example.org/nianbao/huajie/2023.html", "path": "nianbao/huajie/2023.html",
                      "items": dict.fromkeys(ITEM_IDS, "pass"),
                      "repeat_percent": None, "findings": []}
    assert sheet["site_findings"] == []


def test_a_broken_total_fails_check_as_before_and_is_marked_in_the_sheet(site, tmp_path):
    set_row(site, HUAJIE, "（一）予以公开:", [2, 0, 0, 0, 0, 0, 2])
    plain = generate("check", "--site", str(site.root))
    target = tmp_path / "review.html"
    run = generate("check", "--site", str(site.root), "--report", str(target))
    assert run.code == plain.code == 1 and run.out == plain.out
    r2 = [line for line in plain.lines if line.endswith("(R2)")]
    assert r2
    html = target.read_text(encoding="utf-8")
    huajie = sheet_rows(html)[1]
    assert '<a class="fail" href="#r-huajie-2023-balance">' in huajie
    assert 'id="r-huajie-2023-balance"' in html
    for line in r2:                      # each finding as check prints it
        assert escape(line) in html
    # R9 waits for the tables: not checked is —, not ✓; the rest was checked
    items = row_of(sheet_json(site.root), "huajie")["items"]
    assert (items["text"], items["complete"], items["on_time"]) == ("none", "pass", "pass")


def test_a_draft_is_marked_and_its_note_listed(site):
    site.replace(HUAJIE, "发布日期: 2024-01-19", "发布日期: 2024-01-19\n草稿: true")
    huajie = row_of(sheet_json(site.root), "huajie")
    assert huajie["items"]["draft"] == "fail"
    assert [f["rule"] for f in huajie["findings"] if f["item"] == "draft"] == ["draft"]
    assert row_of(sheet_json(site.root), "huaian")["items"]["draft"] == "pass"


def test_a_placeholder_left_makes_a_draft(site):
    site.replace(NARRATIVE, "2023年我镇政务公开社会评议和责任追究结果情况:无。", "【待填写】")
    huajie = row_of(sheet_json(site.root), "huajie")
    assert huajie["items"]["draft"] == "fail"
    assert sorted(f["rule"] for f in huajie["findings"] if f["item"] == "draft") == ["draft", "placeholder"]


def test_a_late_report_fails_on_time_and_a_duplicate_index_number_fails_format(site):
    site.replace(HUAIAN, re.search(r"发布日期: .*", site.read(HUAIAN)).group(0), "发布日期: 2025-05-06")
    index_no = re.search(r"索引号: (.*)", site.read(HUAJIE)).group(1)
    site.replace(HUAIAN, re.search(r"索引号: .*", site.read(HUAIAN)).group(0), f"索引号: {index_no}")
    huaian = row_of(sheet_json(site.root), "huaian")
    assert huaian["items"]["on_time"] == "fail"
    assert huaian["items"]["format"] == "fail"
    assert {f["item"] for f in huaian["findings"] if f["rule"] == "R11"} == {"on_time", "format"}
    assert all(re.match(r"content/reports/huaian/2024\.yaml:\d+: 警告：.* \(R11\)$", f["line"])
               for f in huaian["findings"])


def test_text_against_tables(site):
    site.replace(NARRATIVE, "共收到依申请公开信件6件", "共收到依申请公开信件9件")
    huajie = row_of(sheet_json(site.root), "huajie")
    assert huajie["items"]["text"] == "fail"
    assert [f["rule"] for f in huajie["findings"]] == ["R9"]


@pytest.mark.parametrize("old, new, says", [
    ("本年度我单位未发出政府信息处理费收费通知书,不存在收取信息处理费的情况。", "本年度无其他需要报告的事项。", "信息处理费"),
    ("索引号: 00259913X/2024-00003\n", "", "缺少「索引号」"),
], ids=["fee", "index_no"])
def test_missing_elements_fail_complete(site, old, new, says):
    rel = NARRATIVE if "信息处理费" in old else HUAJIE
    site.replace(rel, old, new)
    huajie = row_of(sheet_json(site.root), "huajie")
    assert huajie["items"]["complete"] == "fail"
    lines = [f["line"] for f in huajie["findings"] if f["item"] == "complete"]
    assert len(lines) == 1 and says in lines[0] and lines[0].endswith("(要素齐全)")


def test_a_section_five_of_just_none_fails_complete_with_its_line(site):
    text = site.read(NARRATIVE)
    start = text.index("## 五、")
    site.write(NARRATIVE, text[:start] + "## 五、存在的主要问题及改进情况\n\n无。\n\n" + text[text.index("## 六、"):])
    huajie = row_of(sheet_json(site.root), "huajie")
    lines = [f["line"] for f in huajie["findings"] if f["item"] == "complete"]
    assert len(lines) == 1 and "第五部分" in lines[0] and "只有「无。」" in lines[0]
    assert lines[0].startswith(f"{NARRATIVE}:{site.line_of(NARRATIVE, '## 五、')}")


def test_a_repeat_finding_shows_its_percentage():
    """R10 lands in parallel: its findings go to 重复率 by rule id, with the percentage."""
    from generator.build import check_site          # here: the other tests fail one by one on code without the sheet
    from generator.output.review import review_json, review_sheet

    checked = check_site(REPO)
    config, units, files = checked.inputs
    problems = Problems(list(checked.problems.items))
    problems.warning(HUAJIE, None, "正文与 content/reports/huajie/2022.md 重复 93% ……", "R10")
    sheet = json.loads(review_json(review_sheet(REPO, config, units, files, problems), config))
    huajie = row_of(sheet, "huajie")
    assert huajie["items"]["repeat"] == "fail" and huajie["repeat_percent"] == 93


def test_a_problem_of_no_report_is_listed_for_the_site(site):
    site.replace("site.yaml", "网站名称:", "网站名字: x\n网站名称:")
    run = generate("check", "--site", str(site.root), "--report", "-")
    sheet = json.loads(run.out)
    assert [f["line"] for f in sheet["site_findings"]] == [line for line in run.lines if line.startswith("site.yaml")]
    assert sheet["site_findings"] and all(r["findings"] == [] for r in sheet["reports"])


def test_without_a_site_address_the_sheet_names_the_path(site, tmp_path):
    site.replace("site.yaml", "网站地址: https://gongkai.example.org/\n", "")
    target = tmp_path / "review.html"
    assert generate("check", "--site", str(site.root), "--report", str(target)).code == 0
    html = target.read_text(encoding="utf-8")
    assert "（nianbao/huajie/2023.html）" in html and "<a href=\"https" not in html
    assert row_of(sheet_json(site.root), "huajie")["url"] is None


def test_an_unwritable_target_fails_in_one_line(tmp_path):
    run = generate("check", "--site", str(REPO), "--report", str(tmp_path / "missing" / "r.html"))
    assert run.code == 1 and "无法写入自查表" in run.err and "Traceback" not in run.err


# --- Accessibility and print, in Chromium ------------------------------------------------------

@pytest.fixture
def sheets(site, tmp_path) -> list[Path]:
    """The example portal's sheet, and one with findings in several columns."""
    clean = tmp_path / "clean.html"
    assert generate("check", "--site", str(REPO), "--report", str(clean)).code == 0
    set_row(site, HUAJIE, "（一）予以公开:", [2, 0, 0, 0, 0, 0, 2])
    site.replace(HUAJIE, "发布日期: 2024-01-19", "发布日期: 2024-01-19\n草稿: true")
    site.replace("site.yaml", "网站名称:", "网站名字: x\n网站名称:")
    broken = tmp_path / "broken.html"
    generate("check", "--site", str(site.root), "--report", str(broken))
    return [clean, broken]


@pytest.mark.browser
def test_the_sheet_passes_axe(page, sheets):
    for sheet in sheets:
        page.goto(sheet.as_uri())
        assert axe_violations(page) == [], sheet.name


@pytest.mark.browser
def test_the_sheet_passes_the_nu_checker(sheets, nu_messages):
    assert [m for m in nu_messages(sheets) if m["type"] == "error"] == []


@pytest.mark.browser
def test_the_sheet_prints_on_a4_landscape(page, sheets, tmp_path):
    page.goto(sheets[1].as_uri())
    pdf = tmp_path / "sheet.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    assert (round(width), round(height)) == (842, 595)        # A4 landscape in points
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "勾稽关系" in text and "(R2)" in text and "全站" in text
