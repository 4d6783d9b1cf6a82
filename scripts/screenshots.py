"""Screenshots of the example portal for the README (desktop and phone width).

Usage: python scripts/screenshots.py   (needs Debian's chromium and playwright, as the tests do)
"""

from __future__ import annotations

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


def main() -> None:
    out_dir = REPO / "docs" / "screenshots"
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        build = Path(tmp) / "build"
        run = generate("build", "--site", str(REPO), "--out", str(build))
        if run.code:
            sys.exit(run.err)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            for name, page_path, width, full in SHOTS:
                page = browser.new_page(viewport={"width": width, "height": 900 if width > 600 else 844},
                                        device_scale_factor=1)
                page.goto((build / page_path).as_uri())
                page.screenshot(path=str(out_dir / name), full_page=full)
                page.close()
                print(out_dir / name)
            browser.close()


if __name__ == "__main__":
    main()
