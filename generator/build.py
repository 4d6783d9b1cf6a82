"""The build: read and check each unit's reports, render their pages, write atomically.

Work is done unit by unit: R6, R7 and the 图解's year-over-year figures never
cross units (a 汇总 report reads its members' files too), so a unit's reports are
read, checked, rendered and dropped together. Memory stays flat at any portal
size, and units are spread over the CPU cores (forked workers share the compiled
templates).

A manifest in .gongkai-cache/ (safe to delete) remembers, per unit, the
signature of its files (mtime and size, then content hash), the summaries the
listings need, its warnings, its output files, and digests of its open data and
of its report pages. The next build processes only the units whose files
changed, re-renders the listings only when a summary changed, rewrites the
portal-wide open data only when a number changed, and re-indexes for search only
the years whose report pages changed; site.yaml, units.yaml, templates and the
generator version are part of the manifest's key, so changing any of them
rebuilds everything.

Writing (generator.write): a full build writes a fresh tree beside the output
and swaps it in; an incremental build renders everything first, then moves the
few changed files into place. Unchanged files are never rewritten.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from generator import __version__
from generator.config import CACHE_DIR, UNITS_FILE, cache_folder
from generator.loader import ReportFiles, load_unit, members_in, read_inputs
from generator.model import ReportSummary
from generator.opendata import PORTAL_FILES, fragment_folder, fragments_complete, unit_open_data, write_portal_data
from generator.problems import BuildFailed, Problem, Problems
from generator.render import Renderer, refuse_collisions
from generator.search import index_years, reindex_years
from generator.source import Signature, forget_reads, sha256, signature_of_read
from generator.write import FullTree, PendingFiles, check_output_dir

DEFAULT_OUT = "build"
MANIFEST_FORMAT = 2         # bumped when the manifest's fields change: an older one means a full build
PARALLEL_FROM = 40          # reports: below this, starting workers costs more than it saves


@dataclass
class UnitRecord:
    inputs: dict[str, Signature]              # rel path -> (mtime_ns, size, sha256)
    summaries: list[tuple]                     # ReportSummary.packed() of each report
    warnings: list[Problem]
    outputs: list[str]
    listing: str = ""                          # hash of what the listings show of this unit
    open_data: str = ""                        # hash of its share of the portal-wide open data
    searchable: dict[int, str] = field(default_factory=dict)   # year -> hash of its report page (indexed)

    def __post_init__(self):
        self.listing = self.listing or sha256(repr(self.summaries).encode())


@dataclass
class Manifest:
    key: str                                   # generator version, output folder, global inputs
    globals: dict[str, str]                    # site.yaml, units.yaml, templates/* -> sha256
    units: dict[str, UnitRecord] = field(default_factory=dict)
    listing: str = ""                          # hash of what the listings show
    open_data: str = ""                        # hash of every unit's share of the open data
    search: dict[int, str] = field(default_factory=dict)       # year -> hash of that year's report pages
    outputs: set[str] = field(default_factory=set)
    unit_list: tuple = ("", {}, [])            # units.yaml: (sha256, parsed units, warnings)


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
    problems = Problems()
    previous = _read_manifest(root, out)
    config, units, files = read_inputs(root, problems, _cached_units(root, previous, problems))
    if config is None or problems.errors:
        raise BuildFailed(problems)
    renderer = Renderer(root, config, units, problems)
    global_files = _global_inputs(root, renderer)
    key = sha256(repr((__version__, MANIFEST_FORMAT, sys.version_info[:2], str(out),
                       sorted(global_files.items()))).encode())
    manifest = Manifest(key, global_files, unit_list=(global_files[UNITS_FILE], units,
                        [p for p in problems.items if p.file == UNITS_FILE]))
    if (previous is not None and previous.key == key and _outputs_intact(out, previous)
            and fragments_complete(fragment_folder(root, out), previous.units)):
        todo, changed = _plan(root, units, files, previous, manifest, problems)
        last = previous
    else:
        todo, changed, last = sorted(files), _differences(previous.globals, global_files) if previous else [], None
    written = _write(root, out, units, files, renderer, todo, manifest, last, problems, jobs, progress, search)
    reports = sum(len(r.summaries) for r in manifest.units.values())
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
    _process_units(root, units, files, renderer, None, list(files), manifest, problems, None, None)
    if not problems.errors:
        _write_listings(renderer, manifest, None, None, problems)
    return sum(len(r.summaries) for r in manifest.units.values()), problems


def _plan(root: Path, units: dict, files: dict, previous: Manifest, manifest: Manifest, problems: Problems
          ) -> tuple[list[str], list[str]]:
    """Which units to process, and which input files changed; unchanged units are kept as they were."""
    todo, changed = [], []
    members = members_in(units, files)
    for unit_id, unit_files in files.items():
        old = previous.units.get(unit_id)
        if old is None:
            todo.append(unit_id)
            changed += [os.path.relpath(p, root) for year in unit_files.values()
                        for p in year["data"] + year["narrative"]]
            continue
        inputs = _signature(root, [unit_files] + [f for _, f in members(units[unit_id])], old.inputs)
        if old.inputs == inputs:
            manifest.units[unit_id] = old
            problems.items.extend(old.warnings)
        else:
            todo.append(unit_id)
            changed += _differences(old.inputs, inputs)
    changed += [k for u, r in previous.units.items() if u not in files for k in r.inputs]   # removed
    return todo, changed


def _write(root, out, units, files, renderer, todo, manifest, previous, problems, jobs, progress, search) -> int:
    """Process the units to do, then the listings and static files; commit, or discard on any error."""
    search = search and renderer.config.search
    writer = PendingFiles(out) if previous is not None else FullTree(out)
    try:
        written = _process_units(root, units, files, renderer, writer, todo, manifest, problems, jobs, progress)
        written += _write_listings(renderer, manifest, previous, writer, problems)
        manifest.open_data = sha256(repr(sorted((u, r.open_data) for u, r in manifest.units.items())).encode())
        # The portal-wide data is rewritten only when a number changed, not after a narrative edit.
        if not problems.errors and (previous is None or previous.open_data != manifest.open_data):
            written += write_portal_data(fragment_folder(root, out), sorted(manifest.units), writer)
        manifest.outputs |= set(PORTAL_FILES)
        for rel, data in renderer.static_files():
            manifest.outputs.add(rel)
            written += writer.write(rel, data)
        refuse_collisions([(path, unit_id) for unit_id, r in manifest.units.items() for path in r.outputs],
                          problems)
        if problems.errors:
            raise BuildFailed(problems)
        manifest.search = _search_digests(manifest)
        if search and previous is None:               # a full build: indexed before it is swapped in
            index_years(writer.staging, sorted(manifest.search), problems)
        writer.commit(stale=previous.outputs - manifest.outputs if previous is not None else set())
    except BaseException:
        writer.discard()
        raise
    if search and previous is not None:               # only the years whose report pages changed
        reindex_years(out, manifest.search, previous.search, problems)
    if not (previous is not None and not todo and manifest.listing == previous.listing):
        _write_manifest(root, out, manifest)          # else it is the same as before
    return written


# --- units, in worker processes ------------------------------------------------------------

_WORK: dict = {}   # what workers need; set before the pool forks, so it is inherited, not pickled


def _process_units(root, units, files, renderer, writer, todo, manifest, problems, jobs, progress) -> int:
    fragments = fragment_folder(root, writer.out) if writer is not None else None
    _WORK.update(root=root, units=units, files=files, renderer=renderer, writer=writer, fragments=fragments,
                 members=members_in(units, files))
    total = sum(len(files[u]) for u in todo)
    jobs = jobs or os.cpu_count() or 1
    written, done = 0, 0
    if jobs > 1 and total >= PARALLEL_FROM:
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
                      if page.year is not None and data is not None}
        downloads, open_data = unit_open_data(_WORK["fragments"], unit_id, reports) if writer else ([], "")
        for path, data in rendered + downloads:
            outputs.append(path)
            if data is not None and writer is not None and writer.write(path, data):
                written.append(path)
    inputs = [files] + [member_files for _, member_files in members(unit)]
    record = UnitRecord(_signature(root, inputs, {}, just_read=True), [ReportSummary.of(r).packed() for r in reports],
                        [p for p in problems.items if p.level != "error"], outputs, open_data=open_data,
                        searchable=searchable)
    return _UnitOutcome(unit_id, record, problems.items, written)


def _write_listings(renderer, manifest, previous, writer, problems) -> int:
    """Home, the 年报 column, 404 and the sitemap: rendered when what they show changed."""
    # units.yaml is part of the manifest key, so the units' names and order are the
    # same as last time: the listings changed only if a unit's summaries did.
    manifest.listing = sha256(repr(sorted((u, r.listing) for u, r in manifest.units.items())).encode())
    manifest.outputs |= set(renderer.listing_paths()) | {p for r in manifest.units.values() for p in r.outputs}
    if renderer.config.base_url:
        manifest.outputs.add("sitemap.xml")
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
    a file whose stat is unchanged keeps its hash.

    just_read: the unit was just loaded, so take the signatures of the bytes it was built from.
    """
    signature = {}
    prefix = len(str(root)) + 1          # the files are root / ...: string slicing beats relative_to
    for year_files in (year for files in inputs for year in files.values()):
        for path in year_files["data"] + year_files["narrative"]:
            rel = str(path)[prefix:].replace(os.sep, "/")
            old = known.get(rel)
            current = signature_of_read(path) if just_read else None
            if current is None:
                stat = os.stat(path)
                if old is not None and old[:2] == (stat.st_mtime_ns, stat.st_size):
                    signature[rel] = old
                    continue
                with open(path, "rb") as f:
                    current = (stat.st_mtime_ns, stat.st_size, sha256(f.read()))
            # touched but not edited: the old stat stays, so the unit counts as unchanged
            signature[rel] = old if old is not None and old[2] == current[2] else current
    return signature


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
        if sha and sha == sha256(path.read_bytes()):
            problems.items.extend(warnings)
            return units
    return None


def _differences(old: dict, new: dict) -> list[str]:
    return [k for k in old.keys() | new.keys() if old.get(k) != new.get(k)]


def _outputs_intact(out: Path, manifest: Manifest) -> bool:
    """Every file the last build wrote is still there (one directory listing per folder)."""
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
    return manifest.outputs <= found


# --- the manifest ----------------------------------------------------------------------------

def _manifest_path(root: Path, out: Path) -> Path:
    return root / CACHE_DIR / f"manifest-{sha256(str(out).encode())[:16]}.pickle"


def _read_manifest(root: Path, out: Path) -> Manifest | None:
    """The last good build's manifest, or None (no cache, or one we cannot read: rebuild all)."""
    try:
        with _manifest_path(root, out).open("rb") as f:
            manifest = pickle.load(f)
    except Exception:   # missing, truncated, or from another version: the cache is only a shortcut
        return None
    return manifest if isinstance(manifest, Manifest) else None


def forget(root: Path, out: Path) -> None:
    """Drop the manifest of an output folder that is gone (the preview's, when it stops)."""
    _manifest_path(root.resolve(), out.resolve()).unlink(missing_ok=True)


def _write_manifest(root: Path, out: Path, manifest: Manifest) -> None:
    cache_folder(root)
    path = _manifest_path(root, out)
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(pickle.dumps(manifest, protocol=pickle.HIGHEST_PROTOCOL))
    os.replace(temporary, path)
