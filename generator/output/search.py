"""站内搜索: a Pagefind index of the reports, built from the model, searched in the browser.

Pagefind's extended build segments Chinese words (行政处罚, 依申请), so the static
site needs no search server. What it indexes of a report is its search record
(templates/search_record.html): the text its page marks with data-pagefind-body, with the
filters 年度 and 单位类型, without the tables and the page's chrome (a few KB, not the
page's 30). Each worker keeps its reports' records in the build cache, named by digest.

The index is split into shards, by year and a stable hash of the unit (see shard_members):
Pagefind holds a whole index in memory while it builds (about 0.27 MB a record) and cannot
update one in place. A shard holds about 160 records (at 10,000 reports of one year, 64
shards), and indexing one again costs Pagefind about 0.5 s. So an edit does not: the
reports edited since their shards were indexed go to a small overlay index, which the
search page prefers for those pages (ShardIndex); a shard is indexed again only when the
overlay is folded back. pagefind/shards.json lists the shards, the overlay and the pages it
replaces; the search page merges the shards (mergeIndex) and searches the overlay beside
them. Pagefind services (output.pagefindservice) index a build's shards, INDEXERS at once and
each one shard at a time, so memory is bounded by INDEXERS shards. They index while the build
writes the rest; an incremental build's index is swapped in after the commit.

Longer than 350 lines: the shards, their records and one build's index (ShardIndex: a
thread, a service and a scratch folder whose lives end together) are read best in one place.

A site without Pagefind still builds: it gets a warning that says how to add it.
A shard or overlay whose index failed is not recorded as indexed, so the next build tries
again (and `generate build --strict` fails on the warning).
"""

from __future__ import annotations

import fnmatch
import json
import math
import os
import shutil
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
INDEXERS = 2                    # Pagefind services indexing a build's shards at once: a core and ~100 MB each
OVERLAY = "overlay"             # in SEARCH_DIR: the index of the reports edited since their shards were
OVERLAY_LIMIT = 40              # reports the overlay holds at most: see ShardIndex
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
    """The search index of one build, by one Pagefind service (and INDEXERS - 1 more beside it for
    a full build's or a fold's shards: _index_lanes). Used as a context manager around the whole
    build: the services are always ended and the scratch folder removed, whatever ends it.

    The reports edited since their shards were indexed are in the overlay (pagefind/overlay/,
    at most OVERLAY_LIMIT): shards.json names it and the pages it replaces, and the search page
    takes those pages' results from it alone. So an edit indexes the overlay (a few records, not
    the 160 of a shard); one that would make it too large, or a year split into more shards,
    folds it: the shards whose records changed are indexed again and the overlay is dropped.

    `early`: a build that has a search index and a manifest to compare with starts the service at
    once (a thread loads its dictionaries, 0.3 s, while the manifest is read); plan() then says
    what the build will do. Once the units are processed (settle) the thread indexes what
    changed into a scratch folder beside the output, while the build writes the rest, stages
    the manifest and commits; it is swapped in only after the commit (swap_in). A build that
    fails before then leaves pagefind/ as it was. A service started for nothing is killed, not
    waited for: as soon as the plan shows no unit to process, or at the end after a number edit.

    A full build has the thread index every shard as soon as the units are processed, while the
    listings and open data are written (settle), and moves them into its new tree before it
    is swapped in (index_all)."""

    def __init__(self, out: Path, early: bool = False):
        self.out = out
        self.records: Path | None = None                       # plan's: None, the build has no search index
        self.members: dict[str, list[tuple[str, str]]] = {}    # shard_members, once per build
        self.search: dict[str, str] = {}                       # what the manifest records (settle)
        self.overlay: dict[str, str] = {}                       # page path -> record digest, of the overlay
        self.jobs: dict[str, list[tuple[str, str]]] = {}      # folder in pagefind/ -> the pages it is indexed from
        self.gone: set[str] = set()
        self.service: PagefindService | None = None
        self.helpers: list[PagefindService] = []               # more services beside it (_index_lanes)
        self.scratch: Path | None = None
        self.problems = Problems()                # the thread's, given to the build's in swap_in
        self._thread = ThreadPoolExecutor(1)      # runs its tasks in order
        self._indexing = None
        self._settled = False
        self._now: dict[str, str] = {}                # shard_digests of the members
        self._before: tuple[dict, dict, dict] | None = None   # the last build's units, shard digests, overlay
        self._todo: list[str] = []
        self._early = early                       # the service started before it was known to be needed
        self._unneeded = threading.Event()        # not to be started early after all (or the build ends)
        if early:
            self._thread.submit(self._start)

    def __enter__(self) -> "ShardIndex":
        return self

    def __exit__(self, kind, *_) -> None:
        self._unneeded.set()
        # Killed when the build failed (an index under way fails at once), or when it was started
        # early and nothing was given to it after all.
        if self.service is not None and (kind is not None or self._early and self._indexing is None):
            self.service.process.kill()
        if kind is not None:
            for helper in self.helpers:
                helper.process.kill()
        self._thread.shutdown(cancel_futures=True)
        if self.service is not None:
            self.service.close()
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)

    def plan(self, records: Path | None, before: tuple[dict, dict, dict] | None, todo: list[str]) -> None:
        """What the build does, known once it has planned: `records` (None: no search index), the
        last build's units, shard digests and overlay (None: a full build) and the units to process."""
        self.records, self._before, self._todo = records, before, todo
        if records is None or before is not None and not todo:
            self._unneeded.set()
            if self.service is not None:     # started early: its dictionaries are not loaded for nothing
                self.service.process.kill()

    def settle(self, units: dict) -> None:
        """What the index is to be (self.search, self.overlay) and what the thread indexes for it
        (self.jobs), from the units' records, once they are processed (they do not change after):
        the thread starts at once, while the build writes the listings and the open data and
        checks the links. Without a change to their records (a number edit), nothing is indexed
        (unless a shard's folder is gone)."""
        if self.records is None or self._settled:
            return
        self._settled = True
        self.members = shard_members(units)
        self._now = now = shard_digests(self.members)
        if self._before is None:
            self.search, self.jobs = now, {shard: self.members[shard] for shard in sorted(now)}
        else:
            self._settle_incremental(units, now)
        if self.jobs:
            self._index_meanwhile()

    def _settle_incremental(self, units: dict, now: dict[str, str]) -> None:
        """The overlay takes the reports whose records changed. The shards are indexed again (a
        fold) where it cannot: all that are stale (see _overlay_holds), or those of a report
        removed or made a draft, so that no text withdrawn stays in the published index."""
        before_units, before, overlay = self._before
        changed = _changed_pages(before_units, units, self._todo)
        pending = {**overlay, **changed}
        index = self.out / SEARCH_DIR
        stale = {s for s in now if now[s] != before.get(s) or not (index / s).is_dir()}
        if not self._overlay_holds(pending, now, before, index):
            fold = stale | set(before) - set(now)
        else:
            fold = _shards_of(before_units, {path for path, digest in changed.items() if digest is None})
        page_shard = {path: shard for shard, pages in self.members.items() for path, _ in pages}
        self.overlay = {path: digest for path, digest in pending.items()
                        if digest is not None and page_shard.get(path) not in fold and page_shard.get(path) in stale}
        self.gone = {shard for shard in fold if shard not in now}
        self.search = {**{s: d for s, d in before.items() if s not in self.gone}, **{s: now[s] for s in fold if s in now}}
        self.jobs = {shard: self.members[shard] for shard in sorted(fold) if shard in now}
        if self.overlay and self.overlay != overlay:
            self.jobs[OVERLAY] = sorted(self.overlay.items())

    def _overlay_holds(self, pending: dict, now: dict[str, str], before: dict[str, str], index: Path) -> bool:
        """The overlay can hold what the shards do not: few enough reports, every shard of the last
        build's still there (no year split anew, none failed or removed by hand), and each shard
        that is new holding only reports of the overlay."""
        return (len(pending) <= OVERLAY_LIMIT and all((index / shard).is_dir() for shard in before)
                and all(path in pending for shard in now if shard not in before for path, _ in self.members[shard]))

    def _changing(self) -> bool:
        """An incremental build changes the index: a shard or the overlay to index, or to remove."""
        return self._before is not None and bool(self.jobs or self.gone or self.overlay != self._before[2])

    def staged(self) -> tuple[dict[str, str], dict]:
        """The index as it stands before the commit, for the manifest staged then: the shards that
        hold their reports as they are now, no overlay. Should the build stop before swap_in, the
        next one sees the others as stale and indexes them again."""
        if not self._changing():
            return self.search, self.overlay
        return {shard: digest for shard, digest in self._before[1].items() if self._now.get(shard) == digest}, {}

    def index_all(self, site: Path, problems: Problems) -> None:
        """Every shard indexed (by the thread, see settle) in site/pagefind/ (a full build,
        before its tree is swapped in). A shard not indexed is not recorded (the next build retries)."""
        failed = self._indexing.result() if self._indexing is not None else []
        problems.items += self.problems.items
        if self.scratch is not None and any(self.scratch.iterdir()):
            os.replace(self.scratch, site / SEARCH_DIR)     # a new tree has no pagefind/ of its own
            self.scratch = None
        for shard in failed:
            del self.search[shard]
        _write_shard_list(site / SEARCH_DIR, {})

    def swap_in(self, problems: Problems) -> None:
        """After an incremental build's commit: each shard indexed by the thread, or the overlay,
        swapped in whole, a shard without reports any more removed, and the overlay dropped after
        a fold. What failed leaves the index as it was and the manifest recording it as stale (see
        staged): the next build indexes it again."""
        if not self._changing():
            return
        failed = self._indexing.result() if self._indexing is not None else []
        problems.items += self.problems.items
        index = self.out / SEARCH_DIR
        for folder in self.jobs:
            if folder not in failed:
                (index / folder).parent.mkdir(parents=True, exist_ok=True)
                replace_folder(self.scratch / folder, index / folder)
        for shard in self.gone:
            shutil.rmtree(index / shard, ignore_errors=True)
        listed = self._before[2] if OVERLAY in failed else self.overlay     # a failed overlay is left as it was
        if failed:
            self.search, self.overlay = self.staged()
        if not listed:
            shutil.rmtree(index / OVERLAY, ignore_errors=True)
        _write_shard_list(index, listed)

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

    def _index_meanwhile(self) -> None:
        """The thread indexes self.jobs into a scratch folder beside the output, while the build goes on."""
        self.scratch = Path(tempfile.mkdtemp(prefix=staging_prefix(self.out, "search"), dir=self.out.parent))
        self._indexing = self._thread.submit(self._index_into, self.scratch, dict(self.jobs), self.problems)

    def _start(self) -> None:
        """The service started and its dictionaries loaded, unless the build said by then that it
        needs none. A failure is left for the index to meet and report (a missing binary is said
        only if something is to be indexed)."""
        executable = pagefind_executable()
        if executable is None or self._unneeded.is_set():
            return
        self.service = PagefindService(executable)
        if self._unneeded.is_set():         # plan() said so while it started (and saw no service to kill)
            self.service.process.kill()
            return
        try:
            self.service.warm_up()
        except (OSError, PagefindFailed):
            pass

    def _service(self, problems: Problems) -> PagefindService | None:
        """The build's service, started now if it was not early, or was killed as unneeded but a shard
        needs indexing after all (None: no Pagefind, said in a warning). One killed as unneeded may
        not have exited yet (poll() still None just after the kill): it is never used."""
        if self.service is not None and (self._unneeded.is_set() or self.service.process.poll() is not None):
            self.service.close()
            self.service = None
        if self.service is None:
            executable = _executable(problems)
            if executable is not None:
                self.service = PagefindService(executable)
        return self.service

    def _index_into(self, folder: Path, jobs: dict[str, list[tuple[str, str]]], problems: Problems) -> list[str]:
        """Each job's index (a shard or the overlay) from its reports' records, into folder/name:
        by the build's service, and by another beside it when there are several (INDEXERS: a full
        build's shards, a fold's). Returns those not indexed (the first says why in a warning)."""
        names = list(jobs)
        try:
            pagefind = self._service(problems) if names else None
        except OSError as exc:           # the binary would not start
            pagefind, failed = None, [(names, _reason(exc))]
        else:
            failed = [(names, None)] if pagefind is None else self._index_lanes(pagefind, folder, names, jobs)
        left = [name for lane, _ in failed for name in lane]
        reason = next((reason for lane, reason in failed if reason), None)
        if reason is not None:
            problems.warning("site.yaml", None, f"站内搜索索引（{_described(left[0])}）生成失败：{reason}。"
                                               "删除 .gongkai-cache 文件夹后重新生成可以重建全部索引", "search")
        return left

    def _index_lanes(self, pagefind: PagefindService, folder: Path, names: list[str],
                     jobs: dict[str, list[tuple[str, str]]]) -> list[tuple[list[str], str | None]]:
        """`names` indexed in INDEXERS lanes, each by its own service: (names not indexed, why) of each."""
        lanes = [names[lane::INDEXERS] for lane in range(min(INDEXERS, len(names)))]
        with ThreadPoolExecutor(max(1, len(lanes) - 1)) as helpers:
            others = [helpers.submit(self._helper_lane, folder, lane, jobs) for lane in lanes[1:]]
            first = _index_lane(pagefind, folder, lanes[0], jobs, self._pages)
            return [first] + [other.result() for other in others]

    def _helper_lane(self, folder: Path, names: list[str], jobs: dict) -> tuple[list[str], str | None]:
        """A lane with a service of its own, ended when it is done (killed with the build's if it fails)."""
        executable = pagefind_executable()
        try:
            service = PagefindService(executable) if executable is not None else None
        except OSError as exc:
            return names, _reason(exc)
        if service is None:             # removed since the build's own service started
            return names, f"找不到 Pagefind（{INSTALL_HINT}）"
        self.helpers.append(service)
        with service:
            return _index_lane(service, folder, names, jobs, self._pages)

    def _pages(self, pages: list[tuple[str, str]]) -> list[tuple[str, bytes]]:
        """(URL, record) of each (page path, record digest)."""
        return [(f"/{path}", (self.records / f"{digest}.html").read_bytes()) for path, digest in pages]


def _index_lane(pagefind: PagefindService, folder: Path, names: list[str], jobs: dict, pages
                ) -> tuple[list[str], str | None]:
    """Each of `names` indexed into folder/name, in turn: (the names not indexed, why; None if all were)."""
    todo = list(names)
    try:
        while todo:
            _index_one(pagefind, pages(jobs[todo[0]]), folder / todo[0])
            todo.pop(0)
        return [], None
    except OSError as exc:           # a record gone from the cache
        reason = _reason(exc)
    except PagefindFailed as exc:
        reason = str(exc)
    for name in todo:                # nothing half-written is listed or kept
        shutil.rmtree(folder / name, ignore_errors=True)
    return todo, reason


def _reason(exc: OSError) -> str:
    return f"{exc.strerror}：{exc.filename}" if exc.filename else str(exc.strerror or exc)


def _index_one(pagefind: PagefindService, pages: list[tuple[str, bytes]], output: Path) -> None:
    """One index (a shard, or the overlay) of `pages` written into `output`."""
    index_id = pagefind.new_index()
    try:
        pagefind.add(index_id, pages)
        _write_index(output, pagefind.files(index_id))
    finally:
        pagefind.delete(index_id)


def _described(name: str) -> str:
    if name == OVERLAY:
        return "最近修改的报告"
    year, bucket = name.split("/")
    return f"{year} 年度第 {bucket} 组"


def _searchable(units: dict, unit_id: str) -> dict:
    return units[unit_id].searchable if unit_id in units else {}


def _shards_of(units: dict, pages: set[str]) -> set[str]:
    """The shards that held these pages, by the units' records (shard_members)."""
    if not pages:
        return set()
    return {shard for shard, members in shard_members(units).items() for path, _ in members if path in pages}


def _changed_pages(before: dict, units: dict, processed: list[str]) -> dict[str, str | None]:
    """Page path -> its search record's digest (None: the page is gone), of every report whose
    record differs from the last build's: of the units processed and of those removed."""
    changed = {}
    for unit_id in [*processed, *(unit_id for unit_id in before if unit_id not in units)]:
        old = dict(_searchable(before, unit_id).values())
        new = dict(_searchable(units, unit_id).values())
        changed.update({path: new.get(path) for path in old.keys() | new.keys() if old.get(path) != new.get(path)})
    return changed


def _write_shard_list(index: Path, overlay: dict[str, str | None]) -> None:
    """pagefind/shards.json, which the search page reads: the shards indexed, newest year first;
    the overlay's folder, if it has an index; the pages it replaces (`overlay`'s), as URLs."""
    shards = sorted((f"{year.name}/{bucket.name}" for year in index.glob("[0-9]*") if year.is_dir()
                     for bucket in year.iterdir() if (bucket / "pagefind.js").is_file()),
                    key=lambda shard: (-int(shard.split("/")[0]), shard))
    if shards or index.is_dir():       # no folder at all when nothing was ever indexed
        index.mkdir(exist_ok=True)
        listed = json.dumps({"shards": shards, "overlay": OVERLAY if (index / OVERLAY / "pagefind.js").is_file() else None,
                             "replaced": sorted(f"/{path}" for path in overlay)}, ensure_ascii=False).encode()
        path = index / SHARDS_FILE
        if not path.is_file() or path.read_bytes() != listed:     # as it was after a failure: left alone
            write_atomically(path, listed)


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
