"""The build: read and check each unit's reports, render their pages, write atomically.

Work is done unit by unit: R6, R7 and the 图解's year-over-year figures never
cross units (a 汇总 report reads its members' files too), so a unit's reports are
read, checked, rendered and dropped together. Memory stays flat at any portal
size, and units are spread over the CPU cores (forked workers share the compiled
templates).

A manifest in .gongkai-cache/ (safe to delete) remembers, per unit, its files'
mtimes and sizes and content hashes, the summaries the listings need, its
warnings, its output files, and digests of its open data and of its report
pages; and the unit folders' listings and the output folders' stamps. The next
build processes only the units whose files changed, re-renders the listings only
when a summary changed, rewrites the portal-wide open data only when a number
changed, and re-indexes for search only the years whose report pages changed;
site.yaml, units.yaml, templates and the generator version are part of the
manifest's key, so changing any of them rebuilds everything. Finding out that
nothing changed costs a stat per input file and per folder, and no more: folders
are listed only when their mtime changed, and a unit's record is unmarshalled only
when the unit is processed. The manifest is plain values, authenticated with the
user's own key: a planted or damaged one is ignored, never parsed (see _read_manifest).

Writing (generator.write): a full build writes a fresh tree beside the output
and swaps it in; an incremental build renders everything first, then moves the
few changed files into place. Unchanged files are never rewritten.
"""

from __future__ import annotations

import hmac
import marshal
import os
import shutil
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from generator import __version__
from generator.config import CACHE_DIR, UNITS_FILE, cache_folder, cache_key
from generator.loader import SETTLED_NS, ReportFiles, load_unit, members_in, read_inputs
from generator.model import ReportSummary, Unit
from generator.opendata import (fragment_folder, fragments_complete, sweep_fragments, unit_open_data,
                               write_portal_data)
from generator.problems import BuildFailed, Problem, Problems
from generator.paths import COLUMN_DIR, PORTAL_FILES
from generator.render import Renderer, refuse_collisions
from generator.search import index_years, reindex_years
from generator.source import Signature, file_signature, forget_reads, sha256, signature_of_read
from generator.write import (FullTree, PendingFiles, WriteFailed, check_output_dir, in_words, output_lock, write_aside,
                             write_atomically)

DEFAULT_OUT = "build"
MANIFEST_FORMAT = 6         # bumped when the manifest's fields change: an older one means a full build
PARALLEL_FROM = 40          # reports: below this, starting workers costs more than it saves


@dataclass
class UnitRecord:
    """What the manifest keeps of a unit. Every build needs the fields from `stats` on of
    every unit; the first three only of the units it processes, so they are stored
    marshalled apart and read when first asked for: a manifest for 10,000 reports loads
    and saves in a few milliseconds, and an unchanged unit is saved as it was loaded."""
    inputs: dict[str, Signature]              # rel path -> (mtime_ns, size, sha256)
    summaries: list[tuple]                     # ReportSummary.packed() of each report
    outputs: list[str]
    stats: tuple[int, ...]                     # its files' mtimes and sizes (see _stats)
    warnings: list[Problem]
    listing: str = ""                          # hash of what the listings show of this unit
    open_data: str = ""                        # hash of its share of the portal-wide open data
    searchable: dict[int, str] = field(default_factory=dict)   # year -> hash of its report page (indexed)
    reports: int = 0

    def __post_init__(self):
        self.listing = self.listing or sha256(repr(self.summaries).encode())
        self.reports = len(self.summaries)

    def stored(self) -> tuple:
        """As the manifest file keeps it: plain values only, the cold fields marshalled apart
        (as loaded, if they were)."""
        cold = self.__dict__.get("_cold") or marshal.dumps(tuple(getattr(self, name) for name in _COLD))
        return self.stats, _plain_problems(self.warnings), self.listing, self.open_data, self.searchable, \
            self.reports, cold

    @classmethod
    def restored(cls, stored: tuple) -> "UnitRecord":
        record = cls.__new__(cls)
        stats, warnings, listing, open_data, searchable, reports, cold = stored
        record.__dict__.update(stats=stats, warnings=_problems(warnings), listing=listing,
                               open_data=open_data, searchable=searchable, reports=reports, _cold=cold)
        return record

    def __getattr__(self, name):          # only for an attribute not set: a cold field not read yet
        cold = self.__dict__.get("_cold")
        if cold is None or name not in _COLD:
            raise AttributeError(name)
        self.__dict__.update(zip(_COLD, marshal.loads(cold)))
        return self.__dict__[name]


_COLD = ("inputs", "summaries", "outputs")


@dataclass
class Manifest:
    key: str                                   # generator version, output folder, global inputs
    globals: dict[str, str]                    # site.yaml, units.yaml, templates/* -> sha256
    units: dict[str, UnitRecord] = field(default_factory=dict)
    listing: str = ""                          # hash of what the listings show
    open_data: str = ""                        # hash of every unit's share of the open data
    search: dict[int, str] = field(default_factory=dict)       # year -> hash of that year's report pages
    site_outputs: set[str] = field(default_factory=set)       # the files of no unit: listings, data, static
    unit_list: tuple = ("", {}, [])            # units.yaml: (sha256, parsed units, warnings)
    listings: tuple = ("", {})                 # (site folder, loader.Listings): unit folders as last listed
    folders: dict[str, tuple] = field(default_factory=dict)   # output folder -> its _stamp after the build
    fragments: tuple | None = None             # the _stamp of the open data's folder in the cache, after the build

    def outputs(self) -> set[str]:
        """Every file the build wrote or kept (a union, not stored: half the manifest's size)."""
        found = set(self.site_outputs)
        for record in self.units.values():
            found.update(record.outputs)
        return found


@dataclass
class BuildResult:
    files: int                 # files written (unchanged ones are not rewritten)
    reports: int
    problems: Problems         # warnings only: errors raise BuildFailed
    changed: list[str]         # input files that differed from the last build
    full: bool                 # everything was rebuilt


@dataclass
class _UnitOutcome:
    unit_id: str
    record: UnitRecord
    problems: list[Problem]
    written: list[str]         # files actually written (the others were unchanged)


# --- the build --------------------------------------------------------------------------

def build_site(root: Path, out: Path | None = None, *, jobs: int | None = None,
               progress: Callable[[int, int], None] | None = None, search: bool = True) -> BuildResult:
    """Build the site at `root` into `out` (default root/build); `search=False` skips the
    search index (the editors' preview).

    Raises BuildFailed with every problem found; the output is then untouched.
    """
    root = root.resolve()
    out = (out if out is not None else root / DEFAULT_OUT).resolve()
    check_output_dir(out, root)
    try:
        with output_lock(out):     # a second build waits for nothing: it is refused, and says by whom
            return _build(root, out, jobs, progress, search)
    except OSError as exc:         # before anything was written (later ones are WriteFailed already)
        raise _write_failed(exc, out, changed=False) from None


def _build(root: Path, out: Path, jobs: int | None, progress, search: bool) -> BuildResult:
    cache_folder(root)         # refused if it leads out of the site
    problems = Problems()
    previous = _read_manifest(root, out)
    listings = dict(previous.listings[1]) if previous is not None and previous.listings[0] == str(root) else {}
    config, units, files = read_inputs(root, problems, _cached_units(root, previous, problems), listings)
    if config is None or problems.errors:
        raise BuildFailed(problems, out)
    renderer = Renderer(root, config, units, problems)
    global_files = _global_inputs(root, renderer)
    key = sha256(repr((__version__, MANIFEST_FORMAT, sys.version_info[:2], str(out),
                       sorted(global_files.items()))).encode())
    manifest = Manifest(key, global_files, unit_list=(global_files[UNITS_FILE], units,
                        [p for p in problems.items if p.file == UNITS_FILE]), listings=(str(root), listings))
    if (previous is not None and previous.key == key and _outputs_intact(out, previous)
            and _fragments_intact(fragment_folder(root, out), previous)):
        todo, changed = _plan(root, units, files, previous, manifest, problems)
        last = previous
    else:
        todo, changed, last = sorted(files), _differences(previous.globals, global_files) if previous else [], None
    written = _write(root, out, units, files, renderer, todo, manifest, last, problems, jobs, progress, search)
    reports = sum(r.reports for r in manifest.units.values())
    return BuildResult(written, reports, problems, sorted(set(changed)), full=last is None)


def check_site(root: Path) -> tuple[int, Problems]:
    """Everything build validates, templates included, without writing anything.

    Returns the number of reports and every problem found.
    """
    root = root.resolve()
    problems = Problems()
    config, units, files = read_inputs(root, problems)
    if config is None:
        return 0, problems
    renderer = Renderer(root, config, units, problems)
    manifest = Manifest("", {})
    _process_units(root, units, files, renderer, None, list(files), manifest, problems, None, None, False)
    if not problems.errors:
        _write_listings(renderer, manifest, None, None, problems)
    return sum(r.reports for r in manifest.units.values()), problems


def _plan(root: Path, units: dict, files: dict, previous: Manifest, manifest: Manifest, problems: Problems
          ) -> tuple[list[str], list[str]]:
    """Which units to process, and which input files changed; unchanged units are kept as they were."""
    todo, changed = [], []
    members = members_in(units, files)
    listings, root_before = manifest.listings[1], previous.listings[0] == manifest.listings[0]

    def listed_as_before(unit_id: str) -> bool:
        """Its folder was not listed again (or it has none): the same files as last time."""
        entry = listings.get(unit_id)
        if entry is None:
            return not files.get(unit_id)
        return root_before and entry is previous.listings[1].get(unit_id)

    for unit_id, unit_files in files.items():
        old = previous.units.get(unit_id)
        if old is None:
            todo.append(unit_id)
            changed += [os.path.relpath(path, root) for path in _input_paths([unit_files])]
            continue
        unit_members = members(units[unit_id])
        inputs_files = [unit_files] + [member_files for _, member_files in unit_members]
        stats = _stats(inputs_files)
        if stats == old.stats and all(map(listed_as_before, [unit_id] + [m.id for m, _ in unit_members])):
            manifest.units[unit_id] = old
            problems.items.extend(old.warnings)
            continue
        inputs = _signature(root, inputs_files, old.inputs)
        if _contents(inputs) == _contents(old.inputs):      # touched, not edited: nothing to render
            manifest.units[unit_id] = replace(old, inputs=inputs, stats=stats)
            problems.items.extend(old.warnings)
        else:
            todo.append(unit_id)
            changed += _differences(_contents(old.inputs), _contents(inputs))
    changed += [k for u, r in previous.units.items() if u not in files for k in r.inputs]   # removed
    return todo, changed


def _write(root, out, units, files, renderer, todo, manifest, previous, problems, jobs, progress, search) -> int:
    """Process the units to do, then the listings and static files; commit, or discard on any error."""
    search = search and renderer.config.search
    writer = PendingFiles(out) if previous is not None else FullTree(out)
    committing = False
    try:
        written = _process_units(root, units, files, renderer, writer, todo, manifest, problems, jobs, progress,
                                 search)
        manifest.open_data = sha256(repr(sorted((u, r.open_data) for u, r in manifest.units.items())).encode())
        # The portal-wide data is rewritten only when a number changed, not after a narrative edit.
        open_data_changed = previous is None or previous.open_data != manifest.open_data
        if not problems.errors and open_data_changed:
            # Reading and writing files (370 MB at 10,000 reports): a thread does it while the
            # listings are rendered. Imported here: most rebuilds have no open data to write.
            from concurrent.futures import ThreadPoolExecutor
            with ThreadPoolExecutor(1) as thread:
                portal = thread.submit(write_portal_data, fragment_folder(root, out), _shares(manifest), writer)
                written += _write_listings(renderer, manifest, previous, writer, problems)
                written += portal.result()
        else:
            written += _write_listings(renderer, manifest, previous, writer, problems)
        manifest.site_outputs |= set(PORTAL_FILES)
        for rel, data in renderer.static_files():
            manifest.site_outputs.add(rel)
            written += writer.write(rel, data)
        _refuse_collisions(manifest, todo if previous is not None else manifest.units, problems)
        if problems.errors:
            raise BuildFailed(problems, out)
        manifest.search = _search_digests(manifest) if search else {}
        if search and previous is None:               # a full build: indexed before it is swapped in
            _not_indexed(manifest, index_years(writer.staging, sorted(manifest.search), problems))
        # The manifest's bytes are written before the output changes: a full disk or a
        # read-only cache then fails the build with the output as it was.
        staged = _stage_manifest(root, out, manifest, previous)
        committing = True
        writer.commit(stale=_stale(previous, manifest, todo) if previous is not None else set())
        if staged is not None:
            os.replace(staged, _manifest_path(root, out))
    except OSError as exc:
        writer.discard()
        raise _write_failed(exc, out, changed=committing) from None
    except BaseException:
        writer.discard()
        raise
    try:
        if search and previous is not None:               # only the years whose report pages changed
            _not_indexed(manifest, reindex_years(out, manifest.search, previous.search, problems))
        manifest.folders = _folder_times(out, manifest, previous, todo)
        if open_data_changed:
            sweep_fragments(fragment_folder(root, out), _shares(manifest))
        manifest.fragments = _stamp(str(fragment_folder(root, out)))
        if staged is not None or _manifest_changed(previous, manifest):
            _write_manifest(root, out, manifest)
    except OSError as exc:
        raise _write_failed(exc, out, changed=True) from None
    return written


def _not_indexed(manifest: Manifest, years: list[int]) -> None:
    """Years whose search index was not built are not recorded: the next build tries again."""
    for year in years:
        del manifest.search[year]


def _stage_manifest(root: Path, out: Path, manifest: Manifest, previous: Manifest | None) -> Path | None:
    """The new manifest written beside the old one, if what it records changed, and the old
    one removed (should the commit fail half-way, the next build rebuilds everything).
    Without the output's folder times (not known before the commit: the next build lists
    the output once) and with only the years whose search index is already up to date
    (the others are indexed after the commit); _write_manifest completes it."""
    key = cache_key()
    if key is None or (previous is not None and not _records_changed(previous, manifest)):
        return None
    indexed = {year: digest for year, digest in manifest.search.items()
               if previous is None or previous.search.get(year) == digest}
    payload = marshal.dumps(_stored(replace(manifest, search=indexed, folders={}, fragments=None)))
    path = _manifest_path(root, out)
    staged = write_aside(path, _mac(key, path, payload) + payload)
    path.unlink(missing_ok=True)
    return staged


def _write_failed(exc: OSError, out: Path, changed: bool) -> WriteFailed:
    what = f"{exc.filename}：" if exc.filename else ""
    then = (f"输出文件夹 {out} 可能已部分更新：腾出空间或改正权限后重新生成即可修复" if changed
            else f"输出文件夹 {out} 保持原样，未作任何改动")
    return WriteFailed(f"{what}{in_words(exc)}。{then}")


# --- units, in worker processes ------------------------------------------------------------

_WORK: dict = {}   # what workers need; set before the pool forks, so it is inherited, not pickled


def _process_units(root, units, files, renderer, writer, todo, manifest, problems, jobs, progress, indexed) -> int:
    """indexed: the search index is built, so each report page's digest is kept (see _search_digests)."""
    fragments = fragment_folder(root, writer.out) if writer is not None else None
    _WORK.update(root=root, units=units, files=files, renderer=renderer, writer=writer, fragments=fragments,
                 indexed=indexed, members=members_in(units, files))
    total = sum(len(files[u]) for u in todo)
    jobs = jobs or os.cpu_count() or 1
    written, done = 0, 0
    if jobs > 1 and total >= PARALLEL_FROM:
        import multiprocessing     # here: a build with little to do never needs it
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            outcomes = pool.imap_unordered(_process_unit, sorted(todo), chunksize=4)
            written, done = _collect(outcomes, manifest, problems, progress, total)
    else:
        written, done = _collect(map(_process_unit, sorted(todo)), manifest, problems, progress, total)
    _WORK.clear()
    return written


def _collect(outcomes, manifest, problems, progress, total) -> tuple[int, int]:
    written = done = 0
    seen = set()
    for outcome in outcomes:
        manifest.units[outcome.unit_id] = outcome.record
        written += len(outcome.written)
        for problem in outcome.problems:
            if problem not in seen:      # a template error is found once per page, listed once
                seen.add(problem)
                problems.items.append(problem)
        done += len(outcome.record.summaries)
        if progress:
            progress(done, total)
    return written, done


def _process_unit(unit_id: str) -> _UnitOutcome:
    root, renderer, writer = _WORK["root"], _WORK["renderer"], _WORK["writer"]
    unit, files = _WORK["units"][unit_id], _WORK["files"][unit_id]
    problems = Problems()
    forget_reads()
    members = _WORK["members"]
    reports = load_unit(root, unit, files, problems, members)
    outputs, written, open_data, searchable = [], [], "", {}
    if not problems.errors:
        shared, renderer.problems = renderer.problems, problems   # template errors of this unit's pages
        try:
            pages = renderer.unit_pages(unit, reports)
            rendered = [(page.path, renderer.render_page(page)) for page in pages]
        finally:
            renderer.problems = shared
        searchable = {page.year: sha256(data) for page, (_, data) in zip(pages, rendered)
                      if _WORK["indexed"] and page.year is not None and data is not None}
        downloads, open_data = unit_open_data(_WORK["fragments"], unit_id, reports) if writer else ([], "")
        for path, data in rendered + downloads:
            outputs.append(path)
            if data is not None and writer is not None and writer.write(path, data):
                written.append(path)
    inputs = [files] + [member_files for _, member_files in members(unit)]
    signature = _signature(root, inputs, {}, just_read=True)
    record = UnitRecord(signature, [ReportSummary.of(r).packed() for r in reports], outputs,
                        _stats(inputs, signature, root), [p for p in problems.items if p.level != "error"],
                        open_data=open_data, searchable=searchable)
    return _UnitOutcome(unit_id, record, problems.items, written)


def _write_listings(renderer, manifest, previous, writer, problems) -> int:
    """Home, the 年报 column, 404 and the sitemap: rendered when what they show changed."""
    # units.yaml is part of the manifest key, so the units' names and order are the
    # same as last time: the listings changed only if a unit's summaries did.
    manifest.listing = sha256(repr(sorted((u, r.listing) for u, r in manifest.units.items())).encode())
    manifest.site_outputs |= set(renderer.listing_paths())
    if renderer.config.base_url:
        manifest.site_outputs.add("sitemap.xml")
    if previous is not None and previous.listing == manifest.listing:
        return 0
    summaries = [ReportSummary.unpacked(renderer.units[unit_id], packed)
                 for unit_id, record in manifest.units.items() for packed in record.summaries]
    rendered = [(p.path, renderer.render_page(p)) for p in renderer.listing_pages(summaries)]
    rendered.append(("sitemap.xml", renderer.sitemap(summaries)))
    written = 0
    for path, data in rendered:
        if data is not None and writer is not None and writer.write(path, data):
            written += 1
    return written


def _manifest_changed(previous: Manifest | None, manifest: Manifest) -> bool:
    """Anything to save: what _records_changed says, or the folders' times."""
    return (previous is None or _records_changed(previous, manifest)
            or manifest.folders != previous.folders or manifest.fragments != previous.fragments)


def _records_changed(previous: Manifest, manifest: Manifest) -> bool:
    """A unit's record (processed, or its files touched), the listings, the years indexed.
    The units kept as they were are the same objects."""
    return (manifest.units.keys() != previous.units.keys()
            or any(record is not previous.units[unit_id] for unit_id, record in manifest.units.items())
            or manifest.listings != previous.listings
            or manifest.listing != previous.listing or manifest.search != previous.search)


def _search_digests(manifest: Manifest) -> dict[int, str]:
    """Per year, a hash of every report page of that year: the search index is built by year."""
    by_year: dict[int, list] = {}
    for unit_id, record in sorted(manifest.units.items()):
        for year, digest in record.searchable.items():
            by_year.setdefault(year, []).append((unit_id, digest))
    return {year: sha256(repr(pages).encode()) for year, pages in by_year.items()}


# --- what changed --------------------------------------------------------------------------

def _signature(root: Path, inputs: list[ReportFiles], known: dict[str, Signature], just_read: bool = False
               ) -> dict[str, Signature]:
    """(mtime_ns, size, sha256) of a unit's files (and its members', which a 汇总 report sums);
    a file whose stat is unchanged keeps its hash (`known`, from the last build).

    just_read: the unit was just loaded, so take the signatures of the bytes it was built from.
    """
    signature = {}
    prefix = len(str(root)) + 1          # the files are root / ...: string slicing beats relative_to
    for path in _input_paths(inputs):
        rel = str(path)[prefix:].replace(os.sep, "/")
        old = known.get(rel)
        current = signature_of_read(path) if just_read else None
        if current is None:
            stat = os.stat(path)
            if old is not None and old[:2] == (stat.st_mtime_ns, stat.st_size):
                signature[rel] = old
                continue
            current = file_signature(path, stat)
        signature[rel] = current
    return signature


def _stats(inputs: list[ReportFiles], signature: dict[str, Signature] | None = None, root: Path | None = None
           ) -> tuple[int, ...]:
    """The files' mtimes and sizes, in the order listed: the same as last time (and the same
    files listed), the unit is unchanged without reading a file. From a stat of each, or
    from the signature of the bytes just read (with the root it is relative to)."""
    stats = []
    if signature is None:
        for path in _input_paths(inputs):
            try:
                stat = os.stat(path)
            except OSError:
                return ()                  # gone since it was listed: the signature will say so
            stats += (stat.st_mtime_ns, stat.st_size)
    else:
        prefix = len(str(root)) + 1
        for path in _input_paths(inputs):
            stats += signature[path[prefix:].replace(os.sep, "/")][:2]
    return tuple(stats)


def _input_paths(inputs: list[ReportFiles]):
    """Every data and narrative file of these units, year by year, in the order listed."""
    for files in inputs:
        for year in files.values():
            yield from year["data"]
            yield from year["narrative"]


def _contents(signature: dict[str, Signature]) -> dict[str, str]:
    return {rel: digest for rel, (_, _, digest) in signature.items()}


def _global_inputs(root: Path, renderer: Renderer) -> dict[str, str]:
    """Everything that shapes every page: site.yaml, units.yaml and all templates."""
    found = {}
    for rel in ("site.yaml", "content/units.yaml"):
        path = root / rel
        found[rel] = sha256(path.read_bytes()) if path.is_file() else ""
    for directory in renderer.template_dirs:
        shown = "templates" if directory == (root / "templates").resolve() else "（默认模板）"
        for path in sorted(directory.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                found[f"{shown}/{path.relative_to(directory).as_posix()}"] = sha256(path.read_bytes())
    return found


def _cached_units(root: Path, previous: Manifest | None, problems: Problems) -> dict | None:
    """units.yaml as the last good build parsed it, when its bytes are the same (a
    province has thousands of units: parsing them was half of a no-change rebuild);
    None to parse it."""
    path = root / UNITS_FILE
    if previous is not None and path.is_file():
        sha, units, warnings = previous.unit_list
        if sha and sha == file_signature(path)[2]:
            problems.items.extend(warnings)
            return units
    return None


def _differences(old: dict, new: dict) -> list[str]:
    return [k for k in old.keys() | new.keys() if old.get(k) != new.get(k)]


def _refuse_collisions(manifest: Manifest, checked, problems: Problems) -> None:
    """No two units write the same file (Pelican's rule). A unit writes only into its own
    folder, so the units kept from the last build cannot clash with the ones processed;
    a file outside its folder is compared with every unit's."""
    pairs, owners, outside = [], {}, False
    for unit_id in sorted(checked):
        own = f"{COLUMN_DIR}/{unit_id}/"
        for path in manifest.units[unit_id].outputs:
            if path in owners:
                pairs += [(path, owners[path]), (path, unit_id)]
            owners.setdefault(path, unit_id)
            outside = outside or not path.startswith(own)
    if outside:
        pairs += [(path, unit_id) for unit_id, record in manifest.units.items() if unit_id not in owners.values()
                  for path in record.outputs if path in owners]
    refuse_collisions(sorted(set(pairs)), problems)


def _stale(previous: Manifest, manifest: Manifest, todo: list[str]) -> set[str]:
    """What the last build wrote and this one does not. Only the processed units, the units
    gone and the site's own files can differ: every other unit kept its record."""
    old, new = set(previous.site_outputs), set(manifest.site_outputs)
    for unit_id in todo:
        if unit_id in previous.units:
            old.update(previous.units[unit_id].outputs)
        new.update(manifest.units[unit_id].outputs)
    for unit_id in previous.units.keys() - manifest.units.keys():
        old.update(previous.units[unit_id].outputs)
    return old - new


def _folder_times(out: Path, manifest: Manifest, previous: Manifest | None, todo: list[str]) -> dict[str, tuple]:
    """The stamp (see _stamp) of every folder the build wrote into. After an incremental build,
    only the folders it could have changed, and those not settled last time, are looked at again."""
    if previous is None or not previous.folders:
        paths = manifest.outputs()
        times = {}
    else:
        paths = set(manifest.site_outputs)
        for unit_id in set(todo) | (previous.units.keys() - manifest.units.keys()):
            for record in (previous.units.get(unit_id), manifest.units.get(unit_id)):
                paths.update(record.outputs if record is not None else ())
        times = dict(previous.folders)
        paths.update(f"{folder}/" for folder, (_, _, settled) in times.items() if not settled)
    for folder in sorted({path.rpartition("/")[0] for path in paths}):
        stamp = _stamp(f"{out}/{folder}" if folder else str(out))
        if stamp is None:
            times.pop(folder, None)
        else:
            times[folder] = stamp
    return times


def _outputs_intact(out: Path, manifest: Manifest) -> bool:
    """Every file the last build wrote is still there.

    Certainly so for a folder that is the same folder (its inode: not a tree swapped in
    whole) and whose ctime is as the build left it: adding, removing or renaming an entry
    sets the ctime (so does setting the mtime back, which is why mtimes are not trusted).
    A stamp is in the clock's tick, though: a change in the same tick as the build's last
    one leaves it equal. So a folder changed within SETTLED_NS of its recording is listed
    (usually the few the last build changed); a stamp that differs means one listing of the
    whole output, after which the stamps are taken afresh."""
    unsettled = []
    for folder, (inode, ctime, settled) in manifest.folders.items():
        stamp = _stamp(f"{out}/{folder}" if folder else str(out))
        if stamp is None or stamp[:2] != (inode, ctime):
            break
        if not settled:
            unsettled.append(folder)
    else:
        if manifest.folders:
            return _listed_intact(out, manifest, unsettled)
    manifest.folders = {}
    found: set[str] = set()
    folders = [(str(out), "")]
    while folders:
        folder, rel = folders.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return False
        for entry in entries:
            name = f"{rel}{entry.name}"
            if entry.is_dir(follow_symlinks=False):
                folders.append((entry.path, f"{name}/"))
            else:
                found.add(name)
    return manifest.outputs() <= found


def _listed_intact(out: Path, manifest: Manifest, folders: list[str]) -> bool:
    """These output folders hold every file the last build wrote into them."""
    if not folders:
        return True
    expected: dict[str, set[str]] = {folder: set() for folder in folders}
    for path in manifest.outputs():
        folder, _, name = path.rpartition("/")
        if folder in expected:
            expected[folder].add(name)
    try:
        return all(names <= set(os.listdir(f"{out}/{folder}" if folder else out)) for folder, names in expected.items())
    except OSError:
        return False


def _fragments_intact(folder: Path, manifest: Manifest) -> bool:
    """Every unit's share of the open data is still in the cache (see opendata.fragments_complete):
    certainly so if the folder's stamp is as the last build left it, and settled."""
    stamp = _stamp(str(folder))
    return stamp == manifest.fragments and stamp[2] or fragments_complete(folder, _shares(manifest))


def _shares(manifest: Manifest) -> dict[str, str]:
    """Unit id -> the digest of its share of the open data, in unit order."""
    return {unit_id: manifest.units[unit_id].open_data for unit_id in sorted(manifest.units)}


def _stamp(path: str) -> tuple[int, int, bool] | None:
    """A folder's inode and ctime_ns, and whether that ctime is settled: older than SETTLED_NS,
    so any later change gets a later ctime; None if it is gone."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_ino, stat.st_ctime_ns, time.time_ns() - stat.st_ctime_ns > SETTLED_NS


# --- the manifest ----------------------------------------------------------------------------

def _manifest_path(root: Path, out: Path) -> Path:
    return root / CACHE_DIR / f"manifest-{sha256(str(out).encode())[:16]}.bin"


# The manifest holds plain values only (str, int, tuples, lists, dicts), saved with marshal:
# three times faster than pickle for them (at 10,000 reports it was a third of a one-edit
# rebuild). It sits in the site folder, which is not trusted: it starts with an HMAC-SHA256
# made with the user's own key (config.cache_key, outside the site), and one that does not
# verify is never parsed.
def _read_manifest(root: Path, out: Path) -> Manifest | None:
    """The last good build's manifest, or None (no cache, one not made with this user's key,
    or one we cannot read: rebuild all)."""
    key, path = cache_key(), _manifest_path(root, out)
    try:
        data = path.read_bytes()
    except OSError:
        return None
    mac, payload = data[:_MAC_BYTES], data[_MAC_BYTES:]
    if key is None or not hmac.compare_digest(mac, _mac(key, path, payload)):
        return None
    try:
        stored = marshal.loads(payload)
        if stored[0] != MANIFEST_FORMAT:
            return None
        _, key, globals_, listing, open_data, search, site_outputs, listings, folders, fragments, unit_list, units = stored
        sha, unit_fields, warnings = unit_list
        return Manifest(key, globals_, {unit_id: UnitRecord.restored(record) for unit_id, record in units.items()},
                        listing, open_data, search, set(site_outputs),
                        (sha, {unit_id: Unit(*values) for unit_id, values in unit_fields.items()}, _problems(warnings)),
                        listings, folders, fragments)
    except Exception:   # from another version of gongkai: the cache is only a shortcut
        return None


def forget(root: Path, out: Path) -> None:
    """Drop the manifest and open data shares of an output folder that is gone (the preview's,
    when it stops: each session has a new one)."""
    _manifest_path(root.resolve(), out.resolve()).unlink(missing_ok=True)
    shutil.rmtree(fragment_folder(root.resolve(), out), ignore_errors=True)


def _write_manifest(root: Path, out: Path, manifest: Manifest) -> None:
    key = cache_key()
    path = _manifest_path(root, out)
    if key is None:                 # no private key: no cache (the next build builds everything)
        path.unlink(missing_ok=True)
        return
    payload = marshal.dumps(_stored(manifest))
    write_atomically(path, _mac(key, path, payload) + payload)
    path.with_suffix(".pickle").unlink(missing_ok=True)     # the format before MANIFEST_FORMAT 4


def _stored(manifest: Manifest) -> tuple:
    """The manifest as plain values (see _read_manifest)."""
    sha, units, warnings = manifest.unit_list
    return (MANIFEST_FORMAT, manifest.key, manifest.globals, manifest.listing, manifest.open_data, manifest.search,
            sorted(manifest.site_outputs), manifest.listings, manifest.folders, manifest.fragments,
            (sha, {unit_id: _plain(unit) for unit_id, unit in units.items()}, _plain_problems(warnings)),
            {unit_id: record.stored() for unit_id, record in manifest.units.items()})


_MAC_BYTES = 32


def _mac(key: bytes, path: Path, payload: bytes) -> bytes:
    """Of the manifest's place too: one made for another site or output folder is not taken."""
    return hmac.new(key, os.fsencode(path) + b"\0" + payload, "sha256").digest()


def _plain(value) -> tuple:
    """A dataclass (Unit, Problem) as the tuple of its fields, in order."""
    return tuple(value.__dict__.values())


def _plain_problems(problems: list[Problem]) -> list[tuple]:
    return [_plain(problem) for problem in problems]


def _problems(plain: list[tuple]) -> list[Problem]:
    return [Problem(*values) for values in plain]
