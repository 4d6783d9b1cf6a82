"""Builds at scale: identical bytes however built, and a cache that is never stale."""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from generator.output.manifest import UnitRecord
from helpers import REPO, build, edit, generate, portal_csv_rows, rebuild_matches_cold, tree

sys.path.insert(0, str(REPO / "benchmarks"))
from synthetic import make_site  # noqa: E402


@pytest.fixture(scope="module")
def portal(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("portal") / "site"
    make_site(root, 60)            # above PARALLEL_FROM: the parallel path is taken
    with (root / "site.yaml").open("a", encoding="utf-8") as f:
        f.write("站内搜索: false\n")   # indexed in the determinism test and in test_search.py
    return root


@pytest.fixture
def copy(portal, tmp_path) -> Path:
    root = tmp_path / "site"
    shutil.copytree(portal, root, ignore=shutil.ignore_patterns(".gongkai-cache"))
    return root


@pytest.mark.slow
def test_same_bytes_cold_cached_serial_and_parallel(copy, tmp_path):
    config = copy / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("站内搜索: false\n", ""), encoding="utf-8")
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    build(copy, serial, "--jobs", "1")
    build(copy, parallel, "--jobs", "2")
    assert tree(serial) == tree(parallel)
    units = len(list((copy / "content/reports").iterdir()))
    # report, 图解, CSV and JSON per report, a page per unit, home, column, 404, sitemap, css, js,
    # the open data page, its JSON, database, schema and CSV of each year, the search page,
    # search.js, the marker, the column's page of each year, speech.js and the two 长者模式
    # cursors, the site's own 党政机关网站标识 image, and the search index (what the search page sees, as one)
    searched = json.loads(tree(serial)["pagefind: what the search page sees"])
    assert len(searched) == 60 and {url.rsplit("/", 1)[1] for url in searched} == {f"{y}.html" for y in range(2021, 2026)}
    assert len(tree(serial)) == 60 * 4 + units + 4 + 2 + (4 + 5) + 2 + 1 + 5 + 3 + 1 + 1
    first = tree(parallel)
    run = build(copy, parallel, "--jobs", "2")        # from the cache: nothing to do
    assert "没有变化" in run.out and tree(parallel) == first
    shutil.rmtree(copy / ".gongkai-cache")
    build(copy, parallel, "--jobs", "2")              # cold again over an existing output
    assert tree(parallel) == first


def _settle(root: Path) -> None:
    """Unit folders last changed an hour ago: their listings are then kept between builds."""
    hour_ago = time.time() - 3600
    for folder in (root / "content/reports").iterdir():
        os.utime(folder, (hour_ago, hour_ago))


def first_report(root: Path) -> tuple[Path, Path]:
    data = sorted((root / "content/reports").glob("*/*.yaml"))[0]
    return data, data.with_suffix(".md")


def test_a_narrative_edit_rewrites_only_that_report(copy, tmp_path):
    out = tmp_path / "out"
    build(copy, out)
    before = {rel: (out / rel).stat().st_mtime_ns for rel in tree(out) if not rel.startswith("pagefind")}
    data, narrative = first_report(copy)
    edit(narrative, "## 五、", "增补的一句话。\n\n## 五、")
    report = f"nianbao/{data.parent.name}/{data.stem}.html"
    assert "更新了 1 个有变化的文件" in rebuild_matches_cold(copy, tmp_path, out)
    changed = [rel for rel in before if (out / rel).stat().st_mtime_ns != before[rel]]
    assert changed == [report]
    assert "增补的一句话。" in (out / report).read_text(encoding="utf-8")


def test_a_data_edit_updates_its_pages_and_the_next_years_tujie(copy, tmp_path):
    out = tmp_path / "out"
    build(copy, out)
    data, _ = first_report(copy)
    edit(data, "行政处罚:", "行政处罚: 9999   # ")
    rebuild_matches_cold(copy, tmp_path, out)
    tujie = out / f"nianbao/{data.parent.name}/{int(data.stem) + 1}-tujie.html"
    assert "较上年" in tujie.read_text(encoding="utf-8")


def test_a_title_change_updates_the_listings(copy, tmp_path):
    out = tmp_path / "out"
    build(copy, out)
    data, _ = first_report(copy)
    edit(data, "发布机构:", "标题: 一份改过标题的年度报告\n发布机构:")
    rebuild_matches_cold(copy, tmp_path, out)
    assert "一份改过标题的年度报告" in (out / f"nianbao/{data.parent.name}/index.html").read_text(encoding="utf-8")


def test_a_template_change_rebuilds_everything(copy, tmp_path):
    out = tmp_path / "out"
    build(copy, out)
    (copy / "templates").mkdir(exist_ok=True)     # synthetic sites have templates/static/
    base = (REPO / "templates/base.html").read_text(encoding="utf-8")
    (copy / "templates/base.html").write_text(base.replace("跳到正文", "跳到主要内容"), encoding="utf-8")
    assert "全部重新生成" in rebuild_matches_cold(copy, tmp_path, out)
    assert all("跳到主要内容" in (out / p).read_text(encoding="utf-8") for p in tree(out) if p.endswith(".html"))


def test_a_site_yaml_change_rebuilds_everything(copy, tmp_path):
    out = tmp_path / "out"
    build(copy, out)
    edit(copy / "site.yaml", "基准测试", "基准测试（新名称）")
    assert "全部重新生成" in rebuild_matches_cold(copy, tmp_path, out)
    assert "基准测试（新名称）" in (out / "nianbao/index.html").read_text(encoding="utf-8")


def test_a_removed_report_disappears(copy, tmp_path):
    _settle(copy)                                        # its folder's listing is kept by the first build
    out = tmp_path / "out"
    build(copy, out)
    data, narrative = first_report(copy)
    data.unlink()
    narrative.unlink()
    rebuild_matches_cold(copy, tmp_path, out)
    assert not (out / f"nianbao/{data.parent.name}/{data.stem}.html").exists()


def test_a_touched_but_unchanged_file_changes_nothing(copy, tmp_path):
    out = tmp_path / "out"
    build(copy, out)
    data, _ = first_report(copy)
    data.write_bytes(data.read_bytes())                  # new mtime, same bytes
    assert "没有变化" in build(copy, out).out


def test_output_correct_after_deleting_the_cache_or_a_page(copy, tmp_path):
    out = tmp_path / "out"
    build(copy, out)
    expected = tree(out)
    shutil.rmtree(copy / ".gongkai-cache")
    build(copy, out)
    assert tree(out) == expected
    (out / "nianbao/index.html").unlink()               # someone edited the output by hand
    build(copy, out)
    assert tree(out) == expected


def test_warnings_are_repeated_on_a_cached_build(copy, tmp_path):
    out = tmp_path / "out"
    (copy / "content/reports/county/notes.txt").write_text("x")
    first = build(copy, out)
    again = build(copy, out)
    assert "已忽略" in first.err and first.err == again.err


def test_a_save_during_the_build_is_built_by_the_next_build(copy, tmp_path, monkeypatch):
    """The cache records the bytes a page was built from, not the file as it is after the build."""
    import generator.content.loader as loader
    out = tmp_path / "out"
    data, narrative = first_report(copy)
    read_narrative = loader.load_narrative

    def saved_meanwhile(path, rel, problems, **options):
        result = read_narrative(path, rel, problems, **options)
        if Path(path) == narrative:     # the editor saves just after the build read the file
            edit(narrative, "## 五、", "构建期间保存的一句话。\n\n## 五、")
        return result

    monkeypatch.setattr(loader, "load_narrative", saved_meanwhile)
    build(copy, out, "--jobs", "1")
    monkeypatch.setattr(loader, "load_narrative", read_narrative)
    report = out / f"nianbao/{data.parent.name}/{data.stem}.html"
    assert "构建期间保存的一句话。" not in report.read_text(encoding="utf-8")
    rebuild_matches_cold(copy, tmp_path, out)
    assert "构建期间保存的一句话。" in report.read_text(encoding="utf-8")


def test_the_portal_data_is_whole_after_part_of_the_cache_is_deleted(copy, tmp_path):
    out = tmp_path / "out"
    build(copy, out)
    for folder in (copy / ".gongkai-cache").glob("opendata-*"):
        shutil.rmtree(folder)                        # the manifest stays: each unit's share is gone
    data, _ = first_report(copy)
    edit(data, "行政处罚:", "行政处罚: 9999   # ")     # a number: the portal-wide files are written again
    rebuild_matches_cold(copy, tmp_path, out)
    portal = portal_csv_rows(out)
    per_report = [json.loads(p.read_bytes()) for p in sorted((out / "nianbao").rglob("*.json"))]
    cells = [value for report in per_report for table in report["表格"] for row in table["行"] for value in row["数值"]]
    assert len(per_report) == 60 and len(portal) == len(cells)


def test_a_report_added_to_a_folder_listed_by_the_last_build_is_found(copy, tmp_path):
    _settle(copy)
    out = tmp_path / "out"
    build(copy, out)
    data, narrative = first_report(copy)
    new_data, new_narrative = data.with_name("2019.yaml"), narrative.with_name("2019.md")
    assert not new_data.exists()
    new_data.write_bytes(data.read_bytes())            # no 2020 report: no carry-over check with 2021
    new_narrative.write_bytes(narrative.read_bytes())
    rebuild_matches_cold(copy, tmp_path, out)
    assert (out / f"nianbao/{data.parent.name}/2019.html").is_file()


def test_a_page_deleted_from_the_output_by_hand_is_written_again(copy, tmp_path):
    out = tmp_path / "out"
    build(copy, out)
    expected = tree(out)
    data, _ = first_report(copy)
    (out / f"nianbao/{data.parent.name}/{data.stem}-tujie.html").unlink()
    build(copy, out)
    assert tree(out) == expected


def test_a_touched_file_is_hashed_once_not_at_every_build(copy, tmp_path, monkeypatch):
    from generator import build as build_module
    from generator.output import changes

    out = tmp_path / "out"
    build_module.build_site(copy, out, jobs=1)
    data, _ = first_report(copy)
    data.write_bytes(data.read_bytes())                  # new mtime, same bytes
    hashed = []
    real = changes.input_signature
    monkeypatch.setattr(changes, "input_signature", lambda *a, **k: hashed.append(a[1]) or real(*a, **k))
    assert build_module.build_site(copy, out, jobs=1).files == 0 and len(hashed) == 1
    assert build_module.build_site(copy, out, jobs=1).files == 0 and len(hashed) == 1


# --- the cache in the site folder is not trusted ----------------------------------------------

@pytest.fixture
def user_cache(tmp_path, monkeypatch) -> Path:
    """The user's own cache folder (the key, compiled templates): private to each test."""
    folder = tmp_path / "user-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    return folder / "gongkai"


class _Planted:
    """Unpickling this creates a file: proof that a planted pickle was loaded."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return open, (str(self.marker), "w")


def test_a_planted_manifest_is_never_unpickled(site, tmp_path, user_cache):
    import marshal
    import pickle

    from generator.output.manifest import MANIFEST_FORMAT

    assert site.build().code == 0
    marker = tmp_path / "planted-code-ran"
    evil = pickle.dumps(_Planted(marker))
    (manifest,) = (site.root / ".gongkai-cache").glob("manifest-*.bin")
    # The manifest's fields, with a pickle wherever one was read: the units' list and each record.
    record = {"stats": (), "warnings": evil, "listing": "", "open_data": "", "searchable": {}, "reports": 0,
              "cold": evil}
    manifest.write_bytes(marshal.dumps({"format": MANIFEST_FORMAT, "key": "", "globals": {}, "listing": "",
                                        "open_data": "", "search": {}, "site_outputs": [], "listings": ("", {}),
                                        "folders": {}, "fragments": None, "unit_list": evil,
                                        "units": {"huajie": record}}))
    run = site.build()
    assert run.code == 0 and "全部重新生成" in run.out, run.err
    assert not marker.exists()


def test_a_planted_template_bytecode_cache_is_not_executed(site, tmp_path, user_cache):
    """Compiled templates planted where the cache used to be (.gongkai-cache/templates), under
    the keys the build looks for: loading one would run it."""
    import os

    from jinja2.bccache import Bucket, FileSystemBytecodeCache

    from generator.content.loader import read_inputs
    from generator.output.cache import template_cache_folder
    from generator.problems import Problems
    from generator.render.environment import default_templates_dir
    from generator.render.pages import Renderer

    marker = tmp_path / "planted-code-ran"
    planted = site.root / ".gongkai-cache/templates"
    planted.mkdir(parents=True)
    cache = FileSystemBytecodeCache(str(planted))
    renderer = Renderer(site.root, *read_inputs(site.root, Problems())[:2], Problems(), template_cache_folder(site.root))
    templates = default_templates_dir()
    for path in templates.rglob("*.html"):
        name = path.relative_to(templates).as_posix()
        bucket = Bucket(renderer.env, renderer.env.bytecode_cache.get_cache_key(name, os.path.normpath(path)),
                        cache.get_source_checksum(path.read_text(encoding="utf-8")))
        bucket.code = compile(f"open({str(marker)!r}, 'w').close()", name, "exec")
        cache.dump_bytecode(bucket)
    assert site.build().code == 0
    assert not marker.exists()


@pytest.mark.slow
def test_random_bit_flips_of_the_manifest_end_in_a_correct_build(site, user_cache):
    import random

    assert site.build().code == 0
    expected = tree(site.root / "build")
    (manifest,) = (site.root / ".gongkai-cache").glob("manifest-*.bin")
    rng = random.Random(6)
    for flip in range(50):
        data = bytearray(manifest.read_bytes())
        bit = rng.randrange(len(data) * 8)
        data[bit // 8] ^= 1 << bit % 8
        manifest.write_bytes(bytes(data))
        run = site.build()
        assert run.code == 0 and "警告" not in run.err, f"bit {bit}: {run.err}"
        assert tree(site.root / "build") == expected, f"bit {bit}"
        assert site.build().code == 0 and tree(site.root / "build") == expected, f"bit {bit}, then again"


def test_open_data_of_a_failed_build_is_never_published(site, user_cache):
    """A failed build computed huajie's share of the open data with 999; the editor undoes that
    edit (same bytes, new mtime) and fixes the real error with another number: the portal-wide
    files must say 365, as huajie's page does."""
    assert site.build().code == 0
    huajie, huaian = "content/reports/huajie/2023.yaml", "content/reports/huaian/2024.yaml"
    original = site.path(huajie).read_bytes()
    site.replace(huajie, "行政处罚: 365", "行政处罚: 999")                       # valid: this unit builds
    site.replace(huaian, "[3001,   53,    0,    0,   61,    4, 3119]", "[3001,   53,    0,    0,   61,    4, 3118]")
    assert site.build().code == 1                                               # huaian's total fails it
    site.path(huajie).write_bytes(original)                                     # undone: touched, not edited
    site.replace(huaian, "3118]", "3119]")
    site.replace(huaian, "行政处罚: 3985758", "行政处罚: 3985759")                # a number: open data rewritten
    assert site.build().code == 0
    rows = portal_csv_rows(site.root / "build")
    published = {(row["单位编号"], row["行"]): row["数值"] for row in rows if row["行"] == "行政处罚"}
    assert published == {("huajie", "行政处罚"): "365", ("huaian", "行政处罚"): "3985759"}
    reports = {report["单位"]["编号"]: report for report in json.loads(site.page("data/gongkai-all.json"))}
    table = next(t for t in reports["huajie"]["表格"] if t["表"] == "二")
    assert [row["数值"] for row in table["行"] if row["行"] == "行政处罚"] == [{"本年处理决定数量": 365}]
    assert "365" in site.page("nianbao/huajie/2023.html") and "999" not in site.page("nianbao/huajie/2023.html")


def test_a_failed_search_index_is_built_again_by_the_next_build(site, user_cache, monkeypatch):
    import generator.output.search

    assert site.build().code == 0
    index = site.root / "build/pagefind/2023/00"
    before = index.stat().st_ino
    site.replace("content/reports/huajie/2023.md", "## 五、", "新的一段。\n\n## 五、")
    real = generator.output.search.pagefind_executable
    monkeypatch.setattr(generator.output.search, "pagefind_executable", lambda: "/bin/false")   # Pagefind fails
    run = site.build("--strict")
    assert run.code == 1 and "站内搜索索引（最近修改的报告）生成失败" in run.err and "--strict" in run.err, run.err
    assert "新的一段。" in site.page("nianbao/huajie/2023.html") and index.stat().st_ino == before
    assert site.build().code == 0 and index.stat().st_ino == before              # failed again: still stale
    monkeypatch.setattr(generator.output.search, "pagefind_executable", real)
    run = site.build("--strict")
    assert run.code == 0 and "生成失败" not in run.err, run.err
    assert index.stat().st_ino != before                                         # indexed again
    assert "没有变化" in site.build("--strict").out                               # and recorded as done


def test_a_tree_that_lost_a_page_is_not_trusted_whatever_its_folder_times_say(site, user_cache):
    """The manifest is not trusted over the output: a page removed with its folder's mtime set
    back, or the whole tree swapped for a copy that lacks a page (with the same mtimes)."""
    import shutil

    out = site.root / "build"
    assert site.build().code == 0
    expected = tree(out)
    page = out / "nianbao/huajie/2023.html"

    def remove_quietly(page: Path) -> None:
        folder = page.parent.stat()
        page.unlink()
        os.utime(page.parent, ns=(folder.st_atime_ns, folder.st_mtime_ns))

    remove_quietly(page)
    assert site.build().code == 0 and tree(out) == expected
    copy = site.root / "copy"
    shutil.copytree(out, copy)                  # copystat: the copy's folders have the same mtimes
    remove_quietly(copy / "nianbao/huajie/2023.html")
    shutil.rmtree(out)
    copy.rename(out)
    assert site.build().code == 0 and tree(out) == expected


@pytest.mark.slow
def test_an_incremental_build_killed_while_moving_files_in_is_healed_by_the_next(site, tmp_path, user_cache):
    """The stated guarantee (README, 安全): a kill among an incremental build's renames may leave
    whole pages old and new side by side; the next build finds no manifest (removed before
    the first rename) and rebuilds everything, and removes what was left aside."""
    import signal
    import subprocess

    assert site.build().code == 0
    site.replace("content/reports/huajie/2023.yaml", "行政处罚: 365", "行政处罚: 366")   # several files change
    killed_after_two_moves = (
        "import os, signal, sys\n"
        "import generator.output.write as write\n"
        "real, moved = os.replace, []\n"
        "def replace(source, target):\n"
        "    real(source, target)\n"
        "    if '-pending-' in str(source):\n"
        "        moved.append(target)\n"
        "        if len(moved) == 2:\n"
        "            os.kill(os.getpid(), signal.SIGKILL)\n"
        "write.os.replace = replace\n"
        "from generator.cli import main\n"
        f"main(['build', '--site', {str(site.root)!r}])\n")
    process = subprocess.run([sys.executable, "-c", killed_after_two_moves], capture_output=True, text=True,
                             env={**os.environ, "PYTHONPATH": str(REPO)})
    assert process.returncode == -signal.SIGKILL, process.stderr
    assert list(site.root.glob(".build-pending-*")) and not list((site.root / ".gongkai-cache").glob("manifest-*"))
    run = site.build()
    assert run.code == 0 and "全部重新生成" in run.out, run.err
    assert generate("build", "--site", str(site.root), "--out", str(tmp_path / "clean")).code == 0
    assert tree(site.root / "build") == tree(tmp_path / "clean")
    assert not [p.name for p in site.root.iterdir() if p.name.startswith(".build-")]


def test_a_manifest_made_for_another_output_folder_is_not_taken(site, tmp_path, user_cache):
    """Authentic, but not this folder's: copied over this one's, it is ignored (a full build)."""
    assert site.build().code == 0
    assert site.build("--out", str(tmp_path / "other")).code == 0
    ours, other = sorted((site.root / ".gongkai-cache").glob("manifest-*.bin"), key=lambda p: p.stat().st_mtime_ns)
    ours.write_bytes(other.read_bytes())
    assert "全部重新生成" in site.build().out


def test_an_edit_reads_the_cold_fields_of_the_edited_unit_alone(tmp_path, monkeypatch):
    """A unit's files' signatures and its summaries are read from the manifest only when asked for:
    an edit asks for the edited unit's, not every unit's (a province has thousands). Right after
    a build, the folders it wrote are listed again and compared with their units' outputs."""
    root = tmp_path / "site"
    make_site(root, 12, years=1)
    narrative = root / "content/reports/dept-1/2025.md"
    for module in ("generator.content.loader", "generator.output.changes"):
        monkeypatch.setattr(f"{module}.SETTLED_NS", -1)     # the first build's folders all settled
    build(root)
    monkeypatch.undo()
    narrative.write_text(narrative.read_text(encoding="utf-8") + "\n本报告另附说明。\n", encoding="utf-8")
    build(root)                                                        # its folders not settled
    narrative.write_text(narrative.read_text(encoding="utf-8") + "\n再补充一句。\n", encoding="utf-8")
    read, cold = [], UnitRecord.__getattr__

    def reading(record, name):
        read.append(record.searchable[2025][0].split("/")[1])
        return cold(record, name)

    monkeypatch.setattr(UnitRecord, "__getattr__", reading)
    assert "更新了" in build(root).out
    assert read == ["dept-1"]
