"""Time from saving a narrative to the browser showing it, with `generate serve`.

    python benchmarks/preview_latency.py [--reports 1000] [--runs 5]

Measures the example portal and a synthetic portal of N reports: starts the
preview server, opens a report page in headless Chromium, appends a sentence
to the report's narrative and waits for it to appear (no manual reload).
Prints each run and the median. Needs Debian's chromium and playwright.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
sys.path.insert(0, str(REPO / "tests"))

from conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from synthetic import make_site  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measure(site: Path, report_page: str, narrative: Path, runs: int) -> list[float]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "generator", "serve", "--site", str(site), "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env=dict(os.environ, PYTHONUNBUFFERED="1"))
    connected = threading.Event()
    ready = threading.Event()

    def read():
        for line in process.stdout:
            if line.startswith("预览地址"):
                ready.set()
            if "浏览器已连接" in line:
                connected.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(300):
        raise SystemExit("the preview server did not start")
    timings = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page()
            for run in range(runs):
                connected.clear()
                page.goto(f"http://127.0.0.1:{port}/{report_page}")
                connected.wait(30)
                marker = f"第{run + 1}次预览测量{time.time_ns()}。"
                started = time.perf_counter()
                with narrative.open("a", encoding="utf-8") as f:
                    f.write(f"\n{marker}\n")
                page.get_by_text(marker).wait_for(timeout=120_000)
                timings.append(time.perf_counter() - started)
                print(f"  run {run + 1}: {timings[-1]:.2f} s", flush=True)
            browser.close()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(30)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        example = Path(tmp) / "example"
        example.mkdir()
        shutil.copy(REPO / "site.yaml", example)
        shutil.copytree(REPO / "content", example / "content")
        print("example portal (2 reports):")
        small = measure(example, "nianbao/huajie/2023.html", example / "content/reports/huajie/2023.md", args.runs)
        synthetic = Path(tmp) / "synthetic"
        make_site(synthetic, args.reports)
        unit = sorted(p.name for p in (synthetic / "content/reports").iterdir())[0]
        year = max(int(p.stem) for p in (synthetic / "content/reports" / unit).glob("*.md"))
        print(f"synthetic portal ({args.reports} reports):")
        large = measure(synthetic, f"nianbao/{unit}/{year}.html",
                        synthetic / "content/reports" / unit / f"{year}.md", args.runs)
    print(f"\nsave -> reloaded page, median of {args.runs}: example {statistics.median(small):.2f} s, "
          f"{args.reports} reports {statistics.median(large):.2f} s")


if __name__ == "__main__":
    main()
