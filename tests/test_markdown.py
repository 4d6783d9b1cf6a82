"""Narrative Markdown: the plain-text fast path changes no output byte, link addresses are judged as
the browser reads them, and Markdown that would hang the build is refused before it is parsed."""

from __future__ import annotations

import random
import sys
import time
import xml.etree.ElementTree as etree
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from markdown.util import AtomicString

from helpers import HUAJIE, snapshot
from generator.content.fullmarkdown import MarkdownRenderer, SkipPlainText
from generator.content.mdlimits import MAX_BRACKET_DEPTH, MAX_MARKS, MAX_NESTING, MAX_UNPAIRED, check_markdown_limits
from generator.content.narrative import parse_free_narrative, parse_narrative, render_markdown
from generator.content.plainmarkdown import render_plain
from generator.problems import Problems
from htmlurls import addresses, dangerous

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
from synthetic import narrative  # noqa: E402


def _renderers():
    fast = MarkdownRenderer()
    full = MarkdownRenderer()
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
    SkipPlainText(FAST.md).run(root)
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


# --- headings, paragraphs and simple lists: rendered without Python-Markdown (generator.content.plainmarkdown)

_BLOCK_PIECES = st.sampled_from(["行政处罚", "依申请公开", "x", "。", "：", " ", "  ", "    ", "\n", "\n", "\n\n", "\n\n\n",
                                 "1. ", "2. ", "3. ", "1.", "1、", "1)", "10. ", "- ", "-", "* ", "+ ", "# ", "## ", "### ",
                                 "#", "####### ", "（一）", "---", "***", "===", "___", "> ", ">", "|", "2023年", "\t",
                                 "\u3000", " #", "# x #", "[1]: http://a.cn", "*", "_", "&"]
                                # weighted towards what the plain path takes, so most examples reach it
                                + ["公开", "\n", "\n\n", "1. ", "- ", "### "] * 6)


def test_plain_markdown_is_what_python_markdown_makes_of_it():
    rendered = []   # per example: did the plain renderer take it (else it stepped aside, checking nothing)

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
    def same(text, top):
        plain = render_plain(text, top)
        rendered.append(plain is not None)
        if plain is not None:
            full = MarkdownRenderer(top)
            assert plain == full(text)

    same()
    # About one in eight random texts is taken (170-200 of 1,500 when written): far fewer
    # would mean the plain renderer steps aside from nearly everything and nothing is compared.
    assert sum(rendered) >= len(rendered) / 20, f"the plain renderer took {sum(rendered)} of {len(rendered)} texts"


def test_the_example_and_benchmark_narratives_take_the_plain_path():
    """Else the plain renderer would silently stop paying off."""
    texts = [path.read_text(encoding="utf-8") for path in sorted((REPO / "content" / "reports").rglob("*.md"))]
    texts += [narrative(random.Random(seed), "示例县人民政府", 2023, {("new", "total"): seed}) for seed in range(20)]
    for text in texts:
        assert render_plain(text) is not None, text[:80]
        assert render_plain(text) == FULL(text)


# --- link and image addresses are judged as the browser reads them (issue 21) ---------------

_ENCODED_SCHEMES = [
    "javascript:", "JavaScript:", " javascript:", "&#106;avascript:", "javascript&#58;", "jav&#97;script:",
    "&#x6A;avascript:", "&#X6a;avascript:", "&#0000106;avascript:", "&#106avascript:", "javascript&colon;",
    "java&#x09;script:", "&Tab;javascript:", "javascript&NewLine;:", "java\tscript:", "java&#13;script:",
    "&#32;javascript:", "&#1;javascript:", "vbscript:", "vb&#115;cript:", "data:text/html,", "d&#97;ta:",
]


@pytest.mark.parametrize("scheme", _ENCODED_SCHEMES)
@pytest.mark.parametrize("shape", ["[点击]({url})", "![图]({url})", "[点击][r]\n\n[r]: {url}", "![图][r]\n\n[r]: {url}",
                                   "[点击](<{url}>)", '[点击]({url} "标题")', "- 列表里的[点击]({url})",
                                   "> 引用里的[点击]({url})"])
def test_an_encoded_script_address_is_dropped_and_its_text_kept(scheme, shape):
    html = render_markdown(shape.format(url=scheme + "alert(document.domain)"))
    assert not dangerous(html), html
    assert "点击" in html or "图" in html


def test_a_dropped_address_is_a_warning_with_its_line():
    problems = Problems()
    narrative = parse_free_narrative("第一段\n\n见[通知](&#106;avascript:alert(1))和[官网](https://www.gov.cn/)。",
                                     "a.md", problems)
    assert '<a>通知</a>和<a href="https://www.gov.cn/">官网</a>' in narrative.preamble
    assert [p.format() for p in problems.items] == [
        "a.md:3: 警告：链接或图片地址「&#106;avascript:alert(1)」不是 http、https、mailto、tel 或站内地址，"
        "可能运行脚本，已去掉链接，只保留文字 (link)"]


@pytest.mark.parametrize("text, href", [("[a](https://a.cn/?x=1&y=2)", "https://a.cn/?x=1&y=2"),
                                        ("[a](a&amp;b.html)", "a&b.html"), ("[a](mailto:x@a.cn)", "mailto:x@a.cn"),
                                        ("[a](tel:12345)", "tel:12345"), ("[a](../2022.html#section-5)", "../2022.html#section-5"),
                                        ("[a](&#104;ttps://a.cn/)", "https://a.cn/"), ("<a@b.cn>", "mailto:a@b.cn")])
def test_safe_addresses_are_kept_as_written(text, href):
    assert addresses(render_markdown(text)) == [href]


_NAMED = {":": ["&colon;"]}      # HTML names no ASCII letter
_IGNORED = st.sampled_from(["\t", "\n", "\r", "&Tab;", "&NewLine;", "&#9;", "&#x0A;", "&#13;", "\x01", "\x1f", "&#0001;"])


@st.composite
def _encoded(draw, text: str) -> str:
    """`text` with each character as itself (either case), a decimal or hex reference with or without
    leading zeros and semicolon, or a named one; tabs, newlines and controls in between."""
    out = []
    for char in text:
        code = ord(draw(st.sampled_from([char.lower(), char.upper()])))
        zeros = "0" * draw(st.integers(0, 4))
        end = draw(st.sampled_from([";", ";", ""]))
        forms = [chr(code), f"&#{zeros}{code}{end}", f"&#x{zeros}{code:x}{end}", f"&#X{zeros}{code:X}{end}"]
        forms += _NAMED.get(char, [])
        out.append(draw(st.sampled_from(forms)))
        out += draw(st.lists(_IGNORED, max_size=2)) if char != ":" else []
    return "".join(out)


@pytest.mark.slow
@settings(max_examples=600, deadline=None)
@given(st.sampled_from(["javascript:", "vbscript:", "data:"]).flatmap(_encoded),
       st.sampled_from(["[x]({})", "![x]({})", "[x][r]\n\n[r]: {}", "[x](<{}>)", '[x]({} "t")']),
       st.sampled_from(["alert(1)", "text/html,<script>alert(1)</script>", ""]))
def test_no_encoding_of_a_dangerous_scheme_reaches_a_page(url, shape, rest):
    html = render_markdown(shape.format(url + rest))
    assert not dangerous(html), (url, html)


# --- Markdown that could hang the build is refused before it is parsed (issue 21) ------------

_PATHOLOGICAL = {
    "[": lambda n: "[" * n, "![": lambda n: "![" * n, "[](": lambda n: "[](" * n, "[a](": lambda n: "[a](" * n,
    '[a](x "t)': lambda n: '[a](x "t) ' * n, "[[": lambda n: "[[" * n + "]]" * n, ">": lambda n: ">" * n + " x",
    "1.": lambda n: "1. " * n + "x", "indented list": lambda n: "".join("    " * i + "- x\n" for i in range(n // 10)),
    "*a*": lambda n: "*a* " * n,
}


@pytest.mark.parametrize("name", _PATHOLOGICAL)
def test_pathological_markdown_is_refused_before_parsing(name, monkeypatch):
    import generator.content.fullmarkdown

    def never(*args, **kwargs):
        raise AssertionError("parsed")
    monkeypatch.setattr(generator.content.fullmarkdown, "render_full", never)
    problems = Problems()
    narrative = parse_free_narrative(_PATHOLOGICAL[name](20000), "a.md", problems)
    assert narrative.preamble == ""
    assert problems.errors and all(p.rule == "markdown-limit" for p in problems.errors)
    assert problems.errors[0].line or name == "*a*"          # the place to fix (the file, for the total)


def test_the_limits_name_the_line_and_what_to_do():
    text = ("开头一段。\n\n" + "见[通知" * (MAX_UNPAIRED + 1) + "\n\n" + "> " * (MAX_NESTING + 1) + "引用\n\n"
            + "*a* " * MAX_MARKS + "\n\n" + '[a](x "t) ' * (MAX_UNPAIRED + 1))
    problems = Problems()
    assert not check_markdown_limits(text, "a.md", problems)
    assert [p.format() for p in problems.items] == [
        f"a.md:3: 有 {MAX_BRACKET_DEPTH} 个以上的「[」或「(」没有配对，或套了这么多层：请检查括号是否成对，"
        "正文中的方括号可改用全角「【】」 (markdown-limit)",
        f"a.md:5: 引用（>）或列表嵌套超过 {MAX_NESTING} 层：请减少嵌套层次 (markdown-limit)",
        f"a.md:7: 这一段有 {MAX_MARKS * 2} 个 * _ ` [ < & \\ 等符号，超过上限 {MAX_MARKS} 个：请用空行把它分成几段 (markdown-limit)",
        f"a.md:9: 这一段有 {MAX_UNPAIRED + 1} 个「[」或「](」没有配对的「]」或「)」（或链接地址里有引号），"
        f"超过上限 {MAX_UNPAIRED} 个：请检查括号是否成对，正文中的方括号可改用全角「【】」 (markdown-limit)",
    ]


def test_markdown_within_the_limits_is_not_refused():
    """What real reports have: links, a few stray brackets, nested lists, quotes, emphasis."""
    text = ("## 一、总体情况\n\n" + "本机关依法公开[政策文件](https://a.cn/x_1.html)，**重点**领域（详见附件[1]）。" * 40 + "\n\n"
            + "".join(f"- [关于印发《第{i}号》的通知](https://www.a.gov.cn/art/2023/art_1229_{i}.html)\n" for i in range(300))
            + "\n1. 一\n    1. 二\n        - 三\n\n> 引用\n> > 引用中的引用\n\n未闭合的[方括号 和 [另一个\n\n"
            + "## 五、收费及减免情况\n\n无。\n\n## 六、存在的主要问题及改进情况\n\n无。")
    problems = Problems()
    narrative = parse_narrative(text, "a.md", problems)
    assert not problems.errors, [p.format() for p in problems.errors]
    assert narrative.preamble == "" and narrative.sections["一"].count("<a href=") == 340


def _seconds(text: str) -> float:
    """The least of three runs: the one least disturbed by other work on the machine."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        parse_free_narrative(text, "a.md", Problems())
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.parametrize("piece, joint", [
    ("[" * 200, ""),                                                # one paragraph of unpaired brackets: refused
    ("[" * MAX_UNPAIRED + "字" * 990, "\n\n"),                      # unpaired brackets: each scans to its paragraph's end
    ('[a](x "t) ' * MAX_UNPAIRED + "字" * 900, "\n\n"),             # quoted addresses: the same
    ("[" * MAX_BRACKET_DEPTH + "字" * 980 + "]" * MAX_BRACKET_DEPTH, "\n\n"),   # brackets nested as deep as allowed
    ("*a* " * 250, "\n\n"),                                         # emphasis
])
def test_the_work_grows_linearly_with_the_file(piece, joint):
    """Four times the text takes about four times as long, where the square would be sixteen."""
    small = _seconds(joint.join([piece] * 10))
    large = _seconds(joint.join([piece] * 40))
    assert large / small < 8, (small, large)


def test_a_build_refuses_a_hanging_narrative_in_one_line_and_keeps_the_site(site):
    rel = HUAJIE.replace(".yaml", ".md")
    assert site.build().code == 0
    before = snapshot(site.root / "build")
    site.replace(rel, "## 五、", "见[" * 50_000 + "\n\n## 五、")   # minutes of work before the limit
    run = site.build()
    assert run.code == 1 and "Traceback" not in run.err and "内部错误" not in run.err
    line = site.line_of(rel, "见[见[")
    assert [text for text in run.lines if not text.startswith("构建失败")] == [
        f"{rel}:{line}: 有 {MAX_BRACKET_DEPTH} 个以上的「[」或「(」没有配对，或套了这么多层："
        "请检查括号是否成对，正文中的方括号可改用全角「【】」 (markdown-limit)"]
    assert snapshot(site.root / "build") == before


def test_a_build_warns_of_a_dropped_link_with_its_line(site):
    rel = HUAJIE.replace(".yaml", ".md")
    site.replace(rel, "## 五、", "详见[说明](java&#x09;script:alert(1))。\n\n## 五、")
    run = site.build()
    assert run.code == 0
    line = site.line_of(rel, "详见[说明]")
    assert (f"{rel}:{line}: 警告：链接或图片地址「java&#x09;script:alert(1)」不是 http、https、mailto、tel 或站内地址，"
            "可能运行脚本，已去掉链接，只保留文字 (link)") in run.lines
    page = site.page("nianbao/huajie/2023.html")
    assert "详见<a>说明</a>。" in page and not dangerous(page)


def test_a_file_past_a_limit_everywhere_gives_a_few_lines_not_hundreds():
    problems = Problems()
    assert not check_markdown_limits("\n\n".join(["[" * 20] * 400), "a.md", problems)
    assert [p.line for p in problems.items] == [1, 3, 5, 7, 9, None]
    assert problems.items[-1].format() == "a.md: 另有 395 处超过同样的上限 (markdown-limit)"
