"""站内搜索: a Pagefind index of the reports, built from the model, searched in the browser.

Pagefind's extended build segments Chinese words (行政处罚, 依申请), so the static
site needs no search server. What it indexes of a report is its search record
(templates/search_record.html): the text its page marks with data-pagefind-body, with the
filters 年度 and 单位类型, without the tables and the page's chrome (a few KB, not the
page's 30). Each worker keeps its reports' records in the build cache, named by digest.

The index is split into shards, by year and a stable hash of the unit (see shard_members):
Pagefind holds a whole index in memory while it builds (about 0.27 MB a record) and cannot
update one in place, so an edit re-indexes only its own shard (at 10,000 reports of one
year, about 160 records, not 10,000 pages). The manifest keeps each report's record digest
and each shard's digest; a shard whose records changed is indexed again from the records,
beside the site, and swapped in whole. pagefind/shards.json lists the shards; the search
page merges them (mergeIndex). One Pagefind service (output.pagefindservice) indexes every
shard of a build, one at a time, so memory is bounded by a shard.

A site without Pagefind still builds: it gets a warning that says how to add it.
A shard whose index failed is not recorded as indexed, so the next build tries it
again (and `generate build --strict` fails on the warning).
"""

from __future__ import annotations

import fnmatch
import json
import math
import os
import shutil
import tempfile
import zlib
from pathlib import Path

from generator.core.paths import report_path
from generator.inputs.source import sha256
from generator.output.cache import cache_folder
from generator.output.pagefindservice import PagefindFailed, PagefindService
from generator.output.write import replace_folder, staging_prefix, write_atomically
from generator.problems import Problems

SEARCH_DIR = "pagefind"
SHARDS_FILE = "shards.json"     # in SEARCH_DIR: the shards, newest year first
SHARD_SIZE = 160                # reports a search shard holds at most on average (see shard_members)
INSTALL_HINT = "pip install 'pagefind[extended]'"
UNUSED = ("pagefind-*ui.*", "pagefind-highlight.js")   # written with every index, loaded by no page of ours


def pagefind_executable() -> str | None:
    """The extended Pagefind binary: from its Python package, else on PATH."""
    try:
        from pagefind_bin_extended import get_executable
        return str(get_executable())
    except Exception:     # not installed, or no binary for this platform
        return shutil.which("pagefind_extended")


# --- the records, kept by the workers -----------------------------------------------------------

def record_folder(root: Path, out: Path) -> Path:
    """Where each report's search record waits, named by its digest (the build cache: safe to
    delete). As with the open data's shares, what a failed build wrote is never read: the
    manifest of the last good build names the records it indexed."""
    return cache_folder(root, f"search-{sha256(str(out.resolve()).encode())[:16]}")


def keep_records(folder: Path, renderer, reports) -> dict[int, tuple[str, str]]:
    """Each report's search record written to `folder` (unless one with its digest is there):
    year -> (page path, record digest). A report whose record did not render (a template
    error, recorded by the renderer) is left out."""
    kept = {}
    for report in reports:
        data = renderer.search_record(report)
        if data is None:
            continue
        digest = sha256(data)
        path = folder / f"{digest}.html"
        if not path.exists():
            write_atomically(path, data)
        kept[report.year] = (report_path(report), digest)
    return kept


def shard_members(units: dict) -> dict[str, list[tuple[str, str]]]:
    """Shard -> (page path, record digest) of each of its reports, from the units' manifest records.

    A year's reports are split by a stable hash of the unit into as many shards as it takes
    to keep each near SHARD_SIZE reports (a power of two: a year that grows past one splits
    every shard in two, and is indexed again once)."""
    years: dict[int, list[tuple[str, str, str]]] = {}
    for unit_id, record in sorted(units.items()):
        for year, (path, digest) in record.searchable.items():
            years.setdefault(year, []).append((unit_id, path, digest))
    members: dict[str, list[tuple[str, str]]] = {}
    for year, reports in years.items():
        buckets = 1 << max(0, math.ceil(math.log2(len(reports) / SHARD_SIZE)))
        for unit_id, path, digest in reports:
            # crc32 is the same in every run (hash() is not)
            members.setdefault(f"{year}/{zlib.crc32(unit_id.encode()) % buckets:02d}", []).append((path, digest))
    return members


def shard_digests(units: dict) -> dict[str, str]:
    """Shard -> a hash of its reports' records: a shard is indexed again when it changes."""
    return {shard: sha256(repr(sorted(pages)).encode()) for shard, pages in shard_members(units).items()}


def sweep_records(folder: Path, units: dict) -> None:
    """Remove every record the manifest does not name: older ones, and a failed build's."""
    kept = {f"{digest}.html" for pages in shard_members(units).values() for _, digest in pages}
    for entry in os.scandir(folder):
        if entry.name not in kept:
            os.unlink(entry.path)


# --- the index ----------------------------------------------------------------------------------

def index_shards(records: Path, site: Path, units: dict, problems: Problems) -> list[str]:
    """Every shard indexed into site/pagefind/ (a full build, before its tree is swapped in).
    Returns the shards not indexed (the build records them so, and the next one retries)."""
    members = shard_members(units)
    index = site / SEARCH_DIR
    failed = _index(records, members, sorted(members), lambda shard: index / shard, problems)
    _write_shard_list(index)
    return failed


def reindex_shards(records: Path, out: Path, units: dict, now: dict[str, str], before: dict[str, str],
                   problems: Problems) -> list[str]:
    """After an incremental build: each shard whose records changed, indexed beside the site
    and swapped in whole; a shard without reports any more is removed.
    Returns the shards whose index is not up to date (see index_shards)."""
    index = out / SEARCH_DIR
    changed = [s for s in sorted(now) if now[s] != before.get(s) or not (index / s).is_dir()]
    gone = set(before) - set(now)
    if not changed and not gone:
        return []
    with tempfile.TemporaryDirectory(prefix=staging_prefix(out, "search"), dir=out.parent) as scratch:
        failed = _index(records, shard_members(units), changed, lambda shard: Path(scratch, shard), problems)
        for shard in changed:
            if shard not in failed:
                (index / shard).parent.mkdir(parents=True, exist_ok=True)
                replace_folder(Path(scratch, shard), index / shard)
    for shard in gone:
        shutil.rmtree(index / shard, ignore_errors=True)
    _write_shard_list(index)
    return failed


def _write_shard_list(index: Path) -> None:
    """pagefind/shards.json: the shards indexed, newest year first (the search page merges them)."""
    shards = sorted((f"{year.name}/{bucket.name}" for year in index.glob("[0-9]*") if year.is_dir()
                     for bucket in year.iterdir() if (bucket / "pagefind.js").is_file()),
                    key=lambda shard: (-int(shard.split("/")[0]), shard))
    if shards or index.is_dir():       # no folder at all when nothing was ever indexed
        index.mkdir(exist_ok=True)
        write_atomically(index / SHARDS_FILE, json.dumps(shards).encode())


def _executable(problems: Problems) -> str | None:
    executable = pagefind_executable()
    if executable is None:
        problems.warning("site.yaml", None, f"没有生成站内搜索：找不到 Pagefind 扩展版。请运行 {INSTALL_HINT} 后重新生成，"
                                           "或在 site.yaml 中写「站内搜索: false」关闭搜索", "search")
    return executable


def _index(records: Path, members: dict[str, list[tuple[str, str]]], shards: list[str], output,
           problems: Problems) -> list[str]:
    """Each shard's index from its reports' records, into output(shard), by one Pagefind
    service. Returns the shards not indexed (the first says why in a warning)."""
    todo = list(shards)
    executable = _executable(problems) if todo else None
    if executable is None:
        return todo
    try:
        with PagefindService(executable) as pagefind:
            while todo:
                pages = [(f"/{path}", (records / f"{digest}.html").read_bytes()) for path, digest in members[todo[0]]]
                _write_index(output(todo[0]), pagefind.index(pages))
                todo.pop(0)
        return []
    except OSError as exc:           # a record gone from the cache, or the binary would not start
        reason = f"{exc.strerror}：{exc.filename}" if exc.filename else str(exc.strerror or exc)
    except PagefindFailed as exc:
        reason = str(exc)
    for shard in todo:               # nothing half-written is listed or kept
        shutil.rmtree(output(shard), ignore_errors=True)
    year, bucket = todo[0].split("/")
    problems.warning("site.yaml", None, f"站内搜索索引（{year} 年度第 {bucket} 组）生成失败：{reason}。"
                                       "删除 .gongkai-cache 文件夹后重新生成可以重建全部索引", "search")
    return todo


def _write_index(folder: Path, files: dict[str, bytes]) -> None:
    """A shard's index files into `folder` (a new one, swapped in whole later), without Pagefind's
    own search interfaces (0.4 MB a shard): the search page has its own."""
    for path, data in files.items():
        if not any(fnmatch.fnmatch(path, pattern) for pattern in UNUSED):
            target = folder / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
