"""The link check: every internal link and anchor of every page of the finished tree.

Run by generator.build after the pages are rendered and before the new tree is committed.
The files the new tree will hold are the manifest's outputs (this build's and the ones kept
from the last, less the stale ones); the site's own pages are read from where the build left
them (staging, pending, or the output as it is).

A unit's pages are scanned where they are rendered, in the worker that renders them
(unit_links): its links inside its own folder are checked there against its own files, and
what it links to outside its folder is kept (LinkRecord). The build then reads only the site's
own pages (listings, 404 …), and only when it rewrote one of them (their LinkRecord is kept
too, under ""), and checks every unit's outside links against the new tree; a unit
kept from the last build brings its LinkRecord from the manifest: a page removed by this build
breaks the links to it in pages that did not change. Scanning in the workers, not reading the
finished tree again: at 10,000 reports of one year the serial check went from 3.9 s of the main
process's CPU to 0.2 s. Most rebuilds write no file the last tree did not have and remove
none: then what a kept record was found to break holds still (its Verdict, kept in the
manifest beside the record), and only its links to an id of another page are checked again.
Checking and reading every kept record again was 0.1-0.15 s of a rebuild at 10,000 units.

A broken link is a warning (`link`) where it comes from (generator.output.linkwarnings).
External addresses (http, https, mailto, tel) are not fetched, only counted.
"""

from __future__ import annotations

import html
import marshal
import posixpath
import re
import sys
from urllib.parse import unquote, urlsplit

from generator.core.paths import COLUMN_DIR
from generator.output.linkwarnings import warn_broken_links
from generator.output.write import FullTree
from generator.problems import Problems
from generator.render.sitemeta import FOOTER_ADDRESSES

# Attribute values as the templates and Markdown write them (double quotes; a `"` inside is
# escaped). Two literal patterns: a pattern starting with a literal is searched for with a
# fast scan, ten times faster than one pattern for both.
_HREF = re.compile(rb'href="([^"]*)"')
_SRC = re.compile(rb'src="([^"]*)"')
_EXTERNAL = re.compile(r"(?:https?:|mailto:|tel:|//)", re.I)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_ALWAYS_THERE = {"", "top"}                      # `#` and `#top` scroll to the top without an id

# What the manifest keeps of a unit's pages (plain values): the broken links inside its folder
# as (page, address, path, id) tuples; its links outside it as (address, path, id, how many
# pages, the first page); and its external addresses.
LinkRecord = tuple
# A LinkRecord checked against a tree: its broken links that hold while the tree holds the same
# files, as (page, address, path, missing id, how many pages); its outside links to an id of a
# page, checked by every build; its external addresses.
Verdict = tuple


class _Tree:
    """The new tree: its files, its pages' bytes (read when asked), and where links lead."""

    def __init__(self, files: set[str], read, base_url: str | None):
        self.files = files
        self.read = read
        self.resolve = _Resolver(base_url)
        self.ids: dict[tuple[str, str], bool] = {}

    def target(self, path: str) -> str:
        """The file a link to `path` gets: a folder's index.html for a folder."""
        return path if path in self.files or f"{path}/index.html" not in self.files else f"{path}/index.html"

    def has_id(self, path: str, fragment: str) -> bool:
        if (path, fragment) not in self.ids:
            self.ids[(path, fragment)] = _has_id(self.read(path), fragment)
        return self.ids[(path, fragment)]


def check_links(tree: _Tree, groups: dict[str, list[str]], records: dict[str, LinkRecord]
                ) -> tuple[dict[str, LinkRecord], dict[str, Verdict]]:
    """Reads the pages of `groups` (unit id -> its pages; "" for the site's own pages) from the
    `tree` and checks them, and the links outside their folders of the `records` given, against
    it. Returns every record and its Verdict."""
    records = dict(records)
    for unit_id, pages in groups.items():
        records[unit_id] = _scan_group(tree, f"{COLUMN_DIR}/{unit_id}/" if unit_id else None, pages)
    return records, {key: _verdict(tree, record) for key, record in records.items()}


def _verdict(tree: _Tree, record: LinkRecord) -> Verdict:
    local, outside, addresses = record
    anchored = [link for link in outside if link[2]]
    broken = [(*item, 1) for item in local] + _broken_outside(tree, [link for link in outside if not link[2]])
    return broken, anchored, addresses


def _broken_outside(tree: _Tree, links: list[tuple]) -> list[tuple]:
    """Of the links outside their folder, those whose page is missing or lacks the id linked to."""
    found = []
    for address, path, fragment, count, page in links:
        path = tree.target(path)
        if path not in tree.files or fragment and path.endswith(".html") and not tree.has_id(path, fragment):
            found.append((page, address, path, fragment if path in tree.files else "", count))
    return found


def _scan_group(tree: _Tree, folder: str | None, pages: list[str]) -> LinkRecord:
    """A group's pages read: its broken links inside `folder`, its links outside it, its external addresses."""
    local: list[tuple] = []
    outside: dict[tuple, list] = {}
    external: set[str] = set()
    # Links to an id in another page of the folder, by that page: looked for when it is read
    # (most are read after the pages that link into them: 2023-tujie.html sorts before 2023.html).
    anchors: dict[str, dict[str, list[tuple[str, str]]]] = {}
    for page in sorted(pages):
        data = tree.read(page)
        local += _missing_ids(data, page, anchors.pop(page, {}))
        for address in dict.fromkeys(_addresses(data)):
            target = tree.resolve(address, page)
            if target is None:
                if not address.startswith(FOOTER_ADDRESSES):
                    external.add(sys.intern(address))
                continue
            if not target:
                continue
            path, _, fragment = target.partition("#")
            fragment = "" if fragment in _ALWAYS_THERE or fragment.startswith(":~:") else fragment
            if path == page:
                local += _missing_ids(data, page, {fragment: [(page, address)]}) if fragment else []
                continue
            if folder is None or not f"{path}/".startswith(folder):   # resolved against the whole tree later
                entry = outside.setdefault((sys.intern(address), sys.intern(path), fragment), [0, page])
                entry[0] += 1
                continue
            path = tree.target(path)
            if path not in tree.files:
                local.append((page, address, path, ""))
            elif fragment and path.endswith(".html"):     # read when that page is (see anchors)
                anchors.setdefault(path, {}).setdefault(fragment, []).append((page, address))
    for path, wanted in anchors.items():      # linked after they were read: read again
        local += _missing_ids(tree.read(path), path, wanted)
    return local, [(*key, count, page) for key, (count, page) in outside.items()], sorted(external)


def unit_links(unit_id: str, pages: dict[str, bytes], outputs: list[str], base_url: str | None) -> LinkRecord:
    """The LinkRecord of a unit's rendered pages (path -> bytes; `outputs`: every file of its
    folder): what could be checked inside its folder is checked, the rest is kept."""
    return _scan_group(_Tree(set(outputs), pages.__getitem__, base_url), f"{COLUMN_DIR}/{unit_id}/", list(pages))


def _missing_ids(data: bytes, path: str, wanted: dict[str, list[tuple[str, str]]]) -> list[tuple[str, str, str, str]]:
    """The links among `wanted` (id -> the pages and addresses that link to it) to an id the page lacks."""
    return [(page, address, path, fragment) for fragment, links in wanted.items()
            if not _has_id(data, fragment) for page, address in links]


def _has_id(data: bytes, fragment: str) -> bool:
    return f' id="{html.escape(fragment)}"'.encode() in data


def _addresses(data: bytes) -> list[str]:
    """The href and src values of a page's tags. A match is an attribute only if a space comes
    before it (not data-href=) and it is inside a tag (Markdown leaves `"` in text as it is)."""
    found = []
    for pattern in (_HREF, _SRC):
        for match in pattern.finditer(data):
            start = match.start()
            if data[start - 1] in b" \n\t" and data.rfind(b"<", 0, start) > data.rfind(b">", 0, start):
                value = match.group(1).decode("utf-8", "replace")
                found.append(html.unescape(value) if "&" in value else value)
    return found


def check_new_tree(work, manifest, previous, todo: list[str], stale: set[str], problems: Problems) -> None:
    """The links of the tree a build (`work`: its UnitPass) is about to commit: the units processed
    were scanned as they were rendered (`manifest.links` has their records), the other units'
    records are the last manifest's, and the site's own pages are read if the build rewrote one;
    every record (marshalled) and its Verdict are kept in the manifest.

    When the tree holds the same files as the last one (most rebuilds), a record kept from the
    last build keeps its verdict too: only its links to an id of another page are checked again
    (that page may have been rewritten). Otherwise every record is checked again."""
    fresh = dict(manifest.links)            # the units processed, scanned as they were rendered
    processed = set(todo)
    kept = dict.fromkeys(unit_id for unit_id in manifest.units      # in order: the manifest is the same bytes
                         if previous is not None and unit_id not in processed and unit_id in previous.links)
    groups = {unit_id: [path for path in manifest.units[unit_id].outputs if path.endswith(".html")]
              for unit_id in manifest.units if unit_id not in fresh and unit_id not in kept}
    site_pages = sorted(path for path in manifest.site_outputs if path.endswith(".html"))
    if _site_pages_as_scanned(work.writer, previous, site_pages):
        kept[""] = None                      # their bytes did not change: nor did what they link to
    else:
        groups[""] = site_pages
    same_files = previous is not None and _same_files(previous, manifest, todo, stale)
    again = {} if same_files else {key: marshal.loads(previous.links[key]) for key in kept}
    tree = _Tree(manifest.outputs() - stale, tree_reader(work.writer), work.renderer.config.base_url)
    if same_files and not fresh and not groups and kept.keys() == previous.links.keys():
        manifest.links, verdicts = previous.links, previous.link_verdicts    # nothing processed or rewritten
    else:
        records, verdicts = check_links(tree, groups, fresh | again)
        if same_files:
            verdicts |= {key: previous.link_verdicts[key] for key in kept}
        manifest.links = {key: previous.links[key] if key in kept else marshal.dumps(records[key])
                          for key in verdicts}
    manifest.link_verdicts = verdicts
    found = [item for broken, anchored, _ in verdicts.values() for item in broken + _broken_outside(tree, anchored)]
    external = {address for _, _, addresses in verdicts.values() for address in addresses}
    out = work.writer.out
    where = out.relative_to(work.root).as_posix() if out.is_relative_to(work.root) else str(out)
    warn_broken_links(found, external, work.root, work.renderer.template_dirs, problems, where)


def _same_files(previous, manifest, todo: list[str], stale: set[str]) -> bool:
    """The new tree holds the files the last one held: none gone (`stale`), none added (the units
    processed write no file they did not, nor does the site; a new unit is processed)."""
    return (not stale and manifest.site_outputs <= previous.site_outputs
            and all(unit_id in previous.units and set(manifest.units[unit_id].outputs) <= set(previous.units[unit_id].outputs)
                    for unit_id in todo))


def _site_pages_as_scanned(writer, previous, site_pages: list[str]) -> bool:
    """Whether the site's own pages (listings, 404 …) are those the last build scanned: the
    same pages, none rewritten by this build (an incremental build gathers what it rewrites in
    `pending`). The 年报 column's pages are megabytes at 10,000 units: a third of a no-change
    rebuild was reading them again."""
    if previous is None or "" not in previous.links or isinstance(writer, FullTree):
        return False
    before = sorted(path for path in previous.site_outputs if path.endswith(".html"))
    return before == site_pages and not any((writer.pending / path).exists() for path in site_pages)


def tree_reader(writer):
    """How to read a page of the tree `writer` is building, before it is committed."""
    if isinstance(writer, FullTree):
        return lambda path: (writer.staging / path).read_bytes()

    def read(path: str) -> bytes:
        pending = writer.pending / path
        return (pending if pending.is_file() else writer.out / path).read_bytes()
    return read


class _Resolver:
    """The output path (with `#fragment`) an address of a page leads to: None for an external
    address, "" for one that is neither. Remembered per folder: most addresses repeat."""

    def __init__(self, base_url: str | None):
        self.base_url = base_url
        self.base_path = urlsplit(base_url).path if base_url else "/"
        self.known: dict[tuple[str, str], str | None] = {}

    def __call__(self, address: str, page: str) -> str | None:
        if not address or address.startswith("#"):
            return f"{page}{unquote(address)}"
        key = (page.rpartition("/")[0], address)
        if key not in self.known:
            self.known[key] = self.resolve(address, key[0])
        return self.known[key]

    def resolve(self, address: str, folder: str) -> str | None:
        address = address.strip()
        if self.base_url and address.startswith(self.base_url):
            address = "/" + address[len(self.base_url):]          # this site's own absolute address
        elif _EXTERNAL.match(address):
            return None
        elif _SCHEME.match(address):
            return ""                                             # never linked: the renderer drops it
        path, _, fragment = address.partition("#")
        path = path.partition("?")[0]
        path = unquote(path) if "%" in path else path
        if path.startswith("/"):
            path = path[len(self.base_path):] if path.startswith(self.base_path) else path[1:]
        elif folder:
            path = f"{folder}/{path}"
        index = path.endswith("/") or path in ("", ".") or path.endswith("/.")
        if "./" in path or "//" in path or path.endswith("/."):    # only these need normalising
            path = posixpath.normpath(path)
        path = path.strip("/") if path != "." else ""
        if index:
            path = f"{path}/index.html" if path else "index.html"
        return f"{path}#{unquote(fragment)}" if fragment else path
