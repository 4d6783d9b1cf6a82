"""Shared fixtures: a copy of the example portal, the example built once, and the browser.

The helpers that are plain functions are in helpers.py. A test that needs Chromium, axe, the
Nu checker or pdftotext is marked `browser`; a test that uses a browser fixture without the
mark is refused at collection, so `pytest -m "not browser"` never needs a browser.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers import NODE_MODULES, REPO, SAMPLE_UNITS, SiteCopy, generate, served

pytest_plugins = ["pytester"]     # test_suite.py runs the collection rule below on small test files


@pytest.fixture
def site(tmp_path: Path) -> SiteCopy:
    root = tmp_path / "site"
    root.mkdir()
    return SiteCopy(root)


@pytest.fixture
def empty_site(tmp_path) -> Path:
    """A new site with the samples' units registered and no report yet."""
    root = tmp_path / "site"
    assert generate("init", str(root)).code == 0
    shutil.rmtree(root / "content" / "reports")
    (root / "content" / "units.yaml").write_text(SAMPLE_UNITS, encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def built_example(tmp_path_factory) -> Path:
    """The example portal built once from the repository itself."""
    out = tmp_path_factory.mktemp("example") / "build"
    run = generate("build", "--site", str(REPO), "--out", str(out))
    assert run.code == 0, run.err
    return out


# --- Browser tests: Debian's Chromium driven by Playwright (see the README's test command) -------

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def served_example(built_example):
    """The built example portal over HTTP on 127.0.0.1, as a web server would serve it."""
    with served(built_example) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium. Never skipped: a missing browser fails the suite (see .ci/run)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (the README's test command does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    """A fresh page in its own context (empty localStorage)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


@pytest.fixture(scope="session")
def nu_messages():
    """The Nu HTML checker (Java) on all files in one call (its start-up costs seconds)."""
    jar = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
    if not jar.exists():
        pytest.fail("node_modules/vnu-jar is missing: run `npm ci` (the README's test command does)")

    def check(files: list[Path], *options: str) -> list[dict]:
        """`options`: more of the checker's flags, e.g. --also-check-css."""
        result = subprocess.run(["java", "-jar", str(jar), "--format", "json", "--exit-zero-always", *options,
                                 *map(str, files)], capture_output=True, text=True, check=True)
        return json.loads(result.stderr)["messages"]

    return check


# Fixtures that start Chromium or the Nu checker, with every fixture built on them.
BROWSER_FIXTURES = {"browser", "page", "nu_messages"}


def pytest_collection_modifyitems(config, items):
    """Refuse a test that needs a browser but is not marked `browser`: the mark is what lets
    `-m "not browser"` run on a machine without Chromium, so it must not be forgotten."""
    unmarked = [item.nodeid for item in items
                if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ()))
                and item.get_closest_marker("browser") is None]
    if unmarked:
        raise pytest.UsageError("these tests use a browser fixture but are not marked `browser`:\n  "
                                + "\n  ".join(unmarked))
