"""/eligibility in headless Chromium: the checklist and the washout planner, typed as a user would."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.conftest import PHONE, TABLET

pytestmark = pytest.mark.browser


def test_checklist_and_planner_on_a_tablet(open_page):
    probe = open_page("/eligibility?lang=en", TABLET)
    page = probe.page
    page.get_by_role("heading", name="Eligibility and apheresis").wait_for(timeout=30000)

    kps = page.get_by_label("KPS (0–100, steps of 10)", exact=True)
    kps.fill("40")
    kps.press("Enter")
    page.get_by_text("Performance status: Caution").wait_for(timeout=30000)
    probe.wait_idle()

    group = page.get_by_role("radiogroup", name="Prior CNS disease or complication?")
    group.get_by_role("radio", name="Yes").click()
    page.get_by_text("oral levetiracetam 750 mg every 12 h or a similar drug", exact=False).wait_for(timeout=30000)
    probe.wait_idle()
    # The rule and its quote open beside the item.
    page.get_by_text("CNS disease: Caution").click()
    page.get_by_text("左乙拉西坦(750 mg,每12 h 1次)", exact=False).first.wait_for(timeout=30000)

    page.locator("[data-testid=stTab]", has_text="Washout").click()
    last = date.today() - timedelta(days=5)
    # The date field is segmented (year, month, day): type into its first segment, as a keyboard user would.
    field = page.get_by_role("group", name="Lenalidomide", exact=True)
    field.get_by_role("spinbutton").first.click()
    page.keyboard.type(last.strftime("%Y%m%d"))
    page.keyboard.press("Escape")  # closes the calendar and commits the typed date
    expected = f"{last + timedelta(days=15):%Y-%m-%d} 00:00"
    page.get_by_text(expected, exact=True).wait_for(timeout=30000)
    probe.wait_idle()
    assert page.locator("[data-testid='stPlotlyChart']").count() == 1
    page.get_by_text("Lenalidomide: Not yet").wait_for(timeout=30000)

    page.get_by_text("中文", exact=True).click()
    page.get_by_role("heading", name="入组评估与淋巴细胞采集").wait_for(timeout=30000)
    probe.wait_idle()
    assert page.get_by_label("KPS(0–100,以10分为单位)", exact=True).input_value() == "40"
    probe.assert_clean()


def test_deep_link_opens_the_planner_on_a_phone_in_chinese(open_page):
    last = date.today() - timedelta(days=2)
    probe = open_page(f"/eligibility?lang=zh&bortezomib={last.isoformat()}&vincristine=not-a-date", PHONE)
    page = probe.page
    page.get_by_text("已忽略链接参数vincristine=not-a-date", exact=False).wait_for(timeout=30000)
    page.locator("[data-testid=stTab]", has_text="洗脱期").click()
    page.get_by_text(f"{last + timedelta(days=15):%Y-%m-%d} 00:00", exact=True).wait_for(timeout=30000)
    probe.wait_idle()
    assert page.locator("[data-testid='stPlotlyChart']").count() == 1
    probe.assert_clean()
