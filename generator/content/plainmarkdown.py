"""Markdown that is only headings, paragraphs and simple lists, rendered without Python-Markdown.

Most narratives are exactly that: blocks separated by blank lines, each a
`### heading`, a paragraph, or a list with one line per item, and text with no
inline syntax. Python-Markdown was the largest single cost of a build (a
tree of elements, a dozen processors and a serializer per report); for this
shape the HTML is simple to write directly.

render_plain() returns the same bytes Python-Markdown (as generator.content.fullmarkdown
configures it) would, or None for anything outside that shape, which then goes
through Python-Markdown. tests/test_markdown.py checks the two agree on
generated documents full of near misses.
"""

from __future__ import annotations

import html
import re

# Every character an inline pattern of generator.content.fullmarkdown's Markdown can start at, and
# the hard line break: text without them is the same after the inline pass.
INLINE_CHARS = r"`\\\[<&*_"             # as the inside of a character class
INLINE_SYNTAX = re.compile(rf"[{INLINE_CHARS}]|  \n")
_HEADING = re.compile(r"(#{1,6})[ ]*([^#\s](?:[^#]*[^#\s])?)")   # `### text` (closing #s: left to Markdown)
_ORDERED_ITEM = re.compile(r"(\d+)\.[ ]+(\S.*)")
_BULLET_ITEM = re.compile(r"[-*+][ ]+(\S.*)")
# A line that could start any other block (quote, code, rule, setext underline, list,
# heading, reference), or with a leading space; one with a trailing space: not ours to judge either.
_NOT_PLAIN_START = re.compile(r"[\s>#*+\-_=|]|\d+\.(?:\s|$)")
# Escaped, or changed by Markdown's whitespace clean-up; or `|`, which may make a table.
_SPECIAL_CHARS = r">|\t\r\x02\x03"
# The characters of INLINE_SYNTAX and the special ones: a search for a class of characters is
# the fastest (with `"  \n" in` for the rest, a quarter of the time of two searches)
_SYNTAX_OR_SPECIAL = re.compile(rf"[{INLINE_CHARS}{_SPECIAL_CHARS}]")
# Where a table without a title of its own gets the heading it is under as its caption
# (generator.content.fullmarkdown leaves it, generator.content.narrative fills it).
CAPTION_HOLE = "\ue001"


def render_plain(source: str, top: str = "h3") -> str | None:
    """The HTML of `source`, or None when it is not plain headings, paragraphs and lists."""
    if _SYNTAX_OR_SPECIAL.search(source) or "  \n" in source:
        return None
    out: list[str] = []
    previous_was_list = False
    for block in source.split("\n\n"):
        block = block.strip("\n")
        if not block:
            continue
        lines = block.split("\n")
        first = lines[0]
        if first.startswith("#"):
            match = _HEADING.fullmatch(first)
            if match is None or len(lines) > 1:
                return None
            tag = nested_heading(f"h{len(match.group(1))}", top)
            out.append(f"<{tag}>{match.group(2)}</{tag}>")
            previous_was_list = False
            continue
        items = _list_items(lines)
        if items is not None:
            if previous_was_list:
                return None           # two lists with a blank line between: one loose list in Markdown
            out.append(items)
            previous_was_list = True
            continue
        if any(map(_not_plain, lines)):
            return None
        out.append(f"<p>{block}</p>")
        previous_was_list = False
    return "\n".join(out)


def _not_plain(line: str) -> bool:
    """Whether the line could start another block, or has a space at either end. (Its last
    character tested apart: a regular expression for it went through the whole line.)"""
    return _NOT_PLAIN_START.match(line) is not None or line[-1:].isspace()


def nested_heading(tag: str, top: str) -> str:
    """A heading's tag below the page's own: h1 and h2 become `top` (h3 inside a section, h2
    in a free-text report); generator.content.fullmarkdown applies the same rule."""
    return top if tag in ("h1", "h2") and tag < top else tag


def _list_items(lines: list[str]) -> str | None:
    """The list, if every line is an item of one kind (a numbered list starting at 1); else None."""
    if _ORDERED_ITEM.fullmatch(lines[0]):
        matches = [_ORDERED_ITEM.fullmatch(line) for line in lines]
        tag = "ol"
    elif _BULLET_ITEM.fullmatch(lines[0]):
        matches = [_BULLET_ITEM.fullmatch(line) for line in lines]
        tag = "ul"
    else:
        return None
    if not all(matches) or tag == "ol" and matches[0].group(1) != "1":
        return None
    texts = [m.group(m.lastindex) for m in matches]
    if any(map(_not_plain, texts)):
        return None                   # an item that opens another block (a nested list, a heading)
    items = "\n".join(f"<li>{text}</li>" for text in texts)
    return f"<{tag}>\n{items}\n</{tag}>"


# A character reference as Python-Markdown passes it to the page (its inline ENTITY_RE)
_REFERENCE = re.compile(r"&(?:#[0-9]+|#x[0-9a-fA-F]+|[a-zA-Z0-9]+);")


def as_printed(text: str) -> str:
    """`text` with its character references as the page shows them (&lt; is <, &#42; is *):
    what the checks that read the Markdown (R9, R10) should see. An imported narrative
    escapes so (generator.importing.verbatim). A reference to a line break is kept, so that
    line numbers stay true."""
    if "&" not in text:
        return text
    return _REFERENCE.sub(_decoded, text)


def _decoded(reference: re.Match) -> str:
    character = html.unescape(reference.group())
    return reference.group() if "\n" in character or "\r" in character else character
