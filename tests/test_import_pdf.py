"""`generate import FILE.pdf`: a report's PDF read to the numbers and paragraphs of its text."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from helpers import SAMPLES, build, check_table3, generate, import_, snapshot
from htmltables import parse
from samples import read_sample
from generator.importing.pdfreport import cell_text, continued_table, is_page_number, read_pdf
from generator.importing.published import read_published
from generator.problems import Problems

FIXTURES = Path(__file__).parent / "fixtures" / "import"
HUAIAN_PDF = SAMPLES / "huaian-city-2024.pdf"
PRINTED_PDF = FIXTURES / "broken-huajie-2023-extra-row.pdf"     # Chromium's print, a row the form lacks


def pdf_report(path: Path):
    problems = Problems()
    text = read_pdf(path, path.name, problems)
    assert text is not None and problems.items == [], [p.format() for p in problems.items]
    return text, read_published(text.text)


def test_the_huaian_pdf_reads_to_every_number_and_paragraph_of_its_text_sample():
    text, from_pdf = pdf_report(HUAIAN_PDF)
    from_text = read_published((SAMPLES / "huaian-city-2024.txt").read_text(encoding="utf-8"))
    assert from_pdf.unplaced == [] and from_text.unplaced == []
    for number in ("二", "三", "四"):
        assert from_pdf.tables[number].values == from_text.tables[number].values, number
    assert sum(1 for row, column in from_pdf.tables["三"].values if row) == 175
    assert from_pdf.title == from_text.title == "淮安市人民政府2024年政府信息公开工作年度报告"
    assert from_pdf.preamble == from_text.preamble
    assert from_pdf.headings == from_text.headings
    assert from_pdf.sections == from_text.sections        # paragraphs rejoined, no page number among them
    assert not any(is_page_number(line) or "- 2 -" in line for line in text.lines)
    # a header cell wrapped over two lines in the PDF, read as one label
    assert any(line.startswith("（二）部分公开（区分处理的，只计这一情形，不计其他情形） | 447 |") for line in text.lines)


def test_the_huaian_pdf_imports_as_its_text_does_builds_and_passes_the_checks(empty_site, tmp_path):
    run = import_(empty_site, HUAIAN_PDF)
    assert "已导入" in run.out and "淮安市人民政府 2024 年" in run.out
    folder = empty_site / "content/reports/huaian"
    data = yaml.safe_load((folder / "2024.yaml").read_text(encoding="utf-8"))
    assert data.pop("来源").startswith("huaian-city-2024.pdf（") and data.pop("按原样发布") is True
    assert data.pop("全真版") == "2024/原件.pdf"            # the signed original, kept as published
    assert (folder / "2024/原件.pdf").read_bytes() == HUAIAN_PDF.read_bytes()
    narrative = (folder / "2024.md").read_text(encoding="utf-8")
    other = tmp_path / "other"
    other.mkdir()
    (other / "site.yaml").write_text((empty_site / "site.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (other / "content").mkdir()
    (other / "content/units.yaml").write_text((empty_site / "content/units.yaml").read_text(encoding="utf-8"),
                                              encoding="utf-8")
    import_(other, SAMPLES / "huaian-city-2024.txt")
    from_text = yaml.safe_load((other / "content/reports/huaian/2024.yaml").read_text(encoding="utf-8"))
    from_text.pop("来源"), from_text.pop("按原样发布")
    assert data == from_text
    assert narrative == (other / "content/reports/huaian/2024.md").read_text(encoding="utf-8")
    build(empty_site)
    imported = parse((empty_site / "build/nianbao/huaian/2024.html").read_text(encoding="utf-8"))
    assert check_table3(imported, read_sample(SAMPLES / "huaian-city-2024.txt")) == 175
    assert (empty_site / "build/nianbao/huaian/2024/原件.pdf").read_bytes() == HUAIAN_PDF.read_bytes()
    assert "全真版（PDF）" in (empty_site / "build/nianbao/huaian/2024.html").read_text(encoding="utf-8")
    check = generate("check", "--site", str(empty_site))
    assert check.code == 0 and "0 个错误" in check.out + check.err


def test_a_printed_pdf_drops_its_running_header_and_page_numbers_and_names_the_row_it_cannot_place(empty_site):
    text, from_pdf = pdf_report(PRINTED_PDF)
    assert not any("政务公开" == line[-4:] and len(line) < 15 for line in text.lines)   # the header of every page
    assert not any("—" in line and is_page_number(line) for line in text.lines)
    assert "人民政府" in text.text and "⼈" not in text.text     # radicals of Chromium's font folded
    from_text = read_published((SAMPLES / "huajie-2023.txt").read_text(encoding="utf-8"))
    for number in ("二", "三", "四"):
        assert from_pdf.tables[number].values == from_text.tables[number].values, number
    spaced = {key: [line.replace("。 ", "。") for line in lines] for key, lines in from_text.sections.items()}
    assert from_pdf.sections == spaced         # a space beside a Chinese character is layout, not text
    assert [message.split("：")[0] for _, message in from_pdf.unplaced] == ["「行政征收 | 12 |  |  |」"]
    run = import_(empty_site, PRINTED_PDF, code=1)
    assert "行政征收 | 12" in run.err and "找不到这一行" in run.err and "（PDF 第 2 页）" in run.err
    assert "没有写入任何文件" in run.err and "Traceback" not in run.err
    assert not (empty_site / "content/reports").exists()


def test_a_scanned_pdf_asks_for_ocr_naming_its_pages_and_writes_nothing(empty_site):
    before = snapshot(empty_site)
    run = import_(empty_site, FIXTURES / "broken-scanned-report.pdf", code=1)
    assert "第 1、2 页没有文字层" in run.err and "OCR" in run.err and "(pdf-ocr)" in run.err
    assert "没有写入任何文件" in run.err and "Traceback" not in run.err
    assert snapshot(empty_site) == before


@pytest.mark.parametrize("content, says", [
    (b"<html>not a pdf</html>", "内容不是 PDF"),
    (b"%PDF-1.4\n" + b"garbage " * 100, "无法读取这个 PDF"),
])
def test_a_file_that_is_no_readable_pdf_is_one_chinese_error(empty_site, tmp_path, content, says):
    source = tmp_path / "report.pdf"
    source.write_bytes(content)
    run = import_(empty_site, source, code=1)
    assert says in run.err and "(pdf)" in run.err and "Traceback" not in run.err
    assert not (empty_site / "content/reports").exists()


@pytest.mark.parametrize("line", ["2", "-2-", "- 2 -", "— 2 —", "－12－", "第 2 页", "第2页 共6页", "2/6", "Page 3"])
def test_page_numbers_as_offices_print_them_are_recognised(line):
    assert is_page_number(line)


@pytest.mark.parametrize("line", ["2024年", "（二）依申请公开情况", "第二十条第（一）项", "72 | 64 |"])
def test_a_line_of_the_report_is_no_page_number(line):
    assert not is_page_number(line)



def test_a_signed_page_scanned_at_the_end_is_named_and_the_report_still_imports(empty_site, tmp_path):
    import pypdfium2          # pdfplumber's own dependency: appends the scanned page to the real PDF

    stamped = pypdfium2.PdfDocument(HUAIAN_PDF)
    stamped.import_pages(pypdfium2.PdfDocument(FIXTURES / "broken-scanned-report.pdf"), [0])
    source = tmp_path / "huaian-signed.pdf"
    stamped.save(source)
    run = import_(empty_site, source)
    assert "第 7 页没有文字层" in run.out and "OCR" in run.out
    assert (empty_site / "content/reports/huaian/2024.yaml").exists()


def test_a_label_cut_by_the_page_break_is_rejoined_and_a_row_cut_in_two_is_one_row():
    above = [[None, "（四）无", "1.本机关不掌握相关政府信息", "746", "769"],
             [None, "（六）其", "1、申请人无正当理由逾期不补", "", ""]]
    cut_label = [["", "法提供", "2.没有现成信息需要另行制作", "11", "11"]]
    rows = continued_table(above[:1], cut_label)
    assert rows == [[None, "（四）无法提供", "1.本机关不掌握相关政府信息", "746", "769"],
                    ["", "", "2.没有现成信息需要另行制作", "11", "11"]]
    cut_row = [["", "他处理", "正、行政机关不再处理其政府信息\n公开申请", "67", "71"],
               [None, None, "2、申请人逾期未按收费通知要求缴纳费用", "6", "6"]]
    rows = continued_table(above, cut_row)
    assert rows[1] == [None, "（六）其他处理", "1、申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
                       "67", "71"]
    assert rows[2] == cut_row[1] and len(rows) == 3


def test_a_table_whose_numbers_row_opens_the_next_page_keeps_it():
    heads = [["行政复议", None, "行政诉讼"], ["结果维持", "结果纠正", "总计"]]
    assert continued_table(heads, [["72", "64", "351"]]) == heads + [["72", "64", "351"]]


@pytest.mark.parametrize("cell, text", [("96171.\n6", "96171.6"), ("1,23\n4", "1,234"), ("结 果\n维持", "结果维持"),
                                        ("三、\n本\n年\n度", "三、本年度"), ("Open\nData", "Open Data")])
def test_a_cell_wrapped_by_its_column_width_reads_as_one_value(cell, text):
    assert cell_text(cell) == text


def pdf_without_unicode_map() -> bytes:
    """One page of Chinese text in a font without a ToUnicode map (as some printers' drivers
    write it): the glyphs are there, their characters are not (pdfminer reads 「(cid:1000)」)."""
    text = b"".join(b"BT /F1 16 Tf 72 %d Td <%s> Tj ET\n" % (800 - 20 * line, b"".join(b"%04X" % (1000 + 40 * line + i)
                                                                                      for i in range(20)))
                    for line in range(10))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
               b"/Contents 6 0 R >>",
               b"<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /Identity-H /DescendantFonts [5 0 R] >>",
               b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun "
               b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>",
               b"<< /Length %d >>\nstream\n" % len(text) + text + b"endstream"]
    pdf, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    table = b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return (pdf + b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1) + table
            + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, len(pdf)))


def test_a_pdf_whose_font_has_no_character_map_is_named_as_unreadable_not_imported_as_garbage(empty_site, tmp_path):
    source = tmp_path / "report.pdf"
    source.write_bytes(pdf_without_unicode_map())
    run = import_(empty_site, source, code=1)
    assert "第 1 页的字体没有文字编码" in run.err and "OCR" in run.err and "(pdf-ocr)" in run.err
    assert "cid:" not in run.err and "Traceback" not in run.err
    assert not (empty_site / "content/reports").exists()
