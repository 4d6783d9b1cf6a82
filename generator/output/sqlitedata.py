"""data/gongkai.sqlite: every report's every number in one file, for analysts.

Datasette, DB Browser for SQLite, R, pandas and every analysis tool open it, with no row
limit and no guessing of types. It holds what the JSON holds, under the JSON's names:

- 报告: one row per report (报告编号, 单位编号, 单位, 单位类型, 年度, 标题, 发布日期, 格式,
  按原样发布, 有不符合勾稽关系之处: 0 or 1);
- 单元格: each cell of the official forms (单元格编号, 表, 分组, 行, 列), 分组 the groups a
  row sits in, joined by " / ";
- 数值: (报告编号, 单元格编号, 数值), NULL where the report left the cell blank; appended in
  report order with no key of its own (a primary key made the build a fifth slower, and
  a query by unit goes through 报告 anyway);
- the view 数值明细, the three joined: one row per number, as in the yearly CSVs but with 分组
  in a column of its own, as in the JSON.

Made from each unit's share of the JSON (opendata.unit_open_data), in unit order, in a new
file each time with the same statements: the same numbers give the same bytes.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from itertools import repeat
from pathlib import Path

from generator.output.opendata import fragment_names

SCHEMA_SQL = """
CREATE TABLE 报告 (报告编号 INTEGER PRIMARY KEY, 单位编号 TEXT NOT NULL, 单位 TEXT NOT NULL, 单位类型 TEXT,
                   年度 INTEGER NOT NULL, 标题 TEXT, 发布日期 TEXT, 格式 TEXT, 按原样发布 INTEGER,
                   有不符合勾稽关系之处 INTEGER, UNIQUE (单位编号, 年度));
CREATE TABLE 单元格 (单元格编号 INTEGER PRIMARY KEY, 表 TEXT NOT NULL, 分组 TEXT NOT NULL, 行 TEXT NOT NULL,
                    列 TEXT NOT NULL, UNIQUE (表, 分组, 行, 列));
CREATE TABLE 数值 (报告编号 INTEGER NOT NULL REFERENCES 报告, 单元格编号 INTEGER NOT NULL REFERENCES 单元格,
                  数值 NUMERIC);
CREATE VIEW 数值明细 AS
  SELECT 报告.单位编号, 报告.单位, 报告.单位类型, 报告.年度, 报告.格式, 单元格.表, 单元格.分组, 单元格.行, 单元格.列,
         数值.数值, 报告.按原样发布, 报告.有不符合勾稽关系之处
  FROM 数值 JOIN 报告 USING (报告编号) JOIN 单元格 USING (单元格编号);
"""
CHUNK = 1 << 20


def sqlite_chunks(folder: Path, shares: dict[str, str]):
    """The database's bytes, in chunks: built in a file of the cache folder, removed after."""
    handle, name = tempfile.mkstemp(suffix=".sqlite-building", dir=folder)
    os.close(handle)
    try:
        _build(Path(name), [folder / fragment_names(unit_id, digest)[1] for unit_id, digest in shares.items()])
        with open(name, "rb") as f:
            while chunk := f.read(CHUNK):
                yield chunk
    finally:
        os.unlink(name)


def _build(path: Path, jsonl: list[Path]) -> None:
    path.unlink()                   # sqlite3 makes it new
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA page_size = 4096;"
                         + SCHEMA_SQL + "BEGIN;")
        cells: dict[tuple, int] = {}
        shapes: dict[tuple, list[int]] = {}
        for number, report in enumerate(_reports(jsonl), 1):
            unit = report["单位"]
            db.execute("INSERT INTO 报告 VALUES (?,?,?,?,?,?,?,?,?,?)",
                       (number, unit["编号"], unit["名称"], unit["类型"], report["年度"], report["标题"],
                        report["发布日期"], report["格式"], int(report["按原样发布"]),
                        int(bool(report["不符合勾稽关系"]))))
            for table in report["表格"]:
                rows = table["行"]
                # Its cells are named once per shape of table (nearly every report has the same).
                shape = (table["表"], *((row["行"], *row["分组"], "", *row["数值"]) for row in rows))
                numbers = shapes.get(shape) or shapes.setdefault(shape, _cell_numbers(db, cells, table))
                values = [value for row in rows for value in row["数值"].values()]
                db.executemany("INSERT INTO 数值 VALUES (?,?,?)", zip(repeat(number), numbers, values))
        db.execute("COMMIT")
    finally:
        db.close()


def _reports(jsonl: list[Path]):
    for path in jsonl:
        for line in path.read_bytes().splitlines():
            yield json.loads(line)


def _cell_numbers(db, cells: dict, table: dict) -> list[int]:
    """The 单元格编号 of each number of the table, in order; a cell not seen before is added."""
    numbers = []
    for row in table["行"]:
        for column in row["数值"]:
            key = (table["表"], " / ".join(row["分组"]), row["行"], column)
            if key not in cells:
                cells[key] = len(cells) + 1
                db.execute("INSERT INTO 单元格 VALUES (?,?,?,?,?)", (cells[key], *key))
            numbers.append(cells[key])
    return numbers
