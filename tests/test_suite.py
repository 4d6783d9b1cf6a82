"""The rules the test suite keeps for itself: test selection by marker, and no test module
importing another (shared helpers live in helpers.py, fixtures in conftest.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
CONFTEST = (TESTS / "conftest.py").read_text(encoding="utf-8")


def test_no_test_module_imports_another_or_the_conftest():
    offending = []
    for path in sorted(TESTS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            offending += [f"{path.name} imports {name}" for name in names if name.startswith("test_") or name == "conftest"]
    assert offending == []


@pytest.mark.parametrize("fixture", ["page", "browser", "nu_messages"])
def test_a_browser_fixture_without_the_browser_mark_is_refused_at_collection(pytester, fixture):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_forgot=f"def test_forgot_the_mark({fixture}):\n    pass\n")
    result = pytester.runpytest("--collect-only", "-m", "not browser", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*not marked `browser`*", "*test_forgot.py::test_forgot_the_mark*"])


def test_a_marked_browser_test_is_collected_and_deselected(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_marked="import pytest\n\n@pytest.mark.browser\ndef test_marked(page):\n    pass\n\n"
                                    "def test_plain(tmp_path):\n    pass\n")
    result = pytester.runpytest("--collect-only", "-q", "-m", "not browser", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["test_marked.py::test_plain", "*1/2 tests collected (1 deselected)*"])
