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
