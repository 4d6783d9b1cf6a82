"""长者模式 (关怀版), built into the theme (issue 18): in the browser, on the example portal.

A switch on every page, remembered; type of at least 20 px, AAA contrast (axe's wcag2aaa rules),
a large cursor, no decoration, a thicker focus ring; printing is unchanged.
"""

from __future__ import annotations

import re

import pytest

from helpers import NODE_MODULES, PAGES, REPORT

AAA = {"runOnly": {"type": "tag", "values": ["wcag2aaa"]}}


def care_button(page):
    return page.get_by_role("button", name="长者模式", exact=True)


def care_on(page) -> bool:
    return page.evaluate("document.documentElement.classList.contains('care')")


def font_px(page, selector: str = "body") -> float:
    return page.evaluate(f"parseFloat(getComputedStyle(document.querySelector('{selector}')).fontSize)")


def switch_on(page, url: str) -> None:
    page.goto(url)
    care_button(page).click()
    assert care_on(page)


def tab_to(page, name: str) -> None:
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == name:
            return
    pytest.fail(f"Tab never reached {name}")


# Visible text (not the 1-px visually hidden kind) set in a font smaller than `px`.
SMALL_TEXT = """px => [...document.querySelectorAll('body *')].filter(e => {
  if (![...e.childNodes].some(n => n.nodeType === 3 && n.nodeValue.trim())) return false;
  const box = e.getBoundingClientRect();
  if (box.width <= 1 || box.height <= 1) return false;
  return parseFloat(getComputedStyle(e).fontSize) < px;
}).map(e => e.tagName + '.' + e.className + ' ' + e.textContent.trim().slice(0, 20))"""


def aaa_violations(page) -> list[dict]:
    page.evaluate((NODE_MODULES / "axe-core" / "axe.min.js").read_text(encoding="utf-8"))
    result = page.evaluate("o => axe.run(document, o)", AAA)
    return [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"]]} for v in result["violations"]]


def test_every_page_has_the_switch_hidden_until_its_script_runs(built_example):
    for path in PAGES:
        html = (built_example / path).read_text(encoding="utf-8")
        switch = re.search(r'<div class="care-switch" data-care-switch hidden>\s*'
                           r'<button type="button" data-care aria-pressed="false">长者模式</button>', html)
        assert switch, path
        # before </head>, without defer: the remembered mode is set before the first paint
        assert re.search(r'<script src="[^"]*static/site\.js\?v=\w+"></script>\s*</head>', html), path


# --- 长者模式 ---------------------------------------------------------------------------------

@pytest.mark.browser
def test_the_switch_turns_the_mode_on_and_off_by_mouse(page, served_example):
    page.goto(served_example + REPORT)
    assert not care_on(page) and font_px(page, ".report-body p") == 16
    button = care_button(page)
    assert button.get_attribute("aria-pressed") == "false"
    button.click()
    assert care_on(page) and button.get_attribute("aria-pressed") == "true"
    assert font_px(page, ".report-body p") >= 20 and font_px(page) >= 20
    assert page.locator("[data-care-status]").text_content() == "已开启长者模式"
    assert page.locator("[data-care-status]").get_attribute("role") == "status"
    button.click()
    assert not care_on(page) and button.get_attribute("aria-pressed") == "false"
    assert font_px(page, ".report-body p") == 16
    assert page.locator("[data-care-status]").text_content() == "已关闭长者模式"


@pytest.mark.browser
def test_the_switch_works_by_keyboard(page, served_example):
    page.goto(served_example + "index.html")
    tab_to(page, "长者模式")
    page.keyboard.press("Enter")
    assert care_on(page) and font_px(page) >= 20
    page.keyboard.press("Space")
    assert not care_on(page)


@pytest.mark.browser
def test_the_mode_is_remembered_across_pages_and_reloads(page, served_example):
    switch_on(page, served_example + "index.html")
    for path in (REPORT, "search/index.html", "404.html"):
        page.goto(served_example + path)
        assert care_on(page), path
        assert care_button(page).get_attribute("aria-pressed") == "true", path
        assert font_px(page) >= 20, path
    page.reload()
    assert care_on(page)
    care_button(page).click()
    page.goto(served_example + "index.html")
    assert not care_on(page)


@pytest.mark.browser
def test_the_mode_composes_with_the_font_size_control(page, served_example):
    """大 in the mode gives 24 px (18 pt, the 适老化 rules' size for phones); 小 never goes below 20 px."""
    switch_on(page, served_example + REPORT)
    page.get_by_role("button", name="大", exact=True).click()
    assert font_px(page, ".report-body p") == 24
    page.get_by_role("button", name="小", exact=True).click()
    assert font_px(page, ".report-body p") == 20


@pytest.mark.browser
@pytest.mark.parametrize("path", PAGES)
def test_every_page_in_the_mode_is_aaa_and_large(page, served_example, path):
    switch_on(page, served_example + path)
    assert page.evaluate(SMALL_TEXT, 20) == []
    assert aaa_violations(page) == []


@pytest.mark.browser
def test_aaa_check_still_catches_low_contrast(page):
    page.set_content('<html lang="zh-CN"><body><p style="color:#666;background:#fff">灰色文字 5.7:1</p></body></html>')
    assert [v["id"] for v in aaa_violations(page)] == ["color-contrast-enhanced"]


@pytest.mark.browser
def test_the_mode_has_a_large_cursor_from_our_own_files(page, served_example):
    page.add_init_script("window.__violations = []; document.addEventListener('securitypolicyviolation',"
                         " e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));")
    switch_on(page, served_example + REPORT)
    cursors = page.evaluate("[document.body, document.querySelector('main a'), document.querySelector('.toolbar button')]"
                            ".map(e => getComputedStyle(e).cursor)")
    assert "/static/cursor.svg" in cursors[0]
    assert all("/static/cursor-pointer.svg" in c for c in cursors[1:]), cursors
    html = page.content()
    img_src = re.search(r"img-src ([^;]+);", html).group(1).split()
    assert "'self'" in img_src and "data:" not in img_src   # hence files, not data: addresses
    for name in ("cursor.svg", "cursor-pointer.svg"):
        response = page.request.get(served_example + "static/" + name)
        assert response.ok and "svg" in response.headers["content-type"]
        size = re.search(r'<svg[^>]* width="(\d+)" height="(\d+)"', response.text())
        assert 32 < int(size.group(1)) <= 128 and 32 < int(size.group(2)) <= 128   # large, within browsers' limit
    page.mouse.move(300, 400)
    page.mouse.move(600, 500)
    assert page.evaluate("window.__violations") == []


@pytest.mark.browser
def test_the_mode_thickens_the_focus_ring_and_drops_decoration(page, served_example):
    page.goto(served_example + REPORT)
    tab_to(page, "长者模式")
    normal = page.evaluate("parseFloat(getComputedStyle(document.activeElement).outlineWidth)")
    page.keyboard.press("Enter")
    thick = page.evaluate("parseFloat(getComputedStyle(document.activeElement).outlineWidth)")
    assert normal == 3 and thick >= 5
    assert page.evaluate("getComputedStyle(document.querySelector('.toolbar button')).borderRadius") == "0px"
    assert page.evaluate("getComputedStyle(document.querySelector('.header-search button')).borderRadius") == "0px"
    page.goto(served_example + "nianbao/index.html")
    assert page.evaluate("getComputedStyle(document.querySelector('.report-list li')).borderBottomStyle") == "solid"


PRINT_STYLES = """() => ['html', 'body', 'h1', '.report-body p', '#t3 th', '#t3 td', 'main a'].map(s => {
  const c = getComputedStyle(document.querySelector(s));
  return [s, c.fontSize, c.lineHeight, c.letterSpacing, c.color, c.backgroundColor, c.cursor, c.borderRadius];
})"""


@pytest.mark.browser
def test_the_mode_prints_as_normal(page, served_example):
    page.goto(served_example + REPORT)
    page.emulate_media(media="print")
    normal = page.evaluate(PRINT_STYLES)
    page.emulate_media(media="screen")
    care_button(page).click()
    on_screen = page.evaluate(PRINT_STYLES)
    page.emulate_media(media="print")
    assert care_on(page)
    assert page.evaluate(PRINT_STYLES) == normal
    assert on_screen != normal
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "14.6667px"  # 11pt
