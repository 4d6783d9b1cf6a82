"""Downloads and open data: the same numbers as the pages, blank never 0, and a schema."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from helpers import HUAJIE, REPO, portal_csv_rows, read_csv
from generator.core.paths import CSV_HEADER
from htmltables import parse, table_by_id

TABLE_IDS = ["t2-item1", "t2-item5", "t2-item6", "t2-item8", "t3", "t4"]


def page_rows(out: Path, unit: str, year: int) -> list[tuple[str, list[str]]]:
    """(table, numbers) of each data row on the report page, in page order."""
    page = parse((out / "nianbao" / unit / f"{year}.html").read_text(encoding="utf-8"))
    rows = []
    for table_id in TABLE_IDS:
        table = "表四" if table_id == "t4" else "表三" if table_id == "t3" else "表二"
        for row in table_by_id(page, table_id).body:
            rows.append((table, [cell.text for cell in row if cell.tag == "td"]))
    return rows


def printed_blocks(path: Path) -> tuple[str, list[list[list[str]]]]:
    """A report's CSV download as a citizen's spreadsheet shows it: its title line, then each
    table's block (its title line and its rows), the blocks apart by an empty line."""
    raw = path.read_bytes()
    assert raw.startswith("\ufeff".encode("utf-8"))
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    blocks: list[list[list[str]]] = []
    for row in rows[1:]:
        if row == []:
            blocks.append([])
        else:
            blocks[-1].append(row)
    return rows[0][0], blocks


def as_printed(table) -> list[list[str]]:
    """A page's table as a grid of texts: a spanned cell's text in its top-left place only."""
    grid = []
    for rows in (table.head, table.body):
        seen = set()
        for row in table.grid(rows):
            texts = []
            for cell in row:
                texts.append("" if cell is None or id(cell) in seen else cell.text)
                seen.add(id(cell))
            grid.append(texts)
    return grid


def test_the_report_csv_is_its_tables_as_printed(built_example):
    """Rows and columns as on the page, one block per table, a title line per block."""
    page = parse((built_example / "nianbao/huajie/2023.html").read_text(encoding="utf-8"))
    title, blocks = printed_blocks(built_example / "nianbao/huajie/2023.csv")
    assert title == "花街镇人民政府2023年政府信息公开工作年度报告"
    assert len(blocks) == len(TABLE_IDS)
    for table_id, block in zip(TABLE_IDS, blocks):
        table = table_by_id(page, table_id)
        assert block[0][0].endswith(table.caption) and block[0][1:] == [], table_id
        assert block[1:] == as_printed(table), table_id
    assert blocks[0][0] == ["二、主动公开政府信息情况 第二十条第（一）项"]
    assert blocks[2][1:] == [["信息内容", "本年处理决定数量"], ["行政处罚", "365"], ["行政强制", "61"]]
    table3 = {next(label for label in reversed(row[:3]) if label): row[3:] for row in blocks[4][4:]}
    assert table3["1.本机关不掌握相关政府信息"][0] == "4"        # 自然人
    assert blocks[5][1][:6] == ["行政复议", "", "", "", "", "行政诉讼"] and blocks[5][-1][9] == "2"


def test_the_report_json_holds_the_page_numbers(built_example):
    on_page = [(table, number) for table, numbers in page_rows(built_example, "huajie", 2023) for number in numbers]
    data = json.loads((built_example / "nianbao/huajie/2023.json").read_text(encoding="utf-8"))
    from_json = [(f"表{t['表']}", str(v)) for t in data["表格"] for row in t["行"] for v in row["数值"].values()]
    assert from_json == on_page
    assert data["单位"]["名称"] == "花街镇人民政府" and data["发布日期"] == "2024-01-19"
    results = next(t for t in data["表格"] if t["表"] == "三")["行"]
    assert next(r for r in results if r["行"] == "1.本机关不掌握相关政府信息")["分组"] == ["三、本年度办理结果", "（四）无法提供"]


def test_the_report_page_links_its_downloads(built_example):
    page = (built_example / "nianbao/huajie/2023.html").read_text(encoding="utf-8")
    assert 'href="2023.csv" download' in page and 'href="2023.json" download' in page
    assert 'href="../../data/index.html"' in page


def test_the_portal_csv_is_one_file_a_year_with_one_row_per_cell(built_example):
    assert sorted(p.name for p in (built_example / "data").glob("*.csv")) == ["gongkai-2023.csv", "gongkai-2024.csv"]
    for unit, year, cells in (("huajie", 2023, 197), ("huaian", 2024, 200)):
        path = built_example / f"data/gongkai-{year}.csv"
        assert path.read_bytes().decode("utf-8-sig").splitlines()[0] == ",".join(CSV_HEADER)
        rows = read_csv(path)
        on_page = [(table, number) for table, numbers in page_rows(built_example, unit, year) for number in numbers]
        assert [(row["表"], row["数值"]) for row in rows] == on_page and len(rows) == cells
        assert {(r["单位编号"], r["年度"], r["格式"]) for r in rows} == {(unit, str(year), "2021")}
        assert len({(r["表"], r["行"], r["列"]) for r in rows}) == len(rows)
        assert all(len(r) == len(CSV_HEADER) and None not in r for r in rows)
    # a few cells by their labels, as a reader of the CSV would look them up
    by_label = {(r["表"], r["行"], r["列"]): r["数值"] for r in read_csv(built_example / "data/gongkai-2023.csv")}
    assert by_label[("表二", "行政处罚", "本年处理决定数量")] == "365"
    assert by_label[("表三", "（四）无法提供 1.本机关不掌握相关政府信息", "自然人")] == "4"
    assert by_label[("表四", "行政诉讼 未经复议直接起诉", "总计")] == "2"
    portal = json.loads((built_example / "data/gongkai-all.json").read_text(encoding="utf-8"))
    assert sorted((r["单位"]["编号"], r["年度"]) for r in portal) == [("huaian", 2024), ("huajie", 2023)]


def test_a_blank_cell_is_empty_not_zero(site, tmp_path):
    site.replace(HUAJIE, "行政许可: 0 ", "行政许可: null ")
    out = tmp_path / "out"
    run = site.build("--out", str(out))
    assert run.code == 0, run.err
    licensing = [r for r in portal_csv_rows(out) if r["行"] == "行政许可" and r["单位编号"] == "huajie"]
    assert [r["数值"] for r in licensing] == [""]
    _, blocks = printed_blocks(out / "nianbao/huajie/2023.csv")
    assert ["行政许可", ""] in blocks[1]
    data = json.loads((out / "nianbao/huajie/2023.json").read_text(encoding="utf-8"))
    item5 = next(t for t in data["表格"] if t["表"] == "二")["行"]
    assert next(r for r in item5 if r["行"] == "行政许可")["数值"] == {"本年处理决定数量": None}


class _Strings(yaml.SafeLoader):
    """YAML as an editor's tool sees it for validation: dates stay text."""


_Strings.yaml_implicit_resolvers = {key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
                                    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


@pytest.fixture(scope="module")
def schema(built_example) -> dict:
    found = json.loads((built_example / "data/report.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(found)
    return found


def test_the_schema_accepts_every_example_data_file(schema):
    files = sorted((REPO / "content/reports").rglob("*.yaml"))
    assert len(files) == 2
    for path in files:
        jsonschema.validate(yaml.load(path.read_text(encoding="utf-8"), Loader=_Strings), schema)


def test_the_schema_accepts_the_older_formats(schema, tmp_path):
    from generator.importer import imported_data_file
    from generator.importing.published import read_published

    fixtures = Path(__file__).parent / "fixtures" / "import"
    for name in ("shili-2019.txt", "shili-2016.txt"):
        report = read_published((fixtures / name).read_text(encoding="utf-8"))
        text = imported_data_file(report, report.title, report.year, name)
        jsonschema.validate(yaml.load(text, Loader=_Strings), schema)


@pytest.mark.parametrize("old, new", [
    ("行政处罚: 365", "行政处罚: 三百六十五"),
    ("[   6,    0,    0,    0,    0,    0,    6]", "[   6,    0,    0,    0,    0,    0,  \"6\"]"),
    ("[   6,    0,    0,    0,    0,    0,    6]", "[   6,    0,    0,    0,    0,   -1,    6]"),
    ("发布日期: 2024-01-19", "发布日期: 2024年1月19日"),
])
def test_the_schema_rejects_a_word_or_a_negative_in_a_count(schema, old, new):
    text = (REPO / HUAJIE).read_text(encoding="utf-8")
    assert old in text
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(yaml.load(text.replace(old, new, 1), Loader=_Strings), schema)


def test_the_csv_quotes_what_csv_must_quote_and_keeps_amounts_exact(site, tmp_path):
    """The CSV lines are assembled from cached pieces: a unit name with a comma and quotes,
    a decimal amount and a blank must come out as csv.writer would write them."""
    site.replace("content/units.yaml", "名称: 花街镇人民政府", '名称: \'花街镇"人民",政府\'')
    site.replace(HUAJIE, "行政事业性收费: 0 ", "行政事业性收费: 12.50 ")
    site.replace(HUAJIE, "行政许可: 0 ", "行政许可: null ")
    out = tmp_path / "out"
    run = site.build("--out", str(out))
    assert run.code == 0, run.err
    rows = [r for r in portal_csv_rows(out) if r["单位编号"] == "huajie"]
    assert len(rows) == 197 and {r["单位"] for r in rows} == {'花街镇"人民",政府'}
    assert all(len(r) == len(CSV_HEADER) and None not in r for r in rows)     # no field split by the comma
    by_row = {r["行"]: r["数值"] for r in rows if r["表"] == "表二"}
    assert by_row["行政事业性收费"] == "12.50" and by_row["行政许可"] == ""
    title, blocks = printed_blocks(out / "nianbao/huajie/2023.csv")
    assert title.startswith('花街镇"人民",政府') and ["行政事业性收费", "12.50"] in blocks[3]
    data = json.loads((out / "nianbao/huajie/2023.json").read_text(encoding="utf-8"))
    assert data["单位"]["名称"] == '花街镇"人民",政府'
    item = next(t for t in data["表格"] if t["表"] == "二")["行"]
    assert next(r for r in item if r["行"] == "行政事业性收费")["数值"] == {"本年收费金额（单位：万元）": 12.5}


FORMULAS = {"huajie": '=HYPERLINK("http://evil.example/","点击")', "huaian": "@SUM(1)", "shili": "-1+2"}


def test_text_a_spreadsheet_would_run_as_a_formula_is_written_as_text(site, tmp_path):
    """OWASP's CSV injection: a unit name starting with = + - @ is kept as text (a ' before it),
    while numbers, the negative 本年增/减 of the 2019 format too, stay numbers."""
    from generator.importer import import_reports

    site.replace("content/units.yaml", "名称: 花街镇人民政府", f"名称: {yaml_scalar(FORMULAS['huajie'])}")
    site.replace("content/units.yaml", "名称: 淮安市人民政府", f"名称: {yaml_scalar(FORMULAS['huaian'])}")
    site.write("content/units.yaml", site.read("content/units.yaml")
               + f"shili:\n  名称: {yaml_scalar(FORMULAS['shili'])}\n  类型: 乡镇（街道）\n")
    import_reports(site.root, [Path(__file__).parent / "fixtures/import/shili-2019.txt"], unit_id="shili")
    out = tmp_path / "out"
    run = site.build("--out", str(out))
    assert run.code == 0, run.err
    portal = portal_csv_rows(out)
    for unit, year in (("huajie", 2023), ("huaian", 2024), ("shili", 2019)):
        rows = [r for r in portal if r["单位编号"] == unit]
        assert rows and {r["单位"] for r in rows} == {"'" + FORMULAS[unit]}, unit
        assert all(len(r) == len(CSV_HEADER) and None not in r for r in rows)
    for unit, year in (("huajie", 2023), ("huaian", 2024)):          # titles made from the unit's name
        title, _ = printed_blocks(out / f"nianbao/{unit}/{year}.csv")
        assert title.startswith("'" + FORMULAS[unit]), unit
    changes = {r["行"]: r["数值"] for r in portal if r["单位编号"] == "shili" and r["列"] == "本年增/减"}
    assert changes["行政事业性收费"] == "-3" and changes["行政许可"] == "-2"
    _, blocks = printed_blocks(out / "nianbao/shili/2019.csv")
    licensing = [row for block in blocks for row in block if row[0] == "行政许可"]
    assert licensing == [["行政许可", "12", "-2", "340"]]           # a number, not text: no ' before it
    data = json.loads((out / "nianbao/huajie/2023.json").read_text(encoding="utf-8"))
    assert data["单位"]["名称"] == FORMULAS["huajie"]          # JSON is data to every reader: kept as it is


def yaml_scalar(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@pytest.mark.parametrize("field", ["=1+1", "+1", "-1", "@A1", "\t=1", "\r=1", "a\n=1+1", 'a,"b"'])
def test_every_csv_field_reads_back_as_one_field_and_never_as_a_formula(field):
    """Both ways CSV text is made: whole rows, and a report's unit fields (its lines are assembled)."""
    from generator.output.csvtext import csv_line
    from generator.output.opendata import csv_bytes

    expected = ["'" + field if field[0] in "=+-@\t\r" else field, "7730.28", "-3", ""]
    for text in (csv_bytes([(field, 7730.28, -3, None)], header=False).decode("utf-8"),
                 csv_line((field, 7730.28, -3, None)) + "\r\n"):
        assert list(csv.reader(io.StringIO(text, newline=""))) == [expected]
