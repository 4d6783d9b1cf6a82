"""Tables 三 and 四 on a phone (issue 18, item 1), in Chromium on the example portal.

Below 64em the label columns of table 三 are sticky inside the table's scroll region, its group
labels are set vertically, and every column keeps a readable width; on desktop and in print
nothing changes.
"""

from __future__ import annotations

import pytest

from helpers import REPORT, axe_violations, font_button

REPORTS = ["nianbao/huajie/2023.html", "nianbao/huaian/2024.html"]


@pytest.fixture
def at_width(browser):
    """Opens a page of the example portal in a fresh window of the given width."""
    contexts = []

    def open_page(url: str, width: int):
        context = browser.new_context(viewport={"width": width, "height": 844})
        contexts.append(context)
        page = context.new_page()
        page.goto(url)
        return page

    yield open_page
    for context in contexts:
        context.close()


NARROW_HEADINGS = """() => [...document.querySelectorAll('#t3 th, #t4 th')].map(th => [
    th.id || th.className, th.getBoundingClientRect().width / parseFloat(getComputedStyle(th).fontSize)])
    .filter(([, ems]) => ems < 2.8)"""


@pytest.mark.browser
@pytest.mark.parametrize("width", [320, 390, 768])
@pytest.mark.parametrize("path", REPORTS)
def test_no_heading_of_tables_3_and_4_is_narrower_than_three_characters(at_width, served_example, path, width):
    # Before: at 390 px the row labels under a sub-group were 32 px, 2.1 characters, one a line.
    page = at_width(served_example + path, width)
    assert page.evaluate(NARROW_HEADINGS) == []


@pytest.mark.browser
@pytest.mark.parametrize("width", [320, 390])
def test_table_3_is_no_taller_than_needed(at_width, served_example, width):
    # Before: 6,216 px at 390 px; now about 1,700 (25 rows, the longest label on 4 lines).
    page = at_width(served_example + REPORT, width)
    assert page.locator("#t3").bounding_box()["height"] < 2500


LABEL_AND_TOTAL = """([label, total]) => {
    const region = document.querySelector('.table-wrap:has(#t3)');
    const th = document.getElementById(label).getBoundingClientRect();
    const td = document.querySelector(`td[headers~="${label}"][headers~="${total}"]`).getBoundingClientRect();
    const hit = document.elementFromPoint(th.left + th.width / 2, th.top + th.height / 2);
    return {left: th.left, labelOnTop: hit && hit.id === label, totalRight: td.right,
            regionRight: region.getBoundingClientRect().right, scrolled: region.scrollLeft};
}"""


@pytest.mark.browser
@pytest.mark.parametrize("label", ["t3-r-unavailable_2", "t3-r-disclosed", "t3-r-new"])
def test_row_labels_stay_beside_the_numbers_while_the_numbers_scroll(at_width, served_example, label):
    page = at_width(served_example + REPORT, 390)
    page.locator(f"#{label}").scroll_into_view_if_needed()
    before = page.evaluate(LABEL_AND_TOTAL, [label, "t3-c-total"])
    page.locator(".table-wrap:has(#t3)").evaluate("r => { r.scrollLeft = r.scrollWidth; }")
    after = page.evaluate(LABEL_AND_TOTAL, [label, "t3-c-total"])
    assert after["scrolled"] > 100
    assert after["left"] == before["left"] and after["labelOnTop"]     # the numbers slide under it
    assert after["totalRight"] <= after["regionRight"] + 1              # beside the row's 总计


@pytest.mark.browser
def test_with_large_text_at_320px_a_whole_number_column_shows_beside_the_labels(at_width, served_example):
    page = at_width(served_example + REPORT, 320)
    font_button(page, "大").click()
    room = page.evaluate("""() => {
        const region = document.querySelector('.table-wrap:has(#t3)').getBoundingClientRect();
        const label = document.getElementById('t3-r-unavailable_1').getBoundingClientRect();
        const column = document.getElementById('t3-c-natural').getBoundingClientRect();
        return [region.right - label.right, column.width];
    }""")
    assert room[0] >= room[1]


@pytest.mark.browser
@pytest.mark.parametrize("path", REPORTS)
def test_on_a_phone_every_cell_is_still_named_by_its_headers_and_axe_finds_nothing(at_width, served_example, path):
    page = at_width(served_example + path, 390)
    unnamed = page.evaluate("""() => [...document.querySelectorAll('#t3 td, #t4 td')].filter(td => {
        const ids = (td.getAttribute('headers') || '').split(' ').filter(Boolean);
        return ids.length === 0 || ids.some(id => document.getElementById(id)?.tagName !== 'TH');
    }).length""")
    assert unnamed == 0 and page.locator("#t3 td").count() == 175
    assert axe_violations(page) == []           # td-has-header included


@pytest.mark.browser
def test_nu_finds_no_error_in_the_report_pages_and_the_stylesheet(built_example, nu_messages):
    files = [built_example / p for p in REPORTS] + [built_example / "static" / "site.css"]
    messages = nu_messages(files, "--also-check-css")
    assert [m for m in messages if m["type"] == "error"] == []


# Boxes of key cells relative to their table ([left, top, width, height], CSS px), measured in this
# suite's Chromium on the stylesheet before the phone layout (main at 4380c84): desktop must not move.
DESKTOP = {
    1280: {"t3": [0, 0, 1168, 1063.5], "t3-c-natural": [590, 36, 82.5, 93.5], "t3-c-total": [1085, 36, 82.5, 93.5],
           "t3-legal": [672.5, 36, 412.5, 35.5], "t3-g-results": [0.5, 201.5, 97.5, 826],
           "t3-g-withheld": [98, 272.5, 97.5, 284], "t3-r-new": [0.5, 130.5, 589.5, 35.5],
           "t3-r-disclosed": [98, 201.5, 492, 35.5], "t3-r-unavailable_1": [195.5, 556.5, 394.5, 35.5],
           "t3-r-carried_forward": [0.5, 1027.5, 589.5, 35.5], "t4": [0, 0, 1168, 144],
           "t4-review-upheld": [0.5, 36, 77.8, 71], "t4-direct": [389.5, 36, 389, 35.5],
           "t4-after_review-total": [1089.7, 71.5, 77.8, 35.5]},
    1024: {"t3": [0, 0, 992, 1153.5], "t3-c-natural": [414, 36, 82.5, 93.5], "t3-c-total": [909, 36, 82.5, 93.5],
           "t3-legal": [496.5, 36, 412.5, 35.5], "t3-g-results": [0.5, 201.5, 97.5, 916],
           "t3-g-withheld": [98, 295, 97.5, 284], "t3-r-new": [0.5, 130.5, 413.5, 35.5],
           "t3-r-disclosed": [98, 201.5, 316, 35.5], "t3-r-unavailable_1": [195.5, 579, 218.5, 35.5],
           "t3-r-carried_forward": [0.5, 1117.5, 413.5, 35.5], "t4": [0, 0, 992, 166.5],
           "t4-review-upheld": [0.5, 36, 66.1, 93.5], "t4-direct": [330.8, 36, 330.3, 35.5],
           "t4-after_review-total": [925.4, 71.5, 66.1, 58]},
}
BOXES = """ids => Object.fromEntries(ids.map(id => {
    const cell = document.getElementById(id).getBoundingClientRect();
    const table = document.getElementById(id).closest('table').getBoundingClientRect();
    return [id, [cell.left - table.left, cell.top - table.top, cell.width, cell.height]
                .map(v => Math.round(v * 10) / 10)];
}))"""


@pytest.mark.browser
@pytest.mark.parametrize("width", sorted(DESKTOP))
def test_desktop_layout_of_the_tables_is_unchanged(at_width, served_example, width):
    page = at_width(served_example + REPORT, width)
    assert page.evaluate(BOXES, list(DESKTOP[width])) == DESKTOP[width]


@pytest.mark.browser
def test_a_phone_prints_the_tables_as_before(at_width, served_example):
    page = at_width(served_example + REPORT, 390)
    page.emulate_media(media="print")
    styles = page.evaluate("""() => {
        const style = s => getComputedStyle(document.querySelector(s));
        return [style('#t3').borderCollapse, style('#t3-g-results').writingMode,
                style('#t3-r-unavailable_1').position, style('#t3 thead').display];
    }""")
    assert styles == ["collapse", "horizontal-tb", "static", "table-header-group"]

