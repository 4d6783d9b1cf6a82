"""The manifest: what the last good build read and wrote, kept in .gongkai-cache/ (safe to delete).

Per unit (UnitRecord): its files' mtimes, sizes and content hashes, the summaries the
listings need, its reports' 索引号 and narratives' fingerprints (R10), its warnings, its output files, and digests of its open data and of its
report pages. Per site (Manifest): the key (generator version, output folder, global
inputs), units.yaml as parsed, the unit folders' listings, and the output folders' stamps.
generator.output.changes compares them with the site as it is now; generator.build saves a new one.

The manifest holds plain values only (str, int, tuples, lists, dicts), saved with marshal:
three times faster than pickle for them (at 10,000 reports it was a third of a one-edit
rebuild). Each dataclass is stored as a dict keyed by its field names (dataclasses.fields),
and read back by name, so the reader and the writer cannot disagree about an order. The
file sits in the site folder, which is not trusted: it starts with an HMAC-SHA256 made with
the user's own key (cache.cache_key, outside the site), and one that does not verify is
never parsed.
"""

from __future__ import annotations

import gc
import hmac
import marshal
import os
import shutil
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from generator.core.model import Unit
from generator.inputs.source import Signature, sha256
from generator.output.cache import CACHE_DIR, cache_key
from generator.output.opendata import fragment_folder
from generator.output.write import write_aside, write_atomically
from generator.problems import Problem

MANIFEST_FORMAT = 23        # bumped when the manifest's fields or the cache's files change: an older one means a full build


@dataclass
class UnitRecord:
    """What the manifest keeps of a unit. Every build needs the fields from `outputs` on of
    every unit (the link check looks up every link's target among every unit's outputs); the
    first two (COLD_FIELDS) only of the units it processes, so they are stored marshalled apart
    and read when first asked for: a manifest for 10,000 reports loads and saves in a few
    milliseconds, and an unchanged unit is saved as it was loaded."""
    inputs: dict[str, Signature]              # rel path -> (mtime_ns, size, sha256)
    summaries: list[tuple]                     # ReportSummary.packed() of each report
    outputs: list[str]
    stats: tuple[int, ...]                     # its files' mtimes and sizes (see changes.input_stats)
    warnings: list[Problem]
    listing: str = ""                          # hash of what the listings show of this unit
    open_data: str = ""                        # hash of its share of the portal-wide open data
    # year -> (page path, digest of the report's search record), when indexed
    searchable: dict[int, tuple] = field(default_factory=dict)
    # publication.IndexEntry of each report: the 索引号 are compared across every unit, each build
    index_numbers: list[tuple] = field(default_factory=list)
    # repetition.fingerprint of each report's narrative: R10 compares them across units, each build
    fingerprints: list[tuple] = field(default_factory=list)
    reports: int = 0
    scheduled: int | None = None               # the date (an ordinal) of its first report left out as scheduled
    withheld: int = 0                          # reports read and checked, left out as drafts or scheduled

    def __post_init__(self):
        self.listing = self.listing or sha256(repr(self.summaries).encode())
        self.reports = len(self.summaries)

    def stored(self) -> bytes:
        """As the manifest file keeps it, marshalled: the warm fields by name, and the cold ones
        marshalled apart under "cold". A record loaded and kept (records are never changed in
        place: a build makes a new one) is saved as the bytes it was loaded from: at 10,000 units,
        turning every record into plain values again cost 0.1-0.2 s of each rebuild that saved."""
        blob = self.__dict__.get("_blob")
        if blob is None:
            cold = self.__dict__.get("_cold") or marshal.dumps({name: getattr(self, name) for name in COLD_FIELDS})
            stored = {name: getattr(self, name) for name in _WARM_FIELDS}
            stored.update(warnings=_plain_problems(self.warnings), cold=cold)
            blob = marshal.dumps(stored)
        return blob

    @classmethod
    def restored(cls, blob: bytes) -> "UnitRecord":
        stored = marshal.loads(blob)
        record = cls.__new__(cls)
        record.__dict__.update({name: stored[name] for name in _WARM_FIELDS},
                               warnings=_problems(stored["warnings"]), _cold=stored["cold"], _blob=blob)
        return record

    def __getattr__(self, name):          # only for an attribute not set: a cold field not read yet
        cold = self.__dict__.get("_cold")
        if cold is None or name not in COLD_FIELDS:
            raise AttributeError(name)
        values = marshal.loads(cold)
        self.__dict__.update({name: values[name] for name in COLD_FIELDS})
        return self.__dict__[name]


COLD_FIELDS = ("inputs", "summaries")
_WARM_FIELDS = tuple(f.name for f in fields(UnitRecord) if f.name not in COLD_FIELDS)


@dataclass
class Manifest:
    key: str                                   # generator version, output folder, global inputs
    globals: dict[str, str]                    # site.yaml, units.yaml, templates/* -> sha256
    units: dict[str, UnitRecord] = field(default_factory=dict)
    listing: str = ""                          # hash of what the listings show
    years: list[int] = field(default_factory=list)             # the years the listings show, newest first
    open_data: str = ""                        # hash of every unit's share of the open data
    open_data_files: dict[str, int] = field(default_factory=dict)  # the portal's data files -> their sizes
    search: dict[str, str] = field(default_factory=dict)       # search shard -> hash of the records it holds
    # page path -> digest of its search record, of the reports the search overlay holds as they are
    # now, not as their shard does (output.search)
    search_overlay: dict[str, str] = field(default_factory=dict)
    site_outputs: set[str] = field(default_factory=set)       # the files of no unit: listings, data, static
    unit_list: tuple = ("", {}, [])            # units.yaml: (sha256, parsed units, warnings)
    listings: tuple = ("", {})                 # (site folder, loader.Listings): unit folders as last listed
    folders: dict[str, tuple] = field(default_factory=dict)   # output folder -> its changes.stamp after the build
    fragments: tuple | None = None             # the changes.stamp of the open data's folder in the cache
    repetition: tuple = ("", [])               # R10: (digest of every unit's fingerprints, the warnings found)
    # unit id ("" the site's own pages) -> links.LinkRecord of its pages, marshalled by the link check
    # (the workers give the processed units' as they are): read again only when the tree's files
    # changed; and its links.Verdict, which most rebuilds keep
    links: dict[str, bytes] = field(default_factory=dict)
    link_verdicts: dict[str, tuple] = field(default_factory=dict)
    # The HMAC of the main file this manifest was read from or saved as (not stored: see AFTER_FIELDS).
    signature: bytes = field(default=b"", compare=False)

    def outputs(self) -> set[str]:
        """Every file the build wrote or kept (a union, not stored: half the manifest's size)."""
        found = set(self.site_outputs)
        for record in self.units.values():
            found.update(record.outputs)
        return found

    def open_data_shares(self) -> dict[str, str]:
        """Unit id -> the digest of its share of the open data, in unit order."""
        return {unit_id: self.units[unit_id].open_data for unit_id in sorted(self.units)}


def records_changed(previous: Manifest, manifest: Manifest) -> bool:
    """A unit's record (processed, or its files touched), the listings, the years indexed,
    R10's digest (its pass ran again). The units kept as they were are the same objects."""
    return (manifest.units.keys() != previous.units.keys()
            or any(record is not previous.units[unit_id] for unit_id, record in manifest.units.items())
            or manifest.listings != previous.listings
            or manifest.listing != previous.listing or manifest.search != previous.search
            or manifest.search_overlay != previous.search_overlay
            or manifest.repetition[0] != previous.repetition[0])


def manifest_changed(previous: Manifest | None, manifest: Manifest) -> bool:
    """Anything to save: what records_changed says, or the folders' stamps."""
    return (previous is None or records_changed(previous, manifest)
            or manifest.folders != previous.folders or manifest.fragments != previous.fragments)


# --- the file ----------------------------------------------------------------------------------

def manifest_path(root: Path, out: Path) -> Path:
    """Where the manifest of the build of `root` into `out` is kept."""
    return root / CACHE_DIR / f"manifest-{sha256(str(out).encode())[:16]}.bin"


# Known only after the commit: saved apart, in a small file beside the main one (manifest_path
# with .after), tied to the main file by its HMAC. A build that changed one unit saves the main
# file once, before the commit, and only this one after (the main file is 20 MB at 10,000
# reports: saving it twice was a fifth of a one-edit rebuild). Without a matching one, the
# main file's own values (no folder stamps: the output is listed once) are used.
AFTER_FIELDS = ("folders", "fragments", "search", "search_overlay")


def read_manifest(root: Path, out: Path, frozen: bool = False) -> Manifest | None:
    """The last good build's manifest, or None (no cache, one not made with this user's key,
    or one we cannot read: rebuild all).

    frozen: a build's. Its million plain values (at 10,000 reports) are read with the cyclic
    GC paused, then frozen with whatever lived before (gc.freeze, which also zeroes the count
    that would start a collection at once): each of the build's full collections scanned them
    again, 0.2-0.3 s of a no-change rebuild. The caller unfreezes them when it ends."""
    key, path = cache_key(), manifest_path(root, out)
    signed = _verified(key, path)
    if signed is None:
        return None
    signature, payload = signed
    collecting = gc.isenabled()
    gc.disable()        # plain values make no cycles: a collection now would scan a million objects for none
    try:
        stored = marshal.loads(payload)
        if not isinstance(stored, dict) or stored.get("format") != MANIFEST_FORMAT:
            return None
        manifest = _restored(stored)
    except Exception:   # from another version of gongkai: the cache is only a shortcut
        return None
    finally:
        if frozen:
            gc.freeze()
        if collecting:
            gc.enable()
    manifest.signature = signature
    for name, value in _after_commit(key, path, signature).items():
        setattr(manifest, name, value)
    return manifest


def write_manifest(root: Path, out: Path, manifest: Manifest) -> None:
    """Save the manifest (atomically): the main file, unless it was staged already
    (manifest.signature says which), then AFTER_FIELDS. Without the user's key, remove it instead."""
    key = cache_key()
    path = manifest_path(root, out)
    if key is None:                 # no private key: no cache (the next build builds everything)
        _remove(path)
        return
    if not manifest.signature:
        write_atomically(path, _main_file(key, path, manifest))
    after = marshal.dumps({"manifest": manifest.signature, **{name: getattr(manifest, name) for name in AFTER_FIELDS}})
    write_atomically(_after_path(path), _mac(key, _after_path(path), after) + after)
    path.with_suffix(".pickle").unlink(missing_ok=True)     # the format before MANIFEST_FORMAT 4


def stage_manifest(root: Path, out: Path, manifest: Manifest, previous: Manifest | None,
                   indexed: tuple[dict, dict]) -> Path | None:
    """The new manifest's main file written beside the old one, if what it records changed, and
    the old one removed (should the commit fail half-way, the next build rebuilds everything);
    the build renames it to manifest_path after the commit, and write_manifest adds AFTER_FIELDS.

    Without the output's folder stamps (not known before the commit: the next build lists
    the output once) and with the search index as it is before the commit (`indexed`: the
    shards' digests and the overlay, ShardIndex.staged; the rest is swapped in after it)."""
    key = cache_key()
    if key is None or (previous is not None and not records_changed(previous, manifest)):
        manifest.signature = previous.signature if previous is not None else b""
        return None
    path = manifest_path(root, out)
    search, overlay = indexed
    staged = write_aside(path, _main_file(key, path, manifest, search=search, search_overlay=overlay))
    _remove(path)
    return staged


def forget(root: Path, out: Path) -> None:
    """Drop the manifest and open data shares of an output folder that is gone (the preview's,
    when it stops: each session has a new one)."""
    _remove(manifest_path(root.resolve(), out.resolve()))
    shutil.rmtree(fragment_folder(root.resolve(), out), ignore_errors=True)


_MAC_BYTES = 32


def _after_path(path: Path) -> Path:
    return path.with_suffix(".after")


def _main_file(key: bytes, path: Path, manifest: Manifest, **changes) -> list[bytes]:
    """The main file's parts for `manifest` (with `changes`): its HMAC, then the payload, without
    what only the .after file keeps; that HMAC becomes manifest.signature, which the .after file
    names."""
    payload = marshal.dumps(_stored(replace(manifest, folders={}, fragments=None, **changes)))
    manifest.signature = _mac(key, path, payload)
    return [manifest.signature, payload]


def _remove(path: Path) -> None:
    """The manifest at `path` and its .after file."""
    path.unlink(missing_ok=True)
    _after_path(path).unlink(missing_ok=True)


def _verified(key: bytes | None, path: Path) -> tuple[bytes, memoryview] | None:
    """(HMAC, payload) of the file at `path`, if it is ours: made with this user's key, for this place."""
    try:
        data = memoryview(path.read_bytes())      # a view: the payload is not copied (20 MB at 10,000 reports)
    except OSError:
        return None
    mac, payload = bytes(data[:_MAC_BYTES]), data[_MAC_BYTES:]
    if key is None or not hmac.compare_digest(mac, _mac(key, path, payload)):
        return None
    return mac, payload


def _after_commit(key: bytes, path: Path, signature: bytes) -> dict:
    """AFTER_FIELDS as saved after the commit of the build whose main file has `signature`
    (nothing if that file is missing, unreadable or another build's)."""
    signed = _verified(key, _after_path(path))
    try:
        stored = marshal.loads(signed[1]) if signed is not None else None
        if not isinstance(stored, dict) or stored.get("manifest") != signature:
            return {}
        return {name: stored[name] for name in AFTER_FIELDS}
    except Exception:   # as read_manifest: another version's file is only a missed shortcut
        return {}


def _mac(key: bytes, path: Path, payload) -> bytes:
    """Of the manifest's place too: one made for another site or output folder is not taken."""
    mac = hmac.new(key, os.fsencode(path) + b"\0", "sha256")
    mac.update(payload)
    return mac.digest()


# --- plain values, by field name ---------------------------------------------------------------

def _stored(manifest: Manifest) -> dict:
    """The manifest as plain values: each field by name, and the format."""
    stored = {f.name: getattr(manifest, f.name) for f in fields(Manifest) if f.name != "signature"}
    sha, units, warnings = manifest.unit_list
    stored.update(format=MANIFEST_FORMAT,
                  units={unit_id: record.stored() for unit_id, record in manifest.units.items()},
                  site_outputs=sorted(manifest.site_outputs),
                  repetition=(manifest.repetition[0], _plain_problems(manifest.repetition[1])),
                  unit_list=(sha, {unit_id: vars(unit) for unit_id, unit in units.items()}, _plain_problems(warnings)))
    return stored


def _restored(stored: dict) -> Manifest:
    """The manifest from its plain values, field by field (a missing one raises KeyError)."""
    values = {f.name: stored[f.name] for f in fields(Manifest) if f.name != "signature"}
    sha, units, warnings = values["unit_list"]
    values.update(units={unit_id: UnitRecord.restored(record) for unit_id, record in values["units"].items()},
                  site_outputs=set(values["site_outputs"]),
                  repetition=(values["repetition"][0], _problems(values["repetition"][1])),
                  unit_list=(sha, {unit_id: Unit(**unit) for unit_id, unit in units.items()}, _problems(warnings)))
    return Manifest(**values)


def _plain_problems(problems: list[Problem]) -> list[dict]:
    return [vars(problem) for problem in problems]


def _problems(plain: list[dict]) -> list[Problem]:
    return [Problem(**values) for values in plain]
