"""长者模式 (关怀版) and 朗读, built into the theme (issue 18): in the browser, on the example portal.

长者模式: a switch on every page, remembered; type of at least 20 px, AAA contrast (axe's wcag2aaa
rules), a large cursor, no decoration, a thicker focus ring; printing is unchanged. 朗读 is driven
by a stand-in for the Web Speech API (tests/fixtures/speech_stub.js) that records what is spoken.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from helpers import NODE_MODULES, PAGES, REPORT

STUB = (Path(__file__).resolve().parent / "fixtures" / "speech_stub.js").read_text(encoding="utf-8")
TUJIE = "nianbao/huajie/2023-tujie.html"
TITLE = "花街镇人民政府2023年政府信息公开工作年度报告"
AAA = {"runOnly": {"type": "tag", "values": ["wcag2aaa"]}}
ARTICLES = [p for p in PAGES if re.search(r"/[^/]+/\d{4}(-tujie)?\.html$", p)]   # the reports and their 图解


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


def test_read_aloud_is_on_article_pages_only_and_requests_nothing(built_example):
    for path in PAGES:
        html = (built_example / path).read_text(encoding="utf-8")
        assert ('data-speech="toggle"' in html) == (path in ARTICLES), path
        if path in ARTICLES:
            assert re.search(r'<script defer src="[^"]*static/speech\.js\?v=\w+"></script>', html), path
    script = (built_example / "static" / "speech.js").read_text(encoding="utf-8")
    assert not re.search(r"https?:|fetch\(|XMLHttpRequest|import\(", script)


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
    page.goto(served_example + "nianbao/2024.html")            # the column's page of a year lists reports
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


# --- 朗读 ------------------------------------------------------------------------------------

def speech_page(page, url: str, **options) -> None:
    page.add_init_script(f"window.__speechOptions = {json.dumps(options)};")
    page.add_init_script(STUB)
    page.goto(url)


def spoken(page, n: int) -> list[str]:
    """The texts spoken so far, once there are at least n (the stub says when: no polling)."""
    page.evaluate("n => window.__speech.spoken(n)", n)
    return page.evaluate("window.__speech.texts")


def read_button(page, name: str):
    return page.locator("[data-read-aloud]").get_by_role("button", name=name, exact=True)


def speech_status(page):
    return page.locator("[data-speech-status]")


def read_whole_page(page, url: str) -> list[str]:
    """What 朗读 says of the page at `url`, read to the end, one text an utterance."""
    speech_page(page, url)
    read_button(page, "朗读").click()
    expect(speech_status(page)).to_have_text("朗读完毕")
    return page.evaluate("window.__speech.texts")


@pytest.mark.browser
def test_read_aloud_reads_the_title_then_each_section_in_order(page, served_example):
    texts = read_whole_page(page, served_example + REPORT)
    assert texts[0] == TITLE
    headings = page.evaluate("[...document.querySelectorAll('.report-section h2')].map(h => h.textContent)")
    assert len(headings) == 6
    positions = [texts.index(h) for h in headings]
    assert positions == sorted(positions)
    assert "2023年全年主动公开政务信息共计53条,通过政务新媒体“掌上永康”发布信息186条。" in texts
    assert texts[-1] == "本年度我单位未发出政府信息处理费收费通知书,不存在收取信息处理费的情况。"
    # after the end: off, nothing highlighted
    assert read_button(page, "朗读").get_attribute("aria-pressed") == "false"
    assert page.locator(".speaking").count() == 0


@pytest.mark.browser
def test_a_table_row_is_read_as_row_column_value(page, served_example):
    texts = read_whole_page(page, served_example + REPORT)
    table3 = texts.index("三、收到和处理政府信息公开申请情况")
    rows = texts[table3 + 1:]
    assert rows[0].startswith("一、本年新收政府信息公开申请数量，自然人：6，法人或其他组织，商业企业：0，")
    assert rows[0].endswith("其他：0，总计：6。")
    # a row group is said once, with its first row
    assert "三、本年度办理结果，（一）予以公开，自然人：1，法人或其他组织，商业企业：0，科研机构：0，" \
           "社会公益组织：0，法律服务机构：0，其他：0，总计：1。" in rows
    assert any(t.startswith("（四）无法提供，1.本机关不掌握相关政府信息，自然人：4，") for t in rows)
    assert any(t.startswith("2.没有现成信息需要另行制作，自然人：0，") for t in rows)
    # table 二 (plain th/scope) and table 四 (column groups)
    assert "行政处罚，本年处理决定数量：365。" in texts
    assert any(t.startswith("行政复议，结果维持：0，") and "行政诉讼，未经复议直接起诉，结果维持：1，" in t for t in texts)
    # never a bare stream of numbers
    assert not any(re.fullmatch(r"[\d\s，。.]+", t) for t in texts)


@pytest.mark.browser
def test_read_aloud_reads_the_tujie_page_too(page, served_example):
    texts = read_whole_page(page, served_example + TUJIE)
    assert texts[0] == TITLE + "图解"
    assert "自然人，数量：6。" in texts and "行政处罚 365件" in texts


@pytest.mark.browser
def test_the_section_being_read_is_highlighted(page, served_example):
    speech_page(page, served_example + REPORT, auto=False)
    read_button(page, "朗读").click()
    assert spoken(page, 1) == [TITLE]
    assert page.evaluate("[...document.querySelectorAll('.speaking')].map(e => e.tagName)") == ["H1"]
    page.evaluate("window.__speech.finish()")
    assert spoken(page, 2)[1] == "一、总体情况"
    assert page.evaluate("[...document.querySelectorAll('.speaking')].map(e => e.id)") == ["section-1"]
    expect(speech_status(page)).to_have_text("正在朗读：一、总体情况")
    assert page.evaluate("getComputedStyle(document.querySelector('.speaking')).outlineStyle") == "solid"


@pytest.mark.browser
def test_pause_continue_and_stop(page, served_example):
    speech_page(page, served_example + REPORT, auto=False)
    assert read_button(page, "暂停").is_hidden() and read_button(page, "停止").is_hidden()
    read_button(page, "朗读").click()
    spoken(page, 1)
    assert read_button(page, "朗读").get_attribute("aria-pressed") == "true"
    for name in ("暂停", "停止"):                                         # shown now, and large enough
        box = read_button(page, name).bounding_box()
        assert box["width"] >= 24 and box["height"] >= 24, name
    read_button(page, "暂停").click()
    assert page.evaluate("window.__speech.calls").count("pause") == 1
    expect(speech_status(page)).to_have_text("已暂停")
    read_button(page, "继续").click()
    assert page.evaluate("window.__speech.calls")[-1] == "resume"
    assert read_button(page, "暂停").is_visible()
    read_button(page, "停止").click()
    assert page.evaluate("window.__speech.calls")[-1] == "cancel"
    expect(speech_status(page)).to_have_text("已停止朗读")
    assert read_button(page, "朗读").get_attribute("aria-pressed") == "false"
    assert read_button(page, "停止").is_hidden() and page.locator(".speaking").count() == 0
    assert page.evaluate("document.activeElement.textContent") == "朗读"   # focus not lost
    page.evaluate("window.__speech.finish()")                              # a late end event
    assert page.evaluate("window.__speech.texts") == [TITLE]               # starts nothing


@pytest.mark.browser
def test_read_aloud_by_keyboard_only(page, served_example):
    speech_page(page, served_example + REPORT, auto=False)
    tab_to(page, "朗读")
    page.keyboard.press("Enter")
    spoken(page, 1)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "暂停"
    page.keyboard.press("Space")
    expect(speech_status(page)).to_have_text("已暂停")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")                                           # 停止
    expect(speech_status(page)).to_have_text("已停止朗读")
    page.keyboard.press("Enter")                                           # focus is back on 朗读: again
    assert spoken(page, 2)[1] == TITLE


@pytest.mark.browser
def test_without_speech_synthesis_the_control_says_so(page, served_example):
    page.add_init_script("Object.defineProperty(window, 'speechSynthesis', {value: undefined});"
                         "delete window.SpeechSynthesisUtterance;")
    page.goto(served_example + REPORT)
    read_button(page, "朗读").click()
    expect(speech_status(page)).to_contain_text("本浏览器不支持语音朗读")
    assert speech_status(page).is_visible() and speech_status(page).get_attribute("role") == "status"
    assert read_button(page, "朗读").get_attribute("aria-pressed") == "false"


@pytest.mark.browser
def test_without_a_chinese_voice_the_control_says_so(page, served_example):
    speech_page(page, served_example + REPORT, voices=[{"name": "English", "lang": "en-US"}])
    read_button(page, "朗读").click()
    expect(speech_status(page)).to_contain_text("没有中文语音")
    assert page.evaluate("window.__speech.texts") == []
    assert read_button(page, "朗读").get_attribute("aria-pressed") == "false"
    assert read_button(page, "停止").is_hidden()
