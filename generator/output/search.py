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
shard of a build, one at a time, so memory is bounded by a shard (by a few while an incremental
build feeds it early: see SPECULATED_SHARDS). An incremental build has it index the changed
shards while the manifest is staged and the output committed (ShardIndex).

Longer than 350 lines: the shards, their records and one build's index (ShardIndex: a
thread, a service and a scratch folder whose lives end together) are read best in one place.

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
import sys
import tempfile
import threading
import zlib
from concurrent.futures import ThreadPoolExecutor
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
FEED_SWITCH_INTERVAL = 0.0005  # seconds: see ShardIndex.plan
SPECULATED_SHARDS = 2           # fed to Pagefind early at most (ShardIndex): each is held in memory until used
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


def shard_members(units: dict, only: set[str] | None = None) -> dict[str, list[tuple[str, str]]]:
    """Shard -> (page path, record digest) of each of its reports, from the units' manifest records
    (`only`: just these shards).

    A year's reports are split by a stable hash of the unit into as many shards as it takes
    to keep each near SHARD_SIZE reports (a power of two: a year that grows past one splits
    every shard in two, and is indexed again once)."""
    buckets = _buckets(units)
    members: dict[str, list[tuple[str, str]]] = {}
    for unit_id, record in sorted(units.items()):
        for year, (path, digest) in record.searchable.items():
            shard = _shard(unit_id, year, buckets)
            if only is None or shard in only:
                members.setdefault(shard, []).append((path, digest))
    return members


def _buckets(units: dict) -> dict[int, int]:
    """Year -> how many shards its reports are split into."""
    counts: dict[int, int] = {}
    for record in units.values():
        for year in record.searchable:
            counts[year] = counts.get(year, 0) + 1
    return {year: 1 << max(0, math.ceil(math.log2(count / SHARD_SIZE))) for year, count in counts.items()}


def _shard(unit_id: str, year: int, buckets: dict[int, int]) -> str:
    # crc32 is the same in every run (hash() is not)
    return f"{year}/{zlib.crc32(unit_id.encode()) % buckets[year]:02d}"


def shard_digests(members: dict[str, list[tuple[str, str]]]) -> dict[str, str]:
    """Shard -> a hash of its reports' records (shard_members'): a shard is indexed again when it changes."""
    return {shard: sha256(repr(sorted(pages)).encode()) for shard, pages in members.items()}


# --- the index ----------------------------------------------------------------------------------

class ShardIndex:
    """The search index of one build, by one Pagefind service. Used as a context manager around
    the whole build: the service is always ended and the scratch folder removed, whatever ends it.

    `early`: a build that has a manifest to compare with starts the service at once (a thread
    loads its dictionaries, 0.3 s, while the manifest is read); plan() then says what the build
    will do. An incremental build with units to process has the thread feed it the other
    reports of the shards those units were in (from the last build's units) while they are
    processed; once they are (feed_early), the shards whose digests changed are indexed by the
    thread into a scratch folder beside the output, while the build writes the rest, stages
    the manifest and commits, and are swapped in only after the commit (swap_in). A build that
    fails before then leaves pagefind/ as it was. A service started for nothing is killed, not
    waited for: as soon as the plan shows no unit to process, or at the end after a number edit.

    A full build has the thread index every shard as soon as the units are processed, while the
    listings and open data are written (feed_early), and moves them into its new tree before it
    is swapped in (index_all)."""

    def __init__(self, out: Path, early: bool = False):
        self.out = out
        self.records: Path | None = None                       # plan's: None, the build has no search index
        self.members: dict[str, list[tuple[str, str]]] = {}    # shard_members, once per build
        self.changed: list[str] = []
        self.gone: set[str] = set()
        self.service: PagefindService | None = None
        self.scratch: Path | None = None
        self.problems = Problems()                # the thread's, given to the build's in swap_in
        self._thread = ThreadPoolExecutor(1)      # runs its tasks in order
        self._indexing = None
        self._digests: dict[str, str] | None = None
        self._fed: dict[str, tuple[int, frozenset]] = {}     # shard -> an index fed early: its id, its pages
        self._previous: tuple[dict, dict] | None = None       # the last build's units and shard digests
        self._todo: list[str] = []
        self._early = early                       # the service started before it was known to be needed
        self._unneeded = threading.Event()        # not to be started early after all (or the build ends)
        self._switch_interval: float | None = None   # the interpreter's, while the thread feeds the service
        if early:
            self._thread.submit(self._start)

    def __enter__(self) -> "ShardIndex":
        return self

    def __exit__(self, kind, *_) -> None:
        self._unneeded.set()
        # Killed when the build failed (an index under way fails at once), or when it was started
        # early and no shard was given to it after all (the early feed is not waited for).
        if self.service is not None and (kind is not None or self._early and self._indexing is None):
            self.service.process.kill()
        self._thread.shutdown(cancel_futures=True)
        if self.service is not None:
            self.service.close()
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
        if self._switch_interval is not None:
            sys.setswitchinterval(self._switch_interval)

    def plan(self, records: Path | None, previous: tuple[dict, dict] | None, todo: list[str]) -> None:
        """What the build does, known once it has planned: `records` (None: no search index), the
        last build's units and shard digests (None: a full build) and the units to process. An
        incremental build's service is fed early (_feed) if there are units to process."""
        self.records, self._previous, self._todo = records, previous, todo
        if records is None or previous is not None and not todo:
            self._unneeded.set()
            if self.service is not None:     # started early: its dictionaries are not loaded for nothing
                self.service.process.kill()
        elif previous is not None:
            # The thread waits for the GIL after each record read and each answer while the build
            # computes: in the default 5 ms turns, that was half of the feed's time.
            self._switch_interval = sys.getswitchinterval()
            sys.setswitchinterval(FEED_SWITCH_INTERVAL)
            self._thread.submit(self._feed, previous[0], todo)

    def feed_early(self, units: dict) -> None:
        """After the units were processed (`units`: their records). A full build: the thread
        indexes every shard into a scratch folder while the build writes the listings and the
        open data and checks the links (index_all moves them into the new tree). An incremental
        one: if a search record of theirs changed (a narrative edited, a report added or
        removed; not a number), the thread indexes the shards that changed at once."""
        if self.records is None:
            return
        if self._previous is None:
            self.digests(units, None)             # the shards' members, worked out once
            self._index_meanwhile(sorted(self.members))
            return
        previous_units = self._previous[0]
        if any(_searchable(units, unit_id) != _searchable(previous_units, unit_id) for unit_id in self._todo):
            self.digests(units, self._previous[1])

    def digests(self, units: dict, before: dict[str, str] | None) -> dict[str, str]:
        """Shard -> its digest (shard_digests). In an incremental build (`before`: the last build's
        digests), the thread starts indexing the shards whose digest changed, beside the output.
        Worked out once: the units' records do not change after they are processed."""
        if self.records is None:
            return {}
        if self._digests is None:
            self.members = shard_members(units)
            self._digests = now = shard_digests(self.members)
            if before is not None:
                index = self.out / SEARCH_DIR
                self.changed = [s for s in sorted(now) if now[s] != before.get(s) or not (index / s).is_dir()]
                self.gone = set(before) - set(now)
            if self.changed:
                self._index_meanwhile(self.changed)
        return self._digests

    def index_all(self, site: Path, problems: Problems) -> list[str]:
        """Every shard indexed (by the thread, see feed_early) in site/pagefind/ (a full build,
        before its tree is swapped in). Returns the shards not indexed (the build records them
        so, and the next one retries)."""
        failed = self._indexing.result()
        problems.items += self.problems.items
        if any(self.scratch.iterdir()):
            os.replace(self.scratch, site / SEARCH_DIR)     # a new tree has no pagefind/ of its own
            self.scratch = None
        _write_shard_list(site / SEARCH_DIR)
        return failed

    def swap_in(self, problems: Problems) -> list[str]:
        """After an incremental build's commit: each changed shard indexed by the thread swapped in
        whole, and a shard without reports any more removed. Returns the shards whose index is not
        up to date (see index_all)."""
        if not self.changed and not self.gone:
            return []
        failed = self._indexing.result() if self._indexing is not None else []
        problems.items += self.problems.items
        index = self.out / SEARCH_DIR
        for shard in self.changed:
            if shard not in failed:
                (index / shard).parent.mkdir(parents=True, exist_ok=True)
                replace_folder(self.scratch / shard, index / shard)
        for shard in self.gone:
            shutil.rmtree(index / shard, ignore_errors=True)
        _write_shard_list(index)
        return failed

    def sweep(self, previous_units: dict | None) -> None:
        """Remove the records no longer named: after a full build (`previous_units` None) every one
        the manifest does not name; after an incremental one only those the last build named that
        are gone now (not a scan of the folder), so a failed or interrupted build's records stay
        in the cache until the next full build."""
        named = {f"{digest}.html" for pages in self.members.values() for _, digest in pages}
        if previous_units is None:
            gone = [entry.name for entry in os.scandir(self.records) if entry.name not in named]
        else:
            gone = {f"{digest}.html" for record in previous_units.values()
                    for _, digest in record.searchable.values()} - named
        for name in gone:
            (self.records / name).unlink(missing_ok=True)

    def _index_meanwhile(self, shards: list[str]) -> None:
        """The thread indexes `shards` into a scratch folder beside the output, while the build goes on."""
        self.scratch = Path(tempfile.mkdtemp(prefix=staging_prefix(self.out, "search"), dir=self.out.parent))
        self._indexing = self._thread.submit(self._index_into, self.scratch, shards, self.problems)

    def _start(self) -> None:
        """The service started and its dictionaries loaded, unless the build said by then that it
        needs none. A failure is left for the index to meet and report (a missing binary is said
        only if a shard is to be indexed)."""
        executable = pagefind_executable()
        if executable is None or self._unneeded.is_set():
            return
        self.service = PagefindService(executable)
        try:
            self.service.warm_up()
        except (OSError, PagefindFailed):
            pass

    def _feed(self, previous_units: dict, todo: list[str]) -> None:
        """The reports of the shards the units `todo` were in, but theirs, added to an index per
        shard: after an edit only the edited report is left to add (_index_one). Too many shards
        are not fed (each is held in memory until used)."""
        if self.service is None or self._unneeded.is_set():
            return
        try:
            speculated = _unchanged_members(previous_units, todo)
            if len(speculated) > SPECULATED_SHARDS:
                return
            for shard, members in speculated.items():
                index_id = self.service.new_index()
                self.service.add(index_id, self._pages(members))
                self._fed[shard] = (index_id, frozenset(members))
        except (OSError, PagefindFailed):
            pass

    def _service(self, problems: Problems) -> PagefindService | None:
        """The build's service, started now if it was not early, or was killed as unneeded but a shard
        needs indexing after all (None: no Pagefind, said in a warning)."""
        if self.service is not None and self.service.process.poll() is not None:
            self.service.close()
            self.service = None
        if self.service is None:
            executable = _executable(problems)
            if executable is not None:
                self.service = PagefindService(executable)
        return self.service

    def _index_into(self, folder: Path, shards: list[str], problems: Problems) -> list[str]:
        """Each shard's index from its reports' records, into folder/shard, by the build's service.
        Returns the shards not indexed (the first says why in a warning)."""
        todo = list(shards)
        try:
            pagefind = self._service(problems) if todo else None
            if pagefind is None:
                return todo
            while todo:
                self._index_one(pagefind, todo[0], folder / todo[0])
                todo.pop(0)
            return []
        except OSError as exc:           # a record gone from the cache, or the binary would not start
            reason = f"{exc.strerror}：{exc.filename}" if exc.filename else str(exc.strerror or exc)
        except PagefindFailed as exc:
            reason = str(exc)
        for shard in todo:               # nothing half-written is listed or kept
            shutil.rmtree(folder / shard, ignore_errors=True)
        year, bucket = todo[0].split("/")
        problems.warning("site.yaml", None, f"站内搜索索引（{year} 年度第 {bucket} 组）生成失败：{reason}。"
                                           "删除 .gongkai-cache 文件夹后重新生成可以重建全部索引", "search")
        return todo

    def _index_one(self, pagefind: PagefindService, shard: str, output: Path) -> None:
        """One shard's index written into `output`: its reports added to the index fed early, if that
        holds none the shard no longer has (else it is dropped: a year's shards were split anew,
        or a report of another unit changed too), or to a new one."""
        pages = self.members[shard]
        index_id, fed = self._fed.pop(shard, (None, frozenset()))
        if index_id is not None and not fed <= set(pages):
            pagefind.delete(index_id)
            index_id, fed = None, frozenset()
        if index_id is None:
            index_id = pagefind.new_index()
        try:
            pagefind.add(index_id, self._pages([page for page in pages if page not in fed]))
            _write_index(output, pagefind.files(index_id))
        finally:
            pagefind.delete(index_id)

    def _pages(self, pages: list[tuple[str, str]]) -> list[tuple[str, bytes]]:
        """(URL, record) of each (page path, record digest)."""
        return [(f"/{path}", (self.records / f"{digest}.html").read_bytes()) for path, digest in pages]


def _searchable(units: dict, unit_id: str) -> dict:
    return units[unit_id].searchable if unit_id in units else {}


def _unchanged_members(units: dict, edited: list[str]) -> dict[str, list[tuple[str, str]]]:
    """The shards the reports of the units `edited` were in (shard_members of the last build's
    `units`), each with its other reports: the ones that stay unless the shards are split anew."""
    buckets = _buckets(units)
    changing = {(path, digest) for unit_id in edited for path, digest in _searchable(units, unit_id).values()}
    shards = {_shard(unit_id, year, buckets) for unit_id in edited for year in _searchable(units, unit_id)}
    return {shard: [page for page in pages if page not in changing]
            for shard, pages in shard_members(units, shards).items()}


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


def _write_index(folder: Path, files: dict[str, bytes]) -> None:
    """A shard's index files into `folder` (a new one, swapped in whole later), without Pagefind's
    own search interfaces (0.4 MB a shard): the search page has its own."""
    for path, data in files.items():
        if not any(fnmatch.fnmatch(path, pattern) for pattern in UNUSED):
            target = folder / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
