"""Limits on the Markdown given to Python-Markdown, checked in one linear pass before it.

Python-Markdown is not built for hostile input. Its link parser scans from each `[`, and
from each `](`, to the closing bracket, or to the end of the paragraph when there is none
(or when a quote in the address makes it look for a title): a paragraph of unpaired
brackets costs the square of its length (50 KB: minutes). Each inline match copies the
rest of the paragraph, and each inline element is taken from the front of a list of all
of them (100,000 emphasised words in a 2 MB file: 80 s). And it recurses once per quote or
list level (1,000 levels: RecursionError).

Within these limits its work grows linearly with the file. Real reports stay far below
them; past them the file is refused with a line to fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from generator.content.plainmarkdown import INLINE_CHARS, INLINE_SYNTAX
from generator.problems import Problems

MAX_NESTING = 10           # quote (>) and list levels on one line
MAX_UNPAIRED = 10          # `[` and `](` in one paragraph whose scan may run to its end
MAX_BRACKET_DEPTH = 10     # brackets inside brackets
MAX_MARKS = 2000           # characters that may start inline syntax (* _ ` [ < & \) in one paragraph
MAX_MARKS_IN_FILE = 10000  # and in the whole file

_MARKER = re.compile(r">[ \t]*|[-*+][ \t]+|\d{1,9}[.)][ \t]+")    # opens a quote or a list item
_MARKED_LINE = re.compile(rf"^[ \t]*(?:{_MARKER.pattern})", re.M)    # a line _check_nesting looks at
_BRACKET = re.compile(r"\\.|\]\(|[\[\]()\"']")                   # an escaped character is none
_SYNTAX_OR_BRACKET = re.compile(rf"[{INLINE_CHARS}\]()\"']")       # the characters of INLINE_SYNTAX and _BRACKET
_RULE = "markdown-limit"


def check_markdown_limits(text: str, rel: str, problems: Problems) -> bool:
    """Whether `text` is within the limits; else an error for each of the first places past one."""
    found = Problems()
    # Most narratives have none of these characters: one search for a class of them, the fastest
    unmarked = _SYNTAX_OR_BRACKET.search(text) is None and "  \n" not in text
    marks = 0 if unmarked else len(INLINE_SYNTAX.findall(text))
    if unmarked or (marks <= MAX_MARKS and _BRACKET.search(text) is None):
        # No paragraph has a bracket or quote unpaired, nor more than the file's marks: only the
        # nesting is left to check (a third of the time of reading every paragraph)
        _check_nesting_only(text, rel, found)
    else:
        _check_paragraphs(text, rel, found)
    if not found.items and marks > MAX_MARKS_IN_FILE:
        found.error(rel, None, f"正文中 * _ ` [ < & \\ 等符号共 {marks} 个，超过上限 {MAX_MARKS_IN_FILE} 个："
                               "请删去不需要的符号", _RULE)
    problems.items += found.items[:_SHOWN]
    if len(found.items) > _SHOWN:
        problems.error(rel, None, f"另有 {len(found.items) - _SHOWN} 处超过同样的上限", _RULE)
    return not found.items


_SHOWN = 5      # a file past a limit is often past it everywhere: the first few places say enough


def _check_paragraphs(text: str, rel: str, found: Problems) -> None:
    """Every limit, line by line."""
    paragraph = _Paragraph()
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            _check_nesting(line, number, rel, found)
            paragraph.read(line, number, rel, found)
        else:
            paragraph.end(rel, found)
            paragraph = _Paragraph()
    paragraph.end(rel, found)


def _check_nesting_only(text: str, rel: str, found: Problems) -> None:
    """The nesting of the lines that open a quote or list item: the only limit a text without
    brackets or quotes, and with at most MAX_MARKS marks in all, can be past."""
    number, counted_to = 1, 0
    for marked in _MARKED_LINE.finditer(text):
        start = marked.start()
        number += text.count("\n", counted_to, start)
        counted_to = start
        end = text.find("\n", start)
        _check_nesting(text[start:end if end >= 0 else len(text)], number, rel, found)


def _check_nesting(line: str, number: int, rel: str, problems: Problems) -> None:
    text = line.lstrip(" \t")
    marker = _MARKER.match(text)
    if marker is None:
        return
    levels = len(line[:len(line) - len(text)].expandtabs(4)) // 4 + 1     # 4 more spaces: a list level deeper
    while levels <= MAX_NESTING and (marker := _MARKER.match(text, marker.end())):
        levels += 1
    if levels > MAX_NESTING:
        problems.error(rel, number, f"引用（>）或列表嵌套超过 {MAX_NESTING} 层：请减少嵌套层次", _RULE)


@dataclass
class _Paragraph:
    """The brackets of one paragraph (lines between blank lines), read line by line."""
    square: list[int] = field(default_factory=list)          # line of each open `[`, innermost last
    round: list[int] = field(default_factory=list)           # line of each open `(`
    open_links: list[int] = field(default_factory=list)      # where in `round` the `](` without a quote after them are
    long_scans: list[int] = field(default_factory=list)      # each `](` with a quote after it
    marks: int = 0
    first_line: int = 0
    refused: bool = False                                    # said once per paragraph

    def read(self, line: str, number: int, rel: str, problems: Problems) -> None:
        self.first_line = self.first_line or number
        self.marks += len(INLINE_SYNTAX.findall(line))
        for token in [] if self.refused else _BRACKET.finditer(line):
            bracket = token.group()
            if bracket == "[":
                self.square.append(number)
            elif bracket in ("]", "](") and self.square:
                self.square.pop()
            if bracket in ("(", "]("):
                self.open_links += [len(self.round)] if bracket == "](" else []
                self.round.append(number)
            elif bracket == ")" and self.round:
                self.round.pop()
                if self.open_links and self.open_links[-1] == len(self.round):
                    self.open_links.pop()
            elif bracket in "\"'":
                # a quote makes the link parser read a title, which may run to the paragraph's end
                self.long_scans += [self.round[opened] for opened in self.open_links]
                self.open_links = []
            if len(self.square) > MAX_BRACKET_DEPTH or len(self.round) > MAX_BRACKET_DEPTH and bracket == "](":
                problems.error(rel, number, f"有 {MAX_BRACKET_DEPTH} 个以上的「[」或「(」没有配对，或套了这么多层："
                                            "请检查括号是否成对，正文中的方括号可改用全角「【】」", _RULE)
                self.refused = True
                return

    def end(self, rel: str, problems: Problems) -> None:
        if self.refused:
            return
        unpaired = sorted(self.square + self.long_scans + [self.round[opened] for opened in self.open_links])
        if len(unpaired) > MAX_UNPAIRED:
            problems.error(rel, unpaired[0], f"这一段有 {len(unpaired)} 个「[」或「](」没有配对的「]」或「)」（或链接地址里有引号），"
                                             f"超过上限 {MAX_UNPAIRED} 个：请检查括号是否成对，"
                                             "正文中的方括号可改用全角「【】」", _RULE)
        elif self.marks > MAX_MARKS:
            problems.error(rel, self.first_line, f"这一段有 {self.marks} 个 * _ ` [ < & \\ 等符号，"
                                                 f"超过上限 {MAX_MARKS} 个：请用空行把它分成几段", _RULE)
