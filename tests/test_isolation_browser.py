"""Two users at once never see each other's inputs; a refresh keeps the language."""

from __future__ import annotations

import re

import pytest

from tests.conftest import PHONE, TABLET

pytestmark = pytest.mark.browser


def test_two_sessions_never_see_each_others_inputs(open_page):
    alice = open_page("/library?lang=en", TABLET)
    bob = open_page("/library?lang=en", PHONE)
    box_a = alice.page.get_by_role("textbox", name="Search")
    alice.act(lambda: (box_a.fill("tocilizumab"), box_a.press("Enter")))
    alice.page.get_by_text(re.compile(r"^\d+ entries$")).wait_for()
    bob.page.reload()
    bob.wait_idle()
    assert bob.page.get_by_role("textbox", name="Search").input_value() == ""
    # Alice's hits (the "N entries" count above them) are not in Bob's session.
    assert bob.page.get_by_text(re.compile(r"^\d+ entries$")).count() == 0
    box_b = bob.page.get_by_role("textbox", name="Search")
    bob.act(lambda: (box_b.fill("IgG"), box_b.press("Enter")))
    bob.page.get_by_text("应用丙种球蛋白替代治疗").first.wait_for()
    assert alice.page.get_by_role("textbox", name="Search").input_value() == "tocilizumab"
    alice.assert_clean()
    bob.assert_clean()


def test_refresh_keeps_the_language_and_shows_no_error(open_page):
    probe = open_page("/library?lang=en", TABLET)
    probe.act(lambda: probe.page.get_by_text("中文", exact=True).click())
    probe.page.get_by_role("heading", name="共识库").wait_for()
    probe.page.reload()
    probe.wait_idle()
    probe.page.get_by_role("heading", name="共识库").wait_for()
    assert "lang=zh" in probe.page.url
    probe.assert_clean()
