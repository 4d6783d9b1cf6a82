"""The build pipeline: load and validate everything, render, then write atomically."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator.loader import load_site
from generator.problems import BuildFailed, Problems
from generator.render import Renderer
from generator.write import check_output_dir, write_site

DEFAULT_OUT = "build"


@dataclass
class BuildResult:
    files: int
    reports: int
    problems: Problems    # warnings only: errors raise BuildFailed


def build_site(root: Path, out: Path | None = None) -> BuildResult:
    """Build the site at `root` into `out` (default root/build).

    Raises BuildFailed with every problem found; the output is then untouched.
    """
    out = out if out is not None else root / DEFAULT_OUT
    check_output_dir(out, root)
    site, problems = load_site(root)
    if site is None or problems.errors:
        raise BuildFailed(problems)
    files = write_site(out, Renderer(site, problems).render(), problems)
    if problems.errors:
        raise BuildFailed(problems)
    return BuildResult(files=files, reports=len(site.reports), problems=problems)
