"""A report's own files: images, attachments and the 全真版, in a folder named like the report.

    content/reports/<unit>/2023.yaml
    content/reports/<unit>/2023.md        ![示意图](2023/图1.png)  [统计表](2023/统计表.xlsx)
    content/reports/<unit>/2023/图1.png    published as nianbao/<unit>/2023/图1.png, beside 2023.html

The narrative names a file relative to the .md, as every Markdown editor previews it; the
page sits in the same place relative to the published folder, so the address keeps its
shape (percent-encoded). A reference that leaves the folder, names a missing file or a type
that is not published, or an image without alt text, is an error with its line. An image
gets its width and height from its header, so the page does not jump while it loads.

Only these types are published: a file a browser would run (HTML, SVG with its scripts, an
.exe) must not appear on a government portal under its address.
"""

from __future__ import annotations

import os
import posixpath
import struct
from pathlib import Path
from urllib.parse import unquote, urlsplit

from generator.core.model import ReportFile
from generator.core.paths import report_file_href
from generator.inputs.source import read_bytes, unreadable
from generator.problems import Problems

IMAGE_TYPES = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".gif": "GIF", ".webp": "WebP"}
ATTACHMENT_TYPES = {".pdf": "PDF", ".ofd": "OFD", ".doc": "DOC", ".docx": "DOCX", ".wps": "WPS", ".xls": "XLS",
                    ".xlsx": "XLSX", ".et": "ET", ".zip": "ZIP"}
PUBLISHED_TYPES = IMAGE_TYPES.keys() | ATTACHMENT_TYPES.keys()
ORIGINAL_TYPES = (".pdf", ".ofd")       # 全真版: a signed, fixed-layout document
ALLOWED = (f"图片 {'、'.join(dict.fromkeys(IMAGE_TYPES.values()))}；"
           f"附件 {'、'.join(ATTACHMENT_TYPES.values())}")
MAX_IMAGE_BYTES = 5 * 1024 * 1024        # a page's image: a phone on a slow network loads it
MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024  # a scanned, signed original of many pages
# Links to these name a file (refused: they run, or are not for a portal), not a page or a site
# (`www.gov.cn`, written without http, is left to the link check).
_OTHER_FILES = (".exe", ".msi", ".bat", ".cmd", ".com", ".scr", ".vbs", ".js", ".ps1", ".sh", ".apk", ".jar",
                ".svg", ".rar", ".7z", ".txt", ".ppt", ".pptx", ".dps", ".mp4", ".bmp", ".tif", ".tiff")


def skipped(name: str) -> bool:
    """What Windows, macOS and Office leave in a folder (thumbnails, lock files): never published."""
    return name.startswith((".", "~$")) or name.lower() in ("thumbs.db", "desktop.ini")


def folder_files(folder: str, rel_dir: str, problems: Problems) -> list[str]:
    """The files of a report's folder (its path on disk; `rel_dir` in the site), by name.
    A link that leaves the folder is refused (it could publish any file of the site)."""
    found = []
    real = os.path.realpath(folder)
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        rel = f"{rel_dir}/{entry.name}"
        if skipped(entry.name):
            continue
        if entry.is_symlink() and os.path.dirname(os.path.realpath(entry.path)) != real:
            problems.error(rel, None, "这是一个指向报告文件夹之外的链接，为安全起见不会发布：请把文件本身放进这个文件夹",
                           "symlink")
        elif entry.is_dir():
            problems.warning(rel, None, "已忽略：报告的图片和附件直接放在与报告同名的文件夹中，不再分子文件夹")
        else:
            found.append(entry.path)
    return found


def load_files(paths: list[str], rel_dir: str, problems: Problems) -> list[ReportFile]:
    """Each file's type and size checked, each image's width and height read."""
    files = []
    seen: dict[str, str] = {}
    for path in paths:
        name = os.path.basename(path)
        rel = f"{rel_dir}/{name}"
        if name.casefold() in seen:     # one file on a Windows (IIS) server, or after unzipping there
            problems.error(rel, None, f"与「{seen[name.casefold()]}」只差大小写，在 Windows 服务器上是同一个文件："
                                      "请改名", "output path")
            continue
        seen[name.casefold()] = name
        suffix = os.path.splitext(name)[1].lower()
        if suffix not in PUBLISHED_TYPES:
            problems.error(rel, None, f"这种类型的文件不能发布（{suffix or '没有扩展名'}）：允许的类型为 {ALLOWED}",
                           "file-type")
            continue
        image, kind = suffix in IMAGE_TYPES, IMAGE_TYPES.get(suffix) or ATTACHMENT_TYPES[suffix]
        limit = MAX_IMAGE_BYTES if image else MAX_ATTACHMENT_BYTES
        stat = os.stat(path)
        if stat.st_size > limit:
            advice = ("网页上的图片请压缩或缩小（如另存为 JPEG，宽度 2000 像素以内）" if image
                      else "请压缩，或拆成几个文件")
            problems.error(rel, None, f"{'图片' if image else '附件'}有 {file_size(stat.st_size)}，超过上限 "
                                      f"{file_size(limit)}：{advice}", "file-size")
            continue
        if unreadable(stat, rel, problems, limit=limit):
            continue
        file = ReportFile(name, path, rel, stat.st_size, kind, image)
        if image:
            data = read_bytes(Path(path), rel, problems, limit=limit)
            size = image_size(data) if data is not None else None
            if size is None:
                if data is not None:
                    problems.error(rel, None, f"无法读出这张图片的宽和高，它可能不是 {kind} 图片或已损坏："
                                              "请用看图软件打开后重新另存", "file-type")
                continue
            file.width, file.height = size
        files.append(file)
    return files


def file_size(size: int) -> str:
    """As a download list shows it: 1.2 MB, 85 KB."""
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


class ReportFolder:
    """The files of one report's folder, and what the narrative and 全真版 say of them.

    narrative_reference is Python-Markdown's hook (generator.content.fullmarkdown): it rewrites
    a reference to a published file and notes what is wrong as (as written, message, rule)."""

    def __init__(self, year: int, rel_dir: str, files: list[ReportFile]):
        self.year, self.rel_dir = year, rel_dir
        self.files = {file.name: file for file in files}
        self.findings: list[tuple[str, str, str]] = []
        self.shown: set[str] = set()              # images the narrative shows

    def narrative_reference(self, element, attribute: str) -> None:
        """An image's src or a link's href in the narrative: a file of this folder gets its
        published address (an image its size too); what cannot work goes to `findings`."""
        value = element.get(attribute)
        image = element.tag == "img"
        parts = urlsplit(value.replace("\\", "/"))     # Windows editors write 2023\图1.png
        if parts.scheme or parts.netloc or not parts.path:
            return                                     # another site's, or an anchor of this page
        if not image and not self._names_a_file(parts.path):
            return                                     # a page of the site (generator's link check)
        file, problem, rule = self.resolve(parts.path)
        if file is not None and image and not file.image:
            file, problem, rule = None, f"图片地址「{value}」指向的不是图片（{file.type}）：附件请用链接 [说明]({value})", "file-ref"
        if file is None:
            self.findings.append((value, problem, rule))
            return
        fragment = f"#{parts.fragment}" if parts.fragment else ""      # a PDF's #page=3
        element.set(attribute, report_file_href(self.year, file.name) + fragment)
        if image:
            self.shown.add(file.name)
            element.set("width", str(file.width))
            element.set("height", str(file.height))
            if not (element.get("alt") or "").strip():
                self.findings.append((value, f"图片「{value}」没有替代文字：使用读屏软件的视障读者听不到图片的内容。"
                                             f"请在方括号中写明图片说明，如 ![2023年收到申请数量示意图]({value})",
                                      "image-alt"))

    def _names_a_file(self, path: str) -> bool:
        """A link to a file (into this folder, or by its type), not to a page."""
        suffix = posixpath.splitext(path)[1].lower()
        return (posixpath.normpath(path).startswith(f"{self.year}/") or suffix in PUBLISHED_TYPES
                or suffix in _OTHER_FILES)

    def resolve(self, written: str) -> tuple[ReportFile | None, str, str]:
        """The file a relative path (as from the .md) names, or None, why not and the rule."""
        path = unquote(written)
        folder = f"{self.year}/"
        if path.startswith("/") or posixpath.normpath(path).startswith(".."):
            return None, (f"「{written}」指向报告文件夹之外：报告的图片和附件请放进 {self.rel_dir}/，"
                          f"并写成 {folder}文件名（相对于正文文件）"), "file-ref"
        path = posixpath.normpath(path)
        if not path.startswith(folder) or "/" in path[len(folder):]:
            return None, f"「{written}」不在报告的文件夹中：请把文件放进 {self.rel_dir}/，并写成 {folder}文件名", "file-ref"
        name = path[len(folder):]
        if name in self.files:
            return self.files[name], "", ""
        suffix = os.path.splitext(name)[1].lower()
        if suffix not in PUBLISHED_TYPES:
            return None, f"「{written}」的类型不能发布（{suffix or '没有扩展名'}）：允许的类型为 {ALLOWED}", "file-type"
        same = [known for known in self.files if known.lower() == name.lower()]
        hint = f"：是否想写「{folder}{same[0]}」？（大小写须一致）" if same else f"：请把它放进 {self.rel_dir}/，或改正文件名"
        return None, f"引用的文件「{written}」不存在{hint}", "file-ref"

    def original(self, written: str) -> tuple[ReportFile | None, str, str]:
        """The 全真版 the data file names: a PDF or OFD of the folder."""
        file, problem, rule = self.resolve(written.replace("\\", "/"))
        if file is not None and os.path.splitext(file.name)[1].lower() not in ORIGINAL_TYPES:
            return None, f"全真版应为加盖公章的 PDF 或 OFD 文件，「{written}」是 {file.type}", "file-type"
        return file, problem, rule


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG, GIF, WebP or JPEG header; None if the bytes are none of them."""
    try:
        if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
            size = struct.unpack(">II", data[16:24])
        elif data[:6] in (b"GIF87a", b"GIF89a"):
            size = struct.unpack("<HH", data[6:10])
        elif data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            size = _webp_size(data)
        elif data.startswith(b"\xff\xd8"):
            size = _jpeg_size(data)
        else:
            return None
    except (struct.error, IndexError):
        return None
    return size if size and all(size) else None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 ":                     # lossy: 14-bit sizes after the frame's start code
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L":                     # lossless: 14 bits each, minus one
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":                     # extended: 24 bits each, minus one
        return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    return None


_JPEG_FRAMES = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """The size in the first frame header (SOFn), walking the segments before it (EXIF …)."""
    at = 2
    while at + 9 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:                   # fill byte
            at += 1
        elif marker in _JPEG_FRAMES:
            height, width = struct.unpack(">HH", data[at + 5:at + 9])
            return width, height
        elif marker == 0x01 or 0xD0 <= marker <= 0xD9:   # markers without a length
            at += 2
        else:
            at += 2 + struct.unpack(">H", data[at + 2:at + 4])[0]
    return None
