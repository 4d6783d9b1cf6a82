"""Section 五 on the 图解: problems before the turn to measures, measures after, also from a
one-paragraph text imported from a portal; no guess where the text does not say (issue 19, item 6)."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from helpers import build, import_, pingtan_page_text

from generator.render.keypoints import key_points

TURN = "2023年，我区将采取以下措施加以改进。"
PINGTAN_PROBLEMS = ["重大行政决策预公开程度需进一步加强，意见征集形式较为单一",
                    "部分重点领域信息公开深度不足",
                    "政策解读形式单一，缺少多个角度多种形式的解读"]
PINGTAN_MEASURES = ["丰富意见征集形式",
                    "加大重点领域公开信息整合归类力度，形成统一规范的公开标准",
                    "丰富政策解读形式和方式"]


class _Panel(HTMLParser):
    """The headings of the 图解's section 五 panel, each with the list items that follow it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.under: list[tuple[str, list[str]]] = []
        self._depth = 0               # <section> nesting inside the panel; 0 outside it
        self._text: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "section" and (self._depth or dict(attrs).get("aria-labelledby") == "panel-improve"):
            self._depth += 1
        elif self._depth and tag in ("h2", "h3", "h4", "li"):
            self._text = []

    def handle_endtag(self, tag):
        if tag == "section" and self._depth:
            self._depth -= 1
        elif self._text is not None and tag in ("h2", "h3", "h4", "li"):
            text = "".join(self._text).strip()
            if tag == "li":
                self.under[-1][1].append(text)
            else:
                self.under.append((text, []))
            self._text = None

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)


def panel(html: str) -> list[tuple[str, list[str]]]:
    parser = _Panel()
    parser.feed(html)
    return parser.under


def imported_pingtan_tujie(root: Path, tmp_path: Path, edit=lambda text: text) -> str:
    source, _ = pingtan_page_text(tmp_path)
    source.write_text(edit(source.read_text(encoding="utf-8")), encoding="utf-8")
    import_(root, source)
    assert build(root).code == 0
    return (root / "build/nianbao/pingtan/2022-tujie.html").read_text(encoding="utf-8")


def test_the_pingtan_paragraph_shows_problems_and_measures_each_under_its_heading(empty_site, tmp_path):
    html = imported_pingtan_tujie(empty_site, tmp_path)
    narrative = (empty_site / "content/reports/pingtan/2022.md").read_text(encoding="utf-8")
    assert TURN in narrative and "不足：一是重大行政决策" in narrative     # one paragraph, as printed
    assert panel(html) == [("存在的主要问题及改进情况", []), ("存在问题", PINGTAN_PROBLEMS),
                           ("改进措施", PINGTAN_MEASURES)]


def test_a_text_that_never_turns_to_measures_shows_its_points_under_one_heading(empty_site, tmp_path):
    html = imported_pingtan_tujie(empty_site, tmp_path, lambda text: text.replace(TURN, "2023年，我区继续努力。"))
    assert panel(html) == [("存在的主要问题及改进情况", PINGTAN_PROBLEMS + PINGTAN_MEASURES)]


ONE_PARAGRAPH = ("2022年，我局还存在一些不足：一是公开内容不够全面。二是解读形式单一。"
                 "下一步，我局将重点做好以下工作：一是扩大公开范围。二是丰富解读形式。")


def test_the_turn_inside_one_paragraph_splits_it():
    found = key_points(ONE_PARAGRAPH)
    assert (found.problems, found.measures, found.undivided) == (
        ["公开内容不够全面", "解读形式单一"], ["扩大公开范围", "丰富解读形式"], [])


def test_sub_heads_as_markdown_headings_or_as_plain_lines_split_the_same():
    problems = "一是公开内容不够全面。二是解读形式单一。"
    measures = "一是扩大公开范围。二是丰富解读形式。"
    for problems_head, measures_head in (("### （一）存在的主要问题", "### （二）改进情况"),     # t19c's headings
                                         ("（一）存在的主要问题", "（二）改进情况"),             # plain paragraphs
                                         ("(一)存在问题", "(二)改进措施")):
        found = key_points(f"{problems_head}\n\n{problems}\n\n{measures_head}\n\n{measures}")
        assert found.problems == ["公开内容不够全面", "解读形式单一"], problems_head
        assert found.measures == ["扩大公开范围", "丰富解读形式"] and found.undivided == [], measures_head
    inline = key_points(f"（一）存在的主要问题 {problems}（二）改进情况 {measures}")    # a flattened page
    assert (inline.problems, inline.measures) == (["公开内容不够全面", "解读形式单一"], ["扩大公开范围", "丰富解读形式"])


def test_without_a_turn_nothing_is_guessed():
    for text in ("一是公开内容不够全面。二是解读形式单一。",
                 "### 五、存在的主要问题及改进情况\n\n一是公开内容不够全面。二是解读形式单一。",  # the section's name
                 "我局将继续加强和改进政务公开工作，提升公开质量。"):
        found = key_points(text)
        assert found.problems == [] and found.measures == [] and found.undivided, text


def test_the_common_ways_of_turning_are_read_and_problem_words_are_not():
    problems = "还存在一些不足，主要表现在以下几个方面：一是公开内容不够全面。二是解读形式单一。"
    for turn in ("针对上述问题，我局将做好以下工作：", "下一步，我局将：", "2024年，我局将从以下几个方面加以改进：",
                 "今后，我们要：", "我局将采取如下三项措施："):
        found = key_points(f"{problems}{turn}一是扩大公开范围。二是丰富解读形式。")
        assert found.problems == ["公开内容不够全面", "解读形式单一"], turn
        assert found.measures == ["扩大公开范围", "丰富解读形式"], turn
    for head in ("（二）下一步工作打算", "二、整改举措", "(二)2024年工作计划"):
        found = key_points(f"（一）存在问题和不足\n\n{problems}\n\n{head}\n\n一是扩大公开范围。")
        assert (found.problems, found.measures) == (["公开内容不够全面", "解读形式单一"], ["扩大公开范围"]), head
    # 改进 and 措施 on their own are words of the problems too
    found = key_points("（一）存在问题和不足\n\n一是需要加强和改进的地方较多。二是保障措施不够有力。")
    assert found.problems == ["需要加强和改进的地方较多", "保障措施不够有力"] and found.measures == []
    found = key_points("一是需要加强和改进的地方较多。二是保障措施不够有力。")
    assert found.undivided == ["需要加强和改进的地方较多", "保障措施不够有力"] and found.measures == []
