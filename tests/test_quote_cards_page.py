"""Quote cards collapsed behind "依据原文 (n)" / "Consensus text (n)", our English behind
"显示英文" in Chinese, and open on the library (issue 15 items 1 and 8, review U8)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from logic import content

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 60
COLLAPSED = {"zh": re.compile(r"^依据原文 \((\d+)\)$"), "en": re.compile(r"^Consensus text \((\d+)\)$")}
QUOTE_LABEL = {"zh": "共识原文 · ", "en": "Consensus text (Chinese original) · "}
OURS = {"zh": "英文为本应用自译(非共识原文)", "en": "Our English rendering (not part of the consensus)"}


def _plain(s: str) -> str:
    return re.sub(r"\\(.)", r"\1", s)  # undo md_escape


def toxicity_grade3(lang: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params["lang"] = lang
    at.run()
    at.switch_page("pages/toxicity.py").run()
    at.number_input(key="toxicity_temp_c").set_value(39.2)
    at.radio(key="toxicity_hypotension").set_value("one_vasopressor")
    at.number_input(key="toxicity_weight_kg").set_value(68.0)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _cards(block) -> list[str]:
    return [_plain(m.value) for m in block.markdown if QUOTE_LABEL["en"] in _plain(m.value)
            or QUOTE_LABEL["zh"] in _plain(m.value)]


def _groups(at: AppTest, lang: str) -> list[tuple[int, list[str]]]:
    found = []
    for exp in at.expander:
        m = COLLAPSED[lang].match(exp.label)
        if m:
            found.append((int(m.group(1)), _cards(exp)))
    return found


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_quote_on_toxicity_stands_in_a_collapsed_group_labelled_with_its_count(lang):
    at = toxicity_grade3(lang)
    groups = _groups(at, lang)
    assert groups
    for n, cards in groups:
        assert n == len(cards) >= 1  # n = the distinct cards in the group
    # Every card on the page is inside an expander (ours or the page's own), none left open.
    in_expanders = sum(len(_cards(e)) for e in at.expander)
    assert in_expanders == len(_cards(at)) > 0
    # The grade's own quote (T3.3) and the grade-3 management quotes are in such groups.
    t33 = "3级 | 发热伴低血压(需要一种或不需应用升压药)"
    assert any(t33 in card for _, cards in groups for card in cards)
    assert any(content.recommendation("crs_mgmt_grade_3").quote_zh[:20] in card
               for _, cards in groups for card in cards)
    for exp in at.expander:
        assert not exp.proto.expanded  # collapsed on load
        # Inside the page's own expanders ("When to suspect CRS"…) the cards stand directly:
        # never a second expander to open.
        assert not [e for e in exp.expander if e is not exp and COLLAPSED[lang].match(e.label)]


def test_in_chinese_our_english_waits_behind_the_toggle_and_is_labelled_as_ours():
    at = toxicity_grade3("zh")
    english = content.recommendation("crs_grade_3").text_en
    group = next(e for e in at.expander if COLLAPSED["zh"].match(e.label)
                 and any("3级 | 发热伴低血压" in c for c in _cards(e)))
    assert group.toggle and group.toggle[0].label == "显示英文"
    assert not any(english[:40] in _plain(m.value) for m in at.markdown)
    assert not any(OURS["zh"] in _plain(m.value) for m in at.markdown)
    group.toggle[0].set_value(True)
    at.run()
    assert not at.exception
    shown = [_plain(m.value) for m in at.markdown]
    card = next(c for c in shown if english[:40] in c)
    assert OURS["zh"] in card and card.index(OURS["zh"]) < card.index(english[:40])
    # One preference for the session: every group's toggle now shows English on.
    assert all(tg.value for tg in at.toggle if tg.label == "显示英文")
    assert not any(OURS["zh"] not in c for c in shown if QUOTE_LABEL["zh"] in c)


def test_in_english_the_rendering_shows_beneath_the_chinese_with_no_toggle():
    at = toxicity_grade3("en")
    assert not [tg for tg in at.toggle if tg.label == "Show English"]
    cards = _cards(at)
    assert cards and all(OURS["en"] in c for c in cards)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_library_shows_its_quotes_open_with_our_english(lang):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params["lang"] = lang
    at.query_params["rec"] = "crs_grade_3"
    at.query_params["q"] = "tocilizumab"
    at.run()
    at.switch_page("pages/library.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not [e for e in at.expander if COLLAPSED[lang].match(e.label)]
    cards = _cards(at)
    assert len(cards) > 1 and all(OURS[lang] in c for c in cards)


def _page(path: str, lang: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params["lang"] = lang
    at.run()
    at.switch_page(path).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_chinese_eligibility_has_one_show_english_toggle_for_its_criteria():
    at = _page("pages/eligibility.py", "zh")
    labels = [w.label for w in at.toggle]
    assert labels.count("本页所有原文下显示英文(本应用自译)") == 1
    assert "显示英文" not in labels  # was one per criterion: 27
    # the one toggle shows our English under every card on the page
    at.toggle(key="eligibility_show_english").set_value(True).run()
    assert any(OURS["zh"] in _plain(m.value) for m in at.markdown)


def test_english_eligibility_has_no_show_english_toggle():
    at = _page("pages/eligibility.py", "en")
    assert not [w for w in at.toggle if "English" in w.label]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_followup_quotes_have_no_second_heading(lang):
    at = _page("pages/followup.py", lang)
    assert [s.value for s in at.subheader if s.value in ("共识原文", "What the consensus says")] == []
    assert any(COLLAPSED[lang].match(e.label) for e in at.expander)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_copyright_notice_stands_in_the_library_not_on_home(lang):
    notice = "版权归中华医学会所有"
    home = _page("pages/home.py", lang)
    assert not any(notice in c.value for c in home.caption)
    library = _page("pages/library.py", lang)
    heading = {"zh": "出处与版权", "en": "Source and attribution"}[lang]
    box = next(e for e in library.expander if e.label == heading)
    assert any(notice in c.value for c in box.caption)
