"""站内搜索: a Pagefind index of the built report pages, searched in the browser.

Pagefind's extended build segments Chinese words (行政处罚, 依申请), so the static
site needs no search server. It indexes only what templates mark with
data-pagefind-body (the reports), with the filters 年度 and 单位类型 they mark.

There is one index per report year (pagefind/<year>/), merged in the browser:
Pagefind holds a whole index in memory while it builds (about 340 MB per 1,000
report pages) and cannot update one in place, so by year a province's portal is
indexed in pieces, and an edit re-indexes only its own year.

A site without Pagefind still builds: it gets a warning that says how to add it.
A year whose index failed is not recorded as indexed, so the next build tries it
again (and `generate build --strict` fails on the warning).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from generator.core.paths import COLUMN_DIR
from generator.output.write import replace_folder, staging_prefix
from generator.problems import Problems

SEARCH_DIR = "pagefind"
INSTALL_HINT = "pip install 'pagefind[extended]'"


def pagefind_executable() -> str | None:
    """The extended Pagefind binary: from its Python package, else on PATH."""
    try:
        from pagefind_bin_extended import get_executable
        return str(get_executable())
    except Exception:     # not installed, or no binary for this platform
        return shutil.which("pagefind_extended")


def index_years(site: Path, years: list[int], problems: Problems) -> list[int]:
    """Index each year's report pages of the finished site into site/pagefind/<year>.
    Returns the years not indexed (the build records them so, and the next one retries)."""
    executable = _executable(problems) if years else None
    if executable is None:
        return list(years)
    return [year for year in years if not _index(executable, site, year, site / SEARCH_DIR / str(year), problems)]


def reindex_years(out: Path, now: dict[int, str], before: dict[int, str], problems: Problems) -> list[int]:
    """After an incremental build: the years whose report pages changed, each indexed beside
    the site and swapped in whole; the index of a year without reports any more is removed.
    Returns the years whose index is not up to date (see index_years)."""
    index = out / SEARCH_DIR
    changed = [y for y in sorted(now) if now[y] != before.get(y) or not (index / str(y)).is_dir()]
    executable = _executable(problems) if changed else None
    failed = [] if executable else changed
    for year in changed if executable else ():
        with tempfile.TemporaryDirectory(prefix=staging_prefix(out, "search"), dir=out.parent) as scratch:
            fresh = Path(scratch) / str(year)
            if _index(executable, out, year, fresh, problems):
                index.mkdir(exist_ok=True)
                replace_folder(fresh, index / str(year))
            else:
                failed.append(year)
    for year in set(before) - set(now):
        shutil.rmtree(index / str(year), ignore_errors=True)
    return failed


def _executable(problems: Problems) -> str | None:
    executable = pagefind_executable()
    if executable is None:
        problems.warning("site.yaml", None, f"没有生成站内搜索：找不到 Pagefind 扩展版。请运行 {INSTALL_HINT} 后重新生成，"
                                           "或在 site.yaml 中写「站内搜索: false」关闭搜索", "search")
    return executable


def _index(executable: str, site: Path, year: int, output: Path, problems: Problems) -> bool:
    result = subprocess.run([executable, "--site", str(site), "--glob", f"{COLUMN_DIR}/*/{year}.html",
                             "--output-path", str(output), "--silent"], capture_output=True, text=True)
    if result.returncode != 0:
        reason = (result.stderr.strip().splitlines() or ["（无输出）"])[-1]
        problems.warning("site.yaml", None, f"站内搜索索引（{year} 年度）生成失败：{reason}", "search")
        return False
    return True
