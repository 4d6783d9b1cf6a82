"""The plain-text fast path of the narrative renderer changes no output byte."""

from __future__ import annotations

import random
import sys
import xml.etree.ElementTree as etree
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st
from markdown.util import AtomicString

from generator.fullmarkdown import _Renderer, _SkipPlainText
from generator.plainmarkdown import render_plain

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
from synthetic import narrative  # noqa: E402


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


# --- headings, paragraphs and simple lists: rendered without Python-Markdown (generator.plainmarkdown)

_BLOCK_PIECES = st.sampled_from(["行政处罚", "依申请公开", "x", "。", "：", " ", "  ", "    ", "\n", "\n", "\n\n", "\n\n\n",
                                 "1. ", "2. ", "3. ", "1.", "1、", "1)", "10. ", "- ", "-", "* ", "+ ", "# ", "## ", "### ",
                                 "#", "####### ", "（一）", "---", "***", "===", "___", "> ", ">", "|", "2023年", "\t",
                                 "\u3000", " #", "# x #", "[1]: http://a.cn", "*", "_", "&"]
                                # weighted towards what the plain path takes, so most examples reach it
                                + ["公开", "\n", "\n\n", "1. ", "- ", "### "] * 6)


@settings(max_examples=1500, deadline=None)
@given(st.lists(_BLOCK_PIECES, max_size=30).map("".join), st.sampled_from(["h3", "h2"]))
@example("## 标题\n\n段落一\n第二行\n\n1. 一\n2. 二\n\n- 甲\n- 乙\n\n结尾", "h3")
@example("1. a\n\n2. b", "h3")
@example("- a\n\n- b", "h3")                     # two lists: one loose list in Markdown
@example("- a\n* b", "h3")
@example("3. 从三开始\n4. 四", "h3")
@example("段落\n1. 不是列表", "h3")
@example("- - 嵌套", "h3")
@example("### 标题  ", "h3")
@example("# 一级\n\n## 二级", "h2")
def test_plain_markdown_is_what_python_markdown_makes_of_it(text, top):
    plain = render_plain(text, top)
    if plain is not None:
        full = _Renderer(top)
        assert plain == full(text)


def test_the_example_and_benchmark_narratives_take_the_plain_path():
    """Else the plain renderer would silently stop paying off."""
    texts = [path.read_text(encoding="utf-8") for path in sorted((REPO / "content" / "reports").rglob("*.md"))]
    texts += [narrative(random.Random(seed), "示例县人民政府", 2023, {("new", "total"): seed}) for seed in range(20)]
    for text in texts:
        assert render_plain(text) is not None, text[:80]
        assert render_plain(text) == FULL(text)
