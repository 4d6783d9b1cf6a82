"""Is this checkout's build slower than another commit's? Interleaved A/B timing.

Builds one synthetic portal (made once by the base commit's benchmarks/synthetic.py, so
both versions read the same input) with the code of a base commit and with the code of
this working tree, alternating, each run a cold build into a fresh output folder with no
cache, then a rebuild with nothing changed. Each version has its own user cache
(XDG_CACHE_HOME), as two installations would. Prints every run (wall time and the CPU
time of the whole process tree, which a busy machine disturbs less), then the medians.

    python benchmarks/ab_build.py --base 937401d --reports 10000 --runs 3

Interleaving matters: on a shared machine two runs of the same version can differ by more
than the change being measured.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from same_output import REPO, export

KINDS = ("cold", "no-change")


def build(code: Path, site: Path, out: Path, cache_home: Path) -> tuple[float, float, int]:
    """One `generate build --quiet` with `code` first on the path: (wall s, CPU s, warnings)."""
    env = dict(os.environ, PYTHONPATH=str(code), XDG_CACHE_HOME=str(cache_home))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "generator", "build", "--site", str(site), "--out", str(out),
                          "--quiet"], cwd=code, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if run.returncode != 0:
        sys.exit(f"{code}: build failed\n{run.stderr[-2000:]}")
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return wall, cpu, run.stderr.count("警告")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="the commit to compare with")
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gongkai-ab-") as tmp:
        work = Path(tmp)
        codes = {args.base: export(args.base, work / "base"), "working tree": REPO}
        site = work / "portal"
        subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; "
                        "sys.path.insert(0, 'benchmarks'); from synthetic import make_site; "
                        f"make_site(Path({str(site)!r}), {args.reports})"], cwd=codes[args.base], check=True)
        times: dict[tuple[str, str], list[float]] = {}
        for run in range(args.runs):
            for number, (name, code) in enumerate(codes.items()):
                out = work / f"out-{number}"
                shutil.rmtree(out, ignore_errors=True)
                shutil.rmtree(site / ".gongkai-cache", ignore_errors=True)
                for kind in KINDS:
                    wall, cpu, warnings = build(code, site, out, work / f"cache-{number}")
                    times.setdefault((name, kind), []).append(wall)
                    print(f"run {run + 1} {name:>12} {kind:>9}: {wall:6.2f} s wall, {cpu:6.2f} s CPU, "
                          f"{warnings} warnings", flush=True)
        print(f"\n{args.reports} reports, {os.cpu_count()} cores, medians of {args.runs}:")
        for (name, kind), walls in times.items():
            print(f"{name:>12} {kind:>9}: {statistics.median(walls):6.2f} s  ({', '.join(f'{w:.2f}' for w in walls)})")


if __name__ == "__main__":
    main()
