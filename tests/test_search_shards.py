"""站内搜索 indexed from the model in shards (issue 20): an edit indexes only the overlay, and the
search then sees what a cold build's index holds; the overlay is folded into the shards when it
grows too large or a year is split anew; Pagefind is not started when nothing changed, and
always ended; a build that fails while it indexes leaves the index as it was; the results are
those of the index of the written pages, also through the overlay; a query on 2,000 reports of
one year completes (its time is printed, not asserted)."""

from __future__ import annotations

import errno
import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

import generator.build
import generator.output.search
from generator.output.pagefindservice import PagefindService
from generator.output.search import pagefind_executable
from helpers import (HUAJIE_PHRASE, NOT_THERE, REPO, build, generate, index_texts, indexed_pages, search,
                     search_results, searched_pages, served, unique_phrase)

sys.path.insert(0, str(REPO / "benchmarks"))
from synthetic import make_site  # noqa: E402


def listed(out: Path) -> dict:
    return json.loads((out / "pagefind/shards.json").read_text(encoding="utf-8"))


def shards(out: Path) -> dict[str, dict[str, str]]:
    """Shard -> URL -> the text Pagefind holds of each of its reports."""
    return {shard: index_texts(out / "pagefind" / shard) for shard in listed(out)["shards"]}


def stamps(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def one_year(tmp_path, monkeypatch) -> Path:
    """24 reports, all of 2025, in shards of about 4 (SHARD_SIZE is 160: the same split, smaller)."""
    monkeypatch.setattr(generator.output.search, "SHARD_SIZE", 4)
    root = tmp_path / "site"
    make_site(root, 24, years=1)
    return root


def cold(root: Path, tmp_path: Path) -> dict:
    out = tmp_path / "cold"
    shutil.rmtree(out, ignore_errors=True)
    build(root, out)
    assert listed(out)["overlay"] is None and listed(out)["replaced"] == []
    return shards(out)


def searched_cold(root: Path, tmp_path: Path) -> dict:
    return {url: text for pages in cold(root, tmp_path).values() for url, text in pages.items()}


def test_a_year_is_split_into_shards_each_of_a_few_reports(one_year, tmp_path):
    out = tmp_path / "out"
    build(one_year, out)
    found = shards(out)
    assert sorted(found) == [f"2025/{b:02d}" for b in range(8)]       # 24 / 4 = 6: the next power of two
    assert sum(len(pages) for pages in found.values()) == 24
    assert max(len(pages) for pages in found.values()) < 24 / 2


def test_an_edit_indexes_only_the_overlay_and_the_search_sees_a_cold_builds_index(one_year, tmp_path):
    out = tmp_path / "out"
    build(one_year, out)
    untouched = {rel: stamp for rel, stamp in stamps(out / "pagefind").items() if rel != "shards.json"}
    assert listed(out)["overlay"] is None and listed(out)["replaced"] == []
    narrative = one_year / "content/reports/dept-1/2025.md"
    narrative.write_text(narrative.read_text(encoding="utf-8") + "\n本年度新增“一网通办”专区。\n", encoding="utf-8")
    build(one_year, out)
    assert {rel: stamp for rel, stamp in stamps(out / "pagefind").items()
            if not rel.startswith(("overlay/", "shards.json"))} == untouched                # no shard indexed again
    assert listed(out) == {"shards": [f"2025/{b:02d}" for b in range(8)], "overlay": "overlay",
                           "replaced": ["/nianbao/dept-1/2025.html"]}
    overlay = index_texts(out / "pagefind/overlay")
    assert list(overlay) == ["/nianbao/dept-1/2025.html"] and "一网通办" in overlay[list(overlay)[0]].replace("\u200b", "")
    assert searched_pages(out) == searched_cold(one_year, tmp_path)
    edit(one_year, "dept-2")                                          # the overlay grows
    build(one_year, out)
    assert listed(out)["replaced"] == ["/nianbao/dept-1/2025.html", "/nianbao/dept-2/2025.html"]
    assert searched_pages(out) == searched_cold(one_year, tmp_path)


def test_a_removed_report_leaves_the_index_at_once_its_shard_indexed_again(one_year, tmp_path):
    """What is withdrawn must not stay in the published index, even unseen: the removed report's
    shard is indexed again (a fold of that shard alone), and the overlay keeps the other edits."""
    out = tmp_path / "out"
    build(one_year, out)
    edit(one_year)
    build(one_year, out)
    folds = [shard for shard, pages in shards(out).items() if "/nianbao/dept-2/2025.html" in pages]
    for name in ("2025.md", "2025.yaml"):
        (one_year / "content/reports/dept-2" / name).unlink()
    build(one_year, out)
    after = shards(out)
    assert not [shard for shard, pages in after.items() if "/nianbao/dept-2/2025.html" in pages]
    assert after[folds[0]] == cold(one_year, tmp_path)[folds[0]]
    assert listed(out)["replaced"] == ["/nianbao/dept-1/2025.html"]       # in another shard than dept-2
    assert searched_pages(out) == searched_cold(one_year, tmp_path)


def test_an_overlay_grown_past_its_limit_is_folded_into_the_shards(one_year, tmp_path, monkeypatch):
    """Two reports edited with room for one: the shards of both are indexed again, each as a cold
    build's, and the overlay is gone; its pages are no longer replaced."""
    monkeypatch.setattr(generator.output.search, "OVERLAY_LIMIT", 1)
    out = tmp_path / "out"
    build(one_year, out)
    edit(one_year)
    build(one_year, out)
    assert listed(out)["overlay"] == "overlay"
    edit(one_year, "dept-2")
    build(one_year, out)
    assert listed(out)["overlay"] is None and listed(out)["replaced"] == []
    assert not (out / "pagefind/overlay").exists()
    assert shards(out) == cold(one_year, tmp_path)


def test_search_records_no_longer_named_are_swept(one_year, tmp_path):
    out = tmp_path / "out"
    build(one_year, out)
    records = next((one_year / ".gongkai-cache").glob("search-*"))
    count = len(list(records.iterdir()))
    narrative = one_year / "content/reports/dept-1/2025.md"
    narrative.write_text(narrative.read_text(encoding="utf-8") + "\n新增的一句。\n", encoding="utf-8")
    build(one_year, out)
    assert len(list(records.iterdir())) == count


@pytest.fixture
def services(monkeypatch) -> SimpleNamespace:
    """Every Pagefind service the builds start (`started`), the URLs of each add (`added`), an
    event set when one has given an index's files (`written`) and the services that did (`writers`)."""
    seen = SimpleNamespace(started=[], added=[], written=threading.Event(), writers=[])

    class Counted(PagefindService):
        def __init__(self, executable: str):
            super().__init__(executable)
            seen.started.append(self)

        def add(self, index_id: int, pages: list[tuple[str, bytes]]) -> None:
            seen.added.append(sorted(url for url, _ in pages))
            super().add(index_id, pages)

        def files(self, index_id: int) -> dict[str, bytes]:
            files = super().files(index_id)
            seen.writers.append(self)
            seen.written.set()
            return files

    monkeypatch.setattr(generator.output.search, "PagefindService", Counted)
    return seen


def edit(root: Path, unit_id: str = "dept-1") -> None:
    narrative = root / f"content/reports/{unit_id}/2025.md"
    narrative.write_text(narrative.read_text(encoding="utf-8") + "\n新增的一句。\n", encoding="utf-8")


def test_pagefind_indexes_only_after_an_edit_and_is_always_ended(one_year, tmp_path, services):
    """A full build indexes its 8 shards by two services at once (INDEXERS), both ended. A build with
    a manifest starts Pagefind at once (its dictionaries load while the manifest is read); with
    nothing changed it indexes nothing and is killed, not waited for."""
    out = tmp_path / "out"
    build(one_year, out)
    assert len(services.started) == generator.output.search.INDEXERS == 2
    assert all(service.process.returncode is not None for service in services.started)
    assert sum(map(len, services.added)) == 24                      # each report once, in one lane or the other
    services.written.clear()
    services.added.clear()
    build(one_year, out)
    assert not services.written.is_set() and all(urls == ["/"] for urls in services.added)   # the warm-up alone
    edit(one_year)
    build(one_year, out)
    assert services.written.is_set() and ["/nianbao/dept-1/2025.html"] in services.added
    assert all(service.process.returncode is not None for service in services.started)     # ended and waited for


def test_pagefind_started_early_is_killed_as_soon_as_the_build_knows_it_has_nothing_to_index(one_year, tmp_path,
                                                                                          services, monkeypatch):
    out = tmp_path / "out"
    build(one_year, out)
    real, ended, cold_services = generator.build.process_units, [], len(services.started)

    def processing(*args):
        ended.extend(service.process.wait(timeout=10) for service in services.started[cold_services:])
        return real(*args)

    monkeypatch.setattr(generator.build, "process_units", processing)
    build(one_year, out)                                   # nothing changed
    # killed before the units would be processed; or, started by its thread only after the plan
    # (a race the thread may lose), killed by the thread itself
    assert all(code is not None for code in ended)
    assert all(service.process.wait(timeout=10) is not None for service in services.started)
    shutil.rmtree(out / "pagefind" / "2025" / "00")         # a shard to index after all
    build(one_year, out)
    assert (out / "pagefind" / "2025" / "00" / "pagefind-entry.json").stat().st_size > 0
    assert shards(out) == cold(one_year, tmp_path)


def test_a_service_killed_as_unneeded_is_not_used_even_before_it_has_exited(one_year, tmp_path, services,
                                                                            monkeypatch):
    """Nothing changed but a shard's folder is gone. The plan kills the service started early and
    does not wait for it, so it may still run for a moment; the shard is indexed by a new one."""
    out = tmp_path / "out"
    build(one_year, out)
    real, killed = subprocess.Popen.kill, []

    def late(process):                       # the kill lands a second later: poll() says it runs meanwhile
        killed.append(process)
        threading.Timer(1.0, real, args=(process,)).start()

    monkeypatch.setattr(subprocess.Popen, "kill", late)
    shutil.rmtree(out / "pagefind" / "2025" / "00")
    build(one_year, out)
    assert (out / "pagefind" / "2025" / "00" / "pagefind-entry.json").stat().st_size > 0
    assert services.writers and not [writer for writer in services.writers if writer.process in killed]


def test_pagefind_started_early_is_ended_when_the_build_fails(one_year, tmp_path, services):
    out = tmp_path / "out"
    build(one_year, out)
    (one_year / "content/reports/dept-1/2025.yaml").write_text("行政处罚: [\n", encoding="utf-8")
    run = generate("build", "--site", str(one_year), "--out", str(out))
    assert run.code == 1 and "内部错误" not in run.err, run.err
    # started as the unit was processed, unless the build failed before the thread got to it
    assert all(service.process.returncode is not None for service in services.started)


def test_nothing_is_indexed_when_the_processed_units_search_records_are_as_they_were(site, services):
    """A number edited: the unit is processed, but its report's search record (its text, not its
    tables) is as it was, so no shard changes: Pagefind, started and fed early, indexes nothing
    and is ended."""
    assert site.build().code == 0
    services.written.clear()
    site.replace("content/reports/huaian/2024.yaml", "行政处罚: 3985758", "行政处罚: 3985759")
    assert site.build().code == 0
    assert not services.written.is_set()
    assert all(service.process.returncode is not None for service in services.started)


def test_a_year_split_anew_folds_the_overlay_into_a_cold_builds_shards(tmp_path, monkeypatch, services):
    """16 reports of 2025 in 4 shards, dept-1 edited (in the overlay); then a 17th report: the year
    is split into 8 shards, all indexed again as a cold build's, and the overlay is dropped."""
    monkeypatch.setattr(generator.output.search, "SHARD_SIZE", 4)
    root = tmp_path / "site"
    make_site(root, 17, years=1)
    late, aside = root / "content/reports/dept-16", tmp_path / "aside"
    shutil.move(late, aside)
    out = tmp_path / "out"
    build(root, out)
    assert sorted(shards(out)) == [f"2025/{b:02d}" for b in range(4)]
    edit(root)
    build(root, out)
    assert listed(out)["replaced"] == ["/nianbao/dept-1/2025.html"]
    shutil.move(aside, late)
    build(root, out)
    assert listed(out)["overlay"] is None and not (out / "pagefind/overlay").exists()
    assert sorted(shards(out)) == [f"2025/{b:02d}" for b in range(8)]
    assert shards(out) == cold(root, tmp_path)


def test_a_build_that_fails_while_it_indexes_leaves_the_index_as_it_was(one_year, tmp_path, services, monkeypatch):
    out = tmp_path / "out"
    build(one_year, out)
    before = stamps(out / "pagefind")
    edit(one_year)
    services.written.clear()                          # set by the first build's indexes
    real = generator.build.stage_manifest

    def full_disk(*args):
        assert services.written.wait(60)              # the overlay is written beside the output
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(generator.build, "stage_manifest", full_disk)
    run = generate("build", "--site", str(one_year), "--out", str(out))
    assert run.code == 1 and "保持原样" in run.err and "内部错误" not in run.err, run.err
    assert stamps(out / "pagefind") == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out-")] == []     # the scratch removed
    assert all(service.process.returncode is not None for service in services.started)
    monkeypatch.setattr(generator.build, "stage_manifest", real)
    build(one_year, out)
    assert searched_pages(out) == searched_cold(one_year, tmp_path)


def test_a_build_stopped_after_its_commit_leaves_the_next_one_to_index_what_it_did_not(one_year, tmp_path,
                                                                                      monkeypatch):
    """Stopped (Ctrl-C) between the commit and the swap: the pages are new, the index is as it was,
    and the manifest staged before the commit records no overlay and only the shards still as they
    are: the next build folds, and the search sees a cold build's index."""
    out = tmp_path / "out"
    build(one_year, out)
    edit(one_year)
    build(one_year, out)
    edit(one_year, "dept-2")
    real = generator.output.search.ShardIndex.swap_in

    def stopped(self, problems):
        raise KeyboardInterrupt

    monkeypatch.setattr(generator.output.search.ShardIndex, "swap_in", stopped)
    assert generate("build", "--site", str(one_year), "--out", str(out)).code != 0
    assert listed(out)["replaced"] == ["/nianbao/dept-1/2025.html"]             # the index as it was
    monkeypatch.setattr(generator.output.search.ShardIndex, "swap_in", real)
    build(one_year, out)
    assert listed(out)["overlay"] is None
    assert shards(out) == cold(one_year, tmp_path)


def test_an_edit_undone_empties_the_overlay(one_year, tmp_path):
    """The report is again as its shard holds it: nothing is replaced, and no shard is indexed."""
    out = tmp_path / "out"
    build(one_year, out)
    narrative = one_year / "content/reports/dept-1/2025.md"
    original = narrative.read_bytes()
    untouched = {rel: stamp for rel, stamp in stamps(out / "pagefind").items() if rel != "shards.json"}
    edit(one_year)
    build(one_year, out)
    narrative.write_bytes(original)
    build(one_year, out)
    assert listed(out)["overlay"] is None and listed(out)["replaced"] == []
    assert not (out / "pagefind/overlay").exists()
    assert {rel: stamp for rel, stamp in stamps(out / "pagefind").items() if rel != "shards.json"} == untouched


def test_a_full_build_indexes_while_it_writes_the_rest_and_a_failure_leaves_nothing(one_year, tmp_path, services,
                                                                                 monkeypatch):
    """A cold build's shards are indexed by a thread, beside the output, while the listings and the
    open data are written: a shard is done before the manifest is staged; a build failing then
    leaves no output, no scratch folder and no Pagefind running."""
    out = tmp_path / "out"
    real = generator.build.stage_manifest
    real_listings = generator.build._write_site_files

    def listings(*args):
        assert services.written.wait(30)                # a shard indexed before the listings are written
        return real_listings(*args)

    def full_disk(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(generator.build, "_write_site_files", listings)
    monkeypatch.setattr(generator.build, "stage_manifest", full_disk)
    run = generate("build", "--site", str(one_year), "--out", str(out))
    assert run.code == 1 and "保持原样" in run.err and "内部错误" not in run.err, run.err
    assert services.written.is_set() and not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out-")] == []
    assert all(service.process.returncode is not None for service in services.started)
    monkeypatch.setattr(generator.build, "stage_manifest", real)
    build(one_year, out)
    assert shards(out) == cold(one_year, tmp_path) and len(shards(out)) == 8


def test_a_record_gone_from_the_cache_fails_only_its_shard_and_the_next_build_tries_it_again(one_year, tmp_path,
                                                                                            monkeypatch):
    monkeypatch.setattr(generator.output.search, "OVERLAY_LIMIT", 0)     # an edit folds: its shard is indexed
    out = tmp_path / "out"
    build(one_year, out)
    edited = next(shard for shard, pages in shards(out).items() if "/nianbao/dept-1/2025.html" in pages)
    untouched = stamps(out / "pagefind" / edited)
    for record in next((one_year / ".gongkai-cache").glob("search-*")).iterdir():
        record.unlink()
    edit(one_year)
    failed = f"站内搜索索引（2025 年度第 {edited[-2:]} 组）生成失败"
    assert failed in build(one_year, out).err
    assert stamps(out / "pagefind" / edited) == untouched
    assert failed in build(one_year, out).err                         # not recorded as indexed: tried again
    shutil.rmtree(one_year / ".gongkai-cache")                          # as the warning says
    build(one_year, out)
    assert shards(out) == cold(one_year, tmp_path)


def test_an_overlay_that_fails_leaves_the_index_as_it_was_and_its_shards_are_indexed_next(one_year, tmp_path):
    """dept-1 edited (the overlay holds it), then its record gone from the cache and dept-2 edited:
    the overlay cannot be indexed, so pagefind/ stays as it was, with a warning; the next build
    folds (its shards cannot be indexed either without the records, and say so) until the cache
    is deleted, as the warning says."""
    out = tmp_path / "out"
    build(one_year, out)
    edit(one_year)
    build(one_year, out)
    before = stamps(out / "pagefind")
    for record in next((one_year / ".gongkai-cache").glob("search-*")).iterdir():
        record.unlink()
    edit(one_year, "dept-2")
    run = build(one_year, out)
    assert "站内搜索索引（最近修改的报告）生成失败" in run.err, run.err
    assert stamps(out / "pagefind") == before
    assert "站内搜索索引（2025 年度第" in build(one_year, out).err             # not recorded as indexed: tried again
    shutil.rmtree(one_year / ".gongkai-cache")
    build(one_year, out)
    assert shards(out) == cold(one_year, tmp_path)


def test_the_index_holds_what_pagefind_took_from_the_written_pages(built_example, tmp_path):
    """The records from the model hold, word for word, what Pagefind indexed of the pages."""
    assert indexed_pages(built_example) == indexed_pages(pages_indexed(built_example, tmp_path / "pages"))


# --- in the browser -------------------------------------------------------------------------------

def pages_indexed(built: Path, copy: Path) -> Path:
    """A copy of the built site whose index is made as before issue 20: Pagefind on the written
    report pages, one index per year (listed in shards.json, which the search page reads)."""
    shutil.copytree(built, copy)
    shutil.rmtree(copy / "pagefind")
    years = sorted({int(page.stem) for page in (copy / "nianbao").glob("*/[0-9][0-9][0-9][0-9].html")}, reverse=True)
    for year in years:
        subprocess.run([pagefind_executable(), "--site", str(copy), "--glob", f"nianbao/*/{year}.html",
                        "--output-path", str(copy / "pagefind" / str(year)), "--silent"], check=True)
    listing = {"shards": [str(year) for year in years], "overlay": None, "replaced": []}
    (copy / "pagefind/shards.json").write_text(json.dumps(listing), encoding="utf-8")
    return copy


QUERIES = [("行政处罚", "", ""), ("依申请", "", ""), ("依申请", "2023", ""), ("依申请", "", "本级政府"),
           ("航天飞机", "", ""), *((term, "", "") for term in NOT_THERE), (HUAJIE_PHRASE, "", ""),
           ("信息处理费", "", ""), ("不予公开", "", ""), ("本机关不掌握相关政府信息", "", ""), ("掌上永康", "", ""),
           ("花街镇 2023", "", "")]


@pytest.mark.browser
def test_the_results_are_those_of_the_index_of_the_written_pages(page, built_example, tmp_path):
    def answers(folder: Path) -> list:
        with served(folder) as url:
            return [(search(page, url, term, year, kind)[0], search_results(page)) for term, year, kind in QUERIES]

    now = answers(built_example)
    assert answers(pages_indexed(built_example, tmp_path / "pages")) == now
    assert any(results for _, results in now) and any(not results for _, results in now)


@pytest.mark.browser
@pytest.mark.slow
def test_a_query_on_2000_reports_of_one_year_completes(page, tmp_path_factory):
    root = tmp_path_factory.mktemp("one_year_2000") / "site"
    make_site(root, 2000, years=1)
    build(root, root / "build")
    assert len(listed(root / "build")["shards"]) > 1
    phrase, report = unique_phrase(root)
    with served(root / "build") as url:
        started = time.perf_counter()
        said, links = search(page, url, "不予公开")        # the page loads, merges every shard, searches
        first = time.perf_counter() - started
        started = time.perf_counter()
        _, found = search(page, url, phrase)
        second = time.perf_counter() - started
    assert len(links) == 50 and "可能还有更多" in said
    assert found[0] == report
    print(f"\n2,000 reports of one year, each query on a new page (load, merge of the shards, search, "
          f"checking the results): a row name {first:.2f} s, a phrase {second:.2f} s")


@pytest.mark.browser
def test_the_search_page_takes_an_edited_report_from_the_overlay_alone(page, tmp_path):
    """Its shard still holds the report as it was: the sentence taken out finds nothing, the new one
    finds it, and a word both versions hold lists it once."""
    root = tmp_path / "site"
    make_site(root, 24, years=1)
    build(root, root / "build")
    phrase, report = unique_phrase(root)
    narrative = root / "content/reports" / report.replace("/nianbao/", "").replace(".html", ".md")
    new = "本年度新增政务公开专区无障碍阅读服务"
    narrative.write_text(narrative.read_text(encoding="utf-8").replace(phrase, new), encoding="utf-8")
    build(root, root / "build")
    assert listed(root / "build")["replaced"] == [report]
    with served(root / "build") as url:
        assert search(page, url, new)[1] == [report]
        said, found = search(page, url, phrase)
        assert found == [] and "未找到" in said
        _, found = search(page, url, "依申请")
    assert found.count(report) == 1 and len(found) == 24
