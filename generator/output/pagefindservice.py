"""Pagefind as a service: one process that builds many indexes from HTML given to it.

The protocol of `pagefind --service` (the one its Python package speaks): each message is
JSON in base64, ended by a comma, on stdin; each answer the same on stdout, in order.
Its own client (pagefind.index) is not used: it reads one answer per 0.1 s poll, so
adding 600 records took a minute. This one waits for each answer as it comes. One process
serves every shard of a build, so the extended binary loads its Chinese dictionaries
once (0.2-0.3 s of CPU), not once per shard. It loads them at the first Chinese text it is
given, not when it starts: warm_up() gives it one, so a build can have them loaded early.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import threading
from pathlib import PurePosixPath

WARM_UP_PAGE = '<!DOCTYPE html><html lang="zh-CN"><body>政府信息公开</body></html>'


class PagefindFailed(Exception):
    """The service answered with an error, or stopped."""


class PagefindService:
    """A running `pagefind --service`; close() ends it (also as a context manager)."""

    def __init__(self, executable: str):
        # One malloc arena: with one per thread, glibc kept what each index had used (191 MB after
        # six shards of 130 records; 110 MB with one arena, and no slower).
        self.process = subprocess.Popen([executable, "--service"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, env=dict(os.environ, MALLOC_ARENA_MAX="1"))
        self.sent = 0
        self.pending = b""

    def __enter__(self) -> "PagefindService":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.process.stdin.close()
        except OSError:               # it has stopped already
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()

    def warm_up(self) -> None:
        """The Chinese dictionaries loaded now: an index of one word, dropped."""
        index_id = self.new_index()
        try:
            self.add(index_id, [("/", WARM_UP_PAGE.encode("utf-8"))])
        finally:
            self.delete(index_id)

    def new_index(self) -> int:
        """A new, empty index in the service's memory (its id): delete() drops it."""
        return self.ask({"type": "NewIndex", "config": {}})["index_id"]

    def add(self, index_id: int, pages: list[tuple[str, bytes]]) -> None:
        """`pages` (URL, HTML) added to the index. They are sent by a thread while the answers are
        read: Pagefind works on several at once (twice as fast as one by one), and neither side
        waits on a full pipe."""
        first = self.sent + 1
        requests = [self._message({"type": "AddFile", "index_id": index_id, "url": url, "file_path": None,
                                   "file_contents": html.decode("utf-8")}) for url, html in pages]
        sender = threading.Thread(target=self._send, args=(b"".join(requests),), daemon=True)
        sender.start()
        try:
            waiting = set(range(first, self.sent + 1))      # answered in any order
            while waiting:
                waiting.discard(self._reply(waiting))
        finally:
            sender.join()

    def files(self, index_id: int) -> dict[str, bytes]:
        """The index's files by path. They come back in the answer (GetFiles), not written by
        Pagefind (WriteFiles): its writes end in background tasks after it has answered, and it
        exits at the end of its input without waiting for them, so the last index of a busy
        machine was left with empty files (a pagefind-entry.json of 0 bytes, seen in our tests)."""
        return _files(self.ask({"type": "GetFiles", "index_id": index_id}).get("files"))

    def delete(self, index_id: int) -> None:
        self.ask({"type": "DeleteIndex", "index_id": index_id})

    def ask(self, payload: dict) -> dict:
        """Send one request and wait for its answer."""
        self._send(self._message(payload))
        answer = self._answer()
        self._reply({self.sent}, answer)
        return answer["payload"]

    def _message(self, payload: dict) -> bytes:
        self.sent += 1
        message = json.dumps({"message_id": self.sent, "payload": payload}, ensure_ascii=False)
        return base64.b64encode(message.encode("utf-8")) + b","

    def _send(self, data: bytes) -> None:
        try:
            self.process.stdin.write(data)
            self.process.stdin.flush()
        except OSError:               # it stopped: _reply says so
            pass

    def _reply(self, expected: set[int], answer: dict | None = None) -> int:
        """The id of the next answer (read unless given), one of `expected`; an error raises."""
        answer = answer or self._answer()
        reply, message_id = answer["payload"], answer.get("message_id")
        if reply.get("type") == "Error":
            raise PagefindFailed(reply.get("message") or "（无说明）")
        if message_id not in expected:
            raise PagefindFailed(f"Pagefind 回复了未发出的请求：{message_id}")
        return message_id

    def _answer(self) -> dict:
        """The next answer. An empty one is skipped and `null` too, as Pagefind's own client
        does; anything else that does not read is a failure of the index, not a crash."""
        fd = self.process.stdout.fileno()
        while True:
            while b"," not in self.pending:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    raise PagefindFailed(f"Pagefind 已退出（退出码 {self.process.poll()}）")
                self.pending += chunk
            message, self.pending = self.pending.split(b",", 1)
            if not message.strip():
                continue
            try:
                answer = json.loads(base64.b64decode(message))
            except ValueError:        # not base64, not UTF-8 or not JSON
                raise PagefindFailed(f"Pagefind 的回复无法读取：{message[:60]!r}") from None
            if answer is None:
                continue
            if not isinstance(answer, dict) or not isinstance(answer.get("payload"), dict):
                raise PagefindFailed(f"Pagefind 的回复无法读取：{message[:60]!r}")
            return answer


def _files(answer) -> dict[str, bytes]:
    """GetFiles' files by path, each a relative path inside the index's folder."""
    try:
        files = {item["path"]: base64.b64decode(item["content"], validate=True) for item in answer}
    except (TypeError, KeyError, ValueError):
        raise PagefindFailed("Pagefind 返回的索引文件无法读取") from None
    for path in files:
        parts = PurePosixPath(path).parts
        if not parts or PurePosixPath(path).is_absolute() or ".." in parts or "\\" in path:
            raise PagefindFailed(f"Pagefind 返回了索引文件夹以外的路径：{path!r}")
    return files
