"""Every command fails in one shape: its problems one per line as `file:line: 说明 (rule)`,
then one summary line saying what failed, exit code 1, never a traceback."""

from __future__ import annotations

import re

import pytest

from helpers import HUAJIE, generate

PROBLEM_LINE = re.compile(r"^[^\s:]+(?::\d+)?: \S.*$")
BROKEN_UNITS = "huajie:\n  名称: [花街镇\n"     # a YAML error on line 2


def bad_data(site):
    site.replace(HUAJIE, "行政处罚: 365", "行政处罚: -1")


def broken_units(site):
    site.write("content/units.yaml", BROKEN_UNITS)


def a_warning(site):
    site.write("content/reports/huajie/notes.txt", "x")            # ignored, with a warning


def unplaceable_text(site):
    site.write("published.txt", "一份没有标题的文字\n")           # names no unit and no year


def nothing(site):
    pass


# (what is wrong, the command, the summary's heading, whether problem lines come before it)
CASES = {
    "build, bad data": (bad_data, ["build"], "构建失败", True),
    "build, the output is the site": (nothing, ["build", "--out", "{root}"], "构建失败", False),
    "build --strict, a warning": (a_warning, ["build", "--strict"], "构建未通过（--strict：警告也算未通过）", True),
    "check, bad data": (bad_data, ["check"], "检查未通过", True),
    "check --strict, a warning": (a_warning, ["check", "--strict"], "检查未通过", True),
    "import, a text naming nothing": (unplaceable_text, ["import", "{root}/published.txt"], "导入失败", True),
    "import, broken units": (broken_units, ["import", "{root}/published.txt"], "导入失败", True),
    "new, an unknown unit": (nothing, ["new", "nowhere", "2024"], "无法新建报告", False),
    "new, broken units": (broken_units, ["new", "huajie", "2024"], "无法新建报告", True),
    "init, a folder in use": (nothing, ["init", "{root}"], "无法新建网站", False),
}


@pytest.mark.parametrize("case", CASES)
def test_every_command_fails_in_one_shape(site, case):
    spoil, command, heading, with_problems = CASES[case]
    spoil(site)
    args = [arg.format(root=site.root) for arg in command]
    site_args = [] if command[0] == "init" else ["--site", str(site.root)]
    run = generate(*args, *site_args)
    assert run.code == 1, run.err
    assert "Traceback" not in run.err and "内部错误" not in run.err, run.err
    *problems, summary = run.lines
    assert summary.startswith(f"{heading}：") and not PROBLEM_LINE.match(summary), run.err
    assert all(PROBLEM_LINE.match(line) for line in problems), run.err
    assert bool(problems) == with_problems, run.err


def test_every_refusal_is_a_command_failure():
    from generator.importer import ImportFailed
    from generator.output.write import OutputBusy, OutputRefused, WriteFailed
    from generator.problems import BuildFailed, CommandFailed
    from generator.scaffold import InitRefused

    for refusal in (BuildFailed, OutputRefused, OutputBusy, WriteFailed, InitRefused, ImportFailed):
        assert issubclass(refusal, CommandFailed), refusal


def test_the_preview_lists_a_failed_first_build_in_the_same_shape(site, tmp_path):
    from generator.serve import Preview

    bad_data(site)
    logged: list[str] = []
    Preview(site.root, tmp_path / "preview", log=logged.append).build()
    *problems, outcome = logged
    assert problems and all(PROBLEM_LINE.match(line) for line in problems), logged
    assert "失败" in outcome and not PROBLEM_LINE.match(outcome), logged
