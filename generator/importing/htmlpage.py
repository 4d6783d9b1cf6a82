"""A saved portal page (HTML) as the lines generator.importing.published reads.

Paragraphs and headings become lines; each row of a data table becomes one line of
its cells joined by `|`, as the portals' text copies show them. Row and column spans
need no expanding: a spanned label is printed once, on the first row it covers, in
the text copies too, and published.py keeps the open groups from row to row (so a
table 三 split into several <table>s reads as one).

A county's pages come from a CMS (TRS, 大汉/Hanweb, Word's "save as web page", our own
theme): the report sits in one element (TRS_Editor, #zoom, WordSection1, our
report-body) among navigation, breadcrumbs, toolbars, related links and a footer. The
report is the deepest element that holds every section heading and table row; of the
page around it only the title and the metadata printed above it are kept, so no link
of a sidebar or footer can pass for the report's text or title. A page with no section
headings is read whole. Tables that hold tables are the page's layout, not data: their
cells are read as blocks. What the reader does not see (scripts, styles, `hidden`,
display:none) is never read; whitespace is what a browser shows (a line break of the
source between two Chinese characters is no space).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

from generator.importing.layout import PageTree, layout_tables
from generator.importing.published import METADATA_KEYS, printed_row

_BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "br", "tr", "td", "th", "table", "section",
           "article", "header", "footer", "nav", "aside", "main", "title", "dl", "dt", "dd", "blockquote", "pre",
           "caption", "ul", "ol", "form", "hr", "center"}
_SKIPPED = {"script", "style", "noscript", "template", "head", "select", "button", "iframe", "object", "svg"}
_VOID = {"br", "hr", "img", "input", "wbr", "col", "area", "source", "embed", "param", "track", "base", "keygen"}
_META = {"articletitle": "标题", "pubdate": "发布日期", "contentsource": "发布机构"}
ADDRESS_KEY = "原文链接"       # the line that carries the page's address (published.METADATA_KEYS reads it)
# Where a page names its own address, most trusted first: <link rel=canonical>, Open Graph, the
# inspections' Url meta (our own pages write it), the ArticleUrl some CMSs write, and last the
# address a browser noted when it saved the page.
_ADDRESS_META = ("og:url", "url", "articleurl", "pageurl")
_PROLOGUE = re.compile(r"(?:\s*(?:<!--.*?-->|<\?xml[^>]*>))*\s*", re.DOTALL)
# A page saved by a browser says where it was saved from (Internet Explorer, Chrome's "complete" page).
_SAVED_FROM = re.compile(r"\s*saved from url=\(\d+\)(\S+)")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden|mso-hide\s*:\s*all", re.IGNORECASE)
# A section heading (一、 … 六、): with the table rows, it locates the report in the page. The words
# of the official headings tell them from a sidebar's 公开目录 (一、机构职能 …); a report before the
# 2019 format has headings of its own, and any numbered heading is taken when none is official.
_HEADING = re.compile(r"[一二三四五六七八九十]\s*[、.．]")
_OFFICIAL_HEADING = re.compile(r"[一二三四五六]\s*[、.．].*(?:总体情况|主动公开|收到和处理|行政复议|存在.*问题|其他需要报告)")
# A row of the report's tables has a cell that is a number (a menu or a footer laid out in a table has none).
_NUMBERS_ROW = re.compile(r"(?:^|\| )[0-9０-９][0-9０-９.,]* \|")
# A table split across several <table>s is often marked so between them; the text copies have no such line.
_CONTINUED = re.compile(r"[(（]?\s*续(?:上)?表\s*[一二三四]?\s*[)）]?")
_WIDE = "\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6"
# A line break of the source between two wide characters shows as nothing (CSS Text 3, segment breaks).
_SEGMENT_BREAK = re.compile(f"(?<=[{_WIDE}])[ \\t\\r]*\\n[ \\t\\r\\n]*(?=[{_WIDE}])")
_BREADCRUMB = re.compile(r"[>＞»]|位置\s*[:：]")
# The metadata a page prints above the report, often on one line: 发布日期：… 来源：… 字体：【大 中 小】
_INFO_KEYS = (*METADATA_KEYS, ADDRESS_KEY, "来源", "信息来源", "作者", "浏览次数", "访问量", "点击数", "字体", "分类",
              "发文日期", "生成日期", "有效性", "公开方式", "公开范围", "公开时限", "体裁分类", "组配分类", "关键词",
              "信息名称", "名称", "内容概述", "服务对象", "来源单位")
_INFO_KEY = re.compile("((?:" + "|".join(sorted(_INFO_KEYS, key=len, reverse=True)) + ")[ \u3000]?[:：])")
_INFO_LINE = re.compile("(?:" + "|".join(METADATA_KEYS) + ")[ \u3000]?[:：]")


def looks_like_html(text: str) -> bool:
    """A page, also when a browser's "save as" put its `<!-- saved from url=… -->` first, or XHTML its
    `<?xml …?>`, and its <head> is longer than the look."""
    head = text[:4000]
    head = head[_PROLOGUE.match(head).end():].lower()
    return head.startswith("<!doctype html") or head.startswith("<html") or "<table" in head or "<body" in head


def web_address(text: str | None) -> str | None:
    """`text` if it is an absolute http(s) address (a page's own address); None for anything else."""
    if not text:
        return None
    text = text.strip()
    if len(text) > 2000 or not re.fullmatch(r"https?://[^\s\"'<>\\]+", text, re.IGNORECASE):
        return None
    try:
        return text if urlsplit(text).hostname else None
    except ValueError:           # a malformed port or IPv6 address
        return None


def html_to_text(html: str) -> str:
    html = _unclosed_tail_as_text(html)
    parser = _PageText(layout_tables(html))
    parser.feed(html)
    parser.close()
    return "\n".join(parser.result())


def _unclosed_tail_as_text(html: str) -> str:
    """No tag can end after the page's last `>`: each `<` there is text. HTMLParser rescans from
    every such `<` to the end of the page (quadratic: a 2 MB page of `<a` would take hours)."""
    head, end, tail = html.rpartition(">")
    return head + end + tail.replace("<", "&lt;")


class _PageText(HTMLParser):
    """The page's lines, each with the element it was printed in (see PageTree)."""

    def __init__(self, layout: set[int]):
        super().__init__(convert_charrefs=True)
        self._layout = layout                      # ordinals of the tables that hold tables
        self._tables = 0
        self._tree = PageTree()
        self._lines: list[tuple[int, bool, str]] = []     # (element, is a table row, text)
        self._text: list[str] = []
        self._data_tables: list[int] = []          # open data tables' depth in the tree
        self._row: list[str] | None = None
        self._cell: list[list[str]] | None = None  # the cell's blocks, each a list of pieces
        self._term: str | None = None              # a <dt> waiting for its <dd>
        self._meta: list[str] = []
        self._addresses: dict[str, str] = {}

    # --- tags ----------------------------------------------------------------------------------

    def handle_starttag(self, tag, attrs):
        found = {name: value or "" for name, value in attrs}
        if tag in ("meta", "link"):
            self._head_tag(tag, found)
            return
        if tag == "body":
            self.handle_endtag("head")
        if tag == "table":
            self._tables += 1
        if tag in _VOID:
            if tag in ("br", "hr") and not self._tree.skipping:
                self._block_break()
            return
        if not self._tree.skipping:
            self._before_open(tag)
        hidden = tag in _SKIPPED or "hidden" in found or found.get("aria-hidden") == "true" \
            or _HIDDEN_STYLE.search(found.get("style", ""))
        self._tree.open(tag, bool(hidden))       # inside a hidden element too: its end is the right one
        if self._tree.skipping:
            return
        if tag == "table" and self._tables not in self._layout:
            self._data_tables.append(self._tree.depth)
        elif tag == "tr" and self._data_tables:
            self._row = []
        elif tag in ("td", "th") and self._row is not None or tag == "caption" and self._data_tables:
            self._cell = [[]]
        elif tag in _BLOCKS:
            self._block_break()

    def handle_endtag(self, tag):
        if tag not in self._tree.names():
            return                                   # a stray end tag: nothing open to close
        while True:                                  # the elements it closes, innermost first
            name = self._tree.top()
            if not self._tree.skipping:
                self._close_content(name)
            self._tree.pop()
            while self._data_tables and self._data_tables[-1] > self._tree.depth:
                self._data_tables.pop()
            if name == tag:
                return

    def _before_open(self, tag: str) -> None:
        """What a browser closes when `tag` opens: a <p> at any block, a cell or row at the next."""
        if tag in _BLOCKS and tag not in ("br", "hr") and self._tree.top() == "p":
            self.handle_endtag("p")
        if tag in ("td", "th", "tr", "tbody", "thead", "tfoot") and self._data_tables:
            for name in ("td", "th") if tag in ("td", "th") else ("td", "th", "tr"):
                if self._tree.open_in_table(name):
                    self.handle_endtag(name)

    def _close_content(self, tag: str) -> None:
        if tag == "caption" and self._cell is not None and self._row is None:
            # a caption that names a group of table 二 (第二十条第（一）项) is its first row, as the
            # text copies print it; one that repeats the section's heading is that heading
            caption, self._cell = _cell_text(self._cell), None
            if caption:
                is_heading = _HEADING.match(caption) is not None
                self._lines.append((self._tree.current, not is_heading, caption if is_heading else caption + " |"))
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(_cell_text(self._cell))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._cell is not None:
                self._close_content("td")
            if any(self._row):
                self._lines.append((self._tree.current, True, printed_row(self._row)))
            self._row = None
        elif tag == "dt" and self._cell is None:
            self._term = _squeeze("".join(self._text)) or None
            self._text = []
        elif tag in _BLOCKS:
            self._block_break()

    def _head_tag(self, tag: str, found: dict[str, str]) -> None:
        """<meta> and <link>: the inspections' article metadata and the page's own address."""
        if tag == "link":
            if "canonical" in found.get("rel", "").lower().split():
                self._addresses.setdefault("canonical", found.get("href", ""))
            return
        name = (found.get("name") or found.get("property") or "").lower()
        content = (found.get("content") or "").strip()
        if name in _META and content:
            self._meta.append(f"{_META[name]}: {content}")
        elif name in _ADDRESS_META and content:
            self._addresses.setdefault(name, content)

    def handle_comment(self, data):
        saved = _SAVED_FROM.match(data)
        if saved:
            self._addresses.setdefault("saved", saved.group(1))

    # --- text ----------------------------------------------------------------------------------

    def handle_data(self, data):
        if self._tree.skipping:
            return
        if self._cell is not None:
            self._cell[-1].append(data)
        else:
            self._text.append(data)

    def _block_break(self):
        if self._cell is not None:
            if self._cell[-1]:
                self._cell.append([])
            return
        line = _squeeze("".join(self._text))
        self._text = []
        if self._term is not None and line:          # <dt>索引号</dt><dd>…</dd>: one 索引号：… line
            line, self._term = f"{self._term}：{line}", None
        if line and not _CONTINUED.fullmatch(line):
            self._lines.append((self._tree.current, False, line))

    def result(self) -> list[str]:
        self._block_break()
        addresses = (web_address(self._addresses.get(key)) for key in ("canonical", *_ADDRESS_META, "saved"))
        address = next((address for address in addresses if address), None)
        meta = self._meta + ([f"{ADDRESS_KEY}: {address}"] if address else [])
        anchors = _anchors(self._lines, _OFFICIAL_HEADING)
        if len(anchors) < 2:
            anchors = _anchors(self._lines, _HEADING)
        if len(anchors) < 2:
            return meta + [text for _, _, text in self._lines]
        report = self._tree.common_ancestor(anchors)
        inside = self._tree.within(report)
        first = next(i for i, (element, _, _) in enumerate(self._lines) if inside[element])
        return (meta + _above_the_report([(is_row, text) for _, is_row, text in self._lines[:first]])
                + [text for element, _, text in self._lines[first:] if inside[element]])


def _anchors(lines: list[tuple[int, bool, str]], heading: re.Pattern) -> list[int]:
    """The elements of the lines that place the report: its headings and its tables' rows of numbers."""
    return [element for element, is_row, text in lines
            if (_NUMBERS_ROW.search(text) if is_row else len(text) <= 40 and heading.match(text))]


def _above_the_report(lines: list[tuple[bool, str]]) -> list[str]:
    """Of the page above the report: its metadata (an info line split at each key, a table of
    索引号 | … | 发布机构 | … read pairwise) and the last line before the report that may be its
    title (published.py tells)."""
    lines = [_key_value_cells(text) if is_row else text for is_row, text in lines]
    kept = [piece for line in lines for piece in _info_pieces(line) if _INFO_LINE.match(piece)]
    titles = [line for line in lines if "报告" in line and len(line) < 80 and not _INFO_LINE.match(line)
              and not _BREADCRUMB.search(line)]
    return kept + titles[-1:]


def _key_value_cells(row: str) -> str:
    """「索引号： | 014000319/2025-00012 | 发布机构 | 淮安市人民政府办公室 |」 as
    「索引号：014000319/2025-00012 发布机构：淮安市人民政府办公室」."""
    cells = [cell.strip() for cell in row.split(" | ")]
    cells[-1] = cells[-1].removesuffix("|").strip()
    pieces = []
    for cell in cells:
        if pieces and pieces[-1].endswith(("：", ":")):
            pieces[-1] += cell
        else:
            pieces.append(cell + "：" if cell in _INFO_KEYS else cell)
    return " ".join(pieces)


def _info_pieces(line: str) -> list[str]:
    """「发布日期：2024-01-19　来源：花街镇人民政府」 as 「发布日期：2024-01-19」, 「来源：花街镇人民政府」."""
    parts = _INFO_KEY.split(line)
    return [(parts[i] + parts[i + 1]).strip() for i in range(1, len(parts) - 1, 2)]


def _cell_text(blocks: list[list[str]]) -> str:
    """A cell's blocks (<p>, <br>) run together as the printed label they break: 「商业<br>企业」."""
    return _squeeze("".join(_squeeze("".join(block)) for block in blocks))


def _squeeze(text: str) -> str:
    return re.sub(r"[ \t\r\n\u00a0]+", " ", _SEGMENT_BREAK.sub("", text)).strip()
