"""The default theme stays in the package (issue 17, item 5): `generate init` copies none of it,
an upgraded default reaches every site that did not override that file, and `generate theme`
copies a default to start an override and diffs the overrides against the current defaults."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers import REPO, SiteCopy, build, generate, snapshot

import generator.render.environment as environment

REPORT = "nianbao/huajie/2023.html"


@pytest.fixture
def new_site(tmp_path) -> Path:
    root = tmp_path / "site"
    assert generate("init", str(root)).code == 0
    return root


@pytest.fixture
def upgradable_theme(tmp_path, monkeypatch) -> Path:
    """The package's default templates, as a copy the test can change (an upgrade of gongkai)."""
    defaults = tmp_path / "package-templates"
    shutil.copytree(REPO / "templates", defaults)
    monkeypatch.setattr(environment, "default_templates_dir", lambda: defaults)
    return defaults


def upgrade(defaults: Path, rel: str, old: str, new: str) -> None:
    text = (defaults / rel).read_text(encoding="utf-8")
    assert text.count(old) == 1
    (defaults / rel).write_text(text.replace(old, new), encoding="utf-8")


def test_init_copies_no_default_template_but_says_how_to_override(new_site):
    own = [p.relative_to(new_site / "templates").as_posix() for p in (new_site / "templates").rglob("*")]
    assert own == ["说明.txt"]
    note = (new_site / "templates/说明.txt").read_text(encoding="utf-8")
    assert "generate theme copy report.html" in note and "generate theme diff" in note
    build(new_site)
    assert "花街镇人民政府2023年政府信息公开工作年度报告" in (new_site / "build" / REPORT).read_text(encoding="utf-8")
    assert (new_site / "build/static/site.css").read_bytes() == (REPO / "templates/static/site.css").read_bytes()
    assert not (new_site / "build/说明.txt").exists()


def test_an_upgraded_default_reaches_the_site_on_an_incremental_build(new_site, upgradable_theme):
    build(new_site)
    upgrade(upgradable_theme, "report.html", "</article>", '<p id="upgraded">新版默认模板</p>\n</article>')
    upgrade(upgradable_theme, "static/site.css", ":root {", ":root { --upgraded: 1;")
    run = build(new_site)
    assert "没有变化" not in run.out
    assert 'id="upgraded"' in (new_site / "build" / REPORT).read_text(encoding="utf-8")
    assert "--upgraded: 1" in (new_site / "build/static/site.css").read_text(encoding="utf-8")
    incremental = snapshot(new_site / "build")
    shutil.rmtree(new_site / "build")
    shutil.rmtree(new_site / ".gongkai-cache")
    build(new_site)
    cold = snapshot(new_site / "build")
    assert {rel: data for rel, (data, _) in incremental.items() if not rel.startswith("pagefind/")} == \
           {rel: data for rel, (data, _) in cold.items() if not rel.startswith("pagefind/")}


def test_a_site_keeps_its_own_file_and_takes_the_other_defaults(new_site, upgradable_theme):
    assert generate("theme", "copy", "report.html", "--site", str(new_site)).code == 0
    (new_site / "templates/report.html").write_text(
        (new_site / "templates/report.html").read_text(encoding="utf-8").replace("</article>",
                                                                                  '<p id="ours">本站</p></article>'),
        encoding="utf-8")
    upgrade(upgradable_theme, "report.html", "</article>", '<p id="upgraded">新版</p></article>')
    upgrade(upgradable_theme, "base.html", "<body>", '<body data-upgraded="base">')
    build(new_site)
    page = (new_site / "build" / REPORT).read_text(encoding="utf-8")
    assert 'id="ours"' in page and 'id="upgraded"' not in page
    assert 'data-upgraded="base"' in page      # its report.html extends the upgraded default base.html


def test_static_files_come_from_the_package_one_by_one_overridden(new_site, upgradable_theme):
    assert generate("theme", "copy", "static/site.css", "--site", str(new_site)).code == 0
    with (new_site / "templates/static/site.css").open("a", encoding="utf-8") as css:
        css.write(".ours { color: #000; }\n")
    upgrade(upgradable_theme, "static/site.js", "/* The report toolbar", "// upgraded\n/* The report toolbar")
    build(new_site)
    assert ".ours {" in (new_site / "build/static/site.css").read_text(encoding="utf-8")
    assert (new_site / "build/static/site.js").read_bytes() == (upgradable_theme / "static/site.js").read_bytes()
    assert b"// upgraded" in (new_site / "build/static/site.js").read_bytes()


def test_a_site_made_by_the_old_init_with_full_copies_still_builds(tmp_path):
    site = SiteCopy(tmp_path)
    shutil.copytree(REPO / "templates", tmp_path / "templates")
    site.replace("templates/report.html", "</article>", '<p id="old-copy">旧副本</p>\n</article>')
    run = site.build()
    assert run.code == 0, run.err
    assert 'id="old-copy"' in site.page(REPORT)


def test_theme_copy_refuses_to_overwrite_and_names_the_known_files(new_site):
    run = generate("theme", "copy", "report.html", "static/site.css", "--site", str(new_site))
    assert run.code == 0, run.err
    assert (new_site / "templates/report.html").read_bytes() == (REPO / "templates/report.html").read_bytes()
    assert (new_site / "templates/static/site.css").is_file()
    (new_site / "templates/report.html").write_text("本站的", encoding="utf-8")

    run = generate("theme", "copy", "report.html", "--site", str(new_site))
    assert run.code == 1 and "templates/report.html 已存在，不会覆盖" in run.err and "--force" in run.err
    assert (new_site / "templates/report.html").read_text(encoding="utf-8") == "本站的"

    run = generate("theme", "copy", "base.html", "reprot.html", "--site", str(new_site))
    assert run.code == 1 and "默认主题中没有「reprot.html」" in run.err
    assert "report.html" in run.err and "partials/toolbar.html" in run.err
    assert not (new_site / "templates/base.html").exists()      # all or nothing

    assert generate("theme", "copy", "templates/report.html", "--force", "--site", str(new_site)).code == 0
    assert (new_site / "templates/report.html").read_bytes() == (REPO / "templates/report.html").read_bytes()

    run = generate("theme", "copy", "report.html", "--site", str(new_site / "content"))
    assert run.code == 1 and "不是网站文件夹（其中没有 site.yaml）" in run.err
    assert not (new_site / "content/templates").exists()


def test_theme_list_names_every_default_and_marks_the_overridden(new_site):
    generate("theme", "copy", "404.html", "--site", str(new_site))
    run = generate("theme", "list", "--site", str(new_site))
    assert run.code == 0
    lines = run.out.splitlines()
    assert "report.html" in lines and "static/site.css" in lines and "404.html（本网站已有自己的）" in lines


def test_theme_diff_shows_each_override_against_the_current_default(new_site, upgradable_theme):
    run = generate("theme", "diff", "--site", str(new_site))
    assert run.code == 0 and "全部使用当前的默认模板" in run.out
    generate("theme", "copy", "report.html", "partials/toolbar.html", "--site", str(new_site))
    upgrade(upgradable_theme, "report.html", "</article>", '<p id="upgraded">新版</p>\n</article>')
    (new_site / "templates/static").mkdir()
    (new_site / "templates/static/logo.png").write_bytes(b"\x89PNG\r\n")
    run = generate("theme", "diff", "--site", str(new_site))
    assert run.code == 0
    assert "--- 默认主题/report.html\n+++ templates/report.html\n" in run.out
    assert '\n-<p id="upgraded">新版</p>\n' in run.out
    assert "toolbar.html" not in run.out.split("注意")[0]          # the same as the default: no diff
    assert "templates/static/logo.png 不代替任何默认文件" in run.out


def test_the_repository_is_its_own_default_theme():
    """The example portal's templates/ is the package's default theme: nothing overrides it."""
    run = generate("theme", "diff", "--site", str(REPO))
    assert run.code == 0 and "全部使用当前的默认模板" in run.out
    run = generate("theme", "copy", "report.html", "--site", str(REPO))
    assert run.code == 1 and "就是 gongkai 的默认模板本身" in run.err


def test_theme_copy_never_writes_through_a_link_out_of_the_site(new_site, tmp_path):
    outside = tmp_path / "outside.html"
    outside.write_text("不属于网站", encoding="utf-8")
    (new_site / "templates/report.html").symlink_to(outside)
    run = generate("theme", "copy", "report.html", "--force", "--site", str(new_site))
    assert run.code == 1 and "templates/report.html 是指向网站文件夹之外的链接" in run.err
    assert outside.read_text(encoding="utf-8") == "不属于网站"
