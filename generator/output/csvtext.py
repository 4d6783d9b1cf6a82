"""CSV text as every published CSV writes it: UTF-8 with a BOM (so Excel and WPS open it
with the right characters), CRLF line ends, and no field a spreadsheet would run as a formula."""

from __future__ import annotations

import re

BOM = "\ufeff"

# A spreadsheet runs a field that starts so as a formula ("CSV injection", OWASP).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_QUOTED = re.compile(r'[,"\r\n]')


def _csv_field(value) -> str:
    """One field as CSV text. Text a spreadsheet would run as a formula (a unit named
    `=HYPERLINK(…)`) gets a ' before it and is quoted, as OWASP recommends; numbers are
    written as they are (a 2019 本年增/减 of -3 stays the number -3)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return str(value)
    if value.startswith(_FORMULA_START):
        value = "'" + value
    elif not _QUOTED.search(value):
        return value
    return '"' + value.replace('"', '""') + '"'


def csv_line(fields) -> str:
    """One CSV line of these fields, without its line end. Not csv.writer: without a line
    terminator it leaves a line break in a field unquoted."""
    return ",".join(map(_csv_field, fields))
