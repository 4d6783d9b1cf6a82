"""Accessibility in a real browser: axe-core, the Nu checker, the toolbar, print and reflow.

Every page of the example portal is checked, against WCAG 2.1 AA (axe-core) and the Nu HTML checker.
"""

from __future__ import annotations

import re
import subprocess

import pytest

from helpers import HUAJIE_SAMPLE, PAGES, REPORT, axe_violations, body_font_px, font_button
from samples import read_sample

def test_every_page_is_listed(built_example):
    assert sorted(PAGES) == sorted(p.relative_to(built_example).as_posix() for p in built_example.rglob("*.html")
                                   if not p.relative_to(built_example).as_posix().startswith("pagefind/"))


@pytest.mark.browser
@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_no_violations(page, served_example, path):
    page.goto(served_example + path)
    assert axe_violations(page) == []


BROKEN = """<!DOCTYPE html><html><head><title>x</title></head><body>
<img src="a.png"><p style="color:#bbb;background:#fff">浅色文字</p>
<table><tr><td>1</td><td>2</td><td>3</td><td>4</td></tr><tr><td>5</td><td>6</td><td>7</td><td>8</td></tr>
<tr><td>9</td><td>10</td><td>11</td><td>12</td></tr><tr><td>13</td><td>14</td><td>15</td><td>16</td></tr></table>
</body></html>"""


@pytest.mark.browser
def test_axe_still_catches_violations_on_a_broken_page(page):
    page.set_content(BROKEN)
    found = {v["id"] for v in axe_violations(page)}
    assert {"html-has-lang", "image-alt", "color-contrast", "td-has-header"} <= found


@pytest.mark.browser
def test_nu_checker_finds_no_errors(built_example, nu_messages):
    messages = nu_messages([built_example / p for p in PAGES])
    assert [m for m in messages if m["type"] == "error"] == []


@pytest.mark.browser
def test_nu_checker_still_reports_errors(tmp_path, nu_messages):
    broken = tmp_path / "broken.html"
    broken.write_text("<!DOCTYPE html><html lang=zh-CN><head><title>x</title></head><body><p><div></p></body></html>")
    assert any(m["type"] == "error" for m in nu_messages([broken]))


def test_unique_titles_and_language(built_example):
    titles = []
    for path in PAGES:
        html = (built_example / path).read_text(encoding="utf-8")
        assert html.startswith('<!DOCTYPE html>\n<html lang="zh-CN">')
        titles.append(re.search(r"<title>(.*?)</title>", html).group(1))
    assert len(set(titles)) == len(titles)


@pytest.mark.browser
@pytest.mark.parametrize("path", PAGES)
def test_skip_link_is_the_first_focusable_element(page, served_example, path):
    page.goto(served_example + path)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "跳到正文"
    box = page.locator(".skip-link").bounding_box()
    assert box["y"] >= 0 and box["height"] >= 24           # visible when focused
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


@pytest.mark.browser
@pytest.mark.parametrize("path", PAGES)
def test_landmarks_and_headings_in_order(page, served_example, path):
    page.goto(served_example + path)
    for role in ("banner", "navigation", "main", "contentinfo"):
        assert page.get_by_role(role).count() >= 1, role
    levels = page.evaluate("[...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => +h.tagName[1])")
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), levels


@pytest.mark.browser
def test_text_spacing_override_clips_nothing(page, served_example):
    """WCAG 1.4.12: line height 1.5, letter 0.12em, word 0.16em, paragraph 2em."""
    page.goto(served_example + REPORT)
    page.add_style_tag(content="* { line-height: 1.5 !important; letter-spacing: 0.12em !important;"
                               " word-spacing: 0.16em !important; } p { margin-bottom: 2em !important; }")
    clipped = page.evaluate("""[...document.querySelectorAll('button, .meta dd, .meta dt, th, td, a')]
        .filter(e => e.scrollHeight > e.clientHeight + 1 && getComputedStyle(e).overflow !== 'visible').length""")
    assert clipped == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280


# --- 字体【大 中 小】 -----------------------------------------------------------------

@pytest.mark.browser
def test_large_font_by_click_is_remembered_across_pages_and_reloads(page, served_example):
    page.goto(served_example + REPORT)
    medium = body_font_px(page)
    assert font_button(page, "中").get_attribute("aria-pressed") == "true"
    font_button(page, "大").click()
    assert body_font_px(page) > medium
    assert font_button(page, "大").get_attribute("aria-pressed") == "true"
    assert font_button(page, "中").get_attribute("aria-pressed") == "false"
    assert page.locator("[data-font-status]").text_content() == "字体已设为大"
    assert page.locator("[data-font-status]").get_attribute("role") == "status"
    page.goto(served_example + "nianbao/huaian/2024.html")
    assert body_font_px(page) > medium
    assert font_button(page, "大").get_attribute("aria-pressed") == "true"
    page.reload()
    assert body_font_px(page) > medium
    font_button(page, "小").click()
    assert body_font_px(page) < medium


@pytest.mark.browser
def test_font_size_by_keyboard_only(page, served_example):
    page.goto(served_example + REPORT)
    medium = body_font_px(page)
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "大":
            break
    else:
        pytest.fail("Tab never reached the 大 button")
    page.keyboard.press("Enter")
    assert body_font_px(page) > medium
    page.keyboard.press("Tab")                                  # to 中
    page.keyboard.press("Space")
    assert body_font_px(page) == medium
    assert font_button(page, "中").get_attribute("aria-pressed") == "true"


@pytest.mark.browser
def test_the_font_control_scales_with_rem_and_root_percentage(page, served_example):
    page.goto(served_example + REPORT)
    font_button(page, "大").click()
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "20px"   # 125 % of 16 px


# --- 打印 and 关闭 -------------------------------------------------------------------------

@pytest.mark.browser
def test_print_view_hides_page_furniture(page, served_example):
    page.goto(served_example + REPORT)
    page.emulate_media(media="print")
    for selector in (".skip-link", ".site-header", ".site-nav", ".breadcrumb", ".toolbar", ".site-footer"):
        assert page.evaluate(f"getComputedStyle(document.querySelector('{selector}')).display") == "none", selector
    assert page.evaluate("getComputedStyle(document.querySelector('#t3 thead')).display") == "table-header-group"
    assert page.evaluate("getComputedStyle(document.querySelector('#t3 tbody tr')).breakInside") == "avoid"
    assert page.evaluate("getComputedStyle(document.body).color") == "rgb(0, 0, 0)"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") in ("rgb(255, 255, 255)",)
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "14.6667px"  # 11pt
    url_line = page.locator(".print-url")
    assert url_line.is_visible()
    assert url_line.text_content().strip() == "本页地址：https://gongkai.example.org/nianbao/huajie/2023.html"


@pytest.mark.browser
def test_print_button_calls_the_browsers_print(page, served_example):
    page.goto(served_example + REPORT)
    page.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; }")
    page.get_by_role("button", name="打印", exact=True).click()
    assert page.evaluate("window.__printed") == 1


@pytest.mark.browser
def test_printed_pdf_contains_every_table_number(page, served_example, tmp_path):
    page.goto(served_example + REPORT)
    pdf = tmp_path / "report.pdf"
    page.pdf(path=str(pdf), format="A4", tagged=True)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    sample = read_sample(HUAJIE_SAMPLE)
    assert "花街镇人民政府2023年政府信息公开工作年度报告" in text.replace(" ", "")
    table3_lines = [line.split() for line in text.splitlines()]
    for row in sample.table3:   # each row's seven numbers, in order, on one printed line
        assert any(line[-7:] == row.numbers for line in table3_lines), row.labels
    numbers = re.findall(r"\d+", text)
    assert "365" in numbers and "61" in numbers
    flat = " ".join(numbers)
    assert " ".join(sample.table4) in flat


@pytest.mark.browser
def test_close_closes_a_window_the_listing_opened(page, served_example):
    page.goto(served_example + "nianbao/index.html")
    with page.expect_popup() as popup_info:
        page.evaluate(f"window.open('{REPORT.split('/', 1)[1]}')")
    popup = popup_info.value
    popup.wait_for_load_state()
    button = popup.get_by_role("button", name="关闭", exact=True)
    assert button.is_visible()
    with popup.expect_event("close"):
        # Clicked from the page itself: a Playwright click would race the window closing under it.
        button.evaluate("b => setTimeout(() => b.click(), 0)")
    assert popup.is_closed()


@pytest.mark.browser
def test_close_goes_back_to_the_listing_when_the_window_cannot_close(page, served_example):
    page.goto(served_example + REPORT)
    with page.expect_navigation():
        page.get_by_role("button", name="关闭", exact=True).click()
    assert page.url == served_example + "nianbao/index.html"


@pytest.mark.browser
def test_without_javascript_the_toolbar_is_absent_and_the_report_readable(browser, served_example):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(served_example + REPORT)
    assert not page.locator(".toolbar").is_visible()
    assert page.locator("#t3 td").count() == 175
    assert page.get_by_role("heading", name="六、其他需要报告的事项").is_visible()
    context.close()


# --- tables ----------------------------------------------------------------------------

@pytest.mark.browser
def test_every_data_cell_of_tables_3_and_4_has_resolvable_headers(page, served_example):
    page.goto(served_example + REPORT)
    broken = page.evaluate("""() => [...document.querySelectorAll('#t3 td, #t4 td')].filter(td => {
        const ids = (td.getAttribute('headers') || '').split(' ').filter(Boolean);
        return ids.length === 0 || ids.some(id => !document.getElementById(id) ||
                                                   document.getElementById(id).tagName !== 'TH');
    }).length""")
    assert broken == 0
    assert page.locator("#t3 td").count() == 175 and page.locator("#t4 td").count() == 15


@pytest.mark.browser
@pytest.mark.parametrize("row, column, name", [
    ("t3-r-unavailable_1", "t3-c-natural", "三、本年度办理结果 （四）无法提供 1.本机关不掌握相关政府信息 申请人情况 自然人 4"),
    ("t3-r-new", "t3-c-total", "一、本年新收政府信息公开申请数量 申请人情况 总计 6"),
    ("t4-direct", "t4-direct-total", "行政诉讼 未经复议直接起诉 总计 2"),
])
def test_cells_are_named_by_their_row_and_column_headers(page, served_example, row, column, name):
    page.goto(served_example + REPORT)
    spoken = page.evaluate("""([row, column]) => {
        const cell = [...document.querySelectorAll('td[headers]')].find(td => {
            const ids = td.getAttribute('headers').split(' ');
            return ids.includes(row) && ids[ids.length - 1] === column;
        });
        const heads = cell.getAttribute('headers').split(' ').map(id => document.getElementById(id).textContent);
        return [...heads, cell.textContent].join(' ');
    }""", [row, column])
    assert spoken == name


@pytest.mark.browser
def test_numbers_are_right_aligned(page, served_example):
    page.goto(served_example + REPORT)
    aligns = page.evaluate("[...document.querySelectorAll('td.num')].map(td => getComputedStyle(td).textAlign)")
    assert aligns and set(aligns) == {"right"}


# --- reflow, zoom, focus -----------------------------------------------------------------

@pytest.mark.browser
@pytest.mark.parametrize("path", PAGES)
def test_no_horizontal_page_scroll_at_320px(browser, served_example, path):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(served_example + path)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    context.close()


@pytest.mark.browser
def test_wide_tables_scroll_in_their_own_focusable_labelled_region(browser, served_example):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(served_example + REPORT)
    for table in ("t3", "t4"):
        region = page.locator(f".table-wrap:has(#{table})")
        assert region.get_attribute("role") == "region" and region.get_attribute("tabindex") == "0"
        assert region.get_attribute("aria-labelledby") == f"{table}-caption"
        assert region.evaluate("r => r.scrollWidth > r.clientWidth")
        region.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function("r => r.scrollLeft > 0", arg=region.element_handle())
    context.close()


@pytest.mark.browser
def test_layout_holds_at_large_text_and_200_percent_zoom(browser, served_example):
    # 200 % zoom of a 1280 px window leaves 640 CSS px.
    context = browser.new_context(viewport={"width": 640, "height": 900}, device_scale_factor=2)
    page = context.new_page()
    page.goto(served_example + REPORT)
    font_button(page, "大").click()
    for path in PAGES:
        page.goto(served_example + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 640, path
    context.close()


@pytest.mark.browser
def test_focus_is_visible_also_in_forced_colours(browser, served_example):
    context = browser.new_context(forced_colors="active")
    page = context.new_page()
    page.goto(served_example + REPORT)
    font_button(page, "大").focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")                     # keyboard focus, so :focus-visible applies
    style = page.evaluate("(() => { const s = getComputedStyle(document.activeElement);"
                          " return [s.outlineStyle, parseFloat(s.outlineWidth)]; })()")
    assert style[0] == "solid" and style[1] >= 3
    # The chosen size shows without colour: bold and underlined, unlike the others.
    cue = "b => [getComputedStyle(b).fontWeight, getComputedStyle(b).textDecorationLine]"
    assert font_button(page, "中").evaluate(cue) == ["700", "underline"]
    assert font_button(page, "大").evaluate(cue) == ["400", "none"]
    context.close()


@pytest.mark.browser
def test_controls_are_at_least_24px(page, served_example):
    page.goto(served_example + REPORT)
    # Those shown: 朗读's 暂停 and 停止 appear only while it reads (test_care_mode measures them then).
    sizes = page.evaluate("[...document.querySelectorAll('.toolbar button, .site-nav a, .care-switch button')]"
                          ".filter(e => e.getClientRects().length)"
                          ".map(e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; })")
    assert len(sizes) >= 8 and all(w >= 24 and h >= 24 for w, h in sizes)


# --- the 图解 page ---------------------------------------------------------------------

TUJIE = "nianbao/huajie/2023-tujie.html"


@pytest.mark.browser
def test_tujie_charts_scale_with_the_font_control(page, served_example):
    page.goto(served_example + TUJIE)
    size = "(() => { const r = document.querySelector('.chart-bar svg').getBoundingClientRect();" \
           " return [r.height, parseFloat(getComputedStyle(document.querySelector('.stat-value')).fontSize)]; })()"
    bar_medium, figure_medium = page.evaluate(size)
    font_button(page, "大").click()
    bar_large, figure_large = page.evaluate(size)
    assert bar_large == pytest.approx(bar_medium * 1.25, rel=0.05)
    assert figure_large == pytest.approx(figure_medium * 1.25, rel=0.05)


@pytest.mark.browser
def test_tujie_prints_black_and_white_with_charts_whole(page, served_example, tmp_path):
    page.goto(served_example + TUJIE)
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.querySelector('.chart')).breakInside") == "avoid"
    assert page.evaluate("getComputedStyle(document.querySelector('.panel')).breakInside") == "avoid"
    assert page.evaluate("getComputedStyle(document.querySelector('.chart-bar rect')).fill") == "rgb(85, 85, 85)"
    assert page.evaluate("getComputedStyle(document.querySelector('.poster-hero')).backgroundColor") \
        == "rgb(255, 255, 255)"
    pdf = tmp_path / "tujie.pdf"
    page.pdf(path=str(pdf), format="A4")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    compact = text.replace(" ", "")
    for number in ("365", "61", "186", "53"):
        assert number in re.findall(r"\d+", text)
    assert "花街镇人民政府" in compact and "政府信息公开工作年度报告图解" in compact
