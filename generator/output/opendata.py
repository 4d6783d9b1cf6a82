"""The reports' numbers as open data: per report and for the whole portal, CSV and JSON.

Researchers and auditors re-type these tables every year; here they are published
once, exactly as on the pages. A report's CSV download is its tables as printed
(output.printed); the portal's CSVs have one line per cell with a 表 column
(output.portaldata), from each unit's share made here; both are UTF-8 with a BOM,
so Excel and WPS open them with the right characters, and a blank cell is an
empty field, never 0. JSON carries the same numbers under their official labels.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from generator.content.checks import row_title
from generator.core.form import FORMAT_NAMES, TABLE2_2019, TABLE3_SINGLE_OTHER, TABLES
from generator.core.model import Report, Table
from generator.core.paths import CSV_HEADER, download_paths, report_file_path
from generator.output.cache import cache_folder
from generator.output.csvtext import BOM, csv_line
from generator.output.printed import form_cells, printed_csv
from generator.output.write import write_atomically
from generator.render.tables import HOLE, cell_texts, fill

def report_csv(report: Report, laid: list[tuple["_Layout", Table, list[str]]]) -> str:
    """One CSV line per table cell, in the order of the official form (no header), built from
    each table's cached cell names, with the unit's fields between the lines: its text fields
    are made safe (_csv_field) once per report, never per cell. The csv module and a tuple per
    cell were a tenth of a build; the pieces are interleaved by slices (as render.tables.fill),
    not joined by an f-string per cell: 7 of 18 us a report."""
    unit = csv_line((report.unit.id, report.unit_name, report.unit.kind, report.year, report.format))
    flags = csv_line(("是" if report.as_published else "否", "是" if report.discrepancies else "否"))
    between = f",{flags}\r\n{unit}"        # ends one line, starts the next
    pieces = []
    for layout, _, texts in laid:           # name, number, between: for each cell
        cells = [between] * (3 * len(texts))
        cells[0::3] = layout.csv_names
        cells[1::3] = texts
        pieces += cells
    if not pieces:
        return ""
    pieces[-1] = f",{flags}\r\n"
    return unit + "".join(pieces)


def _laid_out(report: Report) -> list[tuple["_Layout", Table, list[str]]]:
    """The report's tables in order 二 三 四, each with its layout and its numbers as printed,
    in the form's order: made once for the report's CSV, its printed CSV and (a table of
    counts only) its JSON, not three times: 29 us less a report, a sixth of its open data."""
    tables = [table for _, table in sorted(report.tables.items(), key=lambda item: "二三四".index(item[0]))]
    return [(layout, table, cell_texts(table, layout.cells)) for table, layout in zip(tables, map(_layout, tables))]


def _row_name(row, parents, number: str) -> str:
    # Table 4's columns repeat under 行政复议 and each kind of 行政诉讼: the row names its group.
    if number == "四" and parents:
        return f"{parents[-1].label} {row.label}"
    return row_title(row, parents)


def _json_text(value) -> str:
    return "null" if value is None else json.dumps(_json_number(value))


def csv_bytes(rows: list[tuple], header: bool = True) -> bytes:
    lines = [csv_line(row) + "\r\n" for row in ([CSV_HEADER] if header else []) + list(rows)]
    return ((BOM if header else "") + "".join(lines)).encode("utf-8")


def _report_fields(report: Report) -> dict:
    # 名称: as the report was published (曾用名); 现名称 only when the unit has been renamed since
    renamed = {"现名称": report.unit.name} if report.unit_name != report.unit.name else {}
    original = {"全真版": report_file_path(report, report.original)} if report.original else {}
    return {
        "单位": {"编号": report.unit.id, "名称": report.unit_name, "类型": report.unit.kind, **renamed},
        "年度": report.year,
        "标题": report.title,
        "发布日期": report.published.isoformat() if report.published else None,
        "格式": report.format,
        "格式说明": FORMAT_NAMES[report.format],
        "按原样发布": report.as_published,
        "汇总单位": [{"编号": unit.id, "名称": unit.name} for unit in report.members],
        "不符合勾稽关系": [{"说明": f.message, "规则": f.rule} for f in report.discrepancies],
        **original,     # its address from the site's root; only when there is one, so older records stay as they were
    }


def _table_data(table: Table, values: list) -> dict:
    numbers = iter(values)
    rows = [{"行": row.label, "分组": [group.label for group in parents],
             "数值": {column.label: _json_number(next(numbers)) for column in row.columns}}
            for row, parents in table.rows()]
    return {"表": table.form.number, "标题": table.form.heading, "行": rows}


def _report_records(report: Report, laid: list[tuple["_Layout", Table, list[str]]]) -> tuple[bytes, bytes]:
    """The report's JSON, every number under its official labels (blank is null); and the same
    numbers as one line of its unit's share for the database: its fields, then each table as
    [its form (FORM_VARIANTS), its rows' ids, its numbers]. Each table's JSON text is made once
    per set of rows present, and only its numbers are filled in."""
    head, tail = json_bytes({**_report_fields(report), "表格": HOLE}).decode("utf-8").split(_HOLE_JSON)
    in_json = [(layout, texts if _counts_only(table) else cell_texts(table, layout.cells, _json_text))
               for layout, table, texts in laid]
    tables = [fill(layout.json_pieces, texts) for layout, texts in in_json]
    fields = json.dumps([report.unit.id, report.unit_name, report.unit.kind, report.year, report.title,
                         report.published.isoformat() if report.published else None, report.format,
                         report.as_published, bool(report.discrepancies)], ensure_ascii=False)
    numbers = ", ".join(f"{layout.numbers_head}{', '.join(texts)}]]" for layout, texts in in_json)
    return f"{head}[{', '.join(tables)}]{tail}".encode("utf-8"), f"{fields[:-1]}, [{numbers}]]".encode("utf-8")


def _counts_only(table: Table) -> bool:
    """Whether every number is a plain count: then it is the same text in JSON as in CSV
    (a blank is null there, a Decimal may differ)."""
    return {*map(type, table.values.values())} == {int}


def _json_number(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and "." not in str(value) else float(value)
    return value


def json_bytes(data) -> bytes:
    # Compact: with indent, json falls back from its C encoder to Python, five times slower.
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


# --- each table's cells, named once per set of rows present -----------------------------------

_HOLE_JSON = json.dumps(HOLE, ensure_ascii=False)
# Every variant of the official tables, numbered the same in every build: a unit's share for the
# database names each table's form by its place here (output.sqlitedata reads it back).
FORM_VARIANTS = (*TABLES, TABLE2_2019, TABLE3_SINGLE_OTHER)
_layouts: dict[tuple, "_Layout"] = {}


@dataclass(frozen=True)
class _Layout:
    cells: tuple[tuple[str, str], ...]         # (row id, column id), in the form's order
    csv_names: tuple[str, ...]                 # ",表,行,列," of each cell, as CSV text
    json_pieces: tuple[str, ...]               # the table's JSON, split where the numbers go
    numbers_head: str                          # '[form, [row ids], [' of its line for the database


def _layout(table: Table) -> _Layout:
    key = table.shape()
    layout = _layouts.get(key)
    if layout is None:
        rows = table.rows()
        cells = form_cells(table)
        names = [f",{csv_line((f'表{table.form.number}', _row_name(row, parents, table.form.number), column.label))},"
                 for row, parents in rows for column in row.columns]
        pieces = json.dumps(_table_data(table, [HOLE] * len(cells)), ensure_ascii=False).split(_HOLE_JSON)
        head = json.dumps([FORM_VARIANTS.index(table.form), [row.id for row, _ in rows]])[:-1] + ", ["
        layout = _layouts[key] = _Layout(cells, tuple(names), tuple(pieces), head)
    return layout


# --- in the build: each report's downloads, and its unit's share of the portal's data ------

def unit_open_data(folder: Path | None, unit_id: str, reports: list[Report]) -> tuple[list[tuple[str, bytes]], str]:
    """Each report's CSV (its tables as printed) and JSON download; the unit's share of the
    portal-wide files is saved in `folder` (None: not saved). Returns the downloads and the
    digest of that share.

    The share is one file: a line "year:bytes year:bytes ... json:bytes" naming each report's
    CSV lines that follow and the length of the JSON lines after them (a line per report), so
    the portal's files take each part without parsing it; the lines for the database run from
    there to the end (see share_layout)."""
    files, index, bodies, lines, records = [], [], [], [], []
    for report in reports:
        laid = _laid_out(report)
        body, (data, record) = report_csv(report, laid).encode("utf-8"), _report_records(report, laid)
        csv_path, json_path = download_paths(report.unit.id, report.year)
        files += [(csv_path, printed_csv(report, [(table, texts) for _, table, texts in laid])), (json_path, data)]
        index.append(b"%d:%d" % (report.year, len(body)))
        bodies.append(body)
        lines.append(data + b"\n")       # one line: the JSON has no line breaks
        records.append(record + b"\n")
    json_lines = b"".join(lines)
    share = b"".join([b" ".join([*index, b"json:%d" % len(json_lines)]), b"\n", *bodies, json_lines, *records])
    digest = hashlib.sha256(share).hexdigest()
    if folder is not None:
        path = f"{folder}/{fragment_name(unit_id, digest)}"
        if not os.path.isfile(path):       # a str, not a Path: a third of the check's cost
            write_atomically(Path(path), share)
    return files, digest


def share_layout(header: bytes) -> tuple[list[tuple[int, int, int]], tuple[int, int], int]:
    """Where the parts of a unit's share are, from its first line (`header`): each report's CSV
    lines as (year, offset, length), its JSON lines as (offset, length), and the offset of its
    lines for the database, which run to the end of the file."""
    *years, json_entry = header.split()
    offset, csv = len(header), []
    for entry in years:
        year, length = map(int, entry.split(b":"))
        csv.append((year, offset, length))
        offset += length
    json_length = int(json_entry.removeprefix(b"json:"))
    return csv, (offset, json_length), offset + json_length


def fragment_folder(root: Path, out: Path) -> Path:
    """Where each unit's share of the portal-wide files waits (the build cache: safe to delete;
    see fragments_complete).

    A share is named by its digest, and the manifest of the last good build names the
    digest of each unit's share: what a failed build wrote is never read (it names no
    digest the manifest holds), and it is swept away with the next change of open data."""
    return cache_folder(root, f"opendata-{hashlib.sha256(str(out.resolve()).encode()).hexdigest()[:16]}")


def fragment_name(unit_id: str, digest: str) -> str:
    """The file of a unit's share (see unit_open_data). One file for its CSV, JSON and database
    lines: each share file, written aside and renamed, was 2-3% of a cold build's CPU. A change
    of its name or layout raises manifest.MANIFEST_FORMAT: the last build's manifest would
    otherwise vouch for shares that are not there, or not read the same."""
    return f"{unit_id}.{digest}.share"       # an id has no "."


def fragments_complete(folder: Path, shares: dict[str, str]) -> bool:
    """Every unit's share (unit id -> digest) is there (else the cache was partly deleted:
    build everything again)."""
    present = {path.name for path in folder.iterdir()}
    return all(fragment_name(unit_id, digest) in present for unit_id, digest in shares.items())


def sweep_fragments(folder: Path, shares: dict[str, str]) -> None:
    """Remove every share but these: older ones, and whatever a failed build wrote."""
    kept = {fragment_name(unit_id, digest) for unit_id, digest in shares.items()}
    for entry in os.scandir(folder):
        if entry.name not in kept:
            os.unlink(entry.path)
