"""Phone viewport: type two questions into the chat and see the answers and their quotes."""

from __future__ import annotations

import pytest

from tests.conftest import PHONE

pytestmark = pytest.mark.browser


def ask_in_browser(probe, text: str) -> None:
    page = probe.page
    before = page.locator("[data-testid='stChatMessage']").count()
    box = page.locator("[data-testid='stChatInputTextArea']")
    box.fill(text)
    box.press("Enter")
    # the app's own state: the question and its answer are on the page, and the script is done
    page.wait_for_function(f"() => document.querySelectorAll('[data-testid=\"stChatMessage\"]').length >= {before + 2}",
                           timeout=30000)
    probe.wait_idle()


@pytest.mark.parametrize(("lang", "first", "answer1", "second", "answer2", "quote"), [
    ("en", "tocilizumab 70 kg", "Tocilizumab 560 mg IV (weight 70 kg)", "ICE 6, awakens to voice",
     "ICANS at least grade 2", "ICANS根据ICE积分"),
    ("zh", "托珠单抗 72kg", "托珠单抗 576 mg 静脉输注(体重 72 kg)", "抗原阴性复发怎么办",
     "抗原阴性复发", "抗原阴性"),
])
def test_two_questions_on_a_phone(open_page, lang, first, answer1, second, answer2, quote):
    probe = open_page(f"/?lang={lang}", PHONE)
    ask_in_browser(probe, first)
    page = probe.page
    assert page.get_by_text(answer1, exact=False).first.is_visible()
    assert page.get_by_text("托珠单抗用法为8 mg/kg", exact=False).count() >= 1  # the first answer's quote
    ask_in_browser(probe, second)
    assert page.get_by_text(answer2, exact=False).first.is_visible()
    assert page.get_by_text(quote, exact=False).count() >= 1
    assert page.locator("[data-testid='stChatMessage']").count() == 4
    probe.assert_clean()
