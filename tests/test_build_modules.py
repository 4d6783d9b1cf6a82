"""The build's parts on their own: the manifest stored by field name, a unit processed from
its context alone (inherited by forked workers, never pickled), and modules a newcomer can read."""

from __future__ import annotations

import hmac
import marshal
import os
import shutil
import signal
import sys
import threading
from dataclasses import fields, replace
from pathlib import Path

import pytest

from helpers import REPO, snapshot
from generator.build import build_site
from generator.content.loader import read_inputs
from generator.core.model import Unit
from generator.output import manifest as manifest_module
from generator.output.cache import CACHE_DIR, cache_key
from generator.output.manifest import MANIFEST_FORMAT, Manifest, UnitRecord, read_manifest, write_manifest
from generator.output.workers import UnitPass, WorkerLost, process_unit, process_units
from generator.output.write import write_atomically
from generator.problems import ERROR, WARNING, Problem, Problems
from generator.render.pages import Renderer

sys.path.insert(0, str(REPO / "benchmarks"))
from synthetic import make_site  # noqa: E402



@pytest.fixture
def user_key(tmp_path, monkeypatch):
    """The manifest's key in a user cache folder of this test's own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))


def a_manifest() -> Manifest:
    warning = Problem(WARNING, "content/a/2023.yaml", 3, "说明", "R5")
    record = UnitRecord({"content/a/2023.yaml": (1, 2, "ab")}, [("a", 2023)], ["nianbao/a/2023.html"], (1, 2),
                        [warning], open_data="od", searchable={2023: "s"})
    unit = Unit("a", "甲单位", "部门", None, None, 1, None, "content/units.yaml", 4)
    return Manifest("key", {"site.yaml": "g"}, {"a": record}, listing="l", open_data="o", search={2023: "s"},
                    site_outputs={"index.html"}, unit_list=("sha", {"a": unit}, [warning]),
                    listings=("/site", {"a": (5, {})}), folders={"nianbao": (1, 2, True)}, fragments=(3, 4, False))


def stored_payload(root: Path):
    (path,) = (root / ".gongkai-cache").glob("manifest-*.bin")
    return marshal.loads(path.read_bytes()[32:])      # after the HMAC


def test_the_manifest_is_stored_by_field_name_and_read_back_by_name(tmp_path, user_key):
    root, out = tmp_path / "site", tmp_path / "out"
    manifest = a_manifest()
    write_manifest(root, out, manifest)
    stored = stored_payload(root)
    assert stored.keys() == {f.name for f in fields(Manifest)} - {"signature"} | {"format"}
    assert stored["format"] == MANIFEST_FORMAT
    record = marshal.loads(stored["units"]["a"])
    assert record.keys() == {f.name for f in fields(UnitRecord)} - set(manifest_module.COLD_FIELDS) | {"cold"}
    assert marshal.loads(record["cold"]).keys() == set(manifest_module.COLD_FIELDS)
    assert stored["unit_list"][1]["a"]["name"] == "甲单位" and stored["unit_list"][2][0]["rule"] == "R5"

    again = read_manifest(root, out)
    assert "inputs" not in again.units["a"].__dict__          # the cold fields are read when first asked for
    for name in (f.name for f in fields(Manifest)):
        assert getattr(again, name) == getattr(manifest, name), name


def test_a_manifest_of_the_positional_format_is_not_read(tmp_path, user_key):
    """The format before MANIFEST_FORMAT 7, a tuple, properly signed: a full build, not a crash."""
    root, out = tmp_path / "site", tmp_path / "out"
    write_manifest(root, out, a_manifest())
    path = manifest_module.manifest_path(root, out)
    payload = marshal.dumps((6, "key", {}, "", "", {}, [], ("", {}), {}, None, ("", {}, []), {}))
    mac = hmac.new(cache_key(), os.fsencode(path) + b"\0" + payload, "sha256").digest()   # as the build signs
    path.write_bytes(mac + payload)
    assert read_manifest(root, out) is None


def test_a_unit_record_read_and_kept_is_saved_as_the_bytes_it_was_read_from(tmp_path, user_key, monkeypatch):
    root, out = tmp_path / "site", tmp_path / "out"
    write_manifest(root, out, a_manifest())
    record = read_manifest(root, out).units["a"]
    dumped = []
    real_dumps = marshal.dumps
    monkeypatch.setattr(manifest_module.marshal, "dumps", lambda value: dumped.append(value) or real_dumps(value))
    assert marshal.loads(record.stored())["open_data"] == "od" and dumped == []


def test_the_folder_stamps_are_kept_apart_and_only_for_the_main_file_they_follow(tmp_path, user_key):
    root, out = tmp_path / "site", tmp_path / "out"
    write_manifest(root, out, a_manifest())
    assert read_manifest(root, out).folders == {"nianbao": (1, 2, True)}
    after = manifest_module.manifest_path(root, out).with_suffix(".after")
    kept = after.read_bytes()
    write_manifest(root, out, replace(a_manifest(), listing="another build's"))
    after.write_bytes(kept)                               # authentic, but it follows the first main file
    again = read_manifest(root, out)
    assert again.listing == "another build's" and again.folders == {} and again.fragments is None
    after.write_bytes(b"\0" * 40)                         # unreadable: the main file alone
    assert read_manifest(root, out).listing == "another build's"


def test_an_edit_saves_the_main_manifest_file_once_and_a_no_change_build_not_at_all(site, user_key, monkeypatch):
    assert site.build().code == 0
    main = next((site.root / ".gongkai-cache").glob("manifest-*.bin"))
    written = []
    for name in ("write_aside", "write_atomically"):
        real = getattr(manifest_module, name)
        monkeypatch.setattr(manifest_module, name, lambda path, data, real=real: written.append(path.suffix)
                            or real(path, data))
    site.write("content/reports/huajie/2023.md", site.read("content/reports/huajie/2023.md") + "\n新加的一句话，只改正文。\n")
    assert site.build().code == 0
    assert written == [".bin", ".after"]                  # staged before the commit, then the stamps
    written.clear()
    assert site.build().code == 0 and written == []
    assert read_manifest(site.root, site.root / "build").signature == main.read_bytes()[:32]


def test_a_file_written_atomically_never_writes_through_a_link(tmp_path):
    target, outside = tmp_path / "cache" / "a.csv", tmp_path / "outside.txt"
    outside.write_bytes(b"keep")
    write_atomically(target, b"one")                      # its folder is made
    assert target.read_bytes() == b"one"
    leftover = target.with_name(".a.csv.tmp")
    leftover.symlink_to(outside)                          # planted at the temporary name (or left by a kill)
    write_atomically(target, [b"tw", b"o"])
    assert target.read_bytes() == b"two" and not leftover.exists() and not leftover.is_symlink()
    target.unlink()
    target.symlink_to(outside)                            # planted at the name itself: replaced, not followed
    write_atomically(target, b"three")
    assert not target.is_symlink() and target.read_bytes() == b"three" and outside.read_bytes() == b"keep"


def unit_pass(root: Path, problems: Problems) -> UnitPass:
    config, units, files = read_inputs(root, problems)
    return UnitPass(root, units, files, Renderer(root, config, units, problems), None, indexed=False)


def test_a_unit_is_processed_from_its_context_alone(site):
    problems = Problems()
    work = unit_pass(site.root, problems)
    outcome = process_unit(work, "huajie")
    assert outcome.unit_id == "huajie" and outcome.record.reports >= 1
    assert "nianbao/huajie/2023.html" in outcome.record.outputs
    assert not [p for p in outcome.problems if p.level == ERROR] and not outcome.written   # nothing written: a check


def test_forked_workers_inherit_the_context_and_never_pickle_it(tmp_path, monkeypatch):
    root = tmp_path / "site"
    make_site(root, 60)                # above PARALLEL_FROM: the pool is used
    problems = Problems()
    work = unit_pass(root, problems)

    def refuse(*args):
        raise AssertionError("the UnitPass was pickled")

    monkeypatch.setattr(UnitPass, "__reduce_ex__", refuse, raising=False)
    real, pids = process_unit, tmp_path / "pids"
    pids.mkdir()

    def noted(work, unit_id):
        (pids / str(os.getpid())).touch()
        return real(work, unit_id)

    monkeypatch.setattr("generator.output.workers.process_unit", noted)
    manifest = Manifest("", {})
    process_units(work, list(work.files), manifest, problems, jobs=2, progress=None)
    assert manifest.units.keys() == work.files.keys() and not problems.errors
    assert {p.name for p in pids.iterdir()} - {str(os.getpid())}, "no worker process was used"


@pytest.mark.slow
def test_a_worker_killed_fails_the_build_and_leaves_the_output_as_it_was(tmp_path, monkeypatch):
    # multiprocessing.Pool waited forever for the units of a worker the kernel had killed.
    root, out = tmp_path / "site", tmp_path / "out"
    make_site(root, 60)                # above PARALLEL_FROM: the pool is used
    (root / "site.yaml").write_text((root / "site.yaml").read_text(encoding="utf-8") + "站内搜索: false\n",
                                    encoding="utf-8")
    build_site(root, out, jobs=2)
    before = snapshot(out)
    shutil.rmtree(root / CACHE_DIR)      # the next build is a full one, in parallel
    doomed = sorted(p.name for p in (root / "content" / "reports").iterdir())[5]
    real = process_unit

    def killed_on(work, unit_id):
        if unit_id == doomed:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(work, unit_id)

    monkeypatch.setattr("generator.output.workers.process_unit", killed_on)
    outcome = []
    thread = threading.Thread(target=lambda: outcome.append(_raised(build_site, root, out, jobs=2)), daemon=True)
    thread.start()
    thread.join(120)
    assert not thread.is_alive(), "the build waits forever for the killed worker"
    assert isinstance(outcome[0], WorkerLost) and "--jobs 1" in str(outcome[0])
    assert snapshot(out) == before
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".out-")], "a staging folder was left"


def _raised(function, *args, **kwargs) -> BaseException | None:
    try:
        function(*args, **kwargs)
    except BaseException as exc:
        return exc
    return None
