"""Processing units, spread over the CPU cores: each unit's reports are read, checked,
rendered, written and dropped together.

R6, R7 and the 图解's year-over-year figures never cross units (a 汇总 report reads its
members' files too), so a unit is the piece of work: memory stays flat at any portal size.
Above PARALLEL_FROM reports the units go to a pool of forked worker processes, which
inherit the UnitPass (the compiled templates, the units, the writer) from the parent by
fork: nothing of it is pickled, and each worker sends back only a small UnitOutcome.
"""

from __future__ import annotations

import ctypes
import os
import signal
from dataclasses import dataclass, field
from functools import partial
from itertools import chain
from pathlib import Path
from typing import Callable

from generator.content.loader import ReportFiles, load_unit, members_in
from generator.content.publication import index_entries
from generator.content.publishing import Publishing, published
from generator.content.repetition import fingerprints
from generator.content.reportfiles import MAX_ATTACHMENT_BYTES
from generator.core.model import Report, ReportSummary, Unit
from generator.core.paths import report_file_path
from generator.inputs.source import forget_reads, read_bytes
from generator.output.changes import input_signature, input_stats
from generator.output.links import LinkRecord, unit_links
from generator.output.manifest import Manifest, UnitRecord
from generator.output.opendata import fragment_folder, unit_open_data
from generator.output.search import keep_records, record_folder
from generator.output.write import FullTree, PendingFiles
from generator.problems import CommandFailed, Problem, Problems
from generator.render.pages import Renderer

PARALLEL_FROM = 40          # reports: below this, starting workers costs more than it saves
UNITS_A_TASK = 16           # at most, units sent to a worker at a time: 4 took the parent 1.1 s of CPU at
                            # 10,000 units, 16 took 0.6 s; a small build still gives each worker 4 tasks


class WorkerLost(CommandFailed):
    """A worker process died (killed, out of memory) before finishing its units."""


@dataclass
class UnitPass:
    """What processing any unit of one build (or check) needs."""
    root: Path
    units: dict[str, Unit]
    files: dict[str, ReportFiles]
    renderer: Renderer
    writer: FullTree | PendingFiles | None     # None: check only, nothing is written
    indexed: bool                              # the search index is built: keep each report's search record
    publishing: Publishing = field(default_factory=Publishing)   # drafts and scheduled reports: left out or not
    fragments: Path | None = field(init=False)             # the cache folder of the units' open data shares
    records: Path | None = field(init=False)               # the cache folder of the reports' search records
    members: Callable = field(init=False)                  # loader.members_in: a 汇总 unit's members

    def __post_init__(self):
        self.fragments = fragment_folder(self.root, self.writer.out) if self.writer is not None else None
        self.records = record_folder(self.root, self.writer.out) if self.writer is not None and self.indexed else None
        self.members = members_in(self.units, self.files)


@dataclass
class UnitOutcome:
    """What a worker sends back of a unit."""
    unit_id: str
    record: UnitRecord
    problems: list[Problem]
    written: list[str]         # files actually written (the others were unchanged)
    links: LinkRecord | None = None     # what its pages link to (a build, not a check)


def process_units(work: UnitPass, todo: list[str], manifest: Manifest, problems: Problems, jobs: int | None,
                  progress: Callable[[int, int], None] | None) -> int:
    """Process the units in `todo`: their records go into `manifest`, their problems into
    `problems` (each once). Returns the number of files written."""
    total = sum(len(work.files[u]) for u in todo)
    jobs = jobs or os.cpu_count() or 1
    if jobs > 1 and total >= PARALLEL_FROM:
        return _in_worker_processes(work, sorted(todo), jobs, manifest, problems, progress, total)
    return _collect(map(partial(process_unit, work), sorted(todo)), manifest, problems, progress, total)


def _in_worker_processes(work: UnitPass, todo: list[str], jobs: int, manifest: Manifest, problems: Problems,
                         progress, total: int) -> int:
    """process_units on `jobs` forked processes.

    concurrent.futures, not multiprocessing.Pool: the Pool's worker-handler thread wakes on
    every result waiting in the pipe and spun for 1.5 s of the parent's CPU at 10,000 units,
    taken from the workers on a 2-core machine; and a worker killed (say by the kernel, out of
    memory) leaves a Pool waiting forever, where the executor says the pool broke."""
    import multiprocessing     # here: a build with little to do never needs them
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    # With "fork", the initializer's arguments reach the workers by fork, not pickle.
    pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"), initializer=_inherit,
                               initargs=(work, os.getpid()))
    try:
        chunk = max(1, min(UNITS_A_TASK, len(todo) // (4 * jobs)))      # so that the workers end together
        return _collect(pool.map(_process_inherited, todo, chunksize=chunk), manifest, problems, progress, total)
    except BrokenProcessPool:
        raise WorkerLost("一个生成进程意外退出（常见原因：内存不足，被系统终止），输出文件夹未改动："
                         "请重新运行；如再次出现，可加 --jobs 1 只用一个进程生成") from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)     # on a failure: the units not yet started never are


_inherited: UnitPass | None = None     # in a worker process: its build's UnitPass (see _inherit)


def _inherit(work: UnitPass, parent: int) -> None:
    global _inherited
    _die_with(parent)
    _inherited = work


def _die_with(parent: int) -> None:
    """A worker ends when its build is killed. The executor's workers wait for work on a pipe
    that they hold both ends of, so they never see it close (multiprocessing.Pool's closed
    theirs): orphaned, they would wait forever. Linux's parent-death signal ends them."""
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):       # not Linux: left as the executor leaves them
        return
    prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:              # died before the signal was asked for
        os._exit(1)


_PR_SET_PDEATHSIG = 1


def _process_inherited(unit_id: str) -> UnitOutcome:
    return process_unit(_inherited, unit_id)


def _collect(outcomes, manifest: Manifest, problems: Problems, progress, total: int) -> int:
    written = done = 0
    seen = set()
    for outcome in outcomes:
        manifest.units[outcome.unit_id] = outcome.record
        if outcome.links is not None:
            manifest.links[outcome.unit_id] = outcome.links
        written += len(outcome.written)
        for problem in outcome.problems:
            if problem not in seen:      # a template error is found once per page, listed once
                seen.add(problem)
                problems.items.append(problem)
        done += len(outcome.record.summaries)
        if progress:
            progress(done, total)
    return written


def process_unit(work: UnitPass, unit_id: str) -> UnitOutcome:
    """Read, check and render one unit's reports, and write its pages and open data share."""
    root, renderer, writer = work.root, work.renderer, work.writer
    unit, files = work.units[unit_id], work.files[unit_id]
    problems = Problems()
    forget_reads()
    read = load_unit(root, unit, files, problems, work.members, renderer.config)
    reports, scheduled = published(read, work.publishing, problems)
    outputs, written, open_data, searchable, links = [], [], "", {}, None
    if not problems.errors:
        shared, renderer.problems = renderer.problems, problems   # template errors of this unit's pages
        try:
            pages = renderer.unit_pages(unit, reports)
            rendered = [(page.path, renderer.render_page(page)) for page in pages]
            searchable = keep_records(work.records, renderer, reports) if work.records else {}
        finally:
            renderer.problems = shared
        downloads, open_data = unit_open_data(work.fragments, unit_id, reports) if writer else ([], "")
        for path, data in chain(rendered, downloads, _own_files(reports, writer is not None, problems)):
            outputs.append(path)
            if data is not None and writer is not None and writer.write(path, data):
                written.append(path)
        if writer is not None and not problems.errors:     # scanned here, in memory and in parallel
            links = unit_links(unit_id, {path: data for path, data in rendered if path.endswith(".html")},
                               outputs, renderer.config.base_url)
    inputs = [files] + [member_files for _, member_files in work.members(unit)]
    signature = input_signature(root, inputs, {}, just_read=True)
    record = UnitRecord(signature, [ReportSummary.of(r).packed() for r in reports], outputs,
                        input_stats(inputs, signature, root), [p for p in problems.items if p.level != "error"],
                        open_data=open_data, searchable=searchable, index_numbers=index_entries(read),
                        fingerprints=fingerprints(read),
                        scheduled=scheduled, withheld=len(read) - len(reports))
    return UnitOutcome(unit_id, record, problems.items, written, links)


def _own_files(reports: list[Report], read: bool, problems: Problems):
    """Each published report's own files (generator.content.reportfiles), as (output path, bytes);
    the bytes are read one file at a time, as it is written (None: not read, nothing is written)."""
    for report in reports:
        for file in report.files:
            data = read_bytes(Path(file.source), file.rel, problems, limit=MAX_ATTACHMENT_BYTES) if read else None
            yield report_file_path(report, file), data
