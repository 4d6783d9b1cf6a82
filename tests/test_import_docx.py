"""`generate import FILE.docx`: the editor's Word file, as a draft (or with --archive as an archive).

The fixtures (tests/fixtures/import/docx, written by tests/docxfixtures.py) are the 花街镇 2023
report of the text sample, which the example portal also has written by hand as YAML.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest

from docxfixtures import FIXTURES, VARIANTS, sample_lines, write_report
from helpers import HUAJIE_SAMPLE, REPO, build, check_table3, import_, snapshot
from htmltables import parse, table_by_id
from samples import read_sample
from generator.importing.wordreport import MAX_PART_BYTES, word_text
from generator.problems import Problems

TABLE_IDS = ["t2-item1", "t2-item5", "t2-item6", "t2-item8", "t3", "t4"]
DATA = "content/reports/huajie/2023.yaml"
NARRATIVE = "content/reports/huajie/2023.md"


def numbers(out: Path, table_id: str) -> list[str]:
    page = parse((out / "nianbao" / "huajie" / "2023.html").read_text(encoding="utf-8"))
    return [cell.text for row in table_by_id(page, table_id).body for cell in row if cell.tag == "td"]


def sections(markdown: str) -> dict[str, list[str]]:
    """Each ## section's paragraphs as plain text (a sub-head with or without its ### marker)."""
    found: dict[str, list[str]] = {}
    current = None
    for part in markdown.split("\n\n"):
        part = part.strip()
        if part.startswith("## "):
            current = part[3:]
            found[current] = []
        elif part and current is not None:
            found[current].append(re.sub(r"\\(.)", r"\1", part.lstrip("#").strip()))
    return found


def lines_with(old: str, new: str) -> list[str]:
    lines = sample_lines()
    assert sum(line.startswith(old) for line in lines) == 1, old
    return [new + line[len(old):] if line.startswith(old) else line for line in lines]


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_word_fixture_imports_to_the_numbers_and_sections_of_the_hand_written_example(
        variant, empty_site, built_example):
    run = import_(empty_site, FIXTURES / f"huajie-2023-{variant}.docx")
    assert "花街镇人民政府 2023 年" in run.out and "草稿" in run.out
    build(empty_site, None, "--drafts")
    out = empty_site / "build"
    for table_id in TABLE_IDS:
        assert numbers(out, table_id) == numbers(built_example, table_id), table_id
    page = parse((out / "nianbao" / "huajie" / "2023.html").read_text(encoding="utf-8"))
    assert check_table3(page, read_sample(HUAJIE_SAMPLE)) == 175
    imported = sections((empty_site / NARRATIVE).read_text(encoding="utf-8"))
    example = sections((REPO / NARRATIVE).read_text(encoding="utf-8"))
    assert imported == example
    assert list(imported) == ["一、总体情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]


def test_a_word_draft_is_left_out_of_the_published_site_until_it_is_final(empty_site, tmp_path):
    import_(empty_site, FIXTURES / "huajie-2023-bold.docx")
    run = build(empty_site, tmp_path / "out")
    assert not (tmp_path / "out" / "nianbao" / "huajie" / "2023.html").exists()
    assert "是草稿，未发布" in run.out + run.err
    data = empty_site / DATA
    text = data.read_text(encoding="utf-8")
    assert re.search(r"^发布日期: 【待填写】", text, re.M) and re.search(r"^成文日期: 【待填写】", text, re.M)
    text = re.sub(r"发布日期: .*", "发布日期: 2024-01-19", text.replace("草稿: true", "草稿: false"))
    data.write_text(re.sub(r"成文日期: .*", "成文日期: 2024-01-18", text), encoding="utf-8")
    build(empty_site, tmp_path / "out")
    assert (tmp_path / "out" / "nianbao" / "huajie" / "2023.html").exists()


def test_word_numbering_gives_the_headings_their_printed_numbers_and_the_title_is_one_line():
    """Heading 1 「总体情况」 and Heading 2 「主动公开情况」, numbered by a multi-level list: read as
    Word prints them, 「一、总体情况」 and 「(一)主动公开情况」; (一) restarts under 五."""
    docx = FIXTURES / "huajie-2023-styles.docx"
    lines = word_text(docx, "styles.docx", Problems()).splitlines()
    assert lines[0] == "花街镇人民政府2023年政府信息公开工作年度报告"
    assert "一、总体情况" in lines and "五、存在的主要问题及改进情况" in lines
    assert "(五)监督保障情况" in lines and "(二)改进措施" in lines
    document = zipfile.ZipFile(docx).read("word/document.xml").decode()
    assert ">总体情况<" in document and ">一、总体情况<" not in document and ">主动公开情况<" in document
    assert ">(一)主动公开情况<" not in document


def test_a_heading_style_without_any_number_opens_the_section_its_words_name(tmp_path):
    docx = write_report(tmp_path / "huajie-2023.docx", "styles", auto_numbers=False)
    lines = word_text(docx, "plain.docx", Problems()).splitlines()
    assert "一、总体情况" in lines and "六、其他需要报告的事项" in lines and "(一)主动公开情况" in lines


def test_a_merged_cell_is_read_once():
    docx = FIXTURES / "huajie-2023-bold.docx"
    document = zipfile.ZipFile(docx).read("word/document.xml").decode()
    assert document.count("<w:gridSpan") > 10 and document.count('<w:vMerge w:val="restart"/>') >= 8
    text = word_text(docx, "bold.docx", Problems())
    for label in ("三、本年度办理结果", "(三)不予公开", "(本列数据", "申请人情况", "行政复议 |", "第二十条第(六)项"):
        assert sum(line.count(label) for line in text.splitlines()) == 1, label
    assert "(三)不予公开 | 1.属于国家秘密 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |" in text.splitlines()
    assert "2.其他法律行政法规禁止公开 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |" in text.splitlines()
    # a label typed as two paragraphs in its cell is one label
    assert "(二)部分公开</w:t></w:r></w:p><w:p><w:r><w:t>(区分处理的" in document
    assert "(二)部分公开(区分处理的,只计这一情形,不计其他情形) | 0 | 0 | 0 | 0 | 0 | 0 | 0 |" in text.splitlines()


def test_a_merge_across_columns_written_as_hmerge_is_read_once(tmp_path):
    from docx import Document
    from docx.oxml import parse_xml

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    document = Document()
    table = document.add_table(rows=1, cols=3)
    for cell, text, merge in zip(table.rows[0].cells, ("第二十条第(一)项", "", "x"), ("restart", "continue", None)):
        cell.text = text
        if merge:
            cell._tc.get_or_add_tcPr().append(parse_xml(f'<w:hMerge xmlns:w="{w}" w:val="{merge}"/>'))
    document.save(str(tmp_path / "h.docx"))
    assert word_text(tmp_path / "h.docx", "h.docx", Problems()).splitlines() == ["第二十条第(一)项 | x |"]


def test_text_boxes_header_and_footer_are_ignored(empty_site):
    docx = FIXTURES / "huajie-2023-boxes.docx"
    package = zipfile.ZipFile(docx)
    document = package.read("word/document.xml").decode()
    assert document.count("审阅意见") == 2 and "<w:txbxContent" in document and "<v:textbox" in document
    assert "2022年" in "".join(package.read(name).decode() for name in package.namelist() if "header" in name)
    text = word_text(docx, "boxes.docx", Problems())
    assert "审阅意见" not in text and "征求意见稿" not in text and "- 1 -" not in text
    assert text.count("三、收到和处理政府信息公开申请情况") == 1
    import_(empty_site, docx)
    assert "2022" not in (empty_site / DATA).read_text(encoding="utf-8").split("二、主动公开")[0]


def test_a_docx_draft_runs_every_check_so_a_wrong_total_is_an_error(empty_site, tmp_path):
    wrong = lines_with("(七)总计 | 5 | 0 | 0 | 0 | 0 | 0 | 5 |", "(七)总计 | 6 | 0 | 0 | 0 | 0 | 0 | 6 |")
    docx = write_report(tmp_path / "huajie-2023.docx", "bold", wrong)
    run = import_(empty_site, docx, code=1)
    errors = [line for line in run.lines if "(R2)" in line]
    assert errors and not any("警告" in line or "存档说明" in line for line in errors), run.err    # errors
    assert "存档说明" not in run.err and "导入的报告有错误" in run.err
    data = (empty_site / DATA).read_text(encoding="utf-8")
    assert "草稿: true" in data and "按原样发布" not in data and "来源" not in data
    assert "huajie-2023.docx" in data.split("\n\n")[0]       # the header says where it came from
    # --archive: the same file as a published report kept as it was
    run = import_(empty_site, docx, "--archive", "--force")
    assert "(R2)" in run.err and "存档说明" in run.err and "按原样发布" in run.out
    data = (empty_site / DATA).read_text(encoding="utf-8")
    assert "按原样发布: true" in data and "来源: huajie-2023.docx" in data and "草稿" not in data


def test_reimporting_a_newer_word_file_lists_the_changes_and_needs_force(empty_site, tmp_path):
    first = write_report(tmp_path / "v1" / "huajie-2023.docx", "styles")
    import_(empty_site, first)
    newer = lines_with("行政处罚 | 365", "行政处罚 | 366")
    newer = [line for line in newer if not line.startswith("2023年我镇政务公开社会评议")]
    newer.insert(newer.index("六、其他需要报告的事项") + 1, "本年度新增一段说明文字。")
    second = write_report(tmp_path / "v2" / "huajie-2023.docx", "styles", newer)
    before = snapshot(empty_site / "content")
    run = import_(empty_site, second, code=1)
    assert "表二「第二十条第（六）项 / 行政处罚」行「本年处理决定数量」列：365 → 366" in run.err
    assert "新增段落：「本年度新增一段说明文字。」" in run.err
    assert "删去段落：「2023年我镇政务公开社会评议和责任追究结果情况:无。」" in run.err
    assert "--force" in run.err and "没有写入任何文件" in run.err
    assert snapshot(empty_site / "content") == before
    run = import_(empty_site, second, "--force")
    assert "365 → 366" in run.out
    assert "行政处罚: 366" in (empty_site / DATA).read_text(encoding="utf-8")
    assert "本年度新增一段说明文字。" in (empty_site / NARRATIVE).read_text(encoding="utf-8")


def test_the_same_word_file_imported_again_another_day_changes_nothing(empty_site, monkeypatch):
    import_(empty_site, FIXTURES / "huajie-2023-bold.docx")
    before = snapshot(empty_site / "content")
    monkeypatch.setenv("GONGKAI_TODAY", "2031-01-05")
    run = import_(empty_site, FIXTURES / "huajie-2023-bold.docx")
    assert "未改动 1 份" in run.out and snapshot(empty_site / "content") == before


def test_reimporting_a_draft_keeps_what_the_editor_filled_in_its_data_file(empty_site, tmp_path):
    import_(empty_site, write_report(tmp_path / "v1" / "huajie-2023.docx", "bold"))
    data = empty_site / DATA
    text = re.sub(r"发布日期: .*", "发布日期: 2024-01-19", data.read_text(encoding="utf-8"))
    data.write_text(re.sub(r"索引号: .*", "索引号: 00259913X/2024-00003", text), encoding="utf-8")
    newer = lines_with("行政强制 | 61", "行政强制 | 62")
    run = import_(empty_site, write_report(tmp_path / "v2" / "huajie-2023.docx", "bold", newer), "--force")
    assert "61 → 62" in run.out and "索引号" not in run.out and "发布日期" not in run.out
    text = data.read_text(encoding="utf-8")
    assert "发布日期: 2024-01-19" in text and "索引号: 00259913X/2024-00003" in text and "行政强制: 62" in text


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(name, data)
    return buffer.getvalue()


def _with_document_xml(xml: bytes) -> bytes:
    """A fixture whose document.xml is replaced: a package python-docx opens up to that part."""
    source = zipfile.ZipFile(FIXTURES / "huajie-2023-bold.docx")
    return _zip({name: xml if name == "word/document.xml" else source.read(name) for name in source.namelist()})


_NESTED = (b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
           + b"<w:sdt><w:sdtContent>" * 5000 + b"</w:sdtContent></w:sdt>" * 5000 + b"</w:body></w:document>")

BROKEN = {
    "not a zip": (b"PK\x03\x04 not really a zip" + bytes(200), "不是有效的 Word 文档"),
    "an old .doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "旧版 Word 文件"),
    "a zip that is no Word file": (_zip({"hello.txt": b"hello"}), "已损坏或不是 Word 文档"),
    "a zip bomb": (_zip({"[Content_Types].xml": b"<a/>", "word/document.xml": bytes(MAX_PART_BYTES + 1)}),
                   "解压后过大"),
    "XML nested 5000 deep": (_with_document_xml(_NESTED), "已损坏或不是 Word 文档"),
    "XML cut short": (_with_document_xml(b'<w:document xmlns:w="http://schemas.openxmlformats.org/'), "已损坏"),
}


@pytest.mark.parametrize("name", BROKEN)
def test_a_broken_docx_is_one_error_without_a_traceback_and_nothing_is_written(name, empty_site, tmp_path):
    data, message = BROKEN[name]
    source = tmp_path / "huajie-2023.docx"
    source.write_bytes(data)
    assert len(data) < 100_000
    run = import_(empty_site, source, code=1)
    problems = [line for line in run.lines if "huajie-2023.docx" in line]
    assert len(problems) == 1 and message in problems[0] and "(docx)" in problems[0], run.err
    assert not (empty_site / "content/reports").exists()


def test_tracked_changes_read_as_accepted_and_content_controls_are_read(tmp_path):
    """An office's draft often still holds tracked changes: the inserted text is the report's,
    the deleted text is not. A block content control (w:sdt) keeps its paragraphs."""
    from docx import Document
    from docx.oxml import parse_xml

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    docx = write_report(tmp_path / "huajie-2023.docx", "bold")
    document = Document(str(docx))
    paragraph = next(p for p in document.paragraphs if p.text.startswith("本年度我单位未发出"))
    paragraph._p.append(parse_xml(f'<w:ins xmlns:w="{w}" w:id="1" w:author="a"><w:r><w:t>（已核实）</w:t></w:r></w:ins>'))
    paragraph._p.append(parse_xml(f'<w:del xmlns:w="{w}" w:id="2" w:author="a"><w:r><w:delText>删掉的话</w:delText>'
                                  "</w:r></w:del>"))
    paragraph._p.addnext(parse_xml(f'<w:sdt xmlns:w="{w}"><w:sdtContent><w:p><w:r><w:t>控件中的一段。</w:t></w:r></w:p>'
                                   "</w:sdtContent></w:sdt>"))
    document.save(str(docx))
    lines = word_text(docx, "tracked.docx", Problems()).splitlines()
    assert "本年度我单位未发出政府信息处理费收费通知书,不存在收取信息处理费的情况。（已核实）" in lines
    assert "删掉的话" not in "".join(lines) and lines[-1] == "控件中的一段。"
