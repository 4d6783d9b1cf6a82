"""The build, step by step: read the inputs, plan, process the units, write the listings,
open data and static files, refuse collisions, index for search, commit, save the manifest.

Each step's machinery lives in its own module: generator.output.workers processes the units
(unit by unit, over the CPU cores), generator.output.changes finds what changed since the last
build, generator.output.manifest remembers what the last good build read and wrote, and
generator.output.write writes atomically. The next build processes only the units whose files
changed, re-renders the listings only when a summary changed, rewrites the portal-wide
open data only when a number changed, and re-indexes for search only the shards whose
reports' search records changed.

Writing (generator.output.write): a full build writes a fresh tree beside the output
and swaps it in; an incremental build renders everything first, then moves the
few changed files into place. Unchanged files are never rewritten.
"""

from __future__ import annotations

import gc
import os
import sys
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable

from generator import __version__
from generator.content.loader import read_inputs
from generator.content.publication import duplicate_index_numbers
from generator.content.publishing import Publishing
from generator.content.renames import unrecorded_renames
from generator.content.repetitionupdate import repetition
from generator.core.model import ReportSummary
from generator.core.paths import COLUMN_DIR
from generator.inputs.config import UNITS_FILE, with_base_url
from generator.inputs.source import sha256
from generator.output.cache import cache_folder, template_cache_folder
from generator.output.changes import (cached_units, differences, folder_stamps, fragments_intact, global_inputs,
                               outputs_intact, plan, stale_outputs, stamp)
from generator.output.links import check_new_tree
from generator.output.manifest import (MANIFEST_FORMAT, Manifest, manifest_changed, manifest_path, read_manifest,
                                stage_manifest, write_manifest)
from generator.output.opendata import fragment_folder, sweep_fragments
from generator.output.portaldata import write_data_page, write_portal_data
from generator.output.search import SEARCH_DIR, ShardIndex
from generator.output.workers import UnitPass, process_units
from generator.output.write import FullTree, PendingFiles, WriteFailed, check_output_dir, in_words, output_lock
from generator.problems import BuildFailed, CommandFailed, Problems
from generator.render.pages import Renderer, refuse_collisions

DEFAULT_OUT = "build"
STRICT_FAILED = "构建未通过（--strict：警告也算未通过）"


@dataclass
class BuildResult:
    files: int                 # files written (unchanged ones are not rewritten)
    reports: int
    problems: Problems         # warnings only: errors raise BuildFailed
    changed: list[str]         # input files that differed from the last build
    full: bool                 # everything was rebuilt


def build_site(root: Path, out: Path | None = None, *, jobs: int | None = None,
               progress: Callable[[int, int], None] | None = None, search: bool = True,
               publishing: Publishing | None = None, base_url: str | None = None,
               strict: bool = False) -> BuildResult:
    """Build the site at `root` into `out` (default root/build); `search=False` skips the
    search index (the editors' preview); `publishing` says whether drafts and reports dated
    after today are published (by default neither); `base_url` replaces site.yaml's 网站地址;
    `strict`: a warning found before the output changes fails the build as an error does
    (the output is then untouched).

    Raises BuildFailed with every problem found; the output is then untouched.
    """
    root = root.resolve()
    out = (out if out is not None else root / DEFAULT_OUT).resolve()
    check_output_dir(out, root)
    try:
        # A second build waits for nothing: it is refused, and says by whom. The search index's
        # service is started at once when a build is likely incremental (see ShardIndex): the
        # last one left a manifest and an index (a site with 站内搜索: false has none).
        early = search and manifest_path(root, out).is_file() and (out / SEARCH_DIR).is_dir()
        with output_lock(out), ShardIndex(out, early=early) as index:
            return _build(root, out, index, jobs, progress, search, publishing or Publishing(), base_url, strict)
    except OSError as exc:         # before anything was written (later ones are WriteFailed already)
        raise _write_failed(exc, out, changed=False) from None
    finally:
        gc.unfreeze()              # see read_manifest (frozen): the preview server builds again and again


def _build(root: Path, out: Path, index: ShardIndex, jobs: int | None, progress, search: bool,
           publishing: Publishing, base_url: str | None, strict: bool) -> BuildResult:
    cache_folder(root)         # refused if it leads out of the site
    problems = Problems()
    # 1. Read the inputs (units.yaml and the unit folders' listings as last time, if unchanged).
    previous = last = read_manifest(root, out, frozen=True)
    listings = dict(previous.listings[1]) if previous is not None and previous.listings[0] == str(root) else {}
    config, units, files = read_inputs(root, problems, cached_units(root, previous, problems), listings)
    config = with_base_url(config, base_url, problems)
    if config is None or problems.errors:
        raise BuildFailed(problems, out)
    renderer = Renderer(root, config, units, problems, template_cache_folder(root))
    # 2. Plan: the units whose files changed, or all of them when anything global did.
    global_files = global_inputs(root, renderer)
    # The 网站地址 in use (site.yaml's, or --base-url's) shapes the canonical links, sitemap and 404.
    key = sha256(repr((__version__, MANIFEST_FORMAT, sys.version_info[:2], str(out), publishing.drafts,
                       publishing.future, config.base_url, sorted(global_files.items()))).encode())
    manifest = Manifest(key, global_files, unit_list=(global_files[UNITS_FILE], units,
                        [p for p in problems.items if p.file == UNITS_FILE]), listings=(str(root), listings))
    if (previous is not None and previous.key == key and outputs_intact(out, previous)
            and fragments_intact(fragment_folder(root, out), previous)):
        todo, changed = plan(root, units, files, previous, manifest, problems)
        todo += _due(manifest, todo, publishing, problems)
    else:
        todo, changed = sorted(files), differences(previous.globals, global_files) if previous else []
        previous = None        # a full build: nothing is kept from the last one
    # 3. Process the units, write the rest, commit.
    writer = PendingFiles(out) if previous is not None else FullTree(out)
    work = UnitPass(root, units, files, renderer, writer, indexed=search and config.search, publishing=publishing)
    index.plan(work.records, (previous.units, previous.search, previous.search_overlay) if previous is not None else None,
               todo)
    written = _write(work, index, todo, manifest, previous, last, problems, jobs, progress, strict)
    reports = sum(r.reports for r in manifest.units.values())
    return BuildResult(written, reports, problems, sorted(set(changed)), full=previous is None)


def _due(manifest: Manifest, todo: list[str], publishing: Publishing, problems: Problems) -> list[str]:
    """The units kept from the last build with a scheduled report whose date has come: no
    file changed, yet the report is published now (their warnings are found again)."""
    today = publishing.today.toordinal()
    due = [unit_id for unit_id, record in manifest.units.items()
           if record.scheduled is not None and record.scheduled <= today and unit_id not in todo]
    for unit_id in due:
        for warning in manifest.units[unit_id].warnings:
            problems.items.remove(warning)
    return due


@dataclass
class CheckResult:
    reports: int
    problems: Problems
    inputs: tuple          # read_inputs' (config, units, files): what the 自查表 lists; config None if unreadable


def check_site(root: Path, base_url: str | None = None) -> CheckResult:
    """Everything build validates, templates included, without writing anything
    (`base_url`: as build's, in place of site.yaml's 网站地址).

    Returns the number of reports, every problem found and the inputs read.
    """
    root = root.resolve()
    problems = Problems()
    config, units, files = read_inputs(root, problems)
    config = with_base_url(config, base_url, problems)
    inputs = (config, units, files)
    if config is None:
        return CheckResult(0, problems, inputs)
    renderer = Renderer(root, config, units, problems, template_cache_folder(root))
    manifest = Manifest("", {})
    process_units(UnitPass(root, units, files, renderer, None, indexed=False), list(files), manifest, problems,
                  None, None)
    _check_across_units(root, renderer, manifest, None, read_manifest(root, root / DEFAULT_OUT), problems)
    if not problems.errors:
        _write_listings(renderer, manifest, None, None, problems)
        write_data_page(renderer, manifest, None, None)
    return CheckResult(sum(r.reports + r.withheld for r in manifest.units.values()), problems, inputs)


def _write(work: UnitPass, index: ShardIndex, todo: list[str], manifest: Manifest, previous: Manifest | None,
           last: Manifest | None, problems: Problems, jobs: int | None, progress, strict: bool) -> int:
    """Process the units to do, then the listings, open data and static files; commit, or
    discard on any error. `previous` is None for a full build; `last` is the last build's
    manifest even then."""
    root, writer = work.root, work.writer
    out = writer.out
    committing = False
    try:
        written = process_units(work, todo, manifest, problems, jobs, progress)
        if not problems.errors:
            index.settle(manifest.units)          # a full build's shards, or an edit's, indexed meanwhile
        written += _write_site_files(work, manifest, previous, problems)
        _check_across_units(root, work.renderer, manifest, previous, last, problems)
        _refuse_collisions(manifest, todo if previous is not None else manifest.units, problems)
        stale = stale_outputs(previous, manifest, todo) if previous is not None else set()
        if not problems.errors:
            check_new_tree(work, manifest, previous, todo, stale, problems)
        if problems.errors:
            raise BuildFailed(problems, out)
        if strict and problems.warnings:
            raise CommandFailed(f"共 {len(problems.warnings)} 个警告。输出文件夹 {out} 保持原样，未写入任何文件。",
                                problems, heading=STRICT_FAILED)
        if work.indexed and previous is None:             # a full build: indexed before it is swapped in
            index.index_all(writer.staging, problems)
        manifest.search, manifest.search_overlay = index.search, index.overlay
        # The manifest's bytes are written before the output changes: a full disk or a
        # read-only cache then fails the build with the output as it was.
        staged = stage_manifest(root, out, manifest, previous, index.staged())
        committing = True
        writer.commit(stale=stale)
        if staged is not None:
            os.replace(staged, manifest_path(root, out))
    except OSError as exc:
        writer.discard()
        raise _write_failed(exc, out, changed=committing) from None
    except BaseException:
        writer.discard()
        raise
    _after_commit(work, index, todo, manifest, previous, problems, staged)
    return written


def _after_commit(work: UnitPass, index: ShardIndex, todo: list[str], manifest: Manifest,
                  previous: Manifest | None, problems: Problems, staged: Path | None) -> None:
    """Swap in the search shards indexed while the build committed, take the output folders'
    stamps, sweep the open data shares and search records no longer named, and save the manifest
    if what it records changed."""
    root, out = work.root, work.writer.out
    try:
        if work.indexed and previous is not None:         # only what changed: the overlay, or stale shards
            index.swap_in(problems)
            manifest.search, manifest.search_overlay = index.search, index.overlay
        if work.indexed and (previous is None or (previous.search, previous.search_overlay)
                             != (manifest.search, manifest.search_overlay)):
            index.sweep(previous.units if previous is not None else None)
        manifest.folders = folder_stamps(out, manifest, previous, todo)
        if _open_data_changed(previous, manifest):
            sweep_fragments(work.fragments, manifest.open_data_shares())
        manifest.fragments = stamp(str(work.fragments))
        if staged is not None or manifest_changed(previous, manifest):
            write_manifest(root, out, manifest)
    except OSError as exc:
        raise _write_failed(exc, out, changed=True) from None


def _write_site_files(work: UnitPass, manifest: Manifest, previous: Manifest | None, problems: Problems) -> int:
    """The portal-wide open data, the listings and the static files (see _write_listings)."""
    writer, renderer = work.writer, work.renderer
    manifest.open_data = sha256(repr(sorted((u, r.open_data) for u, r in manifest.units.items())).encode())
    # The portal-wide data is rewritten only when a number changed, not after a narrative edit.
    if not problems.errors and _open_data_changed(previous, manifest):
        # Reading and writing files (370 MB at 10,000 reports): a thread does it while the
        # listings are rendered. Imported here: most rebuilds have no open data to write.
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(1) as thread:
            portal = thread.submit(write_portal_data, work.fragments, manifest, writer)
            written = _write_listings(renderer, manifest, previous, writer, problems)
            written += portal.result()
    else:
        written = _write_listings(renderer, manifest, previous, writer, problems)
        manifest.open_data_files = previous.open_data_files if previous is not None else {}
    written += write_data_page(renderer, manifest, previous, writer)
    for rel, data in renderer.static_files():
        manifest.site_outputs.add(rel)
        written += writer.write(rel, data)
    return written


def _open_data_changed(previous: Manifest | None, manifest: Manifest) -> bool:
    return previous is None or previous.open_data != manifest.open_data


def _write_listings(renderer, manifest, previous, writer, problems) -> int:
    """Home, the 年报 column, 404 and the sitemap: rendered when what they show changed."""
    # units.yaml is part of the manifest key, so the units' names and order are the
    # same as last time: the listings changed only if a unit's summaries did.
    manifest.listing = sha256(repr(sorted((u, r.listing) for u, r in manifest.units.items())).encode())
    unchanged = previous is not None and previous.listing == manifest.listing
    # The same summaries have the same years: not read again from every unit's record (0.1 s at 10,000)
    manifest.years = previous.years if unchanged else sorted({packed[0] for record in manifest.units.values()
                                                              for packed in record.summaries}, reverse=True)
    manifest.site_outputs |= set(renderer.listing_paths(manifest.years))
    if renderer.config.base_url:
        manifest.site_outputs.add("sitemap.xml")
    if unchanged:
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


def _refuse_collisions(manifest: Manifest, checked, problems: Problems) -> None:
    """No two units write the same file (Pelican's rule). A unit writes only into its own
    folders (its id's and its 曾用编号's, which no other unit has), so the units kept from the
    last build cannot clash with the ones processed; a file outside them is compared with every unit's."""
    pairs, owners, outside = [], {}, False
    units = manifest.unit_list[1]
    for unit_id in sorted(checked):
        own = tuple(f"{COLUMN_DIR}/{folder}/" for folder in (unit_id, *units[unit_id].former_ids))
        for path in manifest.units[unit_id].outputs:
            if path in owners:
                pairs += [(path, owners[path]), (path, unit_id)]
            owners.setdefault(path, unit_id)
            outside = outside or not path.startswith(own)
    if outside:
        pairs += [(path, unit_id) for unit_id, record in manifest.units.items() if unit_id not in owners.values()
                  for path in record.outputs if path in owners]
    refuse_collisions(sorted(set(pairs)), problems)


def _check_across_units(root: Path, renderer: Renderer, manifest: Manifest, previous: Manifest | None,
                        last: Manifest | None, problems: Problems) -> None:
    """The checks that compare units with each other, from every unit's record (the ones kept
    from the last build included, so a rebuild of one unit still sees the others), and the
    units with the last build's (`last`: its manifest, or None)."""
    _warn_duplicate_index_numbers(manifest, problems)
    _warn_repeated_text(root, renderer, manifest, previous, problems)
    if last is not None:
        problems.items += unrecorded_renames(renderer.units, last.unit_list[1], partial(_titles, last),
                                             partial(_titles, manifest))


def _titles(manifest: Manifest, unit_id: str) -> dict[int, str]:
    """Year -> the title of the unit's published report (from its summaries: year, title, date, time)."""
    record = manifest.units.get(unit_id)
    return {year: title for year, title, *_ in record.summaries} if record is not None else {}


def _warn_duplicate_index_numbers(manifest: Manifest, problems: Problems) -> None:
    """R11: a 索引号 is unique within the site."""
    problems.items += duplicate_index_numbers(entry for record in manifest.units.values()
                                              for entry in record.index_numbers)


def _write_failed(exc: OSError, out: Path, changed: bool) -> WriteFailed:
    what = f"{exc.filename}：" if exc.filename else ""
    then = (f"输出文件夹 {out} 可能已部分更新：腾出空间或改正权限后重新生成即可修复" if changed
            else f"输出文件夹 {out} 保持原样，未作任何改动")
    return WriteFailed(f"{what}{in_words(exc)}。{then}")


def _warn_repeated_text(root: Path, renderer: Renderer, manifest: Manifest, previous: Manifest | None,
                        problems: Problems) -> None:
    """R10: a narrative copied from last year's or from another unit's. An incremental build compares
    again only the reports the changed units' can affect (the full pass is 0.2-0.45 s at 10,000)."""
    last = (previous.units, previous.repetition) if previous is not None else None
    manifest.repetition = repetition(manifest.units, last, renderer.units, renderer.config.repetition_limit, root)
    problems.items += manifest.repetition[1]
