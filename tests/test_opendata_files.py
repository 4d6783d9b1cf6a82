"""The portal's open data files: under the spreadsheets' row limit at any portal size, listed on
data/index.html, written only when a number changed, and the same however the site was built."""

from __future__ import annotations

import json
import re
import sqlite3
from contextlib import closing

import pytest

from helpers import (NEXT_YEAR, add_next_year, build, generate, portal_csv_rows, read_csv, rebuild_matches_cold, set_row,
                     snapshot)
from generator.content.reportfiles import file_size
from generator.core.form import SECTION_HEADINGS
from generator.core.paths import CSV_HEADER
from generator.output import portaldata

EXCEL_ROWS = 1_048_576          # the rows of one sheet in Excel and WPS


def most_cells(node: dict) -> int:
    """The most numbers a part of the published JSON Schema admits: a table, a group, a row."""
    if node.get("type") == "object":
        return sum(most_cells(child) for child in node["properties"].values())
    if node.get("type") == "array":
        return len(node["prefixItems"])
    if "anyOf" in node:             # the variants of a table, or a one-number row written bare or listed
        return max(most_cells(variant) for variant in node["anyOf"])
    return 1                        # one number


def test_no_portal_csv_can_pass_the_row_limit_at_any_size(built_example):
    """The bound comes from the layout, not from a run: a report writes one line per cell of the
    official form, so a file of REPORTS_PER_FILE reports fits, whatever the portal's size."""
    schema = json.loads((built_example / "data/report.schema.json").read_text(encoding="utf-8"))
    rows_per_report = sum(most_cells(schema["properties"][SECTION_HEADINGS[n]]) for n in "二三四")
    assert rows_per_report == portaldata.MAX_ROWS_PER_REPORT == 22 + 175 + 15
    per_file = portaldata.REPORTS_PER_FILE
    assert 1 + per_file * rows_per_report <= EXCEL_ROWS < 1 + (per_file + 1) * rows_per_report
    # every report written so far stays within the bound
    for path in (built_example / "data").glob("gongkai-*.csv"):
        rows = read_csv(path)
        per_report = {}
        for row in rows:
            per_report[row["单位编号"]] = per_report.get(row["单位编号"], 0) + 1
        assert max(per_report.values()) <= rows_per_report


def test_a_year_with_more_reports_than_a_file_holds_is_split(site, tmp_path, monkeypatch):
    monkeypatch.setattr(portaldata, "REPORTS_PER_FILE", 1)
    add_next_year(site)                          # 花街镇 2024 beside 淮安市 2024
    set_row(site, NEXT_YEAR, "二、上年结转政府信息公开申请数量:", [1, 0, 0, 0, 0, 0, 1])     # 2023 carried 1
    set_row(site, NEXT_YEAR, "四、结转下年度继续办理:", [2, 0, 0, 0, 0, 0, 2])
    out = tmp_path / "out"
    build(site.root, out)
    files = sorted(p.name for p in (out / "data").glob("*.csv"))
    assert files == ["gongkai-2023.csv", "gongkai-2024-2.csv", "gongkai-2024.csv"]
    for name in files:
        rows = read_csv(out / "data" / name)
        assert list(rows[0]) == list(CSV_HEADER)
        assert len({row["单位编号"] for row in rows}) == 1 and len(rows) <= portaldata.MAX_ROWS_PER_REPORT
    in_2024 = {row["单位编号"] for name in files[1:] for row in read_csv(out / "data" / name)}
    assert in_2024 == {"huajie", "huaian"}
    page = (out / "data/index.html").read_text(encoding="utf-8")
    assert 'href="../data/gongkai-2024-2.csv" download' in page and "2024 年度报告的表格数据（CSV），第 2 部分" in page
    assert "2024 年度报告的表格数据（CSV），第 1 部分" in page and "2023 年度报告的表格数据（CSV）</td>" in page
    # the report taken away: its part goes, as in a cold build
    site.path(NEXT_YEAR).unlink()
    site.path(NEXT_YEAR.replace(".yaml", ".md")).unlink()
    rebuild_matches_cold(site.root, tmp_path, out)
    assert sorted(p.name for p in (out / "data").glob("*.csv")) == ["gongkai-2023.csv", "gongkai-2024.csv"]
    assert "gongkai-2024-2.csv" not in (out / "data/index.html").read_text(encoding="utf-8")


def test_the_data_page_lists_every_file_with_its_size_and_the_columns(built_example):
    page = (built_example / "data/index.html").read_text(encoding="utf-8")
    listed = re.findall(r'<a href="\.\./(data/[^"]+)" download>[^<]+</a></th><td>[^<]+</td><td>([^<]+)</td>', page)
    published = sorted(p for p in (built_example / "data").iterdir() if p.name != "index.html")
    assert sorted(path for path, _ in listed) == [f"data/{p.name}" for p in published]
    assert dict(listed) == {f"data/{p.name}": file_size(p.stat().st_size) for p in published}
    assert [path for path, _ in listed][:2] == ["data/gongkai-2024.csv", "data/gongkai-2023.csv"]   # newest first
    assert all(f'<th scope="row">{name}</th>' in page for name in CSV_HEADER)


def test_the_open_data_is_rewritten_only_when_a_number_changed_and_as_a_cold_build_would(site, tmp_path):
    out = tmp_path / "out"
    build(site.root, out)
    site.replace("content/reports/huajie/2023.yaml", "行政处罚: 365", "行政处罚: 366")
    rebuild_matches_cold(site.root, tmp_path, out)
    changed = {(r["单位编号"], r["行"]): r["数值"] for r in portal_csv_rows(out) if r["行"] == "行政处罚"}
    assert changed == {("huajie", "行政处罚"): "366", ("huaian", "行政处罚"): "3985758"}
    before = {rel: seen for rel, seen in snapshot(out).items() if rel.startswith("data/")}
    narrative = site.path("content/reports/huajie/2023.md")
    narrative.write_text(narrative.read_text(encoding="utf-8") + "\n另有一句。\n", encoding="utf-8")
    rebuild_matches_cold(site.root, tmp_path, out)
    assert {rel: seen for rel, seen in snapshot(out).items() if rel.startswith("data/")} == before


def test_the_sqlite_database_holds_the_json_numbers(built_example):
    """Opened as an analyst would, with sqlite3: every number of every report, the same as the JSON's."""
    portal = json.loads((built_example / "data/gongkai-all.json").read_text(encoding="utf-8"))
    expected = {(r["单位"]["编号"], r["年度"], t["表"], " / ".join(row["分组"]), row["行"], column): value
                for r in portal for t in r["表格"] for row in t["行"] for column, value in row["数值"].items()}
    with closing(sqlite3.connect(f"file:{built_example / 'data/gongkai.sqlite'}?mode=ro", uri=True)) as db:
        found = {tuple(row[:6]): row[6] for row in db.execute(
            "SELECT 单位编号, 年度, 表, 分组, 行, 列, 数值 FROM 数值明细")}
        assert found == expected and len(found) == 197 + 200
        assert db.execute("SELECT 数值 FROM 数值明细 WHERE 单位编号 = 'huajie' AND 行 = '行政处罚'").fetchall() == [(365,)]
        reports = db.execute("SELECT 单位编号, 单位, 年度, 格式, 按原样发布 FROM 报告 ORDER BY 年度").fetchall()
        assert reports == [("huajie", "花街镇人民政府", 2023, "2021", 0), ("huaian", "淮安市人民政府", 2024, "2021", 0)]


def test_the_sqlite_database_keeps_blanks_and_amounts(site, tmp_path):
    site.replace("content/reports/huajie/2023.yaml", "行政事业性收费: 0 ", "行政事业性收费: 12.50 ")
    site.replace("content/reports/huajie/2023.yaml", "行政许可: 0 ", "行政许可: null ")
    out = tmp_path / "out"
    build(site.root, out)
    with closing(sqlite3.connect(out / "data/gongkai.sqlite")) as db:
        values = dict(db.execute("SELECT 行, 数值 FROM 数值明细 WHERE 单位编号 = 'huajie' AND 表 = '二'"))
    assert values["行政事业性收费"] == 12.5 and values["行政许可"] is None and values["行政处罚"] == 365


@pytest.mark.parametrize("python", ["/bin/false", "a-python-that-is-not-there"])
def test_a_database_that_cannot_be_built_fails_the_build_and_leaves_the_output(site, tmp_path, monkeypatch, python):
    """The database is built by a process of its own (SqliteBuild): when it fails, or cannot start,
    the build fails in a sentence, no traceback, with the output as it was and nothing left in the cache."""
    import sys

    out = tmp_path / "out"
    build(site.root, out)
    before = snapshot(out)
    site.replace("content/reports/huajie/2023.yaml", "行政处罚: 365", "行政处罚: 366")
    monkeypatch.setattr(sys, "executable", python)
    run = generate("build", "--site", str(site.root), "--out", str(out))
    assert run.code == 1 and "内部错误" not in run.err and "Traceback" not in run.err, run.err
    assert snapshot(out) == before
    assert not list(site.path(".gongkai-cache").rglob("*.sqlite-building*"))
    monkeypatch.undo()
    build(site.root, out)
    with closing(sqlite3.connect(f"file:{out / 'data/gongkai.sqlite'}?mode=ro", uri=True)) as db:
        assert db.execute("SELECT 数值 FROM 数值明细 WHERE 单位编号 = 'huajie' AND 行 = '行政处罚'").fetchall() == [(366,)]
