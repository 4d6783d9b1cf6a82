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

Made from each unit's share (opendata.unit_open_data: a compact line per report), in unit
order, in a new file each time with the same statements: the same numbers give the same bytes.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from itertools import repeat
from pathlib import Path

from generator.output.opendata import FORM_VARIANTS, fragment_name, share_layout

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


class SqliteBuild:
    """The database, built by a process of its own while the yearly CSVs and the JSON are written
    (at 10,000 reports it is the slowest of the three, 1.5 s, and the others are mostly copying):
    its bytes, in chunks, once iterated. It is built in a file of the cache folder (in memory it
    would take twice its size: 60 MB at 10,000 reports); close() removes it, and ends the process
    if the build stopped before the database was used."""

    def __init__(self, folder: Path, shares: dict[str, str]):
        handle, name = tempfile.mkstemp(suffix=".sqlite-building", dir=folder)
        os.close(handle)
        self.path, self.listing = Path(name), Path(name + ".shares")
        self.listing.write_text("\n".join(str(folder / fragment_name(unit_id, digest))
                                          for unit_id, digest in shares.items()), encoding="utf-8")
        # This generator, wherever it was imported from (an installed package, a checkout on PYTHONPATH)
        here = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")])))
        try:
            self.process = subprocess.Popen([sys.executable, "-m", __name__, str(self.path), str(self.listing)],
                                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        except OSError:
            self.process = None
            self.close()
            raise

    def __iter__(self):
        try:
            _, err = self.process.communicate()
            if self.process.returncode != 0:       # its last line says why (sys.exit's, or a traceback's)
                said = err.decode("utf-8", errors="replace").strip().splitlines()
                reason = said[-1] if said else f"退出码 {self.process.returncode}"
                raise OSError(errno.EIO, f"生成 SQLite 数据库时出错：{reason}")
            with open(self.path, "rb") as f:
                while chunk := f.read(CHUNK):
                    yield chunk
        finally:
            self.close()

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.communicate()
        self.path.unlink(missing_ok=True)
        self.listing.unlink(missing_ok=True)


def _build(path: Path, shares: list[Path]) -> None:
    """From each report's line of the shares: its fields, then [form, row ids, numbers] of
    each table (opendata._report_records): compact, so reading it costs little."""
    path.unlink()                   # sqlite3 makes it new
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA page_size = 4096;"
                         + SCHEMA_SQL + "BEGIN;")
        cells: dict[tuple, int] = {}
        shapes: dict[tuple, list[int]] = {}
        for number, line in enumerate((line for share in shares for line in _database_lines(share)), 1):
            *fields, tables = json.loads(line)
            db.execute("INSERT INTO 报告 VALUES (?,?,?,?,?,?,?,?,?,?)", (number, *fields))
            for variant, row_ids, values in tables:
                shape = (variant, *row_ids)         # its cells are numbered once per shape of table
                numbers = shapes.get(shape) or shapes.setdefault(shape, _cell_numbers(db, cells, variant, row_ids))
                db.executemany("INSERT INTO 数值 VALUES (?,?,?)", zip(repeat(number), numbers, values))
        db.execute("COMMIT")
    finally:
        db.close()


def _database_lines(share: Path) -> list[bytes]:
    """A unit's lines for the database: the end of its share file (opendata.share_layout)."""
    with open(share, "rb") as f:
        f.seek(share_layout(f.readline())[2])
        return f.read().splitlines()


def _cell_numbers(db, cells: dict, variant: int, row_ids: list[str]) -> list[int]:
    """The 单元格编号 of each number of a table of this form and rows, in order; a cell not seen
    before is added, under the labels the JSON gives it."""
    form, numbers = FORM_VARIANTS[variant], []
    for row_id in row_ids:
        row, parents = form.find(row_id)
        for column in row.columns:
            key = (form.number, " / ".join(group.label for group in parents), row.label, column.label)
            if key not in cells:
                cells[key] = len(cells) + 1
                db.execute("INSERT INTO 单元格 VALUES (?,?,?,?,?)", (cells[key], *key))
            numbers.append(cells[key])
    return numbers


if __name__ == "__main__":           # SqliteBuild's process: the database at argv[1], from the shares listed in argv[2]
    try:
        _build(Path(sys.argv[1]), [Path(line) for line in Path(sys.argv[2]).read_text(encoding="utf-8").splitlines()])
    except OSError as exc:
        sys.exit(f"{exc.strerror}：{exc.filename}" if exc.filename else str(exc))
