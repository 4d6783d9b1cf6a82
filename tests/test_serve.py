"""generate serve (a real server process) and generate new.

Tests await events (a log line, text in the page), never a fixed sleep.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import html
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from helpers import HUAJIE, axe_violations, generate
from generator.problems import WARNING, Problem
from generator.render.previewpanel import MAX_LISTED, SCRIPT, SCRIPT_PATH, SHEET, STYLE_PATH, focus_of, panel_html
from generator.serve import scan_inputs

NARRATIVE = HUAJIE.replace(".yaml", ".md")
REPORT = "nianbao/huajie/2023.html"
WAIT = 30   # seconds: a ceiling for events on a slow machine, not a sleep


class ServerLog:
    def __init__(self, process: subprocess.Popen):
        self.lines: list[str] = []
        self.changed = threading.Condition()
        self.thread = threading.Thread(target=self._read, args=(process.stdout,), daemon=True)
        self.thread.start()

    def _read(self, stream):
        for line in stream:
            with self.changed:
                self.lines.append(line.rstrip("\n"))
                self.changed.notify_all()

    def wait_for(self, pattern: str, after: int = 0) -> re.Match:
        deadline = time.monotonic() + WAIT
        with self.changed:
            while True:
                for line in self.lines[after:]:
                    match = re.search(pattern, line)
                    if match:
                        return match
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no line matching {pattern!r}; log:\n" + "\n".join(self.lines))
                self.changed.wait(left)

    def builds(self) -> list[str]:
        with self.changed:
            return [line for line in self.lines if re.match(r"已(重新)?生成（第 \d+ 次", line)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_preview(site, *options: str, stderr=subprocess.STDOUT) -> dict:
    """`generate serve` in a process of its own, once it says where it listens."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "generator", "serve", "--site", str(site.root),
                                "--port", str(port), *options], stdout=subprocess.PIPE, stderr=stderr,
                               text=True, env=dict(os.environ, PYTHONUNBUFFERED="1"))
    log = ServerLog(process)
    match = log.wait_for(r"预览地址：(http://\S+/)（预览文件在 (\S+)，")
    return {"url": match.group(1), "out": Path(match.group(2)), "log": log, "process": process,
            "port": port, "site": site}


def stop(process: subprocess.Popen, how=signal.SIGINT) -> int:
    if process.poll() is None:
        process.send_signal(how)
    return process.wait(timeout=WAIT)


@pytest.fixture
def preview(site):
    started = start_preview(site)
    yield started
    stop(started["process"])


def open_connected(page, url: str, log: ServerLog):
    """Open a page and wait until the server knows the page listens for reloads."""
    before = len(log.lines)
    page.goto(url)
    log.wait_for("浏览器已连接", after=before)


@pytest.mark.browser
def test_saved_narrative_appears_without_reloading_by_hand(page, preview):
    site, log = preview["site"], preview["log"]
    open_connected(page, preview["url"] + REPORT, log)
    site.write(NARRATIVE, site.read(NARRATIVE).replace("## 五、", "预览中新写的一段话。\n\n## 五、"))
    page.get_by_text("预览中新写的一段话。").wait_for(timeout=WAIT * 1000)
    assert page.locator("h1").text_content() == "花街镇人民政府2023年政府信息公开工作年度报告"


@pytest.mark.browser
def test_broken_data_shows_an_error_page_until_fixed(page, preview):
    site, log = preview["site"], preview["log"]
    open_connected(page, preview["url"] + REPORT, log)
    good = site.read(HUAJIE)
    site.write(HUAJIE, good.replace("行政处罚: 365", "行政处罚: [365"))
    line = site.line_of(HUAJIE, "行政处罚: [365")
    page.get_by_text("网站暂时无法生成").wait_for(timeout=WAIT * 1000)
    assert page.locator(".problems code").first.text_content() == f"{HUAJIE}:{line}"
    assert "方括号列表 [...] 未闭合" in page.locator(".problems li").first.text_content()
    open_connected(page, page.url, log)          # the error page reloads too
    site.write(HUAJIE, good)
    page.locator("h1", has_text="花街镇人民政府2023年政府信息公开工作年度报告").wait_for(timeout=WAIT * 1000)
    assert page.locator("#t2-item6 td").first.text_content() == "365"


def test_a_burst_of_thirty_saves_gives_one_or_two_rebuilds(preview):
    site, log = preview["site"], preview["log"]
    before = len(log.builds())
    started = time.monotonic()
    for n in range(30):     # spread over most of a second, across several polls of the watcher
        site.write(f"templates/static/extra-{n}.css", f"/* {n} */\n")
        time.sleep(0.02)    # pacing the writes, as a `git pull` does; nothing is awaited here
    assert time.monotonic() - started < 1
    log.wait_for(r"已重新生成.*变动：templates/static/extra-", after=0)
    # Quiet afterwards: one more save, and its rebuild is the next one in the log.
    site.write(NARRATIVE, site.read(NARRATIVE) + "\n结尾。\n")
    log.wait_for(r"已重新生成.*变动：content/reports/huajie/2023.md$")
    burst = log.builds()[before:-1]
    assert 1 <= len(burst) <= 2, burst


def test_the_output_folders_are_not_watched(preview):
    site, log, out = preview["site"], preview["log"], preview["out"]
    watched = scan_inputs(site.root)
    (site.root / "build").mkdir(exist_ok=True)
    (site.root / "build" / "index.html").write_text("published")
    (out / "extra.html").write_text("preview")
    assert scan_inputs(site.root) == watched
    before = len(log.builds())
    site.write(NARRATIVE, site.read(NARRATIVE) + "\n结尾。\n")
    log.wait_for(r"已重新生成.*变动：content/reports/huajie/2023.md$")
    assert len(log.builds()) == before + 1        # the output writes caused no rebuild of their own


def test_only_the_changed_report_is_rebuilt(preview):
    site, log, out = preview["site"], preview["log"], preview["out"]
    other = out / "nianbao/huaian/2024.html"
    untouched = other.stat().st_mtime_ns
    site.write(NARRATIVE, site.read(NARRATIVE) + "\n结尾。\n")
    log.wait_for(r"已重新生成.*：1 个文件有变化；变动：content/reports/huajie/2023.md$")
    assert other.stat().st_mtime_ns == untouched
    assert "结尾。" in (out / REPORT).read_text(encoding="utf-8")


def test_listens_on_loopback_only_and_stops_cleanly_on_ctrl_c(preview):
    port = preview["port"]
    listening = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, port_hex = local.split(":")
        if int(port_hex, 16) == port and state == "0A":          # 0A: LISTEN
            listening.append(address)
    assert listening == ["0100007F"]                               # 127.0.0.1
    assert preview["url"] == f"http://127.0.0.1:{port}/"
    process = preview["process"]
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=WAIT) == 0
    preview["log"].wait_for("已停止预览。")
    assert not preview["out"].exists()                             # the preview folder is removed
    assert leftovers(preview["site"]) == []                         # and so is its build cache


def test_new_then_check_passes_with_last_years_carry_over(site, monkeypatch):
    monkeypatch.setenv("GONGKAI_TODAY", "2025-03-01")    # new dates the report today: in time for 2024 (R11)
    run = generate("new", "huajie", "2024", "--site", str(site.root))
    assert run.code == 0, run.err
    assert "已按 2023 年报告的「四、结转下年度继续办理」填好「二、上年结转」（R6）" in run.out
    check = generate("check", "--site", str(site.root))
    assert check.code == 0, check.err
    assert "检查通过：3 份报告，0 个错误，1 个警告" in check.out
    rows = {}
    for rel in (HUAJIE, "content/reports/huajie/2024.yaml"):
        for label in ("二、上年结转政府信息公开申请数量", "四、结转下年度继续办理"):
            numbers = re.search(rf"{label}:\s*\[([^\]]*)\]", site.read(rel)).group(1)
            rows[(rel, label)] = [n.strip() for n in numbers.split(",")]
    assert rows[("content/reports/huajie/2024.yaml", "二、上年结转政府信息公开申请数量")] == \
        rows[(HUAJIE, "四、结转下年度继续办理")] == ["1", "0", "0", "0", "0", "0", "1"]
    narrative = site.read("content/reports/huajie/2024.md")
    for heading in ("## 一、总体情况", "### （一）主动公开", "## 五、存在的主要问题及改进情况", "## 六、其他需要报告的事项"):
        assert heading in narrative
    assert "规章" not in site.read("content/reports/huajie/2024.yaml")   # as in 2023: a town has no 规章 row
    build = site.build("--drafts")      # a new report is a draft (草稿: true) until the editor says otherwise
    assert build.code == 0 and (site.root / "build/nianbao/huajie/2024.html").is_file()


def test_new_refuses_to_overwrite_and_unknown_units(site):
    assert generate("new", "huajie", "2023", "--site", str(site.root)).code == 1
    run = generate("new", "nowhere", "2024", "--site", str(site.root))
    assert run.code == 1 and "单位「nowhere」不在单位名录" in run.err and "huajie" in run.err


def test_new_report_for_a_unit_without_last_year(site):
    run = generate("new", "huaian", "2025", "--site", str(site.root))     # 2024 exists: carried over
    assert run.code == 0
    run = generate("new", "huajie", "2025", "--site", str(site.root))    # no 2024 report
    assert run.code == 0 and "R6" not in run.out
    assert "规章:" in site.read("content/reports/huajie/2025.yaml")
    assert generate("check", "--site", str(site.root)).code == 0


def test_check_reports_errors_and_strict_fails_on_warnings(site):
    assert generate("check", "--site", str(site.root)).code == 0
    site.write("content/reports/huajie/notes.txt", "x")            # ignored, with a warning
    assert generate("check", "--site", str(site.root)).code == 0
    strict = generate("check", "--site", str(site.root), "--strict")
    assert strict.code == 1 and "--strict" in strict.err
    site.replace(HUAJIE, "行政处罚: 365", "行政处罚: -1")
    run = generate("check", "--site", str(site.root))
    assert run.code == 1 and "不能为负数" in run.err
    assert not (site.root / "build").exists()                      # check writes nothing


def test_a_configured_sub_path_is_served_as_published(site):
    site.replace("site.yaml", "网站地址: https://gongkai.example.org/", "网站地址: https://www.example.gov.cn/gk/nianbao-demo/")
    started = start_preview(site)
    port, url, process = started["port"], started["url"], started["process"]
    try:
        assert url == f"http://127.0.0.1:{port}/gk/nianbao-demo/"
        import urllib.request
        page = urllib.request.urlopen(url + REPORT).read().decode("utf-8")
        assert "花街镇人民政府2023年政府信息公开工作年度报告" in page
        # The reload script is a file of the preview's own, so a Content-Security-Policy without inline script allows it.
        assert f'<script src="/livereload.js?port={port}"></script></head>' in page
        assert "(function(){" not in page
        css = urllib.request.urlopen(url + "static/site.css").read().decode("utf-8")
        assert ".report-table" in css
        root = urllib.request.urlopen(f"http://127.0.0.1:{port}/").read().decode("utf-8")
        assert 'url=/gk/nianbao-demo/index.html' in root           # the bare root points to the sub-path
    finally:
        stop(process)


# --- What the preview lets in (issue 21, item 12) -----------------------------------------

def leftovers(site) -> list[str]:
    """What a stopped preview left in the site's build cache (its compiled templates may stay)."""
    return sorted(p.name for p in (site.root / ".gongkai-cache").iterdir() if p.name not in ("templates", ".gitignore"))


def get(port: int, path: str, host: str | None = None) -> tuple[int, str]:
    """A GET to the preview, with the Host header a browser would send for `host`."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
    try:
        connection.putrequest("GET", path, skip_host=True)
        connection.putheader("Host", f"127.0.0.1:{port}" if host is None else host)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8")
    finally:
        connection.close()


def reload_socket(port: int, origin: str | None = None, host: str | None = None):
    """Connect to the preview's /livereload websocket as a page of `origin` would, and say hello
    as livereload.js does (the server then counts it among the pages to reload)."""
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    async def connect():
        headers = {"Origin": origin or f"http://127.0.0.1:{port}", "Host": host or f"127.0.0.1:{port}"}
        socket = await websocket_connect(HTTPRequest(f"ws://127.0.0.1:{port}/livereload", headers=headers))
        socket.write_message(json.dumps({"command": "hello", "protocols": []}))
        assert json.loads(await socket.read_message())["command"] == "hello"
        socket.write_message(json.dumps({"command": "info", "url": f"http://127.0.0.1:{port}/"}))
        return socket
    return connect()


def run(coroutine):
    """asyncio.run in a thread of its own: a browser test's event loop may be running in this one."""
    with concurrent.futures.ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


def test_a_page_of_another_host_name_is_refused_dns_rebinding(preview):
    port = preview["port"]
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", "localhost:9000"):   # 9000: ssh -L
        status, page = get(port, "/" + REPORT, host)
        assert status == 200 and "花街镇人民政府2023年政府信息公开工作年度报告" in page, host
    for host in (f"evil.example:{port}", f"127.0.0.1.nip.io:{port}", f"localhost.evil.example:{port}", ""):
        for path in ("/" + REPORT, "/", "/livereload.js", "/livereload"):
            status, text = get(port, path, host)
            assert status == 421 and "预览只接受本机地址" in text and "花街镇" not in text, (host, path)


def test_the_reload_socket_is_only_for_the_previews_own_pages(preview):
    from tornado.httpclient import HTTPClientError

    port = preview["port"]

    async def attempt(origin, host=None) -> int | None:
        try:
            (await reload_socket(port, origin, host)).close()
        except HTTPClientError as refused:
            return refused.code
        return None

    assert run(attempt(f"http://127.0.0.1:{port}")) is None
    assert run(attempt(f"http://localhost:{port}", host=f"localhost:{port}")) is None
    for origin in ("http://evil.example", f"http://evil.example:{port}", f"http://localhost:{port}", "null",
                   f"https://127.0.0.1:{port}.evil.example"):
        assert run(attempt(origin)) == 403, origin
    assert run(attempt(f"http://evil.example:{port}", host=f"evil.example:{port}")) == 421


def test_forcereload_reloads_no_browser(preview):
    site, port = preview["site"], preview["port"]

    async def next_message_after_forcing():
        socket = await reload_socket(port)
        await asyncio.to_thread(preview["log"].wait_for, "浏览器已连接")   # registered: it would be reloaded
        status, _ = await asyncio.to_thread(get, port, "/forcereload?path=forced")
        assert status == 404
        site.write(NARRATIVE, site.read(NARRATIVE) + "\n结尾。\n")    # a real change: its reload comes next
        message = json.loads(await asyncio.wait_for(socket.read_message(), WAIT))
        socket.close()
        return message

    message = run(next_message_after_forcing())
    assert message["command"] == "reload" and message["path"] != "forced"


def test_the_redirect_page_escapes_the_site_address(site):
    site.replace("site.yaml", "网站地址: https://gongkai.example.org/",
                 '网站地址: https://www.example.gov.cn/gk/"><script>alert(1)</script>/')
    started = start_preview(site)
    port = started["port"]
    try:
        status, page = get(port, "/")
        assert status == 200 and "<script>alert" not in page
        href = re.search(r'<a href="([^"]+)">', page).group(1)
        assert href == "/gk/%22%3E%3Cscript%3Ealert%281%29%3C/script%3E/index.html"
        assert started["url"] == f"http://127.0.0.1:{port}{href[:-len('index.html')]}"
        status, home = get(port, href)                               # and the link leads to the site
        assert status == 200 and "政府信息公开年报示例门户" in home
    finally:
        stop(started["process"])


def test_a_preview_open_to_the_network_says_so(site):
    started = start_preview(site, "--host", "0.0.0.0", stderr=subprocess.PIPE)
    port, process = started["port"], started["process"]
    assert get(port, "/", f"evil.example:{port}")[0] == 421          # names are still checked
    assert get(port, "/", f"192.0.2.7:{port}")[0] == 200             # an address cannot be rebound
    assert stop(process) == 0
    warning = process.stderr.read()
    assert "警告：预览监听在 0.0.0.0，不只是本机：同一网络中的任何人都能打开预览，看到尚未发布的草稿。" in warning


def test_loopback_previews_give_no_warning(site):
    started = start_preview(site, "--host", "localhost", stderr=subprocess.PIPE)
    assert stop(started["process"]) == 0
    assert "警告" not in started["process"].stderr.read()


def test_sigterm_removes_the_preview_folder_and_its_cache(preview):
    process, site = preview["process"], preview["site"]
    assert (preview["out"] / REPORT).is_file() and leftovers(site) != []
    assert stop(process, signal.SIGTERM) == 0
    preview["log"].wait_for("已停止预览。")
    assert not preview["out"].exists()
    assert leftovers(site) == []                                    # no manifest-*, no opendata-*


# --- The build's warnings in the browser (issue 16) ----------------------------------------

# A link warning quotes the editor's address: markup in it must show as text, never run.
UNSAFE_LINK = "[点此](javascript:alert(1)//<img/src=x/onerror=alert(2)>)"
PANEL = re.compile(r'<aside class="gongkai-preview-warnings".*?</aside>', re.S)


def add_warnings(site) -> list[str]:
    """An R9 (the narrative's 17 against table 三's 6) and a link warning in huajie's 2023
    narrative; returns the lines `check` prints of them."""
    site.replace(NARRATIVE, "共收到依申请公开信件6件", "共收到依申请公开信件17件")
    site.write(NARRATIVE, site.read(NARRATIVE) + f"\n{UNSAFE_LINK}\n")
    lines = [line for line in generate("check", "--site", str(site.root)).lines if "警告：" in line]
    assert [line[line.rindex("("):] for line in lines] == ["(R9)", "(link)"], lines
    return lines


def panel_of(page: str) -> str | None:
    found = PANEL.search(page)
    return found.group() if found else None


def text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def panel_lines(page: str) -> list[str]:
    return [text_of(item) for item in re.findall(r"<li>.*?</li>", panel_of(page), re.S)]


def panel_summary(page: str) -> str:
    return text_of(re.search(r"<summary>.*?</summary>", panel_of(page), re.S).group())


def test_the_warnings_are_on_every_previewed_page_as_check_prints_them_until_fixed(site):
    original = site.read(NARRATIVE)
    expected = add_warnings(site)
    started = start_preview(site)
    port, log, out = started["port"], started["log"], started["out"]
    try:
        status, page = get(port, "/" + REPORT)
        assert status == 200
        assert panel_lines(page) == expected                        # word for word, file:line first
        assert panel_summary(page) == "本报告 2 条提醒（全站共 2 条）"
        assert "<img/src=x" not in page and "&lt;img/src=x/onerror=alert(2)&gt;" in panel_of(page)
        _, other = get(port, "/nianbao/huaian/2024.html")         # another report: its own come first, it has none
        assert panel_summary(other) == "本报告没有提醒（全站共 2 条）" and panel_lines(other) == expected
        assert "<h2>其他文件的提醒（2 条）</h2>" in panel_of(other)
        _, home = get(port, "/")
        assert panel_summary(home) == "2 条提醒" and panel_lines(home) == expected
        for built in out.rglob("*"):                                # added as sent: the files have no trace of it
            assert not built.is_file() or b"gongkai-preview" not in built.read_bytes(), built
        other_narrative = "content/reports/huaian/2024.md"          # an incremental build keeps huajie's warnings
        before = len(log.lines)
        site.write(other_narrative, site.read(other_narrative) + "\n结尾。\n")
        log.wait_for(r"已重新生成.*变动：content/reports/huaian/2024.md$", after=before)
        assert panel_lines(get(port, "/" + REPORT)[1]) == expected
        before = len(log.lines)
        site.write(NARRATIVE, original)
        log.wait_for(r"已重新生成.*变动：content/reports/huajie/2023.md$", after=before)
        _, fixed = get(port, "/" + REPORT)
        assert "gongkai-preview" not in fixed and "花街镇人民政府2023年政府信息公开工作年度报告" in fixed
    finally:
        stop(started["process"])


def test_the_warnings_panel_knows_a_reports_page_under_a_configured_sub_path(site):
    site.replace("site.yaml", "网站地址: https://gongkai.example.org/", "网站地址: https://www.example.gov.cn/gk/nianbao-demo/")
    expected = add_warnings(site)
    started = start_preview(site)
    try:
        status, page = get(started["port"], "/gk/nianbao-demo/" + REPORT)
        assert status == 200 and panel_summary(page) == "本报告 2 条提醒（全站共 2 条）"
        assert panel_lines(get(started["port"], "/gk/nianbao-demo/")[1]) == expected
    finally:
        stop(started["process"])


def test_generate_build_writes_no_trace_of_the_warnings_panel(site):
    add_warnings(site)
    assert site.build().code == 0
    for built in (site.root / "build").rglob("*"):
        assert not built.is_file() or b"gongkai-preview" not in built.read_bytes(), built


def test_the_panels_style_and_script_are_files_of_the_preview_for_this_machine_only(preview):
    port = preview["port"]
    assert get(port, STYLE_PATH) == (200, SHEET) and get(port, SCRIPT_PATH) == (200, SCRIPT)
    assert get(port, STYLE_PATH, f"evil.example:{port}")[0] == 421
    status, page = get(port, "/" + REPORT)                            # the example portal has no warning
    assert status == 200 and panel_of(page) is None and STYLE_PATH not in page


def test_the_panel_lists_the_pages_own_warnings_first_and_escapes_every_line():
    site_wide = Problem(WARNING, "site.yaml", None, "未设置「网站地址」", "base_url")
    own = Problem(WARNING, "content/reports/huajie/2023.md", 12, "正文说「<script>alert(1)</script>」", "R9")
    sibling = Problem(WARNING, "content/reports/huajie/2022.yaml", 3, "发布日期晚于期限", "R11")
    warnings = [own, sibling, site_wide]
    assert focus_of("nianbao/huajie/2023-tujie.html") == focus_of("nianbao/huajie/2023.html")
    assert focus_of("index.html") is None and focus_of("nianbao/index.html") is None
    tujie = panel_html(warnings, "nianbao/huajie/2023-tujie.html")
    assert panel_summary(tujie) == "本报告 1 条提醒（全站共 3 条）"
    assert re.findall(r"<h2>(.*?)</h2>", tujie) == ["本报告的提醒（1 条）", "其他文件的提醒（2 条）"]
    assert panel_lines(tujie) == [own.format(), sibling.format(), site_wide.format()]
    assert "<script>alert" not in tujie and "&lt;script&gt;alert(1)&lt;/script&gt;" in tujie
    unit = panel_html(warnings, "nianbao/huajie/index.html")                  # a unit's page: all its years
    assert panel_summary(unit) == "本单位 2 条提醒（全站共 3 条）"
    many = [Problem(WARNING, f"content/reports/u{n}/2023.md", 1, "重复", "R10") for n in range(MAX_LISTED + 5)]
    home = panel_html(many, "index.html")
    assert len(panel_lines(home)) == MAX_LISTED and "另有 5 条" in home


@pytest.mark.browser
def test_the_warnings_panel_is_accessible_runs_under_the_csp_and_stays_open_across_reloads(page, site, nu_messages,
                                                                                          tmp_path):
    original = site.read(NARRATIVE)
    expected = add_warnings(site)
    started = start_preview(site)
    port, log, url = started["port"], started["log"], started["url"]
    page.add_init_script('window.__refused = []; document.addEventListener("securitypolicyviolation",'
                         ' (e) => window.__refused.push(e.violatedDirective + " " + e.blockedURI));')
    try:
        open_connected(page, url + REPORT, log)
        panel = page.locator("aside.gongkai-preview-warnings")
        summary = panel.locator("summary")
        assert summary.text_content() == "本报告 2 条提醒（全站共 2 条）" and summary.is_visible()
        assert panel.locator("li").all_text_contents() == expected
        page.keyboard.press("Shift+Tab")                       # backwards from the page's start: the panel is last
        assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
        page.keyboard.press("Enter")
        assert panel.locator("details").evaluate("d => d.open") and panel.locator("li").first.is_visible()
        page.keyboard.press("Tab")                              # the list scrolls, so it takes focus
        assert page.evaluate("document.activeElement.className") == "gongkai-preview-warnings-list"
        assert axe_violations(page) == []
        # Opened, it stays open after the reload a save causes: its script ran under the page's CSP.
        open_connected(page, url + REPORT, log)
        assert panel.locator("details").evaluate("d => d.open")
        assert page.evaluate("window.__refused") == []
        served = tmp_path / "previewed.html"
        served.write_text(get(port, "/" + REPORT)[1], encoding="utf-8")
        assert [m for m in nu_messages([served]) if m["type"] == "error"] == []
        site.write(NARRATIVE, original)                          # fixed: the page reloads without it
        panel.wait_for(state="detached", timeout=WAIT * 1000)
        assert page.locator("h1").text_content() == "花街镇人民政府2023年政府信息公开工作年度报告"
    finally:
        stop(started["process"])
