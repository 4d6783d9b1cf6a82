"""generate build as a whole: output pages, untouched output on failure, init, packaging, README."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from helpers import HUAJIE, REPO, generate, snapshot
from htmltables import parse


def test_the_example_portal_pages(built_example):
    files = {p.relative_to(built_example).as_posix() for p in built_example.rglob("*") if p.is_file()}
    assert {"index.html", "nianbao/index.html", "nianbao/huajie/index.html", "nianbao/huaian/index.html",
            "nianbao/huajie/2023.html", "nianbao/huaian/2024.html", "404.html", "sitemap.xml",
            "static/site.css", "static/site.js"} <= files
    sitemap = (built_example / "sitemap.xml").read_text(encoding="utf-8")
    assert "<loc>https://gongkai.example.org/nianbao/huajie/2023.html</loc>" in sitemap
    assert "<lastmod>2024-01-19</lastmod>" in sitemap
    assert "404.html" not in sitemap


def test_listing_groups_by_year_then_unit_kind_newest_first(built_example):
    column = parse((built_example / "nianbao/index.html").read_text(encoding="utf-8"))
    assert [(tag, text) for tag, text in column.headings if tag in ("h2", "h3")] == [
        ("h2", "按年度查看"), ("h2", "按单位查看"), ("h3", "本级政府"), ("h3", "乡镇（街道）")]
    html = (built_example / "nianbao/index.html").read_text(encoding="utf-8")
    assert html.index('href="../nianbao/2024.html"') < html.index('href="../nianbao/2023.html"')
    year = (built_example / "nianbao/2023.html").read_text(encoding="utf-8")
    assert [(tag, text) for tag, text in parse(year).headings if tag == "h2"] == [("h2", "乡镇（街道）")]
    assert re.search(r'<a href="../nianbao/huajie/2023.html">花街镇人民政府</a> <span class="date">2024-01-19</span>', year)
    unit = (built_example / "nianbao/huajie/index.html").read_text(encoding="utf-8")
    assert '<a href="../../nianbao/huajie/2023.html">' in unit


def test_links_are_relative_so_any_sub_path_works(built_example):
    for page in built_example.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        for link in re.findall(r'(?:href|src)="([^"]+)"', html):
            if page.name == "404.html" or link.startswith(("#", "https://")):   # the site's own, or the footer's
                continue
            assert not link.startswith("/"), f"{page}: {link}"
            target = (page.parent / link.split("?")[0].split("#")[0]).resolve()
            assert target.is_file(), f"{page.relative_to(built_example)} links to missing {link}"


def test_404_links_work_from_any_depth(built_example):
    html = (built_example / "404.html").read_text(encoding="utf-8")
    assert 'href="/static/site.css?v=' in html and 'href="/nianbao/index.html"' in html


def test_failed_build_leaves_output_untouched(site):
    assert site.build().code == 0
    before = snapshot(site.root / "build")
    site.replace(HUAJIE, "行政处罚: 365", "行政处罚: [365")     # a YAML syntax error
    run = site.build()
    assert run.code == 1
    assert run.lines[0].startswith(f"{HUAJIE}:{site.line_of(HUAJIE, '行政处罚: [365')}: YAML 语法错误")
    assert snapshot(site.root / "build") == before
    assert sorted(p.name for p in site.root.iterdir()) == [".gongkai-cache", "build", "content", "site.yaml"]


def test_template_error_names_the_template_and_leaves_output_untouched(site):
    assert site.build().code == 0
    before = snapshot(site.root / "build")
    site.write("templates/report.html", '{% extends "base.html" %}\n{% block main %}\n{{ report.no_such.field }}\n'
                                        '{% endblock %}\n')
    run = site.build()
    assert run.code == 1
    assert run.lines[0].startswith("templates/report.html:3: 模板运行出错：")
    assert len(run.lines) == 2          # reported once, not once per report page
    assert snapshot(site.root / "build") == before


def test_output_that_is_not_ours_is_never_replaced(site, tmp_path):
    precious = tmp_path / "documents"
    precious.mkdir()
    (precious / "letter.docx").write_text("keep me")
    run = site.build("--out", str(precious))
    assert run.code == 1 and "不会覆盖" in run.err
    assert (precious / "letter.docx").read_text() == "keep me"
    run = site.build("--out", str(site.root))
    assert run.code == 1 and "网站文件夹本身" in run.err


def test_exit_code_and_no_traceback_from_the_console(site):
    site.replace(HUAJIE, "行政处罚: 365", "行政处罚: 六")
    result = subprocess.run([sys.executable, "-m", "generator", "build", "--site", str(site.root)],
                            capture_output=True, text=True, cwd=site.root)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    line = site.line_of(HUAJIE, "行政处罚: 六")
    assert f"{HUAJIE}:{line}: 表二「行政处罚」行「本年处理决定数量」列：「六」请用阿拉伯数字填写，如 6 (R8)" in result.stderr


def test_help_and_version():
    run = generate("--help")
    assert run.code == 0 and "build" in run.out and "init" in run.out
    run = generate("--version")
    assert run.code == 0 and re.fullmatch(r"gongkai \d+\.\d+\.\d+\n", run.out)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                    "-w", str(out), str(REPO)], check=True, capture_output=True)
    (found,) = out.glob("gongkai-*.whl")
    return found


@pytest.mark.slow
def test_wheel_ships_the_default_templates_and_example(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"generator/templates/report.html", "generator/templates/static/site.css",
            "generator/example/reports/huajie/2023.yaml", "generator/example/reports/huajie/2023.md"} <= names


@pytest.mark.slow
def test_init_then_build_from_an_installed_package(wheel, tmp_path):
    """A user who installed gongkai elsewhere starts a site outside any checkout."""
    installed = tmp_path / "installed"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(installed),
                    str(wheel)], check=True, capture_output=True)
    env = dict(os.environ, PYTHONPATH=str(installed))
    work = tmp_path / "office"
    work.mkdir()

    def run(*args, cwd):
        return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, env=env,
                              capture_output=True, text=True)

    where = subprocess.run([sys.executable, "-c", "import generator; print(generator.__file__)"],
                           cwd=work, env=env, capture_output=True, text=True).stdout
    assert where.startswith(str(installed))
    result = run("init", "mysite", cwd=work)
    assert result.returncode == 0, result.stderr
    site = work / "mysite"
    assert not (site / "templates/report.html").exists() and (site / "site.yaml").is_file()   # the theme stays in the package
    result = run("build", cwd=site)
    assert result.returncode == 0, result.stderr
    page = (site / "build/nianbao/huajie/2023.html").read_text(encoding="utf-8")
    assert "花街镇人民政府2023年政府信息公开工作年度报告" in page
    assert run("init", "mysite", cwd=work).returncode == 1     # never over an existing site


def readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sh\n(.+?)\n```", text)[:2]


def test_ci_runs_exactly_the_readme_test_command():
    build_command, test_command = readme_commands()
    assert "generate build" in build_command and "pytest" in test_command
    ci_lines = (REPO / ".ci/run").read_text(encoding="utf-8").splitlines()
    assert test_command in ci_lines


@pytest.mark.slow
def test_readme_first_command_builds_the_example_in_a_fresh_copy(tmp_path):
    """The README's first command, run in a fresh copy of the tracked files."""
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                           capture_output=True, text=True, check=True).stdout
    fresh = tmp_path / "fresh"
    for rel in files.split():
        if (REPO / rel).is_symlink():
            continue        # not the repository's: e.g. node_modules linked into a git worktree
        target = fresh / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((REPO / rel).read_bytes())
    build_command, _ = readme_commands()
    result = subprocess.run(["bash", "-c", build_command], cwd=fresh, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (fresh / "build/nianbao/huajie/2023.html").is_file()


# --- concurrent builds ------------------------------------------------------------------------

def listed(folder: Path) -> set[str]:
    """Every file's path, the search index's by year only (Pagefind names its files by content
    hashes that vary between runs over the same pages)."""
    return {(rel if not rel.startswith("pagefind/") else "/".join(rel.split("/")[:2]))
            for rel in (p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())}


@pytest.mark.slow
def test_two_builds_at_once_never_empty_the_site(site, tmp_path):
    """Two full builds started at random offsets, 20 times: one of them may be refused (another
    build holds the output folder), neither may leave an incomplete site or a cache that says
    an incomplete site is complete."""
    import random
    import shutil
    import time

    clean = tmp_path / "clean"
    run = generate("build", "--site", str(site.root), "--out", str(clean))
    assert run.code == 0 and "警告" not in run.err, run.err
    expected = listed(clean)
    command = [sys.executable, "-m", "generator", "build", "--site", str(site.root), "--quiet"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    rng = random.Random(21)
    for attempt in range(20):
        shutil.rmtree(site.root / ".gongkai-cache", ignore_errors=True)     # both are full builds
        first = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
        time.sleep(rng.uniform(0, 0.5))                   # the random start offset (a build takes about 0.7 s)
        second = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
        for process in (first, second):
            err = process.communicate()[1]
            # A build that ends well built the whole site: no warning (a search index with no pages
            # to index is how a build whose staging folder was taken away shows it).
            assert (process.returncode == 0 and "警告" not in err) or (
                process.returncode == 1 and "正在生成或预览" in err), err
        assert listed(site.root / "build") == expected, f"attempt {attempt}"
        run = site.build()
        assert run.code == 0 and listed(site.root / "build") == expected, f"attempt {attempt}: {run.err}"
    assert not [p.name for p in site.root.iterdir() if p.name.startswith(".build-")]


@pytest.mark.slow
def test_a_build_refused_while_another_holds_the_output_says_by_whom(site):
    from generator.output.write import output_lock

    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from pathlib import Path; "
                               "from generator.output.write import output_lock\n"
                               f"with output_lock(Path({str(site.root / 'build')!r})):\n"
                               "    print('held', flush=True); sys.stdin.read()"],
                              env={**os.environ, "PYTHONPATH": str(REPO)}, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        run = site.build()
        assert run.code == 1 and f"进程号 {holder.pid}" in run.err and "Traceback" not in run.err, run.err
        assert not (site.root / "build").exists()
    finally:
        holder.communicate("")
    assert site.build().code == 0            # released when its holder ended
    assert not (site.root / ".build.lock").exists()      # and removed on release: nothing left in the site
    with output_lock(site.root / "build"):   # re-entrant in one process: the preview holds it across builds
        assert site.build().code == 0


def test_check_writes_nothing_into_the_site(site):
    def everything() -> dict[str, bytes]:
        return {p.relative_to(site.root).as_posix(): p.read_bytes() if p.is_file() else b"/"
                for p in site.root.rglob("*")}

    before = everything()
    run = generate("check", "--site", str(site.root))
    assert run.code == 0, run.err
    assert everything() == before and not (site.root / ".gongkai-cache").exists()
