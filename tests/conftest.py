"""Shared fixtures: a copy of the example portal, and running `generate` in-process."""

from __future__ import annotations

import contextlib
import io
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.cli import main

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
HUAJIE = "content/reports/huajie/2023.yaml"


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.err.splitlines()


def generate(*args: str) -> Run:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exit_:   # argparse --help / --version
            code = exit_.code or 0
    return Run(code, out.getvalue(), err.getvalue())


class SiteCopy:
    """A copy of the example portal's site.yaml and content/ in a temporary folder."""

    def __init__(self, root: Path):
        self.root = root
        shutil.copy(REPO / "site.yaml", root / "site.yaml")
        shutil.copytree(REPO / "content", root / "content")

    def path(self, rel: str) -> Path:
        return self.root / rel

    def read(self, rel: str) -> str:
        return self.path(rel).read_text(encoding="utf-8")

    def write(self, rel: str, text: str) -> None:
        self.path(rel).parent.mkdir(parents=True, exist_ok=True)
        self.path(rel).write_text(text, encoding="utf-8")

    def replace(self, rel: str, old: str, new: str) -> None:
        text = self.read(rel)
        assert text.count(old) == 1, f"{old!r} should occur once in {rel}"
        self.write(rel, text.replace(old, new))

    def line_of(self, rel: str, needle: str) -> int:
        """The 1-based line of the only line containing `needle`."""
        found = [i for i, line in enumerate(self.read(rel).splitlines(), 1) if needle in line]
        assert len(found) == 1, f"{needle!r} should be on one line of {rel}, found {found}"
        return found[0]

    def build(self, *extra: str) -> Run:
        return generate("build", "--site", str(self.root), *extra)

    def page(self, rel: str) -> str:
        return (self.root / "build" / rel).read_text(encoding="utf-8")


@pytest.fixture
def site(tmp_path: Path) -> SiteCopy:
    root = tmp_path / "site"
    root.mkdir()
    return SiteCopy(root)


@pytest.fixture(scope="session")
def built_example(tmp_path_factory) -> Path:
    """The example portal built once from the repository itself."""
    out = tmp_path_factory.mktemp("example") / "build"
    run = generate("build", "--site", str(REPO), "--out", str(out))
    assert run.code == 0, run.err
    return out


# --- Browser tests: Debian's Chromium driven by Playwright (see ../shared/PORTAL.md) -------

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
NODE_MODULES = REPO / "node_modules"


@pytest.fixture(scope="session")
def served_example(built_example):
    """The built example portal over HTTP on 127.0.0.1, as a web server would serve it."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Handler(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(built_example)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


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


AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    # Experimental, so off by default: without it a data table with no headers at all passes.
    "rules": {"td-has-header": {"enabled": True}},
}


def axe_violations(page) -> list[dict]:
    script = NODE_MODULES / "axe-core" / "axe.min.js"
    if not script.exists():
        pytest.fail("node_modules/axe-core is missing: run `npm ci` (the README's test command does)")
    page.evaluate(script.read_text(encoding="utf-8"))   # not a <script> tag: the pages allow no inline script
    result = page.evaluate("([c, o]) => axe.run(c || document, o)", [None, AXE_OPTIONS])
    return [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"]]} for v in result["violations"]]


def nu_messages(files: list[Path]) -> list[dict]:
    """The Nu HTML checker on all files in one call (its Java start-up costs seconds)."""
    import json
    import subprocess

    jar = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
    if not jar.exists():
        pytest.fail("node_modules/vnu-jar is missing: run `npm ci` (the README's test command does)")
    result = subprocess.run(["java", "-jar", str(jar), "--format", "json", "--exit-zero-always",
                             *map(str, files)], capture_output=True, text=True, check=True)
    return json.loads(result.stderr)["messages"]
