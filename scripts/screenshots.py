"""Screenshots of the example portal for the README (desktop and phone width).

Usage: python scripts/screenshots.py   (needs Debian's chromium and playwright, as the tests do)
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from conftest import CHROMIUM, CHROMIUM_ARGS, generate  # noqa: E402

SHOTS = [  # (file, page, viewport width, full page)
    ("report-desktop.png", "nianbao/huajie/2023.html", 1280, True),
    ("report-phone.png", "nianbao/huajie/2023.html", 390, False),
    ("listing-desktop.png", "nianbao/index.html", 1280, False),
    ("tujie-desktop.png", "nianbao/huajie/2023-tujie.html", 1280, True),
]


OUT_DIR = REPO / "docs" / "screenshots"


@contextlib.contextmanager
def example_in_chromium():
    """The example portal built into a temporary folder, and a headless Chromium: (build, browser)."""
    with tempfile.TemporaryDirectory() as tmp:
        build = Path(tmp) / "build"
        run = generate("build", "--site", str(REPO), "--out", str(build))
        if run.code:
            sys.exit(run.err)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield build, browser
            browser.close()


def open_page(browser, build: Path, page_path: str, width: int):
    page = browser.new_page(viewport={"width": width, "height": 900 if width > 600 else 844}, device_scale_factor=1)
    page.goto((build / page_path).as_uri())
    return page


def main() -> None:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with example_in_chromium() as (build, browser):
        for name, page_path, width, full in SHOTS:
            page = open_page(browser, build, page_path, width)
            page.screenshot(path=str(OUT_DIR / name), full_page=full)
            page.close()
            print(OUT_DIR / name)


if __name__ == "__main__":
    main()
