"""Pipe tables as the editor typed them: the ones that will not show as the editor meant.

Python-Markdown's `tables` pads a short row and cuts a long one without a word, and a
table without its `| --- |` line stays literal pipes; both get a warning with the line.
"""

from __future__ import annotations

import re

from generator.problems import Problems

# A pipe table's header line is followed by its `| --- | :-: |` line (both have a `|`).
TABLE_SEPARATOR = re.compile(r" {0,3}(?=.*\|)\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*")
_CODE_SPAN = re.compile(r"`[^`]*`")
_SHOWN_LINES = 8


def cell_count(line: str) -> int:
    """The cells of a table row as Python-Markdown splits it: `\\|` and code spans don't split."""
    row = _CODE_SPAN.sub("", line.replace("\\|", "")).strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|"):
        row = row[:-1]
    return row.count("|") + 1


def warn_malformed_tables(text: str, rel: str, problems: Problems) -> None:
    if "|" not in text:
        return
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        index = _check_block(lines, index, rel, problems)


def _check_block(lines: list[str], start: int, rel: str, problems: Problems) -> int:
    """Checks the table or the pipe rows starting at `start`; the index after what it read."""
    line = lines[start]
    following = lines[start + 1] if start + 1 < len(lines) else ""
    if "|" in line and not TABLE_SEPARATOR.fullmatch(line) and TABLE_SEPARATOR.fullmatch(following):
        return _check_table(lines, start, rel, problems)
    if _pipe_row(line):
        end = start
        while end < len(lines) and _pipe_row(lines[end]):
            end += 1
        if end - start >= 2:
            problems.warning(rel, start + 1, f"第 {start + 1}–{end} 行像是表格，但表头下面缺少分隔行"
                                             "（如「| --- | --- |」），因此按原样显示为文字", "table")
        return max(end, start + 1)
    return start + 1


def _check_table(lines: list[str], start: int, rel: str, problems: Problems) -> int:
    columns = cell_count(lines[start])
    separator = cell_count(lines[start + 1])
    end = start + 2
    while end < len(lines) and lines[end].strip():
        end += 1
    if separator != columns:
        problems.warning(rel, start + 2, f"表格的表头有 {columns} 格，下面的分隔行有 {separator} 格，"
                                         "两者不一致，因此没有显示为表格", "table")
        return end
    uneven = [n for n in range(start + 2, end) if cell_count(lines[n]) != columns]
    if uneven:
        first = uneven[0]
        others = "、".join(str(n + 1) for n in uneven[1:_SHOWN_LINES])
        more = f"（第 {others} 行{'等' if len(uneven) > _SHOWN_LINES else ''}也是）" if others else ""
        problems.warning(rel, first + 1, f"表格这一行有 {cell_count(lines[first])} 格，表头有 {columns} 格{more}："
                                         "多出的格不会显示，缺少的格显示为空", "table")
    return end


def is_table_row(line: str) -> bool:
    return line.lstrip().startswith("|")


def _pipe_row(line: str) -> bool:
    """A line an editor clearly meant as a table row: it starts and ends with `|`."""
    stripped = line.strip()
    return len(stripped) > 1 and stripped.startswith("|") and stripped.endswith("|") and not line.startswith("    ")
