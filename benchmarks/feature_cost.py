"""What each part of a cold build costs: the same build with one part left out at a time.

    python benchmarks/feature_cost.py [--reports 10000] [--years 1] [--runs 3] [--work /dev/shm --drop]

Writes a synthetic portal (benchmarks/synthetic.py) with the search index off (the build
scale.py compares with Hugo), then cold builds of it, the variants taking turns, each in a
fresh output folder with no cache:

    full       everything a build does;
    -tujie     without the 图解 pages;
    -opendata  without the open data: no per-report CSV and JSON, no shares, no portal-wide files;
    -links     without the link check of the units' pages (done in the workers);
    -r10       without the fingerprints R10 compares (copied narratives);
    -all four  without any of the four.

A part is left out by replacing one function of the generator in the build's own process
(LEFT_OUT) before it builds: an experiment to weigh the parts, never a way to build a site
(the pages of such a build link to files it did not write). Prints each run's wall and CPU
time (user + system of the build's process tree), then the medians and what each part costs.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

from scale import CACHE_DIR, SEARCH_OFF, run  # noqa: E402  (run: wall and CPU of a build, after os.sync)
from synthetic import make_site  # noqa: E402

PARTS = ("tujie", "opendata", "links", "r10")
VARIANTS = {"full": (), **{f"-{part}": (part,) for part in PARTS}, "-all four": PARTS}


def leave_out(parts: tuple[str, ...]) -> None:
    """In this process: the generator's functions that do each part replaced by ones that do nothing."""
    import generator.build as build
    import generator.output.workers as workers
    import generator.render.pages as pages
    if "tujie" in parts:
        unit_pages = pages.Renderer.unit_pages
        pages.Renderer.unit_pages = lambda self, unit, reports: [
            page for page in unit_pages(self, unit, reports) if page.template != "tujie.html"]
    if "opendata" in parts:
        workers.unit_open_data = lambda folder, unit_id, reports: ([], "")
        build.write_portal_data = lambda folder, manifest, writer: 0
    if "links" in parts:
        workers.unit_links = lambda *args, **kwargs: ((), (), ())     # a LinkRecord with no links
    if "r10" in parts:
        workers.fingerprints = lambda reports: []


def child(site: Path, out: Path, parts: tuple[str, ...]) -> None:
    leave_out(parts)
    from generator.build import build_site
    build_site(site, out)


def measure(reports: int, years: int, runs: int, work: Path, drop: bool) -> dict[str, list[tuple[float, float]]]:
    site = work / "site"
    make_site(site, reports, years=years)
    with (site / "site.yaml").open("a", encoding="utf-8") as config:
        config.write(SEARCH_OFF)
    spent = work / "spent"       # nothing deleted until the end: ext4 is slow to reuse freed inodes (see README)
    spent.mkdir()
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in VARIANTS}
    for turn in range(1, runs + 1):
        for name, parts in VARIANTS.items():
            cache = site / CACHE_DIR
            if cache.exists():
                cache.rename(spent / f"cache-{turn}-{name}")
            out = work / f"out-{turn}-{name.strip('-').replace(' ', '-')}"
            wall, _, cpu = run([sys.executable, __file__, "--child", str(site), str(out), *parts],
                               f"cold build {name}")
            if drop:
                shutil.rmtree(out)
            times[name].append((wall, cpu))
            print(f"  run {turn}: {name:9} wall {wall:6.2f} s  CPU {cpu:6.2f} s", flush=True)
    return times


def table(times: dict[str, list[tuple[float, float]]]) -> str:
    full_wall = statistics.median(wall for wall, _ in times["full"])
    full_cpu = statistics.median(cpu for _, cpu in times["full"])
    lines = [f"{'variant':9}  {'wall (s)':>8}  {'CPU (s)':>7}  {'part: wall':>10}  {'part: CPU':>9}  {'CPU share':>9}"]
    for name, values in times.items():
        wall, cpu = statistics.median(w for w, _ in values), statistics.median(c for _, c in values)
        saved = "" if name == "full" else f"{full_wall - wall:10.2f}  {full_cpu - cpu:9.2f}  {(full_cpu - cpu) / full_cpu:9.0%}"
        lines.append(f"{name:9}  {wall:8.2f}  {cpu:7.2f}  {saved}")
    return "\n".join(lines)


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        return child(Path(sys.argv[2]), Path(sys.argv[3]), tuple(sys.argv[4:]))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=10000, help="portal size (default 10000)")
    parser.add_argument("--years", type=int, default=1, help="years a unit has reports for (default 1)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each variant; times are medians (default 3)")
    parser.add_argument("--work", type=Path, default=None, help="where to write and build (default: the temporary folder)")
    parser.add_argument("--drop", action="store_true",
                        help="remove each output at once (for a tmpfs: it has no room for them all, 1.2 GB each at "
                             "10,000 reports, and creates files as fast after a removal; on ext4 do not)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gongkai-features-", dir=args.work) as tmp:
        times = measure(args.reports, args.years, args.runs, Path(tmp), args.drop)
    print(f"\nmedians of {args.runs} runs, {args.reports} reports over {args.years} year(s), search off; "
          "part = what leaving it out saved\n" + table(times))


if __name__ == "__main__":
    main()
