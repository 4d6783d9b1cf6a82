"""A report's CSV download: its tables as printed, what a citizen opening it in WPS expects.

The first line is the report's title; then, one block per table on the page (table 二's
four items, 三, 四), each after an empty line: a title line (the table's caption), its
header rows and its body rows, cell by cell as on the page. A merged cell's text is in its
top-left place and the places it covers are empty, as WPS shows a merged cell; a blank
number is an empty field, never 0. The whole portal's numbers, one line per cell, are in
the yearly files of data/ (output.portaldata).

The blocks are drawn from the page's own layouts (render.tables), once per shape of
table, and only each report's numbers are filled in.
"""

from __future__ import annotations

from generator.core.model import Report, Table
from generator.output.csvtext import BOM, csv_line
from generator.render.tables import TableLayout, fill, skeleton

_skeletons: dict[tuple, tuple[list[str], list[int]]] = {}


def printed_csv(report: Report, tables: list[tuple[Table, list[str]]]) -> bytes:
    """The report's tables as printed, as CSV (UTF-8 with a BOM, CRLF line ends). `tables`: the
    report's tables in order 二 三 四, each with its numbers as printed (render.tables.cell_texts)
    in the form's order (form_cells), as the open data has them."""
    blocks = [_filled(table, texts) for table, texts in tables]
    return (BOM + csv_line((report.title,)) + "\r\n" + "".join(blocks)).encode("utf-8")


def form_cells(table: Table) -> tuple[tuple[str, str], ...]:
    """Each cell (row id, column id) of the table's rows present, in the form's order."""
    return tuple((row.id, column.id) for row, _ in table.rows() for column in row.columns)


def _filled(table: Table, texts: list[str]) -> str:
    key = table.shape()
    if key not in _skeletons:
        pieces, cells = skeleton(table, lambda layouts: "".join(_block(table, layout) for layout in layouts))
        place = {cell: index for index, cell in enumerate(form_cells(table))}
        _skeletons[key] = pieces, [place[cell] for cell in cells]      # where each hole's number is in `texts`
    pieces, order = _skeletons[key]
    return fill(pieces, map(texts.__getitem__, order))


def _block(table: Table, layout: TableLayout) -> str:
    """One table: an empty line, its title, then its header and body rows as a grid."""
    heading = table.form.heading
    title = layout.caption if layout.caption == heading else f"{heading} {layout.caption}"
    rows = grid(layout.head) + grid(layout.body)
    width = max(len(row) for row in rows)
    return "\r\n" + csv_line((title,)) + "\r\n" + "".join(
        csv_line(row + [""] * (width - len(row))) + "\r\n" for row in rows)


def grid(rows) -> list[list[str]]:
    """The rows' texts with their spans laid out: a spanned cell's text in its top-left place,
    the places it covers empty."""
    taken: dict[tuple[int, int], str] = {}
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken[(r + dr, c + dc)] = "" if dr or dc else cell.text
            c += cell.colspan
    width = 1 + max((c for _, c in taken), default=-1)
    return [[taken.get((r, c), "") for c in range(width)] for r in range(len(rows))]
