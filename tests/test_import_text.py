"""`generate import` keeps the printed text: character for character on the page, sub-heads as headings."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from helpers import SAMPLES, build, import_, pingtan_page_text
from htmltables import parse
from generator.content.fullmarkdown import render_full
from generator.content.plainmarkdown import render_plain
from generator.content.repetition import sentences
from generator.importing.htmlpage import html_to_text, looks_like_html
from generator.importing.published import read_published
from generator.importing.verbatim import markdown_literal, subhead_pieces
from generator.inputs.source import read_text
from generator.problems import Problems

FIXTURES = Path(__file__).parent / "fixtures" / "import"

# Lines that would be Markdown or HTML if written as they are (each in section 一 of a sample)
HOSTILE = """\
印发<中华人民共和国政府信息公开工作年度报告格式>的通知，<b>加粗</b> & &lt; &amp; &#42; 1*2*3 _下划_ `代码`
[链接](http://example.com) ![图](x.png) <http://example.com> <a@example.com> 反斜杠\\转义\\* C:\\目录\\
# 不是标题 #
> 不是引用
- 不是列表
+ 不是列表
* 不是列表
1. 不是编号
2) 也不是
---
***
___
==不是分隔==
| 不是表格 |
2023.12.31 截止，共 100% 完成；网址 https://example.com/a_b_c?x=1&y=2
"""

# The sub-heads each source's page has as <h3>, as printed (every other source: see SOURCES)
SUB_HEADS = {
    "huajie-2023.txt": ["(一)主动公开情况", "(二)依申请公开情况", "(三)政府信息管理情况", "(四)政府信息公开平台建设情况",
                        "(五)监督保障情况", "(一)存在问题", "(二)改进措施"],
    "huaian-city-2024.txt": ["（一）主动公开情况。", "（二）依申请公开情况。", "（三）政府信息管理情况。",
                             "（四）政府信息公开平台建设情况。", "（五）政府信息公开监督保障情况。"],
    "pingtan-2022.txt": ["（一）主动公开方面", "（二）依申请公开方面", "（三）政府信息管理方面", "（四）信息公开平台建设方面",
                         "（五）监督保障方面"],
    "shili-2019.txt": ["（一）主动公开"],
    "shili-2016.txt": [],        # free text: its own section headings are <h2> (see below), no sub-heads
}
SUB_HEADS["huajie-2023.html"] = SUB_HEADS["huajie-2023.txt"]
SUB_HEADS["hostile-2023.txt"] = SUB_HEADS["huajie-2023.txt"]


def is_report(path: Path) -> bool:
    """A source that imports: a title with its year, every number placed (not a broken fixture)."""
    report = read_published(decoded(path))
    return report.year is not None and not report.unplaced


def decoded(path: Path) -> str:
    text = read_text(path, path.name, Problems(), from_site=False)
    return html_to_text(text) if looks_like_html(text) else text


# Every published sample and every report among the import fixtures, and a sample with hostile lines
SOURCES = sorted({path.name for path in SAMPLES.glob("*.txt")} | {"hostile-2023.txt"}
                 | {path.name for path in FIXTURES.iterdir() if path.suffix in (".txt", ".htm", ".html")
                    and is_report(path)})


def source_file(name: str, tmp_path: Path) -> Path:
    if name == "pingtan-2022.txt":                 # block A's page text, with block B's tables
        return pingtan_page_text(tmp_path)[0]
    if name == "hostile-2023.txt":
        text = (SAMPLES / "huajie-2023.txt").read_text(encoding="utf-8")
        opening = "以公开促落实、促规范、促服务。\n"
        assert opening in text
        hostile = tmp_path / name
        hostile.write_text(text.replace(opening, opening + HOSTILE), encoding="utf-8")
        return hostile
    return SAMPLES / name if (SAMPLES / name).exists() else FIXTURES / name


def printed_text(source: Path) -> str:
    """The printed text outside the tables and the section headings (the page shows the
    official ones), whitespace removed: the lines the reader finds, each verbatim from the source."""
    report = read_published(decoded(source))
    if not report.tables:
        return squeeze("".join(report.body))
    lines = report.preamble + [line for lines in report.sections.values() for line in lines]
    return squeeze("".join(lines))


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


class ReportText(HTMLParser):
    """The text of a report page's body outside the tables, the official section headings and
    hidden elements; and its <h3> headings."""

    VOID = {"br", "img", "hr", "input", "meta", "link", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.h3: list[str] = []
        self._open: list[tuple[str, bool]] = []     # (tag, text taken) of the open elements in the body
        self._in_body = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.VOID:
            return
        if not self._open:
            if "report-body" not in (attrs.get("class") or "").split():
                return
            taken = True
        else:
            in_section = any(t == "section" for t, _ in self._open)      # its h2 is the official heading
            taken = (self._open[-1][1] and not (tag == "h2" and in_section) and "hidden" not in attrs
                     and "table-wrap" not in (attrs.get("class") or "").split())
        self._open.append((tag, taken))
        if tag == "h3" and taken:
            self.h3.append("")

    def handle_endtag(self, tag):
        if self._open and tag not in self.VOID:
            self._open.pop()

    def handle_data(self, data):
        if self._open and self._open[-1][1]:
            self.text.append(data)
            if any(t == "h3" for t, _ in self._open):
                self.h3[-1] += data


def page_text(html: str) -> tuple[str, list[str]]:
    parser = ReportText()
    parser.feed(html)
    return squeeze("".join(parser.text)), [h.strip() for h in parser.h3]


@pytest.mark.parametrize("name", SOURCES)
def test_the_page_shows_the_printed_text_character_for_character_with_its_sub_heads(name, empty_site, tmp_path):
    source = source_file(name, tmp_path)
    import_(empty_site, source)
    build(empty_site)
    [written] = (empty_site / "content" / "reports").glob("*/*.md")
    page = empty_site / "build" / "nianbao" / written.parent.name / f"{written.stem}.html"
    shown, sub_heads = page_text(page.read_text(encoding="utf-8"))
    expected = printed_text(source)
    assert len(expected) > 100
    assert shown == expected
    assert shown.count("\\") == expected.count("\\")        # (no backslash the source lacks)
    if name in SUB_HEADS:
        assert sub_heads == SUB_HEADS[name]
    # the fast path, where it takes the text, writes what Python-Markdown writes
    markdown = written.read_text(encoding="utf-8")
    for part in re.split(r"^## .*$", markdown, flags=re.M):
        assert render_plain(part) in (None, render_full(part))


@pytest.mark.parametrize("section, line, heads", [
    ("一", "（一）主动公开情况", ["（一）主动公开情况"]),
    ("一", "(二)依申请公开情况。定期对申请集中的领域进行分析。", ["(二)依申请公开情况。"]),
    ("一", "提供有力保障。 （一）主动公开方面 全区共主动公开14571条。 （二）依申请公开方面 一是畅通渠道。",
     ["（一）主动公开方面", "（二）依申请公开方面"]),
    ("五", "(一)存在问题", ["(一)存在问题"]),
    ("五", "存在的主要问题：一是政策解读形式单一。", ["存在的主要问题："]),
    ("五", "改进情况", ["改进情况"]),
    # a point, a sentence, another section, no number in 一, too long, a clause: text, not a heading
    ("五", "（一）政策解读内容有待提升。对企业关心的文件解读不够精准。", []),
    ("五", "针对存在问题，下一步将加强解读。", []),
    ("五", "存在问题较少。", []),
    ("六", "（一）主动公开情况", []),
    ("一", "主动公开情况", []),
    ("一", "（一）主动公开情况方面的工作取得了进一步的明显成效", []),
    ("一", "（一）主动公开，依法及时公开规范性文件。", []),
    ("一", "共有 （三）信息管理 等三项", []),
])
def test_a_sub_head_is_a_heading_only_where_it_stands_as_one_and_no_character_changes(section, line, heads):
    pieces = subhead_pieces(line, section)
    assert [text for text, is_head in pieces if is_head] == heads
    assert squeeze("".join(text for text, _ in pieces)) == squeeze(line)


def test_a_free_text_report_has_its_own_section_headings_as_headings(empty_site):
    import_(empty_site, FIXTURES / "shili-2016.txt")
    build(empty_site)
    page = parse((empty_site / "build/nianbao/shili/2016.html").read_text(encoding="utf-8"))
    assert [text for tag, text in page.headings if tag == "h2" and "、" in text] == [
        "一、概述", "二、主动公开政府信息情况", "三、依申请公开政府信息情况", "四、政府信息公开的收费及减免情况",
        "五、因政府信息公开申请提起行政复议、行政诉讼的情况", "六、政府信息公开工作存在的主要问题及改进情况"]


def test_a_hostile_line_renders_its_characters_by_both_markdown_paths():
    for line in HOSTILE.splitlines():
        literal = markdown_literal(line)
        for html in (render_plain(literal), render_full(literal)):
            if html is None:
                continue           # not plain: only Python-Markdown takes it
            assert re.fullmatch(r"<p>.*</p>", html), (line, html)
            assert squeeze(_unescaped(html[3:-4])) == squeeze(line)


def _unescaped(html: str) -> str:
    parser = HTMLParser(convert_charrefs=True)
    found: list[str] = []
    parser.handle_data = found.append
    parser.feed(html)
    parser.close()
    return "".join(found)


def test_a_plain_printed_line_stays_as_it_is_in_the_markdown():
    line = "2023年,花街镇人民政府认真贯彻执行《中华人民共和国政府信息公开条例》,以公开促落实。"
    assert markdown_literal(line) == line
    assert render_plain(markdown_literal(line)) == f"<p>{line}</p>"      # the fast path still takes it


def test_r10_counts_an_escaped_line_as_its_printed_characters():
    line = "关于印发<中华人民共和国政府信息公开工作年度报告格式>的通知*已执行_全部完成，共同推进公开工作。"
    printed = [(s.key, s.length, s.column) for s in sentences(line)]
    assert printed and [(s.key, s.length, s.column) for s in sentences(markdown_literal(line))] == printed


def test_r9_reads_a_number_behind_an_escaped_character(empty_site, tmp_path):
    text = (SAMPLES / "huajie-2023.txt").read_text(encoding="utf-8")
    source = tmp_path / "huajie-2023.txt"
    source.write_text(text.replace("共收到依申请公开信件6件", "共收到<依申请公开>信件17件"), encoding="utf-8")
    run = import_(empty_site, source)
    [r9] = [line for line in run.lines if line.endswith("(R9)")]
    assert "<依申请公开>信件17件" in r9 and "&lt;" not in r9
