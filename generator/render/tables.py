"""Tables 二, 三 and 四 laid out as the official grids, ready for one generic template.

Each layout is a caption, header rows and body rows of cells with their spans.
Tables 三 and 四 have multi-level headers, so every header cell gets an `id`
and every data cell lists its row and column headers in `headers`: a screen
reader then reads 「（四）无法提供 1.本机关不掌握相关政府信息 自然人 4」.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from markupsafe import Markup, escape

from generator.core import form
from generator.core.form import Group, Row
from generator.core.model import Number, Table


@dataclass
class CellLayout:
    text: str
    header: bool = False
    id: str = ""
    scope: str = ""
    headers: str = ""
    rowspan: int = 1
    colspan: int = 1
    numeric: bool = False
    css: str = ""


@dataclass
class TableLayout:
    id: str
    caption: str
    head: list[list[CellLayout]] = field(default_factory=list)
    body: list[list[CellLayout]] = field(default_factory=list)
    css: str = ""


def format_number(value: Number | None) -> str:
    """As published: plain digits, no separators; a blank stays blank."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _data(table: Table, row: Row, column_id: str, headers: str = "") -> CellLayout:
    return CellLayout(format_number(table.value(row.id, column_id)), headers=headers, numeric=True)


def table2_layouts(table: Table) -> list[TableLayout]:
    """Four small tables, one per article item, each with its own column heads."""
    layouts = []
    for group in table.form.root.children:
        rows = [row for row in group.children if table.has_row(row.id)]
        layout = TableLayout(id=f"t2-{group.id}", caption=group.label, css="table2")
        columns = rows[0].columns if rows else group.children[0].columns
        layout.head.append([CellLayout(form.TABLE2_CONTENT_LABEL, header=True, scope="col")]
                           + [CellLayout(c.label, header=True, scope="col") for c in columns])
        for row in rows:
            layout.body.append([CellLayout(row.label, header=True, scope="row")]
                               + [_data(table, row, c.id) for c in row.columns])
        layouts.append(layout)
    return layouts


def table3_layout(table: Table) -> TableLayout:
    p = "t3"
    layout = TableLayout(id=p, caption=table.form.heading, css="table3")
    cols = {c.id: c for c in form.APPLICANT_COLUMNS}
    col_headers = {c.id: f"{p}-c-{c.id}" for c in form.APPLICANT_COLUMNS}
    legal = [c for c in form.APPLICANT_COLUMNS if c.id not in ("natural", "total")]

    def col(cid: str, rowspan: int = 1, parent: str = "") -> CellLayout:
        return CellLayout(cols[cid].label, header=True, id=col_headers[cid], scope="col",
                          headers=parent, rowspan=rowspan)

    layout.head = [
        [CellLayout(form.TABLE3_CORNER, header=True, rowspan=3, colspan=3, css="corner"),
         CellLayout(form.APPLICANTS, header=True, id=f"{p}-applicants", scope="colgroup", colspan=7)],
        [col("natural", rowspan=2, parent=f"{p}-applicants"),
         CellLayout(form.LEGAL_PERSONS, header=True, id=f"{p}-legal", scope="colgroup",
                    headers=f"{p}-applicants", colspan=len(legal)),
         col("total", rowspan=2, parent=f"{p}-applicants")],
        [col(c.id, parent=f"{p}-applicants {p}-legal") for c in legal],
    ]
    column_chain = {cid: f"{p}-applicants {col_headers[cid]}" for cid in ("natural", "total")}
    column_chain |= {c.id: f"{p}-applicants {p}-legal {col_headers[c.id]}" for c in legal}

    present = table.rows()
    depth = 1 + max(len(parents) for _, parents in table.form.rows())
    opened: set[str] = set()
    for row, parents in present:
        cells = []
        for group in parents:
            if group.id not in opened:
                opened.add(group.id)
                span = sum(1 for _, ps in present if any(g is group for g in ps))
                cells.append(CellLayout(group.label, header=True, id=f"{p}-g-{group.id}",
                                        scope="rowgroup", rowspan=span))
        row_id = f"{p}-r-{row.id}"
        cells.append(CellLayout(row.label, header=True, id=row_id, scope="row",
                                colspan=depth - len(parents), css="total" if row.total else ""))
        row_chain = " ".join([f"{p}-g-{g.id}" for g in parents] + [row_id])
        cells += [_data(table, row, c.id, f"{row_chain} {column_chain[c.id]}") for c in row.columns]
        layout.body.append(cells)
    return layout


def table4_layout(table: Table) -> TableLayout:
    """One data row of 15 numbers under a three-level header, as published."""
    p = "t4"
    layout = TableLayout(id=p, caption=table.form.heading, css="table4")
    review, lawsuit = table.form.root.children
    assert isinstance(review, Row) and isinstance(lawsuit, Group)
    outcomes = form.OUTCOME_COLUMNS

    def outcome_heads(row: Row, parents: str, rowspan: int) -> list[CellLayout]:
        return [CellLayout(c.label, header=True, id=f"{p}-{row.id}-{c.id}", scope="col",
                           headers=parents, rowspan=rowspan) for c in outcomes]

    layout.head = [
        [CellLayout(review.label, header=True, id=f"{p}-{review.id}", scope="colgroup", colspan=len(outcomes)),
         CellLayout(lawsuit.label, header=True, id=f"{p}-{lawsuit.id}", scope="colgroup",
                    colspan=len(outcomes) * len(lawsuit.children))],
        outcome_heads(review, f"{p}-{review.id}", rowspan=2)
        + [CellLayout(r.label, header=True, id=f"{p}-{r.id}", scope="colgroup", headers=f"{p}-{lawsuit.id}",
                      colspan=len(outcomes)) for r in lawsuit.children],
        [cell for r in lawsuit.children for cell in outcome_heads(r, f"{p}-{lawsuit.id} {p}-{r.id}", 1)],
    ]
    body = []
    for row, parents in table.form.rows():
        chain = " ".join([f"{p}-{g.id}" for g in parents] + [f"{p}-{row.id}"])
        body += [_data(table, row, c.id, f"{chain} {p}-{row.id}-{c.id}") for c in outcomes]
    layout.body = [body]
    return layout


def table_html(layout: TableLayout) -> Markup:
    """The table as HTML. Built here rather than by a template macro per cell: a
    report has about 250 cells, and a macro call each was a quarter of the build."""
    caption_id = f"{layout.id}-caption"
    # Every report's tables hold the same labels and only numbers besides: left out of the search
    # index, they no longer make every report match every row name, nor fill the snippets with
    # headers (rows_with_numbers() says which rows have a number instead), and they would cost
    # Pagefind a quarter of its time and memory.
    parts = [f'<div class="table-wrap" role="region" aria-labelledby="{caption_id}" tabindex="0" data-pagefind-ignore>\n'
             f'<table class="report-table {layout.css}" id="{layout.id}">\n'
             f'<caption id="{caption_id}">{escape(layout.caption)}</caption>\n<thead>\n']
    parts += [_row_html(row) for row in layout.head]
    parts.append("</thead>\n<tbody>\n")
    parts += [_row_html(row) for row in layout.body]
    parts.append("</tbody>\n</table>\n</div>\n")
    return Markup("".join(parts))


def _row_html(cells: list[CellLayout]) -> str:
    return "<tr>" + "".join(_cell_html(c) for c in cells) + "</tr>\n"


def _cell_html(c: CellLayout) -> str:
    tag = "th" if c.header else "td"
    attributes = []
    if c.id:
        attributes.append(f' id="{c.id}"')
    if c.scope:
        attributes.append(f' scope="{c.scope}"')
    if c.headers:
        attributes.append(f' headers="{c.headers}"')
    if c.rowspan > 1:
        attributes.append(f' rowspan="{c.rowspan}"')
    if c.colspan > 1:
        attributes.append(f' colspan="{c.colspan}"')
    classes = " ".join(filter(None, ("num" if c.numeric else "", c.css)))
    if classes:
        attributes.append(f' class="{classes}"')
    return f"<{tag}{''.join(attributes)}>{escape(c.text)}</{tag}>"


# --- filling a cached skeleton ---------------------------------------------------------------

HOLE = "\ue000"     # a private-use character: marks where a number goes in a skeleton
_LAYOUTS = {"二": table2_layouts, "三": lambda t: [table3_layout(t)], "四": lambda t: [table4_layout(t)]}
_skeletons: dict[tuple, tuple[list[str], list[tuple[str, str]]]] = {}


def tables_html(table: Table) -> Markup:
    """The section's table(s) as HTML, the same bytes as table_html() of its layouts.

    Almost every report has the same rows, so its markup is built once per set of
    present rows (with holes where the numbers go) and only the numbers are filled
    in: the layouts and their HTML were a sixth of a build.
    """
    key = table.shape()
    if key not in _skeletons:
        _skeletons[key] = skeleton(table, lambda layouts: "".join(map(table_html, layouts)))
    fragments, cells = _skeletons[key]
    return Markup(fill(fragments, cell_texts(table, cells)))


def cell_texts(table: Table, keys, text=format_number) -> list[str]:
    """The numbers of these cells as text (most are plain counts: str() without a call)."""
    values = table.values
    return [str(value) if type(value := values[key]) is int else text(value) for key in keys]


def fill(pieces, texts) -> str:
    """A skeleton's pieces with the texts between them (there is one piece more than texts).
    Interleaved by slices and joined once: a string concatenated per cell took 4 times as long
    (18 us for table 三's 175 cells, on every report page, CSV and JSON)."""
    joined = [""] * (2 * len(pieces) - 1)
    joined[0::2] = pieces
    joined[1::2] = texts
    return "".join(joined)


def skeleton(table: Table, draw) -> tuple[list[str], list[tuple[str, str]]]:
    """What draw(the table's layouts) makes of a table of this shape, as pieces of text with a
    hole where each number goes, and the cell (row id, column id) of each hole: the page's
    tables, and the same tables as CSV (output.printed), are drawn once per shape."""
    holes = Table(table.form, table.file, table.line, row_lines=dict(table.row_lines))
    order: list[tuple[str, str]] = []
    for key in table.values:
        holes.values[key] = _Hole(len(order))
        order.append(key)
    text = draw(_LAYOUTS[table.form.number](holes))
    pieces = text.split(HOLE)        # text, index, text, index, ..., text
    return pieces[0::2], [order[int(index)] for index in pieces[1::2]]


class _Hole(int):
    """Stands for a number while the skeleton is drawn: prints as hole markers around its index."""

    def __str__(self) -> str:
        return f"{HOLE}{int(self)}{HOLE}"


def rows_with_numbers(tables: dict[str, Table]) -> list[str]:
    """The official labels of the rows (and of their groups) holding a number other than 0, in
    order, each once, but no 总计 row: indexed for search in place of the tables, so 「不予公开」
    finds the reports that refused some request. Table 二's groups are only its items' captions
    (第二十条第（六）项), not names anyone searches for."""
    labels: dict[str, None] = {}
    for table in tables.values():
        get = table.values.get
        for keys, row_labels in _labelled_rows(table):
            if any(map(get, keys)):
                labels.update(row_labels)
    return list(labels)


_labelled: dict[tuple, list[tuple[tuple, dict[str, None]]]] = {}


def _labelled_rows(table: Table) -> list[tuple[tuple, dict[str, None]]]:
    """The table's rows but 总计, each as its cells' keys and the labels it names (its groups',
    then its own): the same for every table of its shape, so worked out once per shape (walking
    the form's rows for each report was 5% of rendering its pages)."""
    shape = table.shape()
    rows = _labelled.get(shape)
    if rows is None:
        grouped = table.form.number != "二"
        rows = _labelled[shape] = [
            (row.keys, dict.fromkeys([group.label for group in parents if grouped] + [row.label]))
            for row, parents in table.rows() if not row.total]
    return rows
