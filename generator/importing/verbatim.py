"""An imported report's narrative as Markdown that shows exactly the printed characters.

Escaping is done at the HTML level, with character references (&lt; &#42; …), not with
Markdown's backslashes: Python-Markdown (generator.content.fullmarkdown) leaves a backslash
before `<` or `&` on the page, while every renderer and browser reads a character reference
as its character. Only the characters that could start Markdown or HTML syntax are escaped,
so the .md stays readable for the editor; the checks that read the Markdown (R9, R10) decode
the references (generator.content.plainmarkdown.as_printed).

Structure, without changing a character: a report from before 2019 (自由格式) gets its
own numbered section headings (一、概述 …) as `##` headings. In the others, the numbered
sub-heads of sections 一 and 五 (「（一）主动公开情况」, 「(二)改进措施」 …) and the
存在的主要问题/改进情况 parts of 五 become `###` headings when they start a printed line or,
in a page flattened into one line, follow a sentence's end and a space. A sub-head run into
its paragraph is split from it only at a space or after its own 。 or ：, so the heading and
the paragraph keep every character.
"""

from __future__ import annotations

import re

from generator.core.form import FORMAT_FREE, SECTIONS, TABLE_SECTIONS
from generator.importing.published import Published

# Anywhere in a line: the characters of inline syntax (code, emphasis, links, autolinks,
# entities, escapes); > with <, so that a title printed <…> reads &lt;…&gt; in the .md.
_INLINE = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\\": "&#92;", "`": "&#96;", "*": "&#42;", "_": "&#95;",
           "[": "&#91;", "]": "&#93;"}
_INLINE_CHARACTERS = re.compile("[" + re.escape("".join(_INLINE)) + "]")
# At the start of a line: a heading, a list item, a rule, a table row (> is escaped everywhere).
_BLOCK_START = re.compile(r"[#|]|[+\-](?=[\s+\-]|$)|\d+[.)](?=\s|$)")
_BLOCK = {"#": "&#35;", "+": "&#43;", "-": "&#45;", "|": "&#124;", ".": "&#46;", ")": "&#41;"}

_NUMBER = re.compile(r"[（(][一二三四五六七八九十]{1,2}[）)]")
# What a sub-head of each section is about (the 2021 format's words and their common variants)
_TOPICS = {
    "一": ("主动公开", "依申请公开", "信息管理", "平台建设", "监督保障"),
    "五": ("问题", "不足", "改进", "整改", "措施", "下一步"),
}
_LONGEST = 24                          # characters of a sub-head, its number included
_NOT_IN_A_HEAD = re.compile(r"[，,；;、。！？!?：:#\s]")    # (a # would close the heading)
_HEAD_END = "。：:"                    # kept in the heading: the sub-head's own punctuation
# A paragraph break in a page flattened into one line: a sentence's end and a space
_NUMBERED_AFTER_A_SENTENCE = re.compile(r"(?<=[。！？；!?;])\s+(?=" + _NUMBER.pattern + ")")
# A section heading of a report from before 2019 (一、概述 …): numbered, short, not a sentence
_FREE_HEADING = re.compile(r"[一二三四五六七八九十]{1,3}、[^，,；;。！？!?：:#]{1,30}")
_UNNUMBERED_SECTIONS = ("五",)         # 存在的主要问题 / 改进情况 are sub-heads without a number too


def narrative_markdown(report: Published) -> str:
    """The text as published: each printed line a paragraph (or a sub-head), under the
    section headings."""
    if report.format == FORMAT_FREE:           # no official sections: every line in its order
        return "\n\n".join(f"## {markdown_literal(line)}" if _FREE_HEADING.fullmatch(line)
                           else markdown_literal(line) for line in report.body) + "\n"
    parts = [markdown_literal(line) for line in report.preamble]
    for number, official in SECTIONS:
        if number in TABLE_SECTIONS and not report.sections.get(number):
            continue
        parts.append(f"## {markdown_literal(report.headings.get(number, official))}")
        for line in report.sections.get(number, []):
            parts += [f"### {markdown_literal(text)}" if is_head else markdown_literal(text)
                      for text, is_head in subhead_pieces(line, number)]
    return "\n\n".join(parts) + "\n"


def markdown_literal(line: str) -> str:
    """A printed line as Markdown that every renderer shows as exactly these characters."""
    line = _INLINE_CHARACTERS.sub(lambda m: _INLINE[m.group()], line.strip())
    start = _BLOCK_START.match(line)
    if start is None:
        return line
    mark = start.group()[-1]
    return line[:start.end() - 1] + _BLOCK[mark] + line[start.end():]


def subhead_pieces(line: str, section: str) -> list[tuple[str, bool]]:
    """The line as (text, is a sub-head) pieces, in order; their characters are the line's
    but for the spaces at a cut."""
    if section not in _TOPICS:
        return [(line, False)]
    starts = [0] + [m.end() for m in _NUMBERED_AFTER_A_SENTENCE.finditer(line)]
    pieces: list[tuple[str, bool]] = []
    done = 0
    for start in starts:
        end = _subhead_end(line, start, section)
        if end is None or start < done:
            continue
        pieces += [(line[done:start].strip(), False), (line[start:end].strip(), True)]
        done = end
    pieces.append((line[done:].strip(), False))
    return [(text, is_head) for text, is_head in pieces if text]


def _subhead_end(line: str, start: int, section: str) -> int | None:
    """Where the sub-head starting at `start` ends, or None if none starts there: it is
    numbered (or, in section 五, at the start of a line), short, about its section's
    topics, and ends the line or is followed by a space or its own 。 or ：."""
    number = _NUMBER.match(line, start)
    if number is None and (start or section not in _UNNUMBERED_SECTIONS):
        return None
    text_start = number.end() if number else start
    stop = _NOT_IN_A_HEAD.search(line, text_start)
    end = len(line) if stop is None else stop.start()
    if stop is not None and stop.group() in _HEAD_END and (number or stop.group() != "。"):
        end += 1                   # (a short unnumbered sentence in 五 is no sub-head)
    elif stop is not None and not stop.group().isspace():
        return None                # a clause goes on: a sentence, not a heading
    head = line[text_start:end]
    if not head.strip(_HEAD_END) or end - start > _LONGEST or not any(word in head for word in _TOPICS[section]):
        return None
    return end
