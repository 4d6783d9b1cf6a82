"""The caches: the site's build cache (.gongkai-cache/, safe to delete) and gongkai's
private folder in the user's cache, which holds what must not be plantable by whoever
can write a site: the key that authenticates the site's cache, and compiled templates.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import stat
from pathlib import Path

from generator.output.write import OutputRefused, write_atomically

CACHE_DIR = ".gongkai-cache"
KEY_BYTES = 32


def user_cache_folder(name: str = "") -> Path | None:
    """A folder in gongkai's part of the user's cache ($XDG_CACHE_HOME/gongkai, else
    ~/.cache/gongkai): outside every site folder and private to the user (0700), so what is
    kept there (the key that authenticates a site's cache, compiled templates, which are
    executed) cannot be planted by whoever can write a site. None if it cannot be made so:
    the build then works without it."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    base = base if os.path.isabs(base) else os.path.join(os.path.expanduser("~"), ".cache")
    folder = os.path.join(base, "gongkai")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        if not _private(os.lstat(folder)):
            return None
        found = Path(folder, name)
        found.mkdir(mode=0o700, parents=True, exist_ok=True)
        return found
    except OSError:
        return None


def cache_key() -> bytes | None:
    """The user's secret key for the site caches' HMACs (made on first use, mode 0600), or None."""
    folder = user_cache_folder()
    if folder is None:
        return None
    path = folder / "key"
    try:
        if not path.exists():               # written aside and linked: two first builds agree on one key
            temporary = folder / f".key-{os.getpid()}-{secrets.token_hex(4)}"
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(secrets.token_bytes(KEY_BYTES))
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass
            finally:
                temporary.unlink()
        with open(path, "rb") as f:
            key, info = f.read(KEY_BYTES + 1), os.fstat(f.fileno())
        return key if len(key) == KEY_BYTES and _private(info) and stat.S_ISREG(info.st_mode) else None
    except OSError:
        return None


def _private(info: os.stat_result) -> bool:
    """Ours, not a link, and no one else may write it (a folder) or read it (the key)."""
    return (info.st_uid == os.getuid() and not stat.S_ISLNK(info.st_mode)
            and not info.st_mode & (0o022 if stat.S_ISDIR(info.st_mode) else 0o077))


def cache_folder(root: Path, name: str = "") -> Path:
    """A folder in the site's build cache (safe to delete, never committed); created on demand.

    Refused (OutputRefused) if it is, or lies in, a link out of the site: the build would
    write wherever it points. The files in it are written new and renamed into place
    (write.write_atomically), so a link planted as a file is replaced, not written through."""
    folder = root / CACHE_DIR / name
    folder.mkdir(parents=True, exist_ok=True)
    resolved = folder.resolve()
    if resolved != root.resolve() / CACHE_DIR / name:
        raise OutputRefused(f"缓存文件夹 {folder} 是指向 {resolved} 的链接，为安全起见不会写入网站文件夹之外："
                            f"请删除 {CACHE_DIR}（可随时删除，下次构建会重建）后重新生成")
    if not (root / CACHE_DIR / ".gitignore").is_file():
        write_atomically(root / CACHE_DIR / ".gitignore", b"*\n")
    return folder


def template_cache_folder(root: Path) -> Path | None:
    """Where the compiled templates of the site at `root` are kept: in the user's private
    cache (loading one executes it), one folder per site; None to keep none."""
    return user_cache_folder(f"templates/{hashlib.sha256(str(root).encode()).hexdigest()[:16]}")
