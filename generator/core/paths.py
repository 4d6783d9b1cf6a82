"""Where every output file goes: the site's public addresses.

The pages, their links, the open data, the search index and the build's
collision check all agree on these, so they are written once, here, and the
templates see them as globals (column_dir, column_index).
"""

from __future__ import annotations

from urllib.parse import quote

from generator.core.model import Report, ReportFile, Unit

COLUMN_DIR = "nianbao"
COLUMN_INDEX = f"{COLUMN_DIR}/index.html"    # templates link it as {{ root }}{{ column_index }}
COLUMN_TITLE = "政府信息公开年报"
STATIC_DIR = "static"

# The open data: each report's downloads beside its page, the whole portal's in data/
# (its CSV one file per year, portal_csv_path).
DATA_PAGE = "data/index.html"
PORTAL_JSON, PORTAL_SQLITE, SCHEMA = "data/gongkai-all.json", "data/gongkai.sqlite", "data/report.schema.json"
# The columns of every published CSV (data/index.html explains them)
CSV_HEADER = ("单位编号", "单位", "单位类型", "年度", "格式", "表", "行", "列", "数值", "按原样发布", "有不符合勾稽关系之处")


def portal_csv_path(year: int, part: int) -> str:
    """The portal's CSV of one year's reports: data/gongkai-2023.csv, then, should one file
    not hold them all under the spreadsheets' row limit, data/gongkai-2023-2.csv and on."""
    return f"data/gongkai-{year}.csv" if part == 1 else f"data/gongkai-{year}-{part}.csv"


def column_year_path(year: int) -> str:
    """The 年报 column's page of one year's reports (the column itself, COLUMN_INDEX, lists the
    years and the units): a stable address, so a unit's page can link its years."""
    return f"{COLUMN_DIR}/{year}.html"


def report_path(report: Report) -> str:
    return _report_page(report.unit.id, report.year)


def tujie_path(report: Report) -> str:
    return _tujie_page(report.unit.id, report.year)


def unit_path(unit: Unit) -> str:
    return _unit_page(unit.id)


def redirects(unit: Unit, years) -> list[tuple[str, str]]:
    """(old address, new address) of the unit's page and of each report's page and 图解, for
    every id it had (曾用编号): the old addresses keep a page that sends readers to the new.
    Its CSV and JSON are not redirected: a page can redirect, a data file cannot."""
    return [(page(old, *year), page(unit.id, *year)) for old in unit.former_ids
            for page, year in [(_unit_page, ())] + [(p, (y,)) for y in years for p in (_report_page, _tujie_page)]]


def download_paths(unit_id: str, year: int) -> tuple[str, str]:
    return f"{COLUMN_DIR}/{unit_id}/{year}.csv", f"{COLUMN_DIR}/{unit_id}/{year}.json"


def _report_page(unit_id: str, year: int) -> str:
    return f"{COLUMN_DIR}/{unit_id}/{year}.html"


def _tujie_page(unit_id: str, year: int) -> str:
    return f"{COLUMN_DIR}/{unit_id}/{year}-tujie.html"


def _unit_page(unit_id: str) -> str:
    return f"{COLUMN_DIR}/{unit_id}/index.html"


def report_file_path(report: Report, file: ReportFile) -> str:
    """A file of the report's own folder, published in a folder named like its page:
    content/reports/<unit>/<year>/x.pdf -> nianbao/<unit>/<year>/x.pdf, beside <year>.html."""
    return f"{COLUMN_DIR}/{report.unit.id}/{report.year}/{file.name}"


def report_file_href(year: int, name: str) -> str:
    """The address of such a file from its report's page: the same relative path the
    narrative uses beside its .md (`2023/图1.png`), percent-encoded."""
    return f"{year}/{quote(name)}"
