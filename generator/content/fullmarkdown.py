"""Markdown through Python-Markdown, configured for narratives: raw HTML escaped, unsafe
URLs dropped, headings nested below the page's own (see generator.content.narrative).

Used for what generator.content.plainmarkdown does not take: emphasis, links, nested lists,
pipe tables (Python-Markdown's `tables`, made accessible by _AccessibleTables).
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree
from typing import Callable

import markdown
from markdown.preprocessors import Preprocessor
from markdown.serializers import RE_AMP
from markdown.treeprocessors import Treeprocessor
from markdown.util import AMP_SUBSTITUTE, AtomicString

from generator.content.plainmarkdown import CAPTION_HOLE, INLINE_SYNTAX, nested_heading
from generator.content.tablesource import TABLE_SEPARATOR, is_table_row

# A paragraph that titles the table below it, as reports number them: 表1 …, 表一：…, 附表2 …
_TABLE_TITLE = re.compile(r"(?:附表|表)\s*[0-9０-９一二三四五六七八九十]+(?:[\s：:、.．]|$)")
_NUMBER_ONLY = re.compile(r"[\d０-９,，.．%％\s]*")
_ALIGNMENT = re.compile(r"text-align: (left|center|right);")

_SAFE_SCHEMES = {"http", "https", "mailto", "tel"}     # or none: a relative URL
# The URL parser drops tabs and newlines anywhere and controls and spaces at the ends; dropping
# them everywhere can only make more URLs look like they have a scheme, never fewer.
_IGNORED_BY_URL_PARSER = re.compile(r"[\x00-\x20\x7f]+")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")     # ASCII only, as the URL parser reads it


class _SafeAndNested(Treeprocessor):
    """Drops unsafe URLs; hands the others to `local` (a report's own files: see
    generator.content.reportfiles); headings start below the page's own: at h3 inside a section
    (h2 is the section), at h2 in a free-text report (h1 is its title)."""

    def __init__(self, md, top: str):
        super().__init__(md)
        self.top = top
        self.dropped: list[str] = []    # the unsafe URLs of the last document, as written
        self.local: Callable[[object, str], None] | None = None   # (element, attribute): may rewrite it

    def run(self, root):
        for element in root.iter():
            for attribute in ("href", "src"):
                value = element.get(attribute)
                if value is None:
                    continue
                if not _safe_url(value):
                    del element.attrib[attribute]
                    self.dropped.append(value)
                elif self.local is not None:
                    self.local(element, attribute)
            element.tag = nested_heading(element.tag, self.top)


class _TableStartsABlock(Preprocessor):
    """A blank line before a table's header line: Python-Markdown sees a table only at the start
    of a block, but editors write its title 「表1 …」 on the line just above it (as GitHub allows)."""

    def run(self, lines):
        out = []
        for index, line in enumerate(lines):
            if ("|" in line and out and out[-1].strip() and index + 1 < len(lines)
                    and TABLE_SEPARATOR.fullmatch(lines[index + 1]) and not TABLE_SEPARATOR.fullmatch(line)
                    and not is_table_row(out[-1])):
                out.append("")
            out.append(line)
        return out


class _AccessibleTables(Treeprocessor):
    """A pipe table as the official tables are: in a labelled region that scrolls on a phone,
    with a caption, column headers `th scope="col"`, and its first column as row headers
    when it names what each row counts (text, not numbers: a 序号 or a year column stays data).

    The caption is a title paragraph just above the table (moved into it, not repeated);
    without one it is the heading the table is under, hidden as the captions of tables 三 and
    四 are: the heading is on screen already, and a screen reader's table list needs a name.
    Alignment becomes a class: no inline styles."""

    def run(self, root):
        count = 0
        for parent in list(root.iter()):
            children = list(parent)
            for index, table in enumerate(children):
                if table.tag != "table":
                    continue
                count += 1
                title = children[index - 1] if index else None
                if title is not None and (title.tag != "p" or not _TABLE_TITLE.match("".join(title.itertext()))):
                    title = None
                self._dress(parent, table, title, f"md-table-{count}")

    def _dress(self, parent, table, title, table_id: str) -> None:
        caption = etree.Element("caption", {"id": f"{table_id}-caption"})
        if title is not None:
            caption.text = title.text
            caption.extend(list(title))
            parent.remove(title)
        else:
            caption.text = CAPTION_HOLE
            caption.set("class", "visually-hidden")
        caption.tail = "\n"
        table.insert(0, caption)
        table.set("class", "report-table md-table")
        table.set("id", table_id)
        wrap = etree.Element("div", {"class": "table-wrap", "role": "region", "aria-labelledby": f"{table_id}-caption",
                                     "tabindex": "0"})
        wrap.tail, table.tail = table.tail, "\n"
        wrap.text = "\n"
        parent.insert(list(parent).index(table), wrap)
        parent.remove(table)
        wrap.append(table)
        for cell in table.iter():
            alignment = _ALIGNMENT.fullmatch(cell.attrib.pop("style", ""))
            if alignment:
                cell.set("class", f"align-{alignment.group(1)}")
        for cell in table.iter("th"):
            cell.set("scope", "col")
        body = table.find("tbody")
        rows = list(body) if body is not None else []
        firsts = [row[0] for row in rows if len(row)]
        if len(table.find("thead")[0]) > 1 and firsts and all(_names_a_row(cell) for cell in firsts):
            for cell in firsts:
                cell.tag = "th"
                cell.set("scope", "row")


def _names_a_row(cell) -> bool:
    text = "".join(cell.itertext()).strip()
    return bool(text) and not _NUMBER_ONLY.fullmatch(text)


class SkipPlainText(Treeprocessor):
    """Marks text with no inline syntax as done, so the inline pass skips it.

    Chinese narrative rarely has any: this halves the Markdown time, and the
    output is the same bytes (the serializer escapes text either way).
    """

    def run(self, root):
        for element in root.iter():
            for attribute in ("text", "tail"):
                value = getattr(element, attribute)
                if value and not isinstance(value, AtomicString) and not INLINE_SYNTAX.search(value):
                    setattr(element, attribute, AtomicString(value))


def _safe_url(value: str) -> bool:
    """Whether an href or src keeps to the allowed schemes as the browser will read it."""
    scheme = _SCHEME.match(_IGNORED_BY_URL_PARSER.sub("", _as_the_browser_reads(value)))
    return scheme is None or scheme.group(1).lower() in _SAFE_SCHEMES


def _as_the_browser_reads(value: str) -> str:
    """An attribute value of the tree as a browser decodes it from the page: the serializer
    keeps `&...;` entities as written (and `&#106;` is a `j` to the browser), escapes any
    other `&`, and its `&` placeholder (in encoded mailto links) becomes `&` after it."""
    return html.unescape(RE_AMP.sub("&amp;", value).replace(AMP_SUBSTITUTE, "&"))


class MarkdownRenderer:
    """Python-Markdown configured for narratives: no raw HTML, safe URLs, headings nested
    below `top`, plain text skipped by the inline pass (tests build one to compare with)."""

    def __init__(self, top: str = "h3"):
        self.md = markdown.Markdown(extensions=["sane_lists", "tables"], output_format="html")
        self.md.preprocessors.deregister("html_block")
        self.md.preprocessors.register(_TableStartsABlock(self.md), "gongkai_table_block", 25)
        self.md.treeprocessors.register(_AccessibleTables(self.md), "gongkai_tables", 1)
        self.md.inlinePatterns.deregister("html")
        self.md.treeprocessors.register(SkipPlainText(self.md), "gongkai_plain", 25)   # before "inline" (20)
        self.safe = _SafeAndNested(self.md, top)
        self.md.treeprocessors.register(self.safe, "gongkai_safe", 0)

    def __call__(self, source: str, local: Callable[[object, str], None] | None = None) -> str:
        self.md.reset()
        self.safe.dropped = []
        self.safe.local = local
        try:
            return self.md.convert(source)
        finally:
            self.safe.local = None


_renderers: dict[str, MarkdownRenderer] = {}


def render_full(source: str, top: str = "h3", dropped: list[str] | None = None,
                local: Callable[[object, str], None] | None = None) -> str:
    """The HTML of `source`; the unsafe URLs it dropped are added to `dropped`; `local`
    sees every other link and image (see _SafeAndNested)."""
    if top not in _renderers:
        _renderers[top] = MarkdownRenderer(top)
    renderer = _renderers[top]
    result = renderer(source, local)
    if dropped is not None:
        dropped.extend(renderer.safe.dropped)
    return result
