"""The package's shape: stages that import only earlier stages, no import cycle, no private
names across modules, modules short enough to read (issue 15).

Imports are read from the source (imports inside functions count), not from a running
interpreter, so an import hidden in a function cannot hide a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from helpers import REPO

PACKAGE = REPO / "generator"
# Each stage may import the stages before it, never one after it. The commands (the
# modules at the top) may import anything; problems.py, the one error shape, nothing.
STAGES = ["problems", "core", "inputs", "content", "render", "output", "importing", "commands"]
MAX_LINES = 350
LONG_MODULE_REASON = "Longer than"     # a module over MAX_LINES says why at its top, in these words


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports(path: Path, name: str) -> list[tuple[str, list[str], int]]:
    """(module imported, names taken from it, line) for every import in the file, functions included."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, [], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            found.append((base, [alias.name for alias in node.names], node.lineno))
    return found


def internal_edges() -> dict[str, set[str]]:
    """module -> the generator modules it imports (`from generator.x import y`, y a module, counts as x.y)."""
    known = modules()
    edges: dict[str, set[str]] = {name: set() for name in known}
    for name, path in known.items():
        for target, names, _ in imports(path, name):
            if not target.startswith("generator"):
                continue
            edges[name].update(f"{target}.{n}" if f"{target}.{n}" in known else target for n in names or [""])
            edges[name].discard(name)
    for name in edges:
        edges[name] = {t.rstrip(".") for t in edges[name] if t.rstrip(".") in known and t.rstrip(".") != "generator"}
    return edges


def stage(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 2:
        return "problems" if parts[1] == "problems" else "commands"
    return parts[1]


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_every_module_belongs_to_a_stage():
    assert {stage(m) for m in modules() if m != "generator" and not m.endswith("__main__")} <= set(STAGES)


def test_there_is_no_import_cycle_counting_imports_inside_functions():
    assert find_cycle(internal_edges()) is None


def test_a_stage_imports_only_the_stages_before_it():
    wrong = sorted(f"{module} ({stage(module)}) imports {target} ({stage(target)})"
                   for module, targets in internal_edges().items() if module != "generator"
                   for target in targets
                   if STAGES.index(stage(target)) > STAGES.index(stage(module)) and stage(module) != "commands")
    assert wrong == []


def private(name: str) -> bool:
    return name.startswith("_") and not name.endswith("__")      # __version__ is public


def test_no_private_name_crosses_a_module():
    known = modules()
    wrong = [f"{module_name(path)}:{line} takes {n} from {target}"
             for name, path in known.items() for target, names, line in imports(path, name)
             if target.startswith("generator") for n in names if private(n)]
    assert wrong == []


def test_the_tests_use_no_private_name_of_the_package():
    wrong = []
    for path in sorted((REPO / "tests").glob("*.py")):
        for target, names, line in imports(path, "tests"):
            if target.startswith("generator"):
                wrong += [f"{path.name}:{line} takes {n} from {target}" for n in names if private(n)]
    assert wrong == []


@pytest.mark.parametrize("module", sorted(modules()))
def test_a_module_is_short_or_says_why_it_is_not(module):
    path = modules()[module]
    text = path.read_text(encoding="utf-8")
    lines = text.count("\n")
    doc = ast.get_docstring(ast.parse(text)) or ""
    assert lines <= MAX_LINES or LONG_MODULE_REASON in doc, f"{path.name}: {lines} lines and no reason at its top"
