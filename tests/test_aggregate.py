"""范围: 汇总: a county's tables as the sum of its members', checked like any report."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest

from helpers import REPO, build, generate
from htmltables import parse, table_by_id

sys.path.insert(0, str(REPO / "benchmarks"))
from synthetic import make_site  # noqa: E402

TABLE_IDS = ["t2-item1", "t2-item5", "t2-item6", "t2-item8", "t3", "t4"]


def cells(out: Path, unit: str, year: int) -> dict[tuple[str, int, int], str]:
    """(table, row, column) -> the number shown, for every data cell of the report page."""
    page = parse((out / "nianbao" / unit / f"{year}.html").read_text(encoding="utf-8"))
    found = {}
    for table_id in TABLE_IDS:
        for r, row in enumerate(table_by_id(page, table_id).body):
            label = "/".join(c.text for c in row if c.tag == "th")
            for c, cell in enumerate(cell for cell in row if cell.tag == "td"):
                found[(table_id, label, c)] = cell.text
    return found


@pytest.fixture
def county(tmp_path) -> Path:
    """A synthetic county whose departments and town have reports, and whose own reports sum them."""
    root = tmp_path / "site"
    make_site(root, 20)            # county, dept-1, dept-2, town-3: 2021-2025 each
    units = (root / "content/units.yaml").read_text(encoding="utf-8")
    units = re.sub(r"^((?:dept|town)-\d+:\n(?:  .*\n)*?)(  排序)", r"\1  上级单位: county\n\2", units, flags=re.M)
    assert units.count("上级单位: county") == 3
    (root / "content/units.yaml").write_text(units, encoding="utf-8")
    for data in sorted((root / "content/reports/county").glob("*.yaml")):
        year = data.stem
        data.write_text(f"标题: 示例县人民政府{year}年政府信息公开工作年度报告（汇总）\n发布日期: {int(year) + 1}-03-20\n"
                        "范围: 汇总\n", encoding="utf-8")
    return root


def test_the_county_tables_are_the_sum_of_its_members(county, tmp_path):
    out = tmp_path / "out"
    build(county, out)                 # R1-R5 run on the sums (and R6 across the county's years)
    for year in range(2021, 2026):
        total = cells(out, "county", year)
        members = [cells(out, unit, year) for unit in ("dept-1", "dept-2", "town-3")]
        assert len(total) == 10 + 175 + 15
        for key, shown in total.items():
            parts = [m[key] for m in members if key in m]
            assert parts, key
            expected = sum(float(p) for p in parts if p)
            assert float(shown) == pytest.approx(expected), (year, key)
    page = (out / "nianbao/county/2023.html").read_text(encoding="utf-8")
    assert "<dt>报告范围</dt><dd>汇总</dd>" in page
    assert re.search(r"<dt>汇总单位</dt><dd>示例县[^<]+、示例县[^<]+、[^<]+</dd>", page)
    assert "不符合" not in page


def test_a_member_edit_updates_the_sum(county, tmp_path):
    out = tmp_path / "out"
    build(county, out)
    data = county / "content/reports/dept-1/2024.yaml"
    text = data.read_text(encoding="utf-8")
    old = re.search(r"行政处罚: +(\d+)", text)
    data.write_text(text.replace(old.group(0), f"行政处罚: {int(old.group(1)) + 1000}"), encoding="utf-8")
    before = cells(out, "county", 2024)[("t2-item6", "行政处罚", 0)]
    build(county, out)
    assert int(cells(out, "county", 2024)[("t2-item6", "行政处罚", 0)]) == int(before) + 1000
    cold = tmp_path / "cold"
    shutil.rmtree(county / ".gongkai-cache")
    build(county, cold)
    assert cells(cold, "county", 2024) == cells(out, "county", 2024)


def test_a_sum_without_members_is_an_error(county):
    units = (county / "content/units.yaml").read_text(encoding="utf-8").replace("  上级单位: county\n", "")
    (county / "content/units.yaml").write_text(units, encoding="utf-8")
    run = generate("build", "--site", str(county))
    assert run.code == 1
    assert "content/reports/county/2023.yaml: 「范围: 汇总」的报告没有可汇总的单位" in run.err


def test_a_member_that_sums_its_own_members(county, tmp_path):
    """county sums dept-1, which sums dept-2 and town-3."""
    units = (county / "content/units.yaml").read_text(encoding="utf-8")
    units = re.sub(r"^((?:dept-2|town-3):\n(?:  .*\n)*?)  上级单位: county\n", r"\1  上级单位: dept-1\n", units, flags=re.M)
    assert units.count("上级单位: dept-1") == 2
    (county / "content/units.yaml").write_text(units, encoding="utf-8")
    for data in sorted((county / "content/reports/dept-1").glob("*.yaml")):
        data.write_text(f"发布日期: {int(data.stem) + 1}-02-20\n范围: 汇总\n", encoding="utf-8")
    out = tmp_path / "out"
    build(county, out)
    total, middle = cells(out, "county", 2023), cells(out, "dept-1", 2023)
    members = [cells(out, unit, 2023) for unit in ("dept-2", "town-3")]
    assert total == middle
    for key, shown in total.items():
        assert float(shown) == pytest.approx(sum(float(m[key]) for m in members if m.get(key))), key


def members_sum(out: Path, year: int, units=("dept-1", "dept-2", "town-3")) -> dict:
    """The county's cells as they should be: each the sum of the members' shown cells."""
    members = [cells(out, unit, year) for unit in units]
    return {key: sum(float(m[key]) for m in members if m.get(key)) for key in members[0]}


def without_report(county: Path, year: int) -> Path:
    for suffix in (".yaml", ".md"):
        (county / f"content/reports/county/{year}{suffix}").unlink()
    return county / f"content/reports/county/{year}.yaml"


def test_new_aggregate_writes_a_sum_without_tables(county, tmp_path):
    data = without_report(county, 2025)
    run = generate("new", "--aggregate", "county", "2025", "--site", str(county))
    assert run.code == 0, run.err
    assert "表格将由 示例县教育局、示例县" in run.out
    text = data.read_text(encoding="utf-8")
    assert re.search(r"^范围: +汇总 ", text, re.M) and re.search(r"^草稿: +true ", text, re.M)
    assert not re.search(r"^[二三四]、", text, re.M)        # no tables: the build sums the members'
    out = tmp_path / "out"
    build(county, out, "--drafts")
    shown = cells(out, "county", 2025)
    assert len(shown) == 10 + 175 + 15
    expected = members_sum(out, 2025)
    assert {key: float(value) for key, value in shown.items()} == pytest.approx(expected)
    assert "<dt>报告范围</dt><dd>汇总</dd>" in (out / "nianbao/county/2025.html").read_text(encoding="utf-8")


def test_new_for_a_unit_with_members_points_to_aggregate(county):
    without_report(county, 2025)
    run = generate("new", "county", "2025", "--site", str(county))
    assert run.code == 0, run.err
    assert "generate new --aggregate county 2025" in run.out
    assert "汇总报告（范围: 汇总" in run.out           # last year's was summed: nothing to carry over from
    assert re.search(r"^三、收到和处理", (county / "content/reports/county/2025.yaml").read_text(encoding="utf-8"), re.M)
    run = generate("new", "dept-1", "2026", "--site", str(county))
    assert run.code == 0, run.err
    assert "--aggregate" not in run.out


def test_new_aggregate_for_a_unit_without_members_is_an_error(county):
    run = generate("new", "--aggregate", "dept-1", "2026", "--site", str(county))
    assert run.code == 1
    assert "示例县教育局（dept-1）没有下属单位，无法汇总" in run.err
    assert "「上级单位」是 dept-1" in run.err
    assert not list((county / "content/reports/dept-1").glob("2026.*"))


def aggregate_with_tables(county: Path, zeros: bool) -> str:
    """The county's 2021 report (its only one) as 范围: 汇总 with tables: dept-1's (and its narrative), or all 0."""
    for year in range(2022, 2026):
        without_report(county, year)
    text = (county / "content/reports/dept-1/2021.yaml").read_text(encoding="utf-8")
    head, tables = text.split("\n二、", 1)
    if zeros:
        tables = re.sub(r"^([^#\n]*: +)([^#\n]+)", lambda m: m.group(1) + re.sub(r"\d+(?:\.\d+)?", "0", m.group(2)),
                        tables, flags=re.M)
    if not zeros:        # and its narrative, which quotes those tables (R9)
        shutil.copyfile(county / "content/reports/dept-1/2021.md", county / "content/reports/county/2021.md")
    rel = "content/reports/county/2021.yaml"
    (county / rel).write_text(head + "\n范围: 汇总\n\n二、" + tables, encoding="utf-8")
    return rel


def test_an_aggregate_with_all_zero_tables_is_warned(county):
    rel = aggregate_with_tables(county, zeros=True)
    line = (county / rel).read_text(encoding="utf-8").splitlines().index("范围: 汇总") + 1
    run = generate("check", "--site", str(county))
    assert run.code == 0, run.err
    found = [problem for problem in run.lines if "(aggregate)" in problem]
    assert len(found) == 1, run.err
    assert found[0].startswith(f"{rel}:{line}: 警告：「范围: 汇总」的报告，表格中的数字全是 0")
    assert "示例县教育局、" in found[0] and "请删去本文件中的表二、三、四" in found[0]
    assert generate("check", "--strict", "--site", str(county)).code == 1


def test_an_aggregate_with_real_tables_is_not_warned(county):
    aggregate_with_tables(county, zeros=False)
    run = generate("check", "--site", str(county))
    assert run.code == 0, run.err      # not --strict: the synthetic narratives repeat each other (R10)
    assert "(aggregate)" not in run.err
