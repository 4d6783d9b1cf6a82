"""Write the output folder so that readers never see a half-built site.

A full build writes a new tree beside the output folder and swaps it in only
when complete (Lektor's idea, applied to the whole tree): a failed or killed
build leaves the previous output exactly as it was. An incremental build
gathers only the changed files aside, after all validation and rendering, and
renames them into place; only a kill during those few renames could leave a
mix of old and new pages, each of them whole. The build removed its manifest
before the first rename (generator.build), so the next build rebuilds
everything and heals that mix, and it removes what a killed build left aside.

One build at a time writes an output folder (output_lock).
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import filecmp
import glob
import os
import shutil
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable

from generator.problems import CommandFailed

MARKER = ".gongkai-build"   # marks a folder as ours, so we never replace anything else


class OutputRefused(CommandFailed):
    """The output folder is one we must not replace; the message is Chinese."""


class OutputBusy(OutputRefused):
    """Another build (or a preview) is writing the same output folder."""


class WriteFailed(OutputRefused):
    """The file system refused a write (a full disk, a read-only folder); the message says so."""


# Staging folders beside the output, by the writer that makes them (see remove_leftovers).
STAGING = ("new", "pending", "search", "old")
_held: dict[str, int] = {}      # lock file -> how many times this process holds it
_lock_fds: dict[str, int] = {}  # lock file -> its descriptor, while held


def _release_in_child() -> None:
    """A forked child (a build's worker) drops its copies of the lock descriptors: the lock
    stays its parent's, and is freed the moment the parent dies, not when the last child does
    (a killed build's workers would otherwise keep the next build out)."""
    for fd in _lock_fds.values():
        os.close(fd)
    _lock_fds.clear()
    _held.clear()


os.register_at_fork(after_in_child=_release_in_child)


@contextmanager
def output_lock(out: Path):
    """Only one build writes an output folder at a time: an exclusive flock on a file beside it
    (.<name>.lock), released by the kernel when its holder dies however it dies, so a lock is
    never stale. Held, it is safe to remove the staging folders left beside the output:
    their owner is gone. Re-entrant within a process (the preview holds it across builds).
    The lock file is removed on release."""
    out.parent.mkdir(parents=True, exist_ok=True)
    path = str(out.parent / f".{out.name}.lock")
    if path in _held:
        _held[path] += 1
        try:
            yield
        finally:
            _held[path] -= 1
        return
    fd = _locked(path, out)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        _held[path], _lock_fds[path] = 1, fd
        try:
            remove_leftovers(out)
            yield
        finally:
            del _held[path], _lock_fds[path]
            Path(path).unlink(missing_ok=True)     # before the lock goes: see _locked
    finally:
        os.close(fd)


def _locked(path: str, out: Path) -> int:
    """The lock file, opened and locked. Not through a link planted at its name (the pid is
    written into it); and locked only if it is still the file at that name, not one that its
    last holder removed meanwhile (then the next holder would lock another file)."""
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644)
        except OSError as exc:
            raise OutputRefused(f"无法打开锁文件 {path}：{in_words(exc)}") from None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_nlink > 1:
                raise OutputRefused(f"锁文件 {path} 不是普通文件（或是硬链接），为安全起见不会写入：请删除它后重新生成")
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.read(fd, 100).decode("utf-8", "replace").strip()
                raise OutputBusy(f"另一个 gongkai 进程{f'（进程号 {holder}）' if holder.isdigit() else ''}正在生成或"
                                 f"预览输出文件夹 {out}：请等它结束后再运行") from None
            try:
                if os.stat(path, follow_symlinks=False).st_ino == info.st_ino:
                    return fd
            except FileNotFoundError:
                pass
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)


_IN_WORDS = {errno.ENOSPC: "磁盘已满", errno.EDQUOT: "超出磁盘配额", errno.EROFS: "文件系统是只读的",
             errno.EACCES: "没有权限", errno.EPERM: "没有权限", errno.ELOOP: "它是一个链接"}


def in_words(exc: OSError) -> str:
    """What went wrong with a file, in Chinese (the system's own words after it)."""
    said = _IN_WORDS.get(exc.errno)
    return f"{said}（{exc.strerror}）" if said else f"系统错误：{exc.strerror or exc}"


def remove_leftovers(out: Path) -> None:
    """The staging folders of builds that were killed (call only holding output_lock)."""
    for kind in STAGING:
        for leftover in glob.glob(glob.escape(str(out.parent / staging_prefix(out, kind))) + "*"):
            shutil.rmtree(leftover, ignore_errors=True)


def staging_prefix(out: Path, kind: str) -> str:
    return f".{out.name}-{kind}-"


def check_output_dir(out: Path, site_root: Path) -> None:
    out, site_root = out.resolve(), site_root.resolve()
    if out == site_root or out in site_root.parents:
        raise OutputRefused(f"输出文件夹 {out} 是网站文件夹本身或其上级，构建会覆盖源文件：请指定单独的输出文件夹，如 build")
    for source in ("content", "templates"):
        if out == site_root / source or (site_root / source) in out.parents:
            raise OutputRefused(f"输出文件夹 {out} 位于 {source}/ 之中：请指定单独的输出文件夹，如 build")
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).exists())):
        raise OutputRefused(f"输出文件夹 {out} 已存在且不是 gongkai 生成的，为免误删，不会覆盖它："
                            "请换一个输出文件夹，或先手动清空它")


class FullTree:
    """A whole new output tree, written beside the output folder and swapped in by commit().

    Worker processes write into it directly (write() only touches the file system).
    """

    _NEW_OR_EMPTIED = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC      # as open(path, "wb")

    def __init__(self, out: Path):
        self.out = out
        out.parent.mkdir(parents=True, exist_ok=True)
        self.staging = Path(tempfile.mkdtemp(prefix=staging_prefix(out, "new"), dir=out.parent))
        self._folders: set[str] = set()     # made in this process (workers each keep their own)

    def write(self, rel: str, data: bytes) -> bool:
        folder, _, _ = rel.rpartition("/")
        if folder not in self._folders:     # one mkdir per folder, not one per file
            (self.staging / folder).mkdir(parents=True, exist_ok=True)
            self._folders.add(folder)
        # os.open and os.write, not open(): no buffer object, nor the isatty and lseek it asks
        # for; 2.6 us less a file, five files a report
        fd = os.open(f"{self.staging}/{rel}", self._NEW_OR_EMPTIED, 0o666)
        try:
            view = memoryview(data)
            while view:                         # a write may take less than all it is given
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        return True

    def write_stream(self, rel: str, chunks: Iterable[bytes]) -> bool:
        """A file too large to hold in memory (the portal's open data), written as it comes."""
        (self.staging / rel).parent.mkdir(parents=True, exist_ok=True)
        with open(self.staging / rel, "wb") as f:
            f.writelines(chunks)
        return True

    def commit(self, stale: set[str]) -> None:
        (self.staging / MARKER).write_text("built by gongkai; safe to delete\n", encoding="utf-8")
        os.chmod(self.staging, 0o777 & ~_umask())   # mkdtemp makes it private; a web server must read it
        _swap_in(self.staging, self.out)
        self.discard()                               # the staging folder now holds the old tree

    def discard(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)


class PendingFiles:
    """Only the files whose bytes changed, gathered aside and moved into the output by commit().

    Everything is rendered and validated before the first file moves, and each
    move is an atomic rename, so readers see each page either old or new.
    """

    def __init__(self, out: Path):
        self.out = out
        self.pending = Path(tempfile.mkdtemp(prefix=staging_prefix(out, "pending"), dir=out.parent))

    def write(self, rel: str, data: bytes) -> bool:
        current = self.out / rel
        if current.is_file() and current.stat().st_size == len(data) and current.read_bytes() == data:
            return False
        target = self.pending / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        os.chmod(target, 0o666 & ~_umask())
        return True

    def write_stream(self, rel: str, chunks: Iterable[bytes]) -> bool:
        """As write(), for a file too large to hold in memory: written aside, then compared."""
        target = self.pending / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as f:
            f.writelines(chunks)
        current = self.out / rel
        if current.is_file() and filecmp.cmp(current, target, shallow=False):
            target.unlink()
            return False
        os.chmod(target, 0o666 & ~_umask())
        return True

    def commit(self, stale: set[str]) -> None:
        for folder, _, names in os.walk(self.pending):
            for name in names:
                source = Path(folder) / name
                target = self.out / source.relative_to(self.pending)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(source, target)
        for rel in stale:
            (self.out / rel).unlink(missing_ok=True)
        for folder in sorted({(self.out / rel).parent for rel in stale}, key=lambda p: -len(p.parts)):
            _remove_if_empty(folder, self.out)       # a report's own folder whose last file went
        self.discard()

    def discard(self) -> None:
        shutil.rmtree(self.pending, ignore_errors=True)


def _remove_if_empty(folder: Path, out: Path) -> None:
    """The folder and its parents up to `out`, while they are empty: as a full build would leave them."""
    while folder != out and out in folder.parents:
        try:
            folder.rmdir()
        except OSError:         # not empty (or already gone): the output is as a full build's
            return
        folder = folder.parent


def write_atomically(path: Path, data: bytes | list[bytes]) -> None:
    """A file written aside and renamed into place: never seen half-written."""
    os.replace(write_aside(path, data), path)


def write_aside(path: Path, data: bytes | list[bytes]) -> Path:
    """`data` (or its parts, one after the other: a large file is not joined in memory first) in
    a new file beside `path`, returned: os.replace puts it in place. Made new (whatever was at
    its name is removed first), so it never writes through a link planted there, nor does the
    rename."""
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        fd = os.open(temporary, _NEW_FILE, 0o666)
    except FileNotFoundError:           # its folder is not there yet
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(temporary, _NEW_FILE, 0o666)
    except FileExistsError:             # left by a killed build, or a link planted there
        os.unlink(temporary)
        fd = os.open(temporary, _NEW_FILE, 0o666)
    with open(fd, "wb") as f:
        f.writelines([data] if isinstance(data, bytes) else data)
    return temporary


# Created, never opened if anything (a link included) is at its name. Tried first, before
# the folder is made or a leftover removed: at 30,000 cache files a cold build, the mkdir
# and unlink done every time were a fifth of a share's cost.
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC


def replace_folder(new: Path, target: Path) -> None:
    """Put the folder `new` at `target` in one step, and remove what was there."""
    _swap_in(new, target)
    shutil.rmtree(new, ignore_errors=True)


def _swap_in(staging: Path, out: Path) -> None:
    """Put `staging` at `out`; afterwards `staging` holds the old tree, if any."""
    if not out.exists():
        os.rename(staging, out)
        return
    if _exchange(staging, out):
        return
    old = out.with_name(f"{staging_prefix(out, 'old')}{os.getpid()}")
    os.rename(out, old)
    os.rename(staging, out)
    os.rename(old, staging)


def _exchange(a: Path, b: Path) -> bool:
    """Linux renameat2(RENAME_EXCHANGE): swap two folders in one atomic step."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask

