"""A fast reader for the plain shape data files almost always have.

A report's data file is nested `key: value` lines, flow lists of numbers and
comments. Composing it through PyYAML costs a Python call chain per scalar
(about 250 numbers a report): a third of a build. This reader handles exactly
that shape line by line and gives up (returns None) on anything else, so
generator.inputs.source falls back to PyYAML for the file, with PyYAML's messages.

It produces the same Document as the full path: the same values (numbers, plain
strings, YYYY-MM-DD dates, booleans and null are typed here; any other scalar by
PyYAML's own resolver and our _scalar, in generator.inputs.yamlfull), the same line for
every key and item, the same source text of scalars.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

from generator.inputs.document import MAX_DEPTH, MAX_DIGITS
from generator.problems import INVISIBLE

_NUMBER = re.compile(rf"[0-9]{{1,{MAX_DIGITS}}}")
_DECIMAL = re.compile(r"[0-9]+\.[0-9]+")
_COUNTS = re.compile(rf"{_NUMBER.pattern}(?: *, *{_NUMBER.pattern})*")
_KEY_LINE = re.compile(r"( *)([^\s#\-\[\]{}&*!|>'\"%@`,?:][^:#]*?):(?: +(.*?))?\s*$")
# anything PyYAML should judge (a colon is plain text unless a space or the end follows: a URL is)
NEEDS_PYYAML = re.compile(r"[\[\]{}&*!|>'\"%@`#]|:(?: |$)|^-|^\?|^,")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# The first characters of PyYAML's implicit types (null, bool, int, float, timestamp, merge,
# value, and the indicators NEEDS_PYYAML refuses): a plain scalar starting otherwise is a string.
_TYPED_FIRST = frozenset("~nNyYtTfFoO0123456789+-.<=!&*")
# YAML 1.1's booleans and null, as PyYAML's resolver and SafeConstructor read them
_WORDS = {word: value for words, value in (("yes Yes YES true True TRUE on On ON", True),
                                           ("no No NO false False FALSE off Off OFF", False),
                                           ("~ null Null NULL", None)) for word in words.split()}


class _GiveUp(Exception):
    pass


def read_plain_yaml(text: str) -> tuple[Any, dict, dict] | None:
    """(data, lines, raw) as source.parse_yaml would build them, or None to use PyYAML."""
    if "\t" in text or "\r" in text:
        return None
    try:
        return _read(text)
    except _GiveUp:
        return None


def _read(text: str) -> tuple[Any, dict, dict]:
    lines: dict[tuple, int] = {}
    raw: dict[tuple, str] = {}
    root: dict = {}
    stack: list[tuple[int, tuple, dict]] = [(-1, (), root)]   # (indent, path, mapping)
    pending: tuple[int, tuple, dict, str, int] | None = None    # a `key:` waiting for its block
    number = 0
    for number, line in enumerate(text.split("\n"), start=1):
        parts = _seen.get(line)
        if parts is None:
            parts = _split(line)
        if not parts:
            continue                                       # blank or a comment
        indent, key, value = parts
        if pending is not None:
            parent_indent, parent_path, parent, parent_key, _ = pending
            pending = None
            if indent > parent_indent:                     # the block of the pending key opens
                child: dict = {}
                parent[parent_key] = child
                stack.append((indent, parent_path + (parent_key,), child))
                if len(stack) > MAX_DEPTH:
                    raise _GiveUp                          # the full path refuses it with its line
            else:
                parent[parent_key] = None                  # `key:` with nothing under it
                raw[parent_path + (parent_key,)] = ""
        top = stack[-1]
        if indent != top[0]:                               # (most lines: a key beside the last one)
            while indent < top[0]:
                if len(stack) == 1:
                    raise _GiveUp                          # left of the first key: not one document
                stack.pop()
                top = stack[-1]
            if top[0] == -1:                               # the first key: the document's indent
                top = stack[-1] = (indent, (), root)
            elif indent != top[0]:
                raise _GiveUp                              # misaligned: let PyYAML explain
        _, path, mapping = top
        if key in mapping or key == "<<":
            raise _GiveUp                                  # duplicates and merges: PyYAML's messages
        key_path = path + (key,)
        lines[key_path] = number
        if len(lines) == 1:
            lines[()] = number       # the document's line: its first key's (a mapping's is its key's)
        if value is None:                                  # `key:` (or `key: `): a block or null follows
            pending = (indent, path, mapping, key, number)
            continue
        if value.startswith("["):
            counts = _counts_seen.get(value)               # a row of counts read before: most rows
            mapping[key] = list(counts) if counts is not None else _flow_list(value, key_path, number, lines, raw)
        else:
            mapping[key] = _value(value, key_path, number, raw)
    if pending is not None:
        _, parent_path, parent, parent_key, _ = pending
        parent[parent_key] = None
        raw[parent_path + (parent_key,)] = ""
    if not root:
        raise _GiveUp                                      # empty or comment-only: PyYAML says None
    return root, lines, raw


# Most lines of a portal's data files recur, in file after file: headings, comments, rows of
# zeros. Splitting one costs a regular expression; looking it up here does not.
_seen: dict[str, tuple] = {}
_SEEN_AT_MOST = 20_000       # lines (a few MB), cleared when full: the ones that recur come back at once
_counts_seen: dict[str, tuple[int, ...]] = {}    # `[1, 0, 2]` -> its counts


def _split(line: str) -> tuple:
    """(indent, key, value) of a `key: value` line, the value without its comment and None when
    a block follows; () for a blank or comment line."""
    stripped = line.lstrip(" ")
    if not stripped or stripped.startswith("#"):
        parts = ()
    else:
        match = _KEY_LINE.fullmatch(line)
        if match is None or INVISIBLE.search(line):
            raise _GiveUp                                  # an invisible character: document.Document.invisible
        value = match.group(3)
        parts = (len(match.group(1)), match.group(2).rstrip(),
                 None if not value or value.startswith("#") else _strip_comment(value))
    if len(_seen) >= _SEEN_AT_MOST:
        _seen.clear()
        _counts_seen.clear()
    _seen[line] = parts
    return parts


def _strip_comment(value: str) -> str:
    at = value.find(" #")
    return (value[:at] if at >= 0 else value).rstrip()


def _flow_list(value: str, path: tuple, number: int, lines: dict, raw: dict) -> list:
    if not value.endswith("]") or value.count("[") != 1 or value.count("]") != 1:
        raise _GiveUp
    inner = value[1:-1].strip()
    if not inner:
        return []
    if _COUNTS.fullmatch(inner):
        # A table row of plain counts, most of every data file: its items are on the
        # list's own line (Document.line finds it there) and no field reads their text.
        # Remembered: _read looks a row up before it calls this.
        counts = _counts_seen[value] = tuple(int(item) for item in inner.split(","))
        return list(counts)
    items = [item.strip() for item in inner.split(",")]
    if not all(items) or any(item.startswith(":") for item in items):
        raise _GiveUp                                      # `[1, , 2]`, `[1,]`, `[0, :- 0]`: PyYAML decides
    result = []
    for index, item in enumerate(items):
        lines[path + (index,)] = number
        result.append(_value(item, path + (index,), number, raw))
    return result


def _value(text: str, path: tuple, number: int, raw: dict):
    if NEEDS_PYYAML.search(text):
        raise _GiveUp
    raw[path] = text
    if _NUMBER.fullmatch(text):
        return int(text)
    if _DECIMAL.fullmatch(text):
        return Decimal(text)
    if text[0] not in _TYPED_FIRST:
        return text                                        # no implicit type starts so: a string
    if text in _WORDS:
        return _WORDS[text]
    if _DATE.fullmatch(text):
        try:
            return datetime.date(int(text[:4]), int(text[5:7]), int(text[8:]))
        except ValueError:
            return text                                    # 2024-13-19: the field says so in Chinese
    from generator.inputs.yamlfull import plain_scalar            # null, true, 1e3 ...: PyYAML's resolver
    try:
        return plain_scalar(text, number)
    except ValueError:
        raise _GiveUp from None                            # `<<`, `=`: PyYAML's path reports them
