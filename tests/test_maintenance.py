"""What keeps the code carryable: one owner for the column folder, declared dependencies,
the shipped folders found installed or in a checkout, and the livereload internals the
preview relies on still there."""

from __future__ import annotations

import ast
import importlib.metadata
import inspect
import os
import re
import shutil
import subprocess
import sys
import tomllib

import pytest

from helpers import REPO
from generator.core.paths import COLUMN_DIR
from generator.output.cache import CACHE_DIR, cache_folder


def test_templates_name_the_column_folder_only_through_the_renderer():
    spelled = [f"{path.relative_to(REPO)}:{number}"
               for path in sorted((REPO / "templates").rglob("*.html"))
               for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
               if COLUMN_DIR in line]
    assert spelled == [], f"write {{{{ column_index }}}} or column_dir, not {COLUMN_DIR!r}: {spelled}"


def test_every_package_generator_imports_is_declared():
    requirements = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    declared = {re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower() for requirement in requirements}
    if "pagefind[extended]==" in "".join(requirements):
        declared.add("pagefind_bin_extended")             # the binary the extra installs
    distributions = importlib.metadata.packages_distributions()
    imported = set()
    for path in (REPO / "generator").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                imported.add(node.module.split(".")[0])
    third_party = imported - set(sys.stdlib_module_names) - {"generator"}
    undeclared = {module for module in third_party
                  if not {name.lower() for name in distributions.get(module, [module])} & declared}
    assert undeclared == set(), f"imported by generator/ but not in pyproject's dependencies: {undeclared}"


def test_the_cache_folder_writes_its_gitignore_once(tmp_path):
    folder = cache_folder(tmp_path, "x")
    ignore = tmp_path / CACHE_DIR / ".gitignore"
    first = ignore.stat()
    cache_folder(tmp_path, "x")
    cache_folder(tmp_path)
    again = ignore.stat()
    assert (again.st_ino, again.st_mtime_ns) == (first.st_ino, first.st_mtime_ns)   # not rewritten
    ignore.unlink()
    assert cache_folder(tmp_path, "x") == folder and ignore.read_text() == "*\n"   # a missing one comes back


def test_the_shipped_folders_are_found_in_a_checkout():
    from generator.render.environment import default_templates_dir
    from generator.scaffold import example_content_dir

    assert default_templates_dir() == (REPO / "templates").resolve()
    assert example_content_dir() == (REPO / "content").resolve()


def test_the_shipped_folders_are_found_installed(tmp_path):
    """The layout a wheel installs (pyproject's package-dir): templates/ and content/ inside the package."""
    package = tmp_path / "site-packages" / "generator"
    shutil.copytree(REPO / "generator", package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "templates", package / "templates")
    shutil.copytree(REPO / "content", package / "example")
    code = ("from generator.render.environment import default_templates_dir; from generator.scaffold import example_content_dir;"
            "print(default_templates_dir()); print(example_content_dir())")
    env = {**os.environ, "PYTHONPATH": str(package.parent)}
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path,
                           check=True).stdout.split()
    assert found == [str((package / "templates").resolve()), str((package / "example").resolve())]


# generator/serve.py patches livereload through these names, none of them public API. If a
# livereload release renames one, the preview breaks quietly: this says which patch to redo.
LIVERELOAD_INTERNALS = [
    ("livereload.watcher", "Watcher()", "_tasks",
     "_PreviewWatcher sets _tasks non-empty so that livereload does not watch the whole working folder"),
    ("livereload.handlers", "LiveReloadHandler.start_tasks", "watcher._tasks",
     "_PreviewWatcher._tasks only helps while livereload reads watcher._tasks to decide to watch the cwd"),
    ("livereload.server", "Server", "_setup_logging",
     "_PreviewServer._setup_logging silences livereload's English INFO lines"),
    ("livereload.server", "Server.serve", "self._setup_logging()",
     "_PreviewServer._setup_logging only helps while Server.serve calls it"),
    ("livereload.server", "Server()", "SFH",
     "_PreviewServer replaces SFH, livereload's static file handler, with the preview's own"),
    ("livereload.server", "Server.serve", "self.application(",
     "_PreviewServer.application (its own handlers, without /forcereload) is called by Server.serve"),
    ("livereload.server", "Server.serve", "self.default_filename",
     "_PreviewServer.application reads self.root and self.default_filename set by Server.serve"),
    ("livereload.server", "LiveScriptInjector.transform_first_chunk", "self.script",
     "_PreviewServer.application's InjectScript sets LiveScriptInjector.script to its own <script src>"),
    ("livereload.handlers", "LiveReloadHandler", "waiters",
     "_ReloadSocket.on_message logs a browser once livereload has put it in LiveReloadHandler.waiters"),
    ("livereload.handlers", "LiveReloadHandler", "reload_waiters",
     "_PreviewWatcher._built reloads the browsers with LiveReloadHandler.reload_waiters()"),
    ("livereload.handlers", "LiveReloadHandler", "watcher",
     "_PreviewServer.application sets LiveReloadHandler.watcher and live_css as livereload's does"),
    ("livereload.handlers", "LiveReloadHandler", "live_css",
     "_PreviewServer.application sets LiveReloadHandler.watcher and live_css as livereload's does"),
    ("livereload.handlers", "LiveReloadHandler.start_tasks", "watcher.start(",
     "_PreviewWatcher.start returns True so that livereload does not poll examine() itself"),
]


@pytest.mark.parametrize("module, owner, name, patch", LIVERELOAD_INTERNALS,
                         ids=[f"{owner}.{name}" for _, owner, name, _ in LIVERELOAD_INTERNALS])
def test_livereload_still_has_what_the_preview_patches(module, owner, name, patch):
    namespace = vars(__import__(module, fromlist=["_"]))
    if "." in owner:                                     # a function that must still use the name
        assert name in inspect.getsource(eval(owner, namespace)), f"livereload changed, {owner}: {patch}"
    else:                                                # a class, or an instance of it ("Server()")
        assert hasattr(eval(owner, namespace), name), f"livereload changed, {owner}.{name}: {patch}"
