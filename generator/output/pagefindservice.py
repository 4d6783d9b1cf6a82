"""Pagefind as a service: one process that builds many indexes from HTML given to it.

The protocol of `pagefind --service` (the one its Python package speaks): each message is
JSON in base64, ended by a comma, on stdin; each answer the same on stdout, in order.
Its own client (pagefind.index) is not used: it reads one answer per 0.1 s poll, so
adding 600 records took a minute. This one waits for each answer as it comes. One process
serves every shard of a build, so the extended binary loads its Chinese dictionaries
once (0.2 s of CPU a start), not once per shard.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess


class PagefindFailed(Exception):
    """The service answered with an error, or stopped."""


class PagefindService:
    """A running `pagefind --service`; close() ends it (also as a context manager)."""

    def __init__(self, executable: str):
        self.process = subprocess.Popen([executable, "--service"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL)
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

    def index(self, pages: list[tuple[str, bytes]], output: str) -> None:
        """An index of `pages` (URL, HTML) written into the folder `output`, then dropped from memory."""
        index_id = self.ask({"type": "NewIndex", "config": {}})["index_id"]
        try:
            for url, html in pages:
                self.ask({"type": "AddFile", "index_id": index_id, "url": url, "file_path": None,
                          "file_contents": html.decode("utf-8")})
            self.ask({"type": "WriteFiles", "index_id": index_id, "output_path": output})
        finally:
            self.ask({"type": "DeleteIndex", "index_id": index_id})

    def ask(self, payload: dict) -> dict:
        """Send one request and wait for its answer."""
        self.sent += 1
        message = json.dumps({"message_id": self.sent, "payload": payload}, ensure_ascii=False)
        try:
            self.process.stdin.write(base64.b64encode(message.encode("utf-8")) + b",")
            self.process.stdin.flush()
        except OSError as exc:
            raise PagefindFailed(f"Pagefind 已退出（{exc.strerror}）") from None
        answer = self._answer()
        if answer.get("message_id") not in (self.sent, None):
            raise PagefindFailed(f"Pagefind 的回复顺序不对：{answer.get('message_id')}")
        reply = answer["payload"]
        if reply.get("type") == "Error":
            raise PagefindFailed(reply.get("message") or "（无说明）")
        return reply

    def _answer(self) -> dict:
        fd = self.process.stdout.fileno()
        while b"," not in self.pending:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                raise PagefindFailed(f"Pagefind 已退出（退出码 {self.process.poll()}）")
            self.pending += chunk
        message, self.pending = self.pending.split(b",", 1)
        return json.loads(base64.b64decode(message))
