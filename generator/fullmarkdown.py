"""Markdown through Python-Markdown, configured for narratives: raw HTML escaped, unsafe
URLs dropped, headings nested below the page's own (see generator.narrative).

Used for what generator.plainmarkdown does not take: emphasis, links, nested lists.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import markdown
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

from generator.plainmarkdown import INLINE_SYNTAX, nested_heading

_SAFE_SCHEMES = {"", "http", "https", "mailto", "tel"}
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


class _SafeAndNested(Treeprocessor):
    """Drops unsafe URLs; headings start below the page's own: at h3 inside a section
    (h2 is the section), at h2 in a free-text report (h1 is its title)."""

    def __init__(self, md, top: str):
        super().__init__(md)
        self.top = top

    def run(self, root):
        for element in root.iter():
            for attribute in ("href", "src"):
                value = element.get(attribute)
                if value is not None and not _safe_url(value):
                    del element.attrib[attribute]
            element.tag = nested_heading(element.tag, self.top)


class _SkipPlainText(Treeprocessor):
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


def _safe_url(url: str) -> bool:
    return urlsplit(_CONTROL.sub("", url)).scheme.lower() in _SAFE_SCHEMES


class _Renderer:
    def __init__(self, top: str = "h3"):
        self.md = markdown.Markdown(extensions=["sane_lists"], output_format="html")
        self.md.preprocessors.deregister("html_block")
        self.md.inlinePatterns.deregister("html")
        self.md.treeprocessors.register(_SkipPlainText(self.md), "gongkai_plain", 25)   # before "inline" (20)
        self.md.treeprocessors.register(_SafeAndNested(self.md, top), "gongkai_safe", 0)

    def __call__(self, source: str) -> str:
        self.md.reset()
        return self.md.convert(source)


_renderers: dict[str, _Renderer] = {}


def render_full(source: str, top: str = "h3") -> str:
    if top not in _renderers:
        _renderers[top] = _Renderer(top)
    return _renderers[top](source)
