"""Deployment (issue 17, item 6): `--base-url` for one build, a 404 page that works at any depth
under the site's sub-path, and the README's server snippets, the nginx one against a real nginx."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import urllib.error
import urllib.request
import xml.etree.ElementTree as ElementTree
from email.message import Message
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest

from helpers import REPO, QuietHandler, axe_violations, build, generate, served

SUB = "xxgk"             # the sub-path of the README's snippets
STAGING = "https://staging.example.gov.cn/xxgk/"
REPORT = "nianbao/huajie/2023.html"


# --- a web server that serves the built site under a sub-path, and 404.html for what is missing ----------

def sub_path_server(docroot: Path):
    """Serves `docroot` (the site in docroot/SUB) on 127.0.0.1, answering a missing address with
    SUB/404.html and status 404, as the README's servers do; yields the server's address."""

    class Handler(QuietHandler):
        def send_error(self, code, message=None, explain=None):
            page = docroot / SUB / "404.html"
            if code != 404 or not page.is_file():
                return super().send_error(code, message, explain)
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

    return served(docroot, Handler)


def fetch(url: str) -> tuple[int, Message, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


class Links(HTMLParser):
    """Every href/src of a page, and its stylesheets and <style> elements."""

    def __init__(self):
        super().__init__()
        self.links, self.stylesheets, self.styles, self._in_style = [], [], [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("href", "src"):
            if attrs.get(name):
                self.links.append(attrs[name])
        if tag == "link" and attrs.get("rel") == "stylesheet":
            self.stylesheets.append(attrs["href"])
        self._in_style = tag == "style"

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)

    def handle_endtag(self, tag):
        self._in_style = False


def parsed(html: bytes) -> Links:
    links = Links()
    links.feed(html.decode("utf-8"))
    return links


def broken_links(page_url: str, html: bytes, fetched: dict[str, int]) -> list[str]:
    """The page's links to its own server that do not answer 200 (each address fetched once)."""
    host = urlsplit(page_url).netloc
    broken = []
    page = parsed(html)
    for link in page.links:
        if link.startswith("#"):        # on the page itself, whatever its address
            if link != "#" and f'id="{link[1:]}"'.encode() not in html:
                broken.append(f"{page_url} -> {link} (no such id)")
            continue
        target = urldefrag(urljoin(page_url, link))[0]
        if urlsplit(target).netloc != host or urlsplit(target).scheme not in ("http", "https"):
            continue                    # external: not fetched
        if target not in fetched:
            fetched[target] = fetch(target)[0]
        if fetched[target] != 200:
            broken.append(f"{page_url} -> {link} ({fetched[target]})")
    return broken


def assert_styled(page_url: str, html: bytes) -> None:
    """The page has its styles: each stylesheet it links answers 200 as CSS, or they are inline."""
    page = parsed(html)
    assert page.stylesheets or any(":root" in style for style in page.styles), page_url
    for sheet in page.stylesheets:
        status, headers, body = fetch(urljoin(page_url, sheet))
        assert status == 200 and headers["Content-Type"].startswith("text/css") and b":root" in body, (page_url, sheet)


# --- under a sub-path, with and without 网站地址 ---------------------------------------------------------

def test_every_page_and_the_404_work_under_a_sub_path(tmp_path):
    docroot = tmp_path / "www"
    with sub_path_server(docroot) as server:
        site_url = f"{server}{SUB}/"
        build(REPO, docroot / SUB, "--base-url", site_url)
        fetched: dict[str, int] = {}
        pages = sorted(p.relative_to(docroot / SUB).as_posix() for p in (docroot / SUB).rglob("*.html"))
        assert REPORT in pages and "404.html" in pages and "search/index.html" in pages
        for rel in pages:
            url = site_url + rel
            status, _, html = fetch(url)
            assert status == 200, url
            assert_styled(url, html)
            assert broken_links(url, html, fetched) == []
        missing = f"{site_url}a/b/{SUB}/missing.html"
        status, _, html = fetch(missing)
        assert status == 404 and "页面未找到".encode() in html
        assert_styled(missing, html)
        assert broken_links(missing, html, fetched) == []
        assert len(fetched) > 20             # the links were followed, not skipped


def test_without_a_site_address_the_404_keeps_its_styles_and_says_why_its_links_may_not(site, tmp_path):
    site.replace("site.yaml", "网站地址: https://gongkai.example.org/\n", "")
    docroot = tmp_path / "www"
    run = build(site.root, docroot / SUB)
    warning = [line for line in run.lines if "(base_url)" in line]
    assert len(warning) == 1 and "404.html 的链接只能从域名根目录（/）算起" in warning[0] and "--base-url" in warning[0]
    with sub_path_server(docroot) as server:
        missing = f"{server}{SUB}/nianbao/huajie/2019.html"
        status, _, html = fetch(missing)
        assert status == 404
        page = parsed(html)
        assert page.stylesheets == [] and any(".site-header" in style for style in page.styles)
        assert_styled(missing, html)
    css = (REPO / "templates/static/site.css").read_text(encoding="utf-8")
    assert css.strip() in html.decode("utf-8")       # all of it: the page looks like every other


def test_the_404_inlines_the_sites_own_stylesheet_unable_to_close_its_element(site):
    site.replace("site.yaml", "网站地址: https://gongkai.example.org/\n", "")
    css = (REPO / "templates/static/site.css").read_text(encoding="utf-8")
    site.write("templates/static/site.css", css + '\n.own { content: "</style><script>x()</script>"; }\n')
    build(site.root)
    html = site.page("404.html")
    assert '.own { content: "<\\/style><script>x()<\\/script>"; }' in html
    assert html.count("</style") == 1          # a <style> ends at the first "</style": here, its own end


# --- --base-url ------------------------------------------------------------------------------------

def test_base_url_replaces_the_site_address_for_one_build(tmp_path):
    out = tmp_path / "staging"
    build(REPO, out, "--base-url", STAGING)
    sitemap = (out / "sitemap.xml").read_text(encoding="utf-8")
    assert f"<loc>{STAGING}{REPORT}</loc>" in sitemap and "gongkai.example.org" not in sitemap
    assert f'<link rel="canonical" href="{STAGING}{REPORT}">' in (out / REPORT).read_text(encoding="utf-8")
    html = (out / "404.html").read_text(encoding="utf-8")
    assert f'href="/{SUB}/static/site.css?v=' in html and f'href="/{SUB}/nianbao/index.html"' in html
    without_slash = tmp_path / "no-slash"
    build(REPO, without_slash, "--base-url", STAGING.rstrip("/"))
    assert (without_slash / "sitemap.xml").read_bytes() == sitemap.encode()


@pytest.mark.parametrize("command", ["build", "check"])
@pytest.mark.parametrize("url, says", [("staging.example.gov.cn/xxgk/", "应为完整网址"),
                                       ("https://a.gov.cn/x/../y/", "不能有 ..")])
def test_a_bad_base_url_is_one_line_naming_the_option(tmp_path, command, url, says):
    out = ["--out", str(tmp_path / "out")] if command == "build" else []
    run = generate(command, "--site", str(REPO), *out, "--base-url", url)
    assert run.code == 1
    assert run.lines[0].startswith("--base-url: 代替 site.yaml「网站地址」的网址：") and says in run.lines[0]
    assert run.lines[0].endswith("(base_url)") and "Traceback" not in run.err
    assert not (tmp_path / "out").exists()


def test_check_accepts_a_base_url():
    run = generate("check", "--site", str(REPO), "--base-url", STAGING)
    assert run.code == 0, run.err


def test_an_incremental_build_with_another_base_url_is_a_cold_build(site):
    build(site.root, None, "--base-url", "https://a.example.gov.cn/one/")
    build(site.root, None, "--base-url", STAGING)
    incremental = _files(site.root / "build")
    shutil.rmtree(site.root / "build")
    shutil.rmtree(site.root / ".gongkai-cache")
    build(site.root, None, "--base-url", STAGING)
    assert incremental == _files(site.root / "build")
    assert "a.example.gov.cn" not in incremental["sitemap.xml"].decode()
    build(site.root)                   # and back to site.yaml's 网站地址
    assert STAGING not in (site.root / "build/sitemap.xml").read_text(encoding="utf-8")
    assert 'href="/static/site.css' in site.page("404.html")


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.relative_to(folder).as_posix().startswith("pagefind/")}


# --- the README's snippets ------------------------------------------------------------------------------

def deployment_section() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return text[text.index("## 部署"):text.index("## Layout of the code")]


def readme_snippet(language: str) -> str:
    """The README's one snippet in `language` in its 部署 section: the doc is what is tested."""
    (snippet,) = re.findall(rf"```{language}\n(.+?)\n```", deployment_section(), re.S)
    return snippet


def test_the_readme_says_what_to_upload_and_what_stays_private():
    deployment = deployment_section()
    for needed in ("generate check --strict", "everything in `build/`", "`.gongkai-cache/`", "--base-url"):
        assert needed in deployment


def test_the_apache_and_iis_snippets_serve_the_404_csv_and_utf8_under_the_sub_path():
    apache = readme_snippet("apache")
    assert f"ErrorDocument 404 /{SUB}/404.html" in apache and "AddType text/csv .csv" in apache
    assert "AddDefaultCharset utf-8" in apache
    iis = ElementTree.fromstring(readme_snippet("xml").encode("utf-8"))
    (error,) = iis.iter("error")
    assert error.get("statusCode") == "404" and error.get("path") == f"/{SUB}/404.html"
    types = {m.get("fileExtension"): m.get("mimeType") for m in iis.iter("mimeMap")}
    assert types[".csv"] == "text/csv; charset=utf-8" and types[".json"].startswith("application/json")
    assert {".pf_meta", ".pf_index", ".pf_fragment", ".pf_filter", ".pagefind"} <= types.keys()   # Pagefind's
    storage = readme_snippet("sh")
    assert f"--error-document {SUB}/404.html" in storage and "--index-document index.html" in storage


NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")     # not on a user's PATH


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def nginx_serving(docroot: Path, work: Path):
    """A real nginx, as this user, with the README's server block (its port and root replaced)."""
    server = readme_snippet("nginx")
    assert "listen 80;" in server and "root /var/www;" in server
    port = free_port()
    server = server.replace("listen 80;", f"listen 127.0.0.1:{port};").replace("root /var/www;", f"root {docroot};")
    temp = "\n".join(f"    {kind}_temp_path {work}/{kind};" for kind in ("client_body", "proxy", "fastcgi"))
    conf = work / "nginx.conf"
    # daemon on, master_process off: one process, this user's; the command returns once it listens.
    conf.write_text(f"daemon on;\nmaster_process off;\npid {work}/nginx.pid;\nerror_log {work}/error.log;\n"
                    f"events {{ worker_connections 64; }}\nhttp {{\n    access_log off;\n{temp}\n{server}\n}}\n",
                    encoding="utf-8")
    started = subprocess.run([NGINX, "-p", str(work), "-c", str(conf)], capture_output=True, text=True)
    assert started.returncode == 0, started.stderr
    pid = int((work / "nginx.pid").read_text())
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        os.kill(pid, 15)


def test_the_readme_nginx_snippet_serves_the_portal_under_its_sub_path(built_example, tmp_path):
    if NGINX is None:
        if os.environ.get("CI") == "true":
            pytest.fail("nginx is missing in CI: the README's test command installs nginx-light")
        pytest.skip("nginx is not installed (apt-get install nginx-light)")
    docroot = tmp_path / "www"
    shutil.copytree(built_example, docroot / SUB)
    work = tmp_path / "nginx"
    work.mkdir()
    with nginx_serving(docroot, work) as server:
        site_url = f"{server}{SUB}/"
        status, headers, html = fetch(site_url + REPORT)
        assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
        assert "花街镇人民政府2023年政府信息公开工作年度报告".encode() in html
        assert headers["Cache-Control"] == "no-cache"
        status, headers, csv = fetch(site_url + "nianbao/huajie/2023.csv")
        assert status == 200 and headers["Content-Type"] == "text/csv; charset=utf-8"
        assert csv.startswith(b"\xef\xbb\xbf")
        status, headers, _ = fetch(site_url + "nianbao/huajie/2023.json")
        assert status == 200 and headers["Content-Type"] == "application/json; charset=utf-8"
        status, headers, _ = fetch(site_url + "static/site.css")
        assert status == 200 and headers["Cache-Control"] == "public, max-age=2592000"
        status, _, _ = fetch(site_url + "nianbao/")
        assert status == 200
        missing = f"{site_url}a/b/missing.html"
        status, headers, html = fetch(missing)
        assert status == 404 and "页面未找到".encode() in html
        # The example portal's 网站地址 has no sub-path, so its 404 links /static/...: rebuilt with this one.
    rebuilt = tmp_path / "rebuilt"
    build(REPO, rebuilt, "--base-url", f"https://www.example.gov.cn/{SUB}/")
    shutil.rmtree(docroot / SUB)
    shutil.copytree(rebuilt, docroot / SUB)
    with nginx_serving(docroot, work) as server:
        missing = f"{server}{SUB}/a/b/missing.html"
        status, _, html = fetch(missing)
        assert status == 404
        assert_styled(missing, html)
        fetched: dict[str, int] = {}
        assert broken_links(missing, html, fetched) == [] and fetched


@pytest.mark.browser
def test_the_inline_styled_404_in_chromium_at_depth(site, tmp_path, page, nu_messages):
    """Without 网站地址: styled in the browser (the CSP lets the inline styles through), and valid."""
    site.replace("site.yaml", "网站地址: https://gongkai.example.org/\n", "")
    docroot = tmp_path / "www"
    build(site.root, docroot / SUB)
    assert [m for m in nu_messages([docroot / SUB / "404.html"]) if m["type"] == "error"] == []
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text
            else None)
    with sub_path_server(docroot) as server:
        response = page.goto(f"{server}{SUB}/nianbao/huajie/a/b/missing.html")
        assert response.status == 404
        header = page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor")
        assert header == "rgb(11, 74, 139)"          # the theme's accent: the styles applied
        assert axe_violations(page) == []
    assert refused == []
