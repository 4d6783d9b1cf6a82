"""站内搜索: a Pagefind index of the built report pages, searched in the browser.

Pagefind's extended build segments Chinese words (行政处罚, 依申请), so the static
site needs no search server. It indexes only what templates mark with
data-pagefind-body (the reports), with the filters 年度 and 单位类型 they mark.
A site without Pagefind still builds: it gets a warning that says how to add it.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from generator.problems import Problems
from generator.write import replace_folder

SEARCH_DIR = "pagefind"
INSTALL_HINT = "pip install 'pagefind[extended]'"


def pagefind_executable() -> str | None:
    """The extended Pagefind binary: from its Python package, else on PATH."""
    try:
        from pagefind_bin_extended import get_executable
        return str(get_executable())
    except Exception:     # not installed, or no binary for this platform
        return shutil.which("pagefind_extended")


def index_into(site: Path, output: Path, problems: Problems) -> bool:
    """Index the finished site at `site` into `output` (a folder Pagefind creates)."""
    executable = pagefind_executable()
    if executable is None:
        problems.warning("site.yaml", None, f"没有生成站内搜索：找不到 Pagefind 扩展版。请运行 {INSTALL_HINT} 后重新生成，"
                                           "或在 site.yaml 中写「站内搜索: false」关闭搜索", "search")
        return False
    result = subprocess.run([executable, "--site", str(site), "--output-path", str(output), "--silent"],
                            capture_output=True, text=True)
    if result.returncode != 0:
        reason = (result.stderr.strip().splitlines() or ["（无输出）"])[-1]
        problems.warning("site.yaml", None, f"站内搜索索引生成失败：{reason}", "search")
        return False
    return True


def reindex(out: Path, problems: Problems) -> None:
    """After an incremental build: a fresh index beside the site, swapped in at once."""
    with tempfile.TemporaryDirectory(prefix=f".{out.name}-search-", dir=out.parent) as scratch:
        fresh = Path(scratch) / SEARCH_DIR
        if index_into(out, fresh, problems):
            replace_folder(fresh, out / SEARCH_DIR)
