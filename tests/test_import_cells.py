"""`generate import` reads table cells as offices print them: amounts with their unit,
thousands separators, full-width digits, dashes for blank; each with a note (issue 19, item 4)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import yaml

from helpers import SAMPLES, build, edit, generate, import_, rebuild_matches_cold
from htmltables import parse, table_by_id

from generator.importing.htmlpage import html_to_text
from generator.importing.published import read_published

FIXTURES = Path(__file__).parent / "fixtures" / "import"
FEES_WHERE = "表二「行政事业性收费」行「本年收费金额（单位：万元）」列"


def edited(source: Path, edits: dict[str, str], folder: Path) -> Path:
    text = source.read_text(encoding="utf-8")
    for old, new in edits.items():
        assert old in text, old
        text = text.replace(old, new)
    target = folder / source.name
    target.write_text(text, encoding="utf-8")
    return target


def page_text(root: Path, unit: str, year: int) -> str:
    return (root / "build" / "nianbao" / unit / f"{year}.html").read_text(encoding="utf-8")


HUAJIE_EDITS = {"行政规范性文件 | 0 | 0 | 0 |": "行政规范性文件 | 1,234 | — | １２ |",
                "行政处罚 | 365 | ||": "行政处罚 | 1，365 | ||",
                "行政强制 | 61 | ||": "行政强制 | － | ||",
                "行政事业性收费 | 0 |": "行政事业性收费 | 251000元 |"}


def test_units_separators_full_width_digits_and_dashes_are_read_each_with_a_note(tmp_path):
    source = edited(SAMPLES / "huajie-2023.txt", HUAJIE_EDITS, tmp_path)
    report = read_published(source.read_text(encoding="utf-8"))
    assert report.unplaced == []
    values = report.tables["二"].values
    assert [values[("normative", c)] for c in ("issued", "repealed", "in_force")] == [1234, None, 12]
    assert values[("penalty", "decisions")] == 1365 and values[("coercion", "decisions")] is None
    # the head prints 万元: 251000元 is 25.1 万元
    assert values[("fees", "amount")] == Decimal("25.1")
    notes = [note for _, note in report.notes]
    for printed in ("1,234", "—", "１２", "1，365", "－"):
        assert any(f"「{printed}」" in note for note in notes), (printed, notes)
    assert f"{FEES_WHERE}的「251000元」按表头的单位（万元）换算为 25.1 万元" in notes
    assert report.archive_notes == [f"{FEES_WHERE}原表印作「251000元」，按表头的单位换算为 25.1 万元"]


def test_a_converted_amount_is_written_as_a_valid_number_and_the_page_says_so(empty_site, tmp_path):
    source = edited(SAMPLES / "huajie-2023.txt", HUAJIE_EDITS, tmp_path)
    run = import_(empty_site, source)
    assert "注意：表二「行政规范性文件」行「本年制发件数」列的「1,234」按 1234 读入" in run.out
    assert "「—」按空白单元格读入" in run.out
    data = yaml.safe_load((empty_site / "content/reports/huajie/2023.yaml").read_text(encoding="utf-8"))
    assert data["二、主动公开政府信息情况"]["第二十条第（八）项"]["行政事业性收费"] == 25.1
    assert data["存档说明"] == [f"{FEES_WHERE}原表印作「251000元」，按表头的单位换算为 25.1 万元"]
    assert build(empty_site).code == 0
    html = page_text(empty_site, "huajie", 2023)
    assert f"<li>{FEES_WHERE}原表印作「251000元」，按表头的单位换算为 25.1 万元</li>" in html
    fees = table_by_id(parse(html), "t2-item8")
    assert [cell.text for row in fees.body for cell in row if cell.tag == "td"] == ["25.1"]


def test_an_amount_in_wan_yuan_is_read_as_printed_with_a_note(tmp_path):
    source = edited(SAMPLES / "huajie-2023.txt", {"行政事业性收费 | 0 |": "行政事业性收费 | 8.6万元 |"}, tmp_path)
    report = read_published(source.read_text(encoding="utf-8"))
    assert report.unplaced == [] and report.archive_notes == []
    assert report.tables["二"].values[("fees", "amount")] == Decimal("8.6")
    assert (27, f"{FEES_WHERE}的「8.6万元」按 8.6 万元读入") in report.notes


def test_yuan_under_a_head_without_its_unit_is_kept_as_printed_with_the_unit_on_the_page(empty_site, tmp_path):
    """The 2019 trial format prints 采购总金额 without a unit: 251000元 stays 251000, the page says 元."""
    source = edited(FIXTURES / "shili-2019.txt", {"政府集中采购 | 14 | 386.5 |": "政府集中采购 | 6 | 251000元 |"},
                    tmp_path)
    run = import_(empty_site, source)
    where = "表二「政府集中采购」行「采购总金额」列"
    assert f"{where}的「251000元」：表中没有注明这一列的单位，按原样照录为 251000（单位：元）" in run.out
    data = yaml.safe_load((empty_site / "content/reports/shili/2019.yaml").read_text(encoding="utf-8"))
    assert data["二、主动公开政府信息情况"]["第二十条第（九）项"]["政府集中采购"] == [6, 251000]
    assert build(empty_site).code == 0                      # the data file stays valid
    html = page_text(empty_site, "shili", 2019)
    assert f"<li>{where}原表印作「251000元」，表中未注明单位，照录为 251000，单位为元</li>" in html
    procurement = table_by_id(parse(html), "t2-item9")
    assert [[cell.text for cell in row] for row in procurement.body] == [["政府集中采购", "6", "251000"]]
    # nor does the 图解 call it 万元: the trial form prints no unit for 采购总金额
    tujie = (empty_site / "build/nianbao/shili/2019-tujie.html").read_text(encoding="utf-8")
    figure = re.search(r'<li class="stat">(?:(?!</li>).)*?政府集中采购采购总金额.*?</li>', tujie, flags=re.S).group(0)
    assert 'class="stat-value">251000<' in figure and "stat-unit" not in figure


def test_a_cell_that_is_no_number_is_an_error_naming_its_row_and_column(empty_site, tmp_path):
    source = edited(SAMPLES / "huajie-2023.txt", {"行政事业性收费 | 0 |": "行政事业性收费 | 12件元 |",
                                                  "行政处罚 | 365 | ||": "行政处罚 | 3万元 | ||"}, tmp_path)
    run = import_(empty_site, source, code=1)
    assert f"{FEES_WHERE}的「12件元」不是数字（这一列应为金额（万元））" in run.err
    assert "表二「行政处罚」行「本年处理决定数量」列的「3万元」不是数字（这一列应为件数）" in run.err
    assert not (empty_site / "content/reports/huajie").exists()


def test_cells_of_a_saved_html_page_are_read_the_same_way(tmp_path):
    html = (FIXTURES / "huajie-2023.html").read_text(encoding="utf-8")
    fees = '<p>行政事业性收费</p></td><td colspan="3" style="border:1px solid #000;text-align:center;"><p>0</p>'
    assert fees in html
    report = read_published(html_to_text(html.replace(fees, fees.replace("<p>0</p>", "<p>251,000&nbsp;元</p>"))))
    assert report.unplaced == []
    assert report.tables["二"].values[("fees", "amount")] == Decimal("25.1")
    assert report.archive_notes == [f"{FEES_WHERE}原表印作「251,000 元」，按表头的单位换算为 25.1 万元"]


def test_an_edited_or_removed_archive_note_rebuilds_as_a_cold_build(empty_site, tmp_path):
    source = edited(SAMPLES / "huajie-2023.txt", HUAJIE_EDITS, tmp_path)
    import_(empty_site, source)
    out = empty_site / "build"
    build(empty_site, out)
    data = empty_site / "content/reports/huajie/2023.yaml"
    edit(data, "按表头的单位换算为 25.1 万元", "按表头的单位（万元）换算为 25.1 万元")
    rebuild_matches_cold(empty_site, tmp_path, out)
    assert "按表头的单位（万元）换算为 25.1 万元</li>" in page_text(empty_site, "huajie", 2023)
    edit(data, "存档说明:", "# 存档说明:")
    rebuild_matches_cold(empty_site, tmp_path, out)
    assert "archive-notes" not in page_text(empty_site, "huajie", 2023)


def test_an_archive_note_that_is_no_text_is_an_error_on_its_line(empty_site, tmp_path):
    import_(empty_site, SAMPLES / "huajie-2023.txt")
    data = empty_site / "content/reports/huajie/2023.yaml"
    edit(data, "按原样发布:", "存档说明: [1, 2]\n按原样发布:")
    run = generate("check", "--site", str(empty_site))
    assert run.code == 1
    assert "content/reports/huajie/2023.yaml:" in run.err and "「存档说明」应为一段文字" in run.err
