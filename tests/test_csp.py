"""The Content-Security-Policy of every page: no inline script runs, and the pages' own script still works."""

from __future__ import annotations

import re

import pytest

from helpers import PAGES, REPORT, body_font_px, font_button, search

CSP = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">')

# Recorded from before the page's own script runs: every violation, and each call of window.print.
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation",
    (e) => window.__violations.push(e.violatedDirective + " " + e.blockedURI));
window.__printed = 0;
window.print = () => { window.__printed += 1; };
"""


def policy(html: str) -> dict[str, list[str]]:
    match = CSP.search(html)
    assert match, "no Content-Security-Policy"
    return {name: values for name, *values in (part.split() for part in match.group(1).split(";"))}


def test_every_page_forbids_inline_script_and_script_from_elsewhere(built_example):
    for path in PAGES:
        html = (built_example / path).read_text(encoding="utf-8")
        directives = policy(html)
        assert directives["script-src"] == ["'self'", "'wasm-unsafe-eval'"], path
        assert directives["object-src"] == ["'none'"] and directives["base-uri"] == ["'self'"], path
        assert directives["default-src"] == ["'self'"], path
        # a policy in a <meta> only covers what comes after it
        assert html.index("Content-Security-Policy") < html.index("<script"), path


@pytest.fixture
def watched(page):
    page.add_init_script(WATCH)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.console_lines = console
    return page


def violations(page) -> list[str]:
    return page.evaluate("window.__violations") + [line for line in page.console_lines
                                                     if "Content Security Policy" in line]


@pytest.mark.browser
@pytest.mark.parametrize("path", PAGES)
def test_no_page_breaks_its_own_policy(watched, served_example, path):
    watched.goto(served_example + path)
    watched.wait_for_load_state("networkidle")
    assert violations(watched) == []


@pytest.mark.browser
def test_the_toolbar_works_under_the_policy(watched, served_example):
    watched.goto(served_example + REPORT)
    medium = body_font_px(watched)
    font_button(watched, "大").click()
    assert body_font_px(watched) > medium
    watched.get_by_role("button", name="打印", exact=True).click()
    assert watched.evaluate("window.__printed") == 1
    assert violations(watched) == []


@pytest.mark.browser
def test_search_works_under_the_policy(watched, served_example):
    said, links = search(watched, served_example, "行政处罚")
    assert "找到" in said and any(link.endswith("nianbao/huajie/2023.html") for link in links), links
    assert violations(watched) == []


RAN = "(window.__ran = window.__ran || []).push"
INJECTED = (f'<script>{RAN}("inline script");</script>'
            f'<img src="missing.png" onerror="{RAN}(\'event handler\')">'
            f'<a id="injected" href="javascript:void({RAN}(\'javascript: link\'))">x</a>')


def _serve_with_injection(page, served_example, keep_policy: bool) -> None:
    """The report as published, with script injected into its body (and, for the control, no policy)."""
    def inject(route):
        html = route.fetch().text()
        html = html.replace("<main", INJECTED + "<main", 1)
        if not keep_policy:
            html = CSP.sub("", html)
        route.fulfill(body=html, content_type="text/html; charset=utf-8")

    page.route(served_example + REPORT, inject)
    page.goto(served_example + REPORT)
    page.wait_for_load_state("networkidle")
    page.locator("#injected").click()


@pytest.mark.browser
def test_script_injected_into_a_page_does_not_run(watched, served_example):
    _serve_with_injection(watched, served_example, keep_policy=True)
    watched.wait_for_function("window.__violations.length >= 3")
    assert watched.evaluate("window.__ran") is None
    assert sorted(watched.evaluate("window.__violations")) == [   # the script, the link, the handler
        "script-src-attr inline", "script-src-elem inline", "script-src-elem inline"]


@pytest.mark.browser
def test_without_the_policy_the_injected_script_would_run(watched, served_example):
    """The control: the injection above is real script, which the policy alone stops."""
    _serve_with_injection(watched, served_example, keep_policy=False)
    watched.wait_for_function("(window.__ran || []).length >= 3")
    assert sorted(watched.evaluate("window.__ran")) == ["event handler", "inline script", "javascript: link"]
