"""Tables 三 and 四 at 390 px, before and after the phone layout (issue 18), for docs/screenshots/.

Usage: python scripts/phone_tables.py [--before REV]
  REV: the commit whose site.css shows "before" (default: 4380c84, the last one without the layout).
Writes table3-phone-{before,after,scrolled}.png and table4-phone-{before,after}.png: what a phone
shows of each table's scroll region ("scrolled": table 三 scrolled to its 总计 column).
"""

from __future__ import annotations

import argparse
import subprocess

from screenshots import OUT_DIR, REPO, example_in_chromium, open_page

REPORT = "nianbao/huajie/2023.html"
WIDTH = 390


def shoot(browser, build, suffix: str) -> None:
    page = open_page(browser, build, REPORT, WIDTH)
    for table in ("t3", "t4"):
        region = page.locator(f".table-wrap:has(#{table})")
        region.screenshot(path=str(OUT_DIR / f"table{table[1]}-phone-{suffix}.png"))
    if suffix == "after":
        region = page.locator(".table-wrap:has(#t3)")
        region.evaluate("r => { r.scrollLeft = r.scrollWidth; }")
        region.screenshot(path=str(OUT_DIR / "table3-phone-scrolled.png"))
    page.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="4380c84")
    before = parser.parse_args().before
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with example_in_chromium() as (build, browser):
        shoot(browser, build, "after")
        old_css = subprocess.run(["git", "-C", str(REPO), "show", f"{before}:templates/static/site.css"],
                                 check=True, capture_output=True).stdout
        (build / "static" / "site.css").write_bytes(old_css)     # the pages link it with ?v=: same file
        shoot(browser, build, "before")
    for path in sorted(OUT_DIR.glob("table?-phone-*.png")):
        print(path, path.stat().st_size // 1024, "KB")


if __name__ == "__main__":
    main()
