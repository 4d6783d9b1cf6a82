"""The plain-text fast path of the narrative renderer changes no output byte."""

from __future__ import annotations

import xml.etree.ElementTree as etree
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st
from markdown.util import AtomicString

from generator.narrative import _Renderer, _SkipPlainText

REPO = Path(__file__).resolve().parents[1]


def _renderers():
    fast = _Renderer()
    full = _Renderer()
    full.md.treeprocessors.deregister("gongkai_plain")
    return fast, full


FAST, FULL = _renderers()


def test_the_example_narratives_render_the_same_with_and_without_the_fast_path():
    sources = sorted((REPO / "content" / "reports").rglob("*.md"))
    assert sources
    for path in sources:
        text = path.read_text(encoding="utf-8")
        assert FAST(text) == FULL(text), path


def test_the_fast_path_marks_only_text_without_inline_syntax():
    root = etree.Element("div")
    for text in ["本年度共办理申请 6 件。", "有**加粗**", "见[链接](a.html)", "行尾两个空格  \n换行", "A&B"]:
        etree.SubElement(root, "p").text = text
    _SkipPlainText(FAST.md).run(root)
    assert [isinstance(p.text, AtomicString) for p in root] == [True, False, False, False, False]


_PIECES = st.sampled_from(["行政处罚", "依申请", "公开", " ", "  ", "\n", "\n\n", "  \n", "1. ", "- ", "* ", "## ", "### ",
                           "> ", "    ", "*", "**", "_", "__", "`", "\\", "[链接](https://example.cn)", "[", "]", "(", ")",
                           "!", "<", ">", "&", "&amp;", "&#20013;", "<https://a.cn>", "<a@b.cn>", "<b>", "|", "：", "。",
                           "（一）", "2、", "http://x.cn", "一是", "\t"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=40).map("".join))
@example("用`代码`表示")
@example("转义\\*号")
@example("见[链接](a.html)和![图](b.png)")
@example("网址<https://a.cn>")
@example("A&amp;B")
@example("*强调*与_强调_")
@example("行尾  \n下一行")
def test_any_markdown_renders_the_same_with_and_without_the_fast_path(text):
    assert FAST(text) == FULL(text)
