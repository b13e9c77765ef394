"""The chat in a browser at 390x844 (phone) and 820x1180 (tablet), both languages: the input
pinned at the bottom, read-back chips before each answer, quotes collapsed, a multi-turn
exchange (a follow-up that changes one value) rendered clean."""

from __future__ import annotations

import json

import pytest

from tests.conftest import PHONE, TABLET

pytestmark = pytest.mark.browser

MESSAGES = "[data-testid='stChatMessage']"


def ask_in_browser(probe, text: str) -> None:
    page = probe.page
    before = page.locator(MESSAGES).count()
    box = page.locator("[data-testid='stChatInputTextArea']")
    box.fill(text)
    box.press("Enter")
    # the app's own state: the question and its answer are on the page, and the script is done
    page.wait_for_function(f"() => document.querySelectorAll({json.dumps(MESSAGES)}).length >= {before + 2}",
                           timeout=30000)
    probe.wait_idle()


def input_is_pinned(page) -> bool:
    """The chat input's box sits at the bottom of the viewport, wherever the page is scrolled."""
    page.mouse.wheel(0, 20000)
    box = page.locator("[data-testid='stChatInput']").bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] + box["height"] <= height and box["y"] > height * 0.6


CASES = [
    ("en", "tocilizumab 70 kg", "Tocilizumab 560 mg IV (weight 70 kg)", "weight 70 kg",
     "what if weight is 90?", "Tocilizumab 720 mg IV (weight 90 kg)",
     "temp 38.5 norepinephrine plus dopamine, room air", "CRS grade 4", "norepinephrine + dopamine = 2 vasopressor(s)"),
    ("zh", "托株单抗 72kg", "托珠单抗 576 mg", "体重 72 kg",
     "那如果体重是90呢?", "托珠单抗 720 mg",
     "体温38.5℃，去甲肾上腺素加多巴胺，未吸氧", "CRS 4级", "去甲肾上腺素 + 多巴胺 = 2种升压药"),
]


@pytest.mark.parametrize("viewport", [PHONE, TABLET], ids=["phone", "tablet"])
@pytest.mark.parametrize(("lang", "q1", "a1", "chip1", "q2", "a2", "q3", "a3", "chip3"), CASES, ids=["en", "zh"])
def test_multi_turn_chat_with_read_back_chips(open_page, viewport, lang, q1, a1, chip1, q2, a2, q3, a3, chip3):
    probe = open_page(f"/?lang={lang}", viewport)
    page = probe.page
    assert input_is_pinned(page)
    ask_in_browser(probe, q1)
    assert page.get_by_text(a1, exact=False).first.is_visible()
    assert page.locator(MESSAGES).get_by_text(chip1, exact=True).first.is_visible()   # the read-back chip
    # the quotes are collapsed: the quote text is not visible until the expander opens
    quote = page.get_by_text("托珠单抗用法为8 mg/kg", exact=False).first
    assert not quote.is_visible()
    ask_in_browser(probe, q2)   # a follow-up that changes one value re-runs the question
    assert page.get_by_text(a2, exact=False).first.is_visible()
    ask_in_browser(probe, q3)
    assert page.get_by_text(a3, exact=False).first.is_visible()
    assert page.locator(MESSAGES).get_by_text(chip3, exact=True).first.is_visible()
    assert page.locator(MESSAGES).count() == 6
    assert input_is_pinned(page)
    probe.assert_clean()
