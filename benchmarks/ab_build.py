"""Is this checkout's build slower than another commit's? Interleaved A/B timing.

Builds one synthetic portal (made once by the base commit's benchmarks/synthetic.py, so
both versions read the same input) with the code of a base commit and with the code of
this working tree, alternating, each run a cold build into a fresh output folder with no
cache, then a rebuild with nothing changed. Each version has its own user cache
(XDG_CACHE_HOME), as two installations would. Prints every run (wall time and the CPU
time of the whole process tree, which a busy machine disturbs less), then the medians.

    python benchmarks/ab_build.py --base 937401d --reports 10000 --runs 3
    python benchmarks/ab_build.py --base main --reports 10000 --one-year --no-search --edit-number

--one-year puts every report in one year (one report a unit: a province-wide portal of one
year); --no-search turns the search index off; --edit-number adds a third build after
changing one number in one report (the portal-wide open data is written again).

Interleaving matters: on a shared machine two runs of the same version can differ by more
than the change being measured.
"""

from __future__ import annotations

import argparse
import os
import re
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
MAKE_SITE = """import sys; from pathlib import Path; sys.path.insert(0, 'benchmarks'); import synthetic
if {one_year}: synthetic.FIRST_YEAR = synthetic.LAST_YEAR
synthetic.make_site(Path({site!r}), {reports})
if {no_search}: open(Path({site!r}) / 'site.yaml', 'a', encoding='utf-8').write('站内搜索: false\\n')
"""


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
    parser.add_argument("--one-year", action="store_true", help="every report in one year")
    parser.add_argument("--no-search", action="store_true", help="without the search index")
    parser.add_argument("--edit-number", action="store_true", help="also a rebuild after one number changed")
    args = parser.parse_args()
    kinds = KINDS + (("one number",) if args.edit_number else ())
    with tempfile.TemporaryDirectory(prefix="gongkai-ab-") as tmp:
        work = Path(tmp)
        codes = {args.base: export(args.base, work / "base"), "working tree": REPO}
        site = work / "portal"
        subprocess.run([sys.executable, "-c", MAKE_SITE.format(one_year=args.one_year, site=str(site),
                                                               reports=args.reports, no_search=args.no_search)],
                       cwd=codes[args.base], check=True)
        edited = next((site / "content/reports").rglob("*.yaml"))
        original = edited.read_text(encoding="utf-8")
        times: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for run in range(args.runs):
            for number, (name, code) in enumerate(codes.items()):
                out = work / f"out-{number}"
                shutil.rmtree(out, ignore_errors=True)
                shutil.rmtree(site / ".gongkai-cache", ignore_errors=True)
                for kind in kinds:
                    if kind == "one number":       # 行政处罚 is in no sum: the report stays valid
                        edited.write_text(re.sub(r"行政处罚: *(\d+)", lambda m: f"行政处罚: {int(m[1]) + 1}",
                                                 original, count=1), encoding="utf-8")
                    wall, cpu, warnings = build(code, site, out, work / f"cache-{number}")
                    if kind == "one number":
                        edited.write_text(original, encoding="utf-8")
                    times.setdefault((name, kind), []).append((wall, cpu))
                    print(f"run {run + 1} {name:>12} {kind:>10}: {wall:6.2f} s wall, {cpu:6.2f} s CPU, "
                          f"{warnings} warnings", flush=True)
        print(f"\n{args.reports} reports, {os.cpu_count()} cores, medians of {args.runs}:")
        for (name, kind), runs in times.items():
            walls, cpus = zip(*runs)
            print(f"{name:>12} {kind:>10}: {statistics.median(walls):6.2f} s wall, {statistics.median(cpus):6.2f} s CPU"
                  f"  ({', '.join(f'{w:.2f}/{c:.2f}' for w, c in runs)})")


if __name__ == "__main__":
    main()
