"""On a phone in Chinese the quotes under a result are collapsed on load behind "依据原文 (n)"
and one tap opens them; our English waits behind "显示英文" (issue 15 item 1, review U8)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import PHONE, card_badge

pytestmark = pytest.mark.browser

T33 = "3级 | 发热伴低血压(需要一种或不需应用升压药)"


def test_quotes_are_collapsed_on_a_phone_and_open_with_one_tap(open_page):
    probe = open_page("/toxicity?lang=zh&temp_c=39.2&hypotension=one_vasopressor", PHONE)
    page = probe.page
    expect(card_badge(page, "crs")).to_have_text("CRS至少3级", timeout=30000)  # oxygen not assessed
    probe.wait_idle()
    group = page.locator('[data-testid="stExpander"]').filter(
        has=page.locator("summary", has_text="依据原文")).filter(has_text=T33).first
    summary = group.locator("summary")
    expect(summary).to_contain_text("依据原文 (3)")  # the result card's: the Table 3 row and Table 4's
    expect(group.get_by_text(T33, exact=False)).not_to_be_visible()  # collapsed on load
    box = summary.bounding_box()
    assert box is not None and box["height"] >= 44  # a thumb's target (ui/style.py)
    summary.click()  # one tap
    expect(group.get_by_text(T33, exact=False)).to_be_visible()
    expect(group.get_by_text("英文为本应用自译", exact=False)).to_have_count(0)
    toggle = group.locator("[data-testid='stCheckbox'] label").first
    tbox = toggle.bounding_box()
    assert tbox is not None and tbox["height"] >= 44 and tbox["width"] >= 44
    group.get_by_text("显示英文", exact=True).click()
    probe.wait_idle()
    expect(group.get_by_text("英文为本应用自译(非共识原文)", exact=True)).to_have_count(3)  # under each quote
    expect(group.get_by_text("英文为本应用自译(非共识原文)", exact=True).first).to_be_visible()
    expect(group.get_by_text("Grade 3: fever with hypotension", exact=False)).to_be_visible()
    probe.assert_clean()
