"""The whole portal's open data in data/: a CSV per year, the JSON of every report, the same
numbers as an SQLite database (output.sqlitedata), the schema, and the page that lists them.

Excel and WPS open at most 1,048,576 rows. A report has at most MAX_ROWS_PER_REPORT
lines in the CSV (one per cell of the official form: a constant of the form, not of
the portal), so a file holds at most REPORTS_PER_FILE reports and a year with more is
split into parts (portal_csv_path): no file passes the limit at any portal size.
Written from each unit's share (opendata.unit_open_data), streamed: at 10,000 reports
they are hundreds of MB.
"""

from __future__ import annotations

from pathlib import Path

from generator.core.form import FORMS, TABLE3_SINGLE_OTHER
from generator.core.model import ReportSummary
from generator.core.paths import DATA_PAGE, PORTAL_JSON, PORTAL_SQLITE, SCHEMA, portal_csv_path
from generator.output.manifest import Manifest
from generator.output.opendata import csv_bytes, fragment_name, json_bytes, share_layout
from generator.output.schema import report_schema
from generator.output.sqlitedata import SqliteBuild

ROW_LIMIT = 1_048_576           # the rows of a sheet in Excel (2007 on) and WPS


def _cells(form) -> int:
    return sum(len(row.columns) for row, _ in form.rows())


# Every row of the largest form of each table (a report writes the rows it has, each once).
_ALL_FORMS = [form for forms in FORMS.values() for form in forms] + [TABLE3_SINGLE_OTHER]
MAX_ROWS_PER_REPORT = sum(max(_cells(form) for form in _ALL_FORMS if form.number == number) for number in "二三四")
REPORTS_PER_FILE = (ROW_LIMIT - 1) // MAX_ROWS_PER_REPORT        # the header takes a row


def write_portal_data(folder: Path, manifest: Manifest, writer) -> int:
    """Every portal-wide file, from the units' shares; each file's path and size go in the
    manifest (data/index.html lists them). Returns how many files changed."""
    shares, per_file = manifest.open_data_shares(), REPORTS_PER_FILE     # read here: a test lowers it
    database = SqliteBuild(folder, shares)        # built while the others are written, then written last
    try:
        streams: dict[str, _Sized] = {}
        by_year, json_parts = _share_pieces(folder, shares)
        for year, pieces in sorted(by_year.items()):
            for part, start in enumerate(range(0, len(pieces), per_file), 1):
                streams[portal_csv_path(year, part)] = _Sized(_year_csv(pieces[start:start + per_file]))
        streams[PORTAL_JSON] = _Sized(_portal_json(json_parts))
        streams[PORTAL_SQLITE] = _Sized(database)
        written = sum(writer.write_stream(rel, chunks) for rel, chunks in streams.items())
    finally:
        database.close()
    schema = json_bytes(report_schema())
    written += writer.write(SCHEMA, schema)
    manifest.open_data_files = {**{rel: chunks.size for rel, chunks in streams.items()}, SCHEMA: len(schema)}
    return written


def write_data_page(renderer, manifest: Manifest, previous: Manifest | None, writer) -> int:
    """data/index.html, which lists the portal's data files with their sizes: rendered after
    them, when they or the listings changed (writer None: only rendered, to check the template)."""
    manifest.site_outputs |= set(manifest.open_data_files)
    if previous is not None and (previous.listing, previous.open_data_files) == (manifest.listing,
                                                                              manifest.open_data_files):
        return 0
    summaries = [ReportSummary.unpacked(renderer.units[unit_id], packed)
                 for unit_id, record in manifest.units.items() for packed in record.summaries]
    data = renderer.render_page(renderer.data_page(summaries, manifest.open_data_files))
    return int(data is not None and writer is not None and writer.write(DATA_PAGE, data))


def _share_pieces(folder: Path, shares: dict[str, str]) -> tuple[dict[int, list[tuple[str, int, int]]],
                                                                  list[tuple[str, int, int]]]:
    """Year -> (share file, offset, length) of each report's CSV lines, in unit order (a report
    without a table (自由格式) has none); and (share file, offset, length) of each unit's JSON
    lines (opendata.share_layout)."""
    by_year: dict[int, list[tuple[str, int, int]]] = {}
    json_parts = []
    for unit_id, digest in shares.items():
        path = f"{folder}/{fragment_name(unit_id, digest)}"
        with open(path, "rb") as f:
            csv, (offset, length), _ = share_layout(f.readline())
        for year, at, size in csv:
            if size:
                by_year.setdefault(year, []).append((path, at, size))
        json_parts.append((path, offset, length))
    return by_year, json_parts


def _year_csv(pieces):
    yield csv_bytes([], header=True)
    for path, offset, length in pieces:
        with open(path, "rb") as f:
            f.seek(offset)
            yield f.read(length)


def _portal_json(parts):
    """Every report's JSON in one array, a line each."""
    yield b"["
    separator = b"\n"
    for path, offset, length in parts:
        with open(path, "rb") as f:
            f.seek(offset)
            lines = f.read(length)
        if lines:      # a line each, ending with "\n" (JSON has none inside): one replace a unit
            yield separator + lines[:-1].replace(b"\n", b",\n")
            separator = b",\n"
    yield b"\n]\n"


class _Sized:
    """Chunks passed through, counting their bytes."""

    def __init__(self, chunks):
        self.chunks, self.size = chunks, 0

    def __iter__(self):
        for chunk in self.chunks:
            self.size += len(chunk)
            yield chunk
