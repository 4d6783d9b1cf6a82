"""`generate serve`: the editor's preview, rebuilt and reloaded on every save.

The only module that imports livereload. livereload serves the preview folder,
injects its script into HTML and tells the browsers to reload; the watching is
ours, because livereload's watcher reacts to the first changed file of a burst
(a `git pull` would rebuild once per file) and drops reloads that come within
three seconds of the last one (a quick second save would never show).

Our watcher polls the inputs every POLL_SECONDS, waits until they have been
quiet for one poll (a burst gives one rebuild), builds in a thread so the
server stays responsive, and after each build compares the inputs again: a
save made during a build causes another build, so the browser ends on the
last save. While the build is broken every HTML page is the error page; while it
has warnings, every HTML page is sent with the 提醒 panel that lists them
(generator.render.previewpanel): editors watch the page, not the terminal.

The preview shows unpublished drafts, so it is for this machine only: it answers
requests addressed to this machine by name or address (a DNS-rebinding page is
refused), its reload socket accepts only its own pages, livereload's /forcereload
is not served, and listening beyond loopback is warned about. Stopped by Ctrl-C or
SIGTERM, it removes its folder and what it left in the build cache.

Longer than 350 lines: every patch of livereload's internals is kept here, in one
module, so that a livereload release that changes them breaks one place
(tests/test_maintenance.py names each one).
"""

from __future__ import annotations

import contextlib
import html
import ipaddress
import logging
import os
import re
import signal
import sys
import tempfile
import threading
import time
import webbrowser
from pathlib import Path
from urllib.parse import quote, urlsplit

import jinja2
from livereload import Server
from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler, StaticFileHandler
from livereload.server import LiveScriptInjector
from livereload.watcher import Watcher
from tornado import ioloop, web
from tornado.httputil import split_host_and_port
from tornado.websocket import WebSocketHandler

from generator.build import build_site
from generator.content.publishing import Publishing
from generator.inputs.config import load_site_config
from generator.inputs.fields import visible
from generator.inputs.source import link_out_of, read_text
from generator.output.manifest import forget
from generator.output.write import output_lock
from generator.problems import ERROR, WARNING, CommandFailed, Problem, Problems
from generator.render.previewpanel import SCRIPT, SCRIPT_PATH, SHEET, STYLE_PATH, panel_html, with_panel

PREVIEWED = Publishing(drafts=True, future=True)
POLL_SECONDS = 0.15
MAX_WAIT_SECONDS = 2.0     # a change that never settles is built anyway after this long

# What the preview watches: everything a build reads, and nothing it writes.
WATCHED = ("site.yaml", "content", "templates")

ERROR_PAGE = jinja2.Environment(autoescape=True).from_string("""<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>预览：网站生成出错</title>
<style>
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 2rem; line-height: 1.7; color: #1f1f1f; }
h1 { color: #a61b1b; font-size: 1.5rem; }
li { margin: 0.5rem 0; } code { font-size: 1rem; background: #f2f5f9; padding: 0 0.25rem; }
pre.quote { margin: 0.25rem 0; padding: 0.25rem 0.5rem; background: #fff4f4; border-left: 0.25rem solid #a61b1b;
            font-size: 1rem; white-space: pre-wrap; overflow-wrap: anywhere; }
pre.quote span { color: #595959; }
</style></head>
<body><main>
<h1>网站暂时无法生成：发现 {{ count }} 个错误</h1>
<p>请按下面的提示修改文件并保存，本页会自动刷新。</p>
<ol class="problems">
{% for p, quote in problems %}<li><code>{{ p.file }}{% if p.line %}:{{ p.line }}{% endif %}</code>
 {{ p.message }}{% if p.rule %} ({{ p.rule }}){% endif %}
{% if quote is not none %}<pre class="quote" aria-label="第 {{ p.line }} 行现在的内容"><span>{{ p.line }} |</span> {{ quote }}</pre>{% endif %}</li>
{% endfor %}</ol>
</main></body></html>
""")


QUOTED_FILES = 20          # an error page quotes lines of this many files at most
QUOTED_WIDTH = 200         # characters of a quoted line


def error_page(root: Path, problems: list[Problem]) -> bytes:
    """The page every HTML request gets while the build is broken: each error, and the line it
    names as the file has it now, so that the editor sees what to change without opening it."""
    texts: dict[str, list[str] | None] = {}
    quoted = []
    for problem in problems:
        if problem.file not in texts and len(texts) < QUOTED_FILES:
            texts[problem.file] = _lines_of(root, problem.file)
        lines = texts.get(problem.file)
        line = lines[problem.line - 1] if lines and problem.line and problem.line <= len(lines) else None
        quoted.append(None if line is None else visible(line.rstrip())[:QUOTED_WIDTH])
    return ERROR_PAGE.render(problems=list(zip(problems, quoted)), count=len(problems)).encode()


def _lines_of(root: Path, rel: str) -> list[str] | None:
    """The lines of a site file, read as the build reads it (never through a link out of the
    site, nor a device or an oversized file), or None."""
    if not rel or rel == "-" or link_out_of(root, rel) is not None:
        return None
    text = read_text(root / rel, rel, Problems())
    return None if text is None else text.split("\n")


class Preview:
    """Builds a site into a private folder, again whenever its inputs change."""

    def __init__(self, root: Path, out: Path, log=print):
        self.root, self.out, self.log = root, out, log
        self.scanned: dict | None = None       # the inputs as they were when the last build started
        self.problems: list[Problem] = []       # the errors of the last build, if it failed
        self.error_page = b""                   # and the page that lists them
        self.warnings: list[Problem] = []       # the warnings of the last build, shown on every page
        self.builds = 0
        self.building = False
        self._pending: dict | None = None
        self._pending_since = 0.0

    def build(self) -> None:
        started = time.perf_counter()
        self.builds += 1
        self.scanned = scan_inputs(self.root)
        changed: list[str] = []
        try:
            # The preview shows reports fast, drafts and scheduled ones included (marked 草稿).
            result = build_site(self.root, self.out, search=False, publishing=PREVIEWED)
            changed = result.changed
        except CommandFailed as failed:     # bad input, or an output folder it must not write
            self.problems = failed.problems.errors or [Problem(ERROR, "-", None, failed.summary)]
            self.error_page = error_page(self.root, self.problems)
            self.warnings = []
            for problem in failed.problems.sorted():
                self.log(problem.format())
            outcome = (f"失败，{len(self.problems)} 个错误，浏览器中显示错误页" if failed.problems.errors
                       else f"失败：{failed.summary}")
        else:
            self.problems = []
            self.warnings = [problem for problem in result.problems.sorted() if problem.level == WARNING]
            for problem in result.problems.sorted():
                self.log(problem.format())
            outcome = f"{result.files} 个文件有变化"
        shown = "、".join(changed[:5]) + (" 等" if len(changed) > 5 else "")
        what = "已生成" if self.builds == 1 else "已重新生成"
        self.log(f"{what}（第 {self.builds} 次，{time.perf_counter() - started:.2f} 秒）：{outcome}"
                 f"{'；变动：' + shown if shown and self.builds > 1 else ''}")

    def due(self) -> bool:
        """True when the inputs changed since the last build and have since been quiet."""
        if self.building:
            return False
        now = scan_inputs(self.root)
        if now == self.scanned:
            self._pending = None
            return False
        if now != self._pending:
            if self._pending is None:
                self._pending_since = time.monotonic()
            self._pending = now
            return time.monotonic() - self._pending_since > MAX_WAIT_SECONDS
        return True


def scan_inputs(root: Path) -> dict[str, tuple[int, int]]:
    """(mtime_ns, size) of every input file, by path relative to the site.

    Only site.yaml, content/ and templates/ are read, so the output folder
    (build/ or the preview's) can never trigger a rebuild. Editors' swap and
    backup files are left out.
    """
    inputs: dict[str, tuple[int, int]] = {}
    for name in WATCHED:
        path = root / name
        if path.is_file():
            stat = path.stat()
            inputs[name] = (stat.st_mtime_ns, stat.st_size)
            continue
        for folder, dirs, names in os.walk(path):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name_ in names:
                if name_.startswith((".", "#")) or name_.endswith(("~", ".swp", ".tmp")):
                    continue
                full = os.path.join(folder, name_)
                try:
                    stat = os.stat(full)
                except FileNotFoundError:   # deleted while we looked
                    continue
                inputs[os.path.relpath(full, root).replace(os.sep, "/")] = (stat.st_mtime_ns, stat.st_size)
    return inputs


class _PreviewWatcher(Watcher):
    """Plugs Preview into livereload's server loop in place of its own file watcher."""

    def __init__(self, preview: Preview):
        super().__init__()
        self.preview = preview
        self._tasks = {"gongkai": {}}   # not empty, so livereload does not watch the cwd itself
        self.thread: threading.Thread | None = None   # the running or last build

    def start(self, callback) -> bool:
        ioloop.PeriodicCallback(self._poll, POLL_SECONDS * 1000).start()
        return True

    def examine(self):
        return None, None               # reloads are sent by _poll, after each build

    def _poll(self) -> None:
        if not self.preview.due():
            return
        self.preview.building = True
        loop = ioloop.IOLoop.current()
        self.thread = threading.Thread(target=self._build, args=(loop,), daemon=True)
        self.thread.start()

    def _build(self, loop) -> None:
        try:
            self.preview.build()
        finally:
            loop.add_callback(self._built)

    def _built(self) -> None:
        self.preview.building = False
        LiveReloadHandler.reload_waiters()


def host_allowed(host: str, bound: str) -> bool:
    """Whether a request's Host names this machine, against DNS rebinding: a page of evil.example,
    its name then pointed at 127.0.0.1, reaches the preview with `Host: evil.example`. Accepted:
    localhost, a loopback address and the host the preview is bound to; bound to every interface
    (0.0.0.0), any IP address. An address is never the product of rebinding, nor is a port, so
    ports are not compared (a tunnel such as ssh -L changes them)."""
    name = split_host_and_port(host.lower())[0].strip("[]")
    if name in ("localhost", bound.lower().strip("[]")):
        return True
    address = _address(name)
    if address is None:
        return False
    bound_address = _address(bound or "::")     # "": every interface
    return address.is_loopback or (bound_address is not None and bound_address.is_unspecified)


def is_loopback(host: str) -> bool:
    address = _address(host)
    return host.lower() == "localhost" or address is not None and address.is_loopback


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


class _ThisMachineOnly:
    """Mixed into every handler: a request whose Host is not this machine's is refused (421)."""

    def prepare(self):
        host = self.request.headers.get("Host", "")    # not request.host, which is 127.0.0.1 when none
        if not host_allowed(host, self.settings["bound_host"]):
            self.set_status(421)
            self.set_header("Content-Type", "text/plain; charset=UTF-8")
            self.set_header("X-Content-Type-Options", "nosniff")
            self.finish("预览只接受本机地址（如 127.0.0.1、localhost）。请用 generate serve 显示的预览地址打开。"
                        f"（Host: {host} refused）\n")


class _ReloadSocket(_ThisMachineOnly, LiveReloadHandler):
    """livereload's websocket, for pages of the preview itself: livereload accepts every Origin,
    so any site open in the browser could listen in; Tornado's own check accepts only the
    same origin."""

    check_origin = WebSocketHandler.check_origin

    def on_message(self, message):
        super().on_message(message)
        if '"info"' in message and self in LiveReloadHandler.waiters:   # livereload registers it on 'info'
            self.settings["log"](f"浏览器已连接：{self.request.headers.get('Origin', '')}")


class _ReloadScript(_ThisMachineOnly, LiveReloadJSHandler):
    pass


class _PanelFile(_ThisMachineOnly, web.RequestHandler):
    """The style or the script of the 提醒 panel (generator.render.previewpanel)."""

    def initialize(self, text: str, content_type: str):
        self.text, self.content_type = text, content_type

    def get(self):
        self.set_header("Content-Type", f"{self.content_type}; charset=UTF-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(self.text)


class _PreviewServer(Server):
    """livereload's server with the handlers above, and without its /forcereload (any page
    could make every open preview reload)."""

    def __init__(self, watcher: _PreviewWatcher, handler: type, log):
        super().__init__(watcher=watcher)
        self.SFH, self.log = handler, log

    def _setup_logging(self):
        pass     # its English INFO lines would drown our Chinese log

    def application(self, port, host, liveport=None, debug=None, live_css=True):
        LiveReloadHandler.watcher = self.watcher
        LiveReloadHandler.live_css = live_css

        class InjectScript(LiveScriptInjector):
            # A file of the preview's own origin, not livereload's inline script: pages may
            # forbid inline script (Content-Security-Policy), and then it would never run.
            script = f'<script src="/livereload.js?port={port}"></script>'.encode()

        web.Application([(r"/livereload", _ReloadSocket), (r"/livereload.js", _ReloadScript),
                         (re.escape(STYLE_PATH), _PanelFile, {"text": SHEET, "content_type": "text/css"}),
                         (re.escape(SCRIPT_PATH), _PanelFile, {"text": SCRIPT, "content_type": "text/javascript"}),
                         (r"/(.*)", self.SFH, {"path": self.root, "default_filename": self.default_filename})],
                        transforms=[InjectScript], bound_host=host, log=self.log).listen(port, address=host)


def _handler_for(preview: Preview, sub_path: str):
    class PreviewHandler(_ThisMachineOnly, StaticFileHandler):
        """The built pages with the 提醒 panel when the build has warnings, or the error page
        for every HTML request while the build is broken."""

        async def get(self, path, include_body=True):
            if path == "" or path.endswith((".html", "/")):
                if preview.problems:
                    self._send_page(500, preview.error_page)
                    return
                warnings = preview.warnings
                if warnings:
                    self._with_panel(path, warnings)
                    return
            await super().get(path, include_body)

        def _with_panel(self, path: str, warnings: list[Problem]) -> None:
            # The file as StaticFileHandler finds it: confined to the folder, index.html for a folder.
            self.path = self.parse_url_path(path)
            absolute = self.validate_absolute_path(self.root, self.get_absolute_path(self.root, self.path))
            if absolute is None:       # redirected (a folder without its /)
                return
            page = self.path.replace(os.sep, "/").removeprefix(f"{sub_path}/" if sub_path else "")
            if page == "" or page.endswith("/"):
                page += self.default_filename
            with open(absolute, "rb") as file:
                self._send_page(200, with_panel(file.read(), panel_html(warnings, page)))

        def _send_page(self, status: int, page: bytes) -> None:
            self.composed = True
            self.set_status(status)
            self.set_header("Content-Type", "text/html; charset=UTF-8")
            self.set_header("Cache-Control", "no-store")
            self.finish(page)

        composed = False     # the page was made here, not sent as the file is

        def compute_etag(self):
            return None if self.composed else super().compute_etag()

        def set_extra_headers(self, path):
            self.set_header("Cache-Control", "no-store")   # a preview is never stale

    return PreviewHandler


def serve(root: Path, host: str = "127.0.0.1", port: int = 8000, open_browser: bool = False) -> int:
    if not is_loopback(host):
        print(f"警告：预览监听在 {host}，不只是本机：同一网络中的任何人都能打开预览，看到尚未发布的草稿。"
              "只在本机预览，请去掉 --host（默认 127.0.0.1）。", file=sys.stderr, flush=True)
    config_problems = Problems()
    config = load_site_config(root, config_problems)
    sub_path = urlsplit(config.base_url).path.strip("/") if config and config.base_url else ""
    for stop in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):   # as Ctrl-C: the folders below are removed
        if stop is not None:
            signal.signal(stop, _interrupt)
    with tempfile.TemporaryDirectory(prefix="gongkai-preview-") as folder, contextlib.ExitStack() as stack:
        served = Path(folder)
        out = served / sub_path if sub_path else served
        out.mkdir(parents=True, exist_ok=True)
        if sub_path:   # the site lives under its configured sub-path, as it will when published
            _write_redirect(served, sub_path)
        preview = Preview(root, out, log=lambda line: print(line, flush=True))
        stack.enter_context(output_lock(out))       # the preview folder is this session's alone
        watcher = _PreviewWatcher(preview)
        try:
            preview.build()
            server = _PreviewServer(watcher, _handler_for(preview, sub_path), preview.log)
            logging.getLogger("tornado.access").disabled = True
            url = f"http://{host}:{port}/{quote(sub_path) + '/' if sub_path else ''}"

            def listening() -> None:   # runs once the loop starts, i.e. after the port is open
                print(f"预览地址：{url}（预览文件在 {out}，修改 site.yaml、content/、templates/ 后自动刷新；"
                      "按 Ctrl-C 停止）", flush=True)
                if open_browser:
                    threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()

            ioloop.IOLoop.current().add_callback(listening)
            try:
                server.serve(host=host, port=port, root=str(served), open_url_delay=None)
            except OSError as exc:
                print(f"无法在 {host}:{port} 上启动预览（{exc.strerror or exc}）：端口可能已被占用，请用 --port 换一个",
                      file=sys.stderr)
                return 1
        finally:
            if watcher.thread is not None:
                watcher.thread.join()      # a build still writing would leave files behind
            forget(root, out)              # its output folder is about to go
    print("已停止预览。", flush=True)
    return 0


def _interrupt(signum, frame):
    raise KeyboardInterrupt   # livereload's server stops on it, and the with-blocks clean up


def _write_redirect(served: Path, sub_path: str) -> None:
    """The bare root points to the sub-path. 网站地址 comes from site.yaml: quoted and escaped."""
    href = html.escape(f"/{quote(sub_path)}/index.html")
    (served / "index.html").write_text(
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>预览</title>'
        f'<meta http-equiv="refresh" content="0; url={href}"></head>'
        f'<body><a href="{href}">{html.escape(f"/{sub_path}/")}</a></body></html>', encoding="utf-8")
