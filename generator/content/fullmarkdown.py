"""Markdown through Python-Markdown, configured for narratives: raw HTML escaped, unsafe
URLs dropped, headings nested below the page's own (see generator.content.narrative).

Used for what generator.content.plainmarkdown does not take: emphasis, links, nested lists.
"""

from __future__ import annotations

import html
import re
from typing import Callable

import markdown
from markdown.serializers import RE_AMP
from markdown.treeprocessors import Treeprocessor
from markdown.util import AMP_SUBSTITUTE, AtomicString

from generator.content.plainmarkdown import INLINE_SYNTAX, nested_heading

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
        self.md = markdown.Markdown(extensions=["sane_lists"], output_format="html")
        self.md.preprocessors.deregister("html_block")
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
