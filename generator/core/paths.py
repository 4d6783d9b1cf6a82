"""Where every output file goes: the site's public addresses.

The pages, their links, the open data, the search index and the build's
collision check all agree on these, so they are written once, here, and the
templates see them as globals (column_dir, column_index).
"""

from __future__ import annotations

from generator.core.model import Report, Unit

COLUMN_DIR = "nianbao"
COLUMN_INDEX = f"{COLUMN_DIR}/index.html"    # templates link it as {{ root }}{{ column_index }}
COLUMN_TITLE = "政府信息公开年报"
STATIC_DIR = "static"

# The open data: each report's downloads beside its page, the whole portal's in data/.
PORTAL_CSV, PORTAL_JSON, SCHEMA = "data/gongkai-all.csv", "data/gongkai-all.json", "data/report.schema.json"
PORTAL_FILES = (PORTAL_CSV, PORTAL_JSON, SCHEMA)
# The columns of every published CSV (data/index.html explains them)
CSV_HEADER = ("单位编号", "单位", "单位类型", "年度", "格式", "表", "行", "列", "数值", "按原样发布", "有不符合勾稽关系之处")


def column_year_path(year: int) -> str:
    """The 年报 column's page of one year's reports (the column itself, COLUMN_INDEX, lists the
    years and the units): a stable address, so a unit's page can link its years."""
    return f"{COLUMN_DIR}/{year}.html"


def report_path(report: Report) -> str:
    return f"{COLUMN_DIR}/{report.unit.id}/{report.year}.html"


def tujie_path(report: Report) -> str:
    return f"{COLUMN_DIR}/{report.unit.id}/{report.year}-tujie.html"


def unit_path(unit: Unit) -> str:
    return f"{COLUMN_DIR}/{unit.id}/index.html"


def download_paths(unit_id: str, year: int) -> tuple[str, str]:
    return f"{COLUMN_DIR}/{unit_id}/{year}.csv", f"{COLUMN_DIR}/{unit_id}/{year}.json"
