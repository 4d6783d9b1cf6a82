"""Change detection: what differs between the site now and the last good build's manifest.

Finding out that nothing changed costs a stat per input file and per folder, and no more:
a unit whose files have the mtimes and sizes of last time (and whose folder was not listed
again) is kept as it was; a file whose stat changed is hashed, so a touched but unedited
file renders nothing. Output folders are listed only when their stamp (inode and ctime)
changed. site.yaml, units.yaml, templates and the generator version are part of the
manifest's key (global_inputs), so changing any of them rebuilds everything.
"""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path

from generator.content.loader import SETTLED_NS, ReportFiles, members_in
from generator.inputs.config import UNITS_FILE
from generator.inputs.source import MAX_ASSET_BYTES, Signature, file_signature, sha256, signature_of_read
from generator.output.manifest import Manifest
from generator.output.opendata import fragments_complete
from generator.problems import Problems
from generator.render.pages import Renderer


def plan(root: Path, units: dict, files: dict, previous: Manifest, manifest: Manifest, problems: Problems
         ) -> tuple[list[str], list[str]]:
    """Which units to process, and which input files changed; unchanged units are kept as they
    were (their records put into `manifest`, their warnings into `problems`)."""
    todo, changed = [], []
    members = members_in(units, files)
    listings, root_before = manifest.listings[1], previous.listings[0] == manifest.listings[0]

    def listed_as_before(unit_id: str) -> bool:
        """Its folder was not listed again (or it has none): the same files as last time."""
        entry = listings.get(unit_id)
        if entry is None:
            return not files.get(unit_id)
        return root_before and entry is previous.listings[1].get(unit_id)

    for unit_id, unit_files in files.items():
        old = previous.units.get(unit_id)
        if old is None:
            todo.append(unit_id)
            changed += [os.path.relpath(path, root) for path in input_paths([unit_files])]
            continue
        unit_members = members(units[unit_id])
        inputs_files = [unit_files] + [member_files for _, member_files in unit_members]
        stats = input_stats(inputs_files)
        if stats == old.stats and all(map(listed_as_before, [unit_id] + [m.id for m, _ in unit_members])):
            manifest.units[unit_id] = old
            problems.items.extend(old.warnings)
            continue
        inputs = input_signature(root, inputs_files, old.inputs)
        if _contents(inputs) == _contents(old.inputs):      # touched, not edited: nothing to render
            manifest.units[unit_id] = replace(old, inputs=inputs, stats=stats)
            problems.items.extend(old.warnings)
        else:
            todo.append(unit_id)
            changed += differences(_contents(old.inputs), _contents(inputs))
    changed += [k for u, r in previous.units.items() if u not in files for k in r.inputs]   # removed
    return todo, changed


# --- a unit's input files ----------------------------------------------------------------------

def input_signature(root: Path, inputs: list[ReportFiles], known: dict[str, Signature], just_read: bool = False
                    ) -> dict[str, Signature]:
    """(mtime_ns, size, sha256) of a unit's files (and its members', which a 汇总 report sums),
    by path relative to `root`; a file whose stat is unchanged keeps its hash (`known`, from
    the last build).

    just_read: the unit was just loaded, so take the signatures of the bytes it was built from.
    """
    signature = {}
    prefix = len(str(root)) + 1          # the files are root / ...: string slicing beats relative_to
    for path in input_paths(inputs):
        rel = str(path)[prefix:].replace(os.sep, "/")
        old = known.get(rel)
        current = signature_of_read(path) if just_read else None
        if current is None:
            stat = os.stat(path)
            if old is not None and old[:2] == (stat.st_mtime_ns, stat.st_size):
                signature[rel] = old
                continue
            current = file_signature(path, stat, limit=MAX_ASSET_BYTES)   # a report's own files are larger
        signature[rel] = current
    return signature


def input_stats(inputs: list[ReportFiles], signature: dict[str, Signature] | None = None, root: Path | None = None
                ) -> tuple[int, ...]:
    """The files' mtimes and sizes, in the order listed: the same as last time (and the same
    files listed), the unit is unchanged without reading a file. From a stat of each, or
    from the signature of the bytes just read (with the root it is relative to)."""
    stats = []
    if signature is None:
        for path in input_paths(inputs):
            try:
                stat = os.stat(path)
            except OSError:
                return ()                  # gone since it was listed: the signature will say so
            stats += (stat.st_mtime_ns, stat.st_size)
    else:
        prefix = len(str(root)) + 1
        for path in input_paths(inputs):
            stats += signature[path[prefix:].replace(os.sep, "/")][:2]
    return tuple(stats)


def input_paths(inputs: list[ReportFiles]):
    """Every data and narrative file of these units, and their reports' own files, year by
    year, in the order listed."""
    for files in inputs:
        for year in files.values():
            yield from year["data"]
            yield from year["narrative"]
            yield from year.get("files", ())


def _contents(signature: dict[str, Signature]) -> dict[str, str]:
    return {rel: digest for rel, (_, _, digest) in signature.items()}


def differences(old: dict, new: dict) -> list[str]:
    """The keys whose values differ, or that only one of the two has."""
    return [k for k in old.keys() | new.keys() if old.get(k) != new.get(k)]


# --- the site's global inputs ------------------------------------------------------------------

def global_inputs(root: Path, renderer: Renderer) -> dict[str, str]:
    """Everything that shapes every page: site.yaml, units.yaml and all templates."""
    found = {}
    for rel in ("site.yaml", "content/units.yaml"):
        path = root / rel
        found[rel] = sha256(path.read_bytes()) if path.is_file() else ""
    for directory in renderer.template_dirs:
        shown = "templates" if directory == (root / "templates").resolve() else "（默认模板）"
        for path in sorted(directory.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                found[f"{shown}/{path.relative_to(directory).as_posix()}"] = sha256(path.read_bytes())
    return found


def cached_units(root: Path, previous: Manifest | None, problems: Problems) -> dict | None:
    """units.yaml as the last good build parsed it, when its bytes are the same (a
    province has thousands of units: parsing them was half of a no-change rebuild);
    None to parse it."""
    path = root / UNITS_FILE
    if previous is not None and path.is_file():
        sha, units, warnings = previous.unit_list
        if sha and sha == file_signature(path)[2]:
            problems.items.extend(warnings)
            return units
    return None


# --- the output --------------------------------------------------------------------------------

def stale_outputs(previous: Manifest, manifest: Manifest, todo: list[str]) -> set[str]:
    """What the last build wrote and this one does not. Only the processed units, the units
    gone and the site's own files can differ: every other unit kept its record."""
    old, new = set(previous.site_outputs), set(manifest.site_outputs)
    for unit_id in todo:
        if unit_id in previous.units:
            old.update(previous.units[unit_id].outputs)
        new.update(manifest.units[unit_id].outputs)
    for unit_id in previous.units.keys() - manifest.units.keys():
        old.update(previous.units[unit_id].outputs)
    return old - new


def folder_stamps(out: Path, manifest: Manifest, previous: Manifest | None, todo: list[str]) -> dict[str, tuple]:
    """The stamp (see stamp) of every folder the build wrote into. After an incremental build,
    only the folders it could have changed, and those not settled last time, are looked at again."""
    if previous is None or not previous.folders:
        paths = manifest.outputs()
        times = {}
    else:
        paths = set(manifest.site_outputs)
        for unit_id in set(todo) | (previous.units.keys() - manifest.units.keys()):
            for record in (previous.units.get(unit_id), manifest.units.get(unit_id)):
                paths.update(record.outputs if record is not None else ())
        times = dict(previous.folders)
        paths.update(f"{folder}/" for folder, (_, _, settled) in times.items() if not settled)
    for folder in sorted({path.rpartition("/")[0] for path in paths}):
        folder_stamp = stamp(f"{out}/{folder}" if folder else str(out))
        if folder_stamp is None:
            times.pop(folder, None)
        else:
            times[folder] = folder_stamp
    return times


def outputs_intact(out: Path, manifest: Manifest) -> bool:
    """Every file the last build wrote is still there.

    Certainly so for a folder that is the same folder (its inode: not a tree swapped in
    whole) and whose ctime is as the build left it: adding, removing or renaming an entry
    sets the ctime (so does setting the mtime back, which is why mtimes are not trusted).
    A stamp is in the clock's tick, though: a change in the same tick as the build's last
    one leaves it equal. So a folder changed within SETTLED_NS of its recording is listed
    (usually the few the last build changed); a stamp that differs means one listing of the
    whole output, after which the stamps are taken afresh."""
    unsettled = []
    for folder, (inode, ctime, settled) in manifest.folders.items():
        folder_stamp = stamp(f"{out}/{folder}" if folder else str(out))
        if folder_stamp is None or folder_stamp[:2] != (inode, ctime):
            break
        if not settled:
            unsettled.append(folder)
    else:
        if manifest.folders:
            return _listed_intact(out, manifest, unsettled)
    manifest.folders = {}
    found: set[str] = set()
    folders = [(str(out), "")]
    while folders:
        folder, rel = folders.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return False
        for entry in entries:
            name = f"{rel}{entry.name}"
            if entry.is_dir(follow_symlinks=False):
                folders.append((entry.path, f"{name}/"))
            else:
                found.add(name)
    return manifest.outputs() <= found


def _listed_intact(out: Path, manifest: Manifest, folders: list[str]) -> bool:
    """These output folders hold every file the last build wrote into them."""
    if not folders:
        return True
    expected: dict[str, set[str]] = {folder: set() for folder in folders}
    for path in manifest.outputs():
        folder, _, name = path.rpartition("/")
        if folder in expected:
            expected[folder].add(name)
    try:
        return all(names <= set(os.listdir(f"{out}/{folder}" if folder else out)) for folder, names in expected.items())
    except OSError:
        return False


def fragments_intact(folder: Path, manifest: Manifest) -> bool:
    """Every unit's share of the open data is still in the cache (see opendata.fragments_complete):
    certainly so if the folder's stamp is as the last build left it, and settled."""
    folder_stamp = stamp(str(folder))
    settled = folder_stamp == manifest.fragments and folder_stamp[2]
    return settled or fragments_complete(folder, manifest.open_data_shares())


def stamp(path: str) -> tuple[int, int, bool] | None:
    """A folder's inode and ctime_ns, and whether that ctime is settled: older than SETTLED_NS,
    so any later change gets a later ctime; None if it is gone."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_ino, stat.st_ctime_ns, time.time_ns() - stat.st_ctime_ns > SETTLED_NS
