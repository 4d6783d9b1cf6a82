"""The build pipeline: load and validate everything, render, then write atomically."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from generator.loader import REPORTS_DIR, ReportCache, load_site
from generator.problems import BuildFailed, Problems
from generator.render import Renderer, report_path, tujie_path, unit_path
from generator.write import check_output_dir, write_in_place, write_site

DEFAULT_OUT = "build"


@dataclass
class BuildResult:
    files: int
    reports: int
    problems: Problems    # warnings only: errors raise BuildFailed


# What the preview server watches: everything a build reads.
WATCHED = ("site.yaml", "content", "templates")
_REPORT_FILE = re.compile(rf"{REPORTS_DIR}/([^/]+)/(\d{{4}})\.(?:yaml|yml|md)")


def scan_inputs(root: Path) -> dict[str, tuple[int, int]]:
    """(mtime_ns, size) of every input file, by path relative to the site.

    Only site.yaml, content/ and templates/ are read, so the output folder
    (build/ or the preview's) can never trigger a rebuild. Editors' swap and
    backup files are left out.
    """
    inputs: dict[str, tuple[int, int]] = {}
    for name in WATCHED:
        path = root / name
        if path.is_file():
            stat = path.stat()
            inputs[name] = (stat.st_mtime_ns, stat.st_size)
            continue
        for folder, dirs, files in os.walk(path):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for file in files:
                if file.startswith((".", "#")) or file.endswith(("~", ".swp", ".tmp")):
                    continue
                full = os.path.join(folder, file)
                try:
                    stat = os.stat(full)
                except FileNotFoundError:   # deleted while we looked
                    continue
                inputs[os.path.relpath(full, root).replace(os.sep, "/")] = (stat.st_mtime_ns, stat.st_size)
    return inputs


@dataclass
class BuildState:
    """What the preview server keeps between builds, to rebuild only what changed."""
    reports: ReportCache = field(default_factory=dict)
    inputs: dict[str, tuple[int, int]] | None = None     # as scanned when the last build started
    outputs: set[str] = field(default_factory=set)       # files the last good build wrote
    changed: list[str] = field(default_factory=list)     # what the last build reacted to


def build_site(root: Path, out: Path | None = None, state: BuildState | None = None) -> BuildResult:
    """Build the site at `root` into `out` (default root/build).

    Without `state` (generate build): everything is validated, then written into
    a fresh tree that replaces `out` only when complete.
    With `state` (generate serve): files are updated in place and only what the
    change touches is rebuilt (see `_pages_to_render` for the rule).
    Raises BuildFailed with every problem found; the output is then untouched.
    """
    out = out if out is not None else root / DEFAULT_OUT
    if state is None:
        check_output_dir(out, root)
        site, problems = load_site(root)
        if site is None or problems.errors:
            raise BuildFailed(problems)
        files = write_site(out, Renderer(site, problems).render(), problems)
        if problems.errors:
            raise BuildFailed(problems)
        return BuildResult(files=files, reports=len(site.reports), problems=problems)
    return _rebuild(root, out, state)


def _rebuild(root: Path, out: Path, state: BuildState) -> BuildResult:
    inputs = scan_inputs(root)
    previous, state.inputs = state.inputs, inputs
    state.changed = sorted(k for k in inputs.keys() | (previous or {}).keys()
                           if (previous or {}).get(k) != inputs.get(k))
    affected = _affected_reports(state.changed) if previous is not None and state.outputs else None
    if affected is None:
        state.reports.clear()          # site.yaml, units.yaml or templates: nothing is reusable
    site, problems = load_site(root, state.reports)
    if site is None or problems.errors:
        state.outputs = set()          # the next good build is a full one
        raise BuildFailed(problems)
    renderer = Renderer(site, problems)
    pages = renderer.pages()
    only = None if affected is None else _pages_to_render(affected, site)
    outputs = {p.path for p in pages} | renderer.static_paths() | {"sitemap.xml"}
    written = write_in_place(out, renderer.render(pages, only), stale=state.outputs - outputs)
    if problems.errors:
        state.outputs = set()
        raise BuildFailed(problems)
    state.outputs = outputs
    return BuildResult(files=written, reports=len(site.reports), problems=problems)


def _affected_reports(changed: list[str]) -> set[tuple[str, int]] | None:
    """The reports a change touches, or None when it reaches beyond report files."""
    affected = set()
    for path in changed:
        match = _REPORT_FILE.fullmatch(path)
        if match is None:
            return None
        affected.add((match.group(1), int(match.group(2))))
    return affected


def _pages_to_render(affected: set[tuple[str, int]], site) -> set[str]:
    """The rule: a changed report re-renders its own page and 图解, the next year's 图解
    (its year-over-year figures), its unit's page, and the pages that list reports
    (home and the 年报 column). No other page shows anything of it."""
    by_key = {r.key: r for r in site.reports}
    pages = {"index.html", "nianbao/index.html"}
    for unit_id, year in affected:
        if unit_id in site.units:
            pages.add(unit_path(site.units[unit_id]))
        for key in ((unit_id, year), (unit_id, year + 1)):
            if key in by_key:
                pages.add(tujie_path(by_key[key]))
        if (unit_id, year) in by_key:
            pages.add(report_path(by_key[(unit_id, year)]))
    return pages


def check_site(root: Path) -> tuple[int, Problems]:
    """Everything build validates, templates included, without writing anything.

    Returns the number of reports and every problem found.
    """
    site, problems = load_site(root)
    if site is not None and not problems.errors:
        for _ in Renderer(site, problems).render():
            pass   # rendering finds template errors; the output is dropped
    return (len(site.reports) if site else 0), problems
