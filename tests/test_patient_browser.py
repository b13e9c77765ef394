"""One patient across pages, in headless Chromium (issue 12, "Done when"):

- weight 68 on /toxicity -> /dosing shows 544 mg without retyping -> back on /toxicity every CRS
  input is as left -> a reload keeps them -> "New patient" clears them, the URL included;
- a tocilizumab dose logged on the /toxicity episode chart is counted by the /dosing guard, and
  one logged on /dosing by the /toxicity plan;
- in a browser context with timezone_id="Asia/Shanghai" against this (UTC) server, the course
  guard, the HLH/MAS check and the follow-up "today" use Shanghai time and say "UTC+8".
Every wait is on the app's own state (PageProbe), never on a clock.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from logic.strings import text
from tests.conftest import TABLET, PageProbe, card_badge

pytestmark = pytest.mark.browser
TIMEOUT = 30000
SHANGHAI = ZoneInfo("Asia/Shanghai")


def number(page, label: str):
    return page.locator(f"[data-testid='stMain'] [data-testid='stNumberInput'] input[aria-label='{label}']:visible")


def enter(probe: PageProbe, label: str, value: str) -> None:
    box = number(probe.page, label)
    probe.act(lambda: (box.fill(value), box.press("Enter")))


def goto_page(probe: PageProbe, slug: str) -> None:
    """Through the app's own navigation (a page change in the same session, not a reload)."""
    link = probe.page.locator(f".st-key-nav_bar [data-testid='stPageLink-NavLink'][href^='{slug}']")
    probe.act(lambda: link.dispatch_event("click"))
    probe.page.wait_for_url(re.compile(rf"/{slug}(\?|$)"))
    probe.wait_idle()


def open_in(browser, url: str, **context) -> PageProbe:
    ctx = browser.new_context(viewport=TABLET, **context)
    probe = PageProbe(ctx.new_page())
    probe.goto(url)
    return probe


def crs_inputs_are(page, temp: str, weight: str) -> None:
    expect(number(page, "Highest temperature (°C)")).to_have_value(temp, timeout=TIMEOUT)
    expect(number(page, "Weight (kg)")).to_have_value(weight)
    expect(page.get_by_role("radio", name=text("en", "toxicity.hypotension_opt.one_vasopressor"),
                            include_hidden=True)).to_be_checked()
    expect(page.get_by_role("radio", name=text("en", "toxicity.hypoxia_opt.low_flow"),
                            include_hidden=True)).to_be_checked()
    expect(card_badge(page, "crs")).to_have_text("CRS grade 3")


def test_weight_68_reaches_dosing_inputs_survive_the_way_back_and_a_reload_new_patient_clears(browser, app_url):
    probe = open_in(browser, f"{app_url}/toxicity?lang=en")
    page = probe.page
    try:
        enter(probe, "Highest temperature (°C)", "39.4")
        for choice in (text("en", "toxicity.hypotension_opt.one_vasopressor"),
                       text("en", "toxicity.hypoxia_opt.low_flow")):
            probe.act(lambda choice=choice: page.get_by_text(choice, exact=True).click())
        enter(probe, "Weight (kg)", "68")
        expect(page.get_by_text("Tocilizumab 544 mg / 27.2 mL (20 mg/mL) IV", exact=False).first).to_be_visible(timeout=TIMEOUT)

        goto_page(probe, "dosing")
        expect(page.get_by_text("544 mg IV", exact=True)).to_be_visible(timeout=TIMEOUT)
        expect(number(page, "Weight (kg)")).to_have_value("68.0")

        goto_page(probe, "toxicity")
        crs_inputs_are(page, "39.4", "68.0")

        page.reload()  # a new session: the values come back from the URL
        probe.wait_idle()
        crs_inputs_are(page, "39.4", "68.0")
        assert "weight_kg=68" in page.url and "temp_c=39.4" in page.url

        probe.open_expander(text("en", "patient.edit"))
        # New patient rewrites the URL as well as the state, and the page runs again after it: wait
        # on what lasts (the emptied fields), not on the run observer or the one-run notice, which
        # that second run can outpace or replace.
        page.get_by_role("button", name=text("en", "patient.new")).click()
        expect(number(page, "Weight (kg)")).to_have_value("", timeout=TIMEOUT)
        probe.wait_idle()
        expect(number(page, "Weight (kg)")).to_have_value("")
        expect(number(page, "Highest temperature (°C)")).to_have_value("")
        expect(page.get_by_text("544 mg", exact=False)).to_have_count(0)
        assert "weight_kg" not in page.url and "temp_c" not in page.url
        probe.assert_clean()
    finally:
        page.context.close()


def type_datetime(probe: PageProbe, label: str, when: datetime) -> None:
    """Type a date and time into Streamlit's date-time field, segment by segment, as a user does."""
    page = probe.page
    group = page.get_by_role("group", name=label, exact=True)
    def type_it() -> None:
        group.get_by_role("spinbutton").first.click()
        page.keyboard.type(f"{when:%Y%m%d%H%M}")
        page.keyboard.press("Escape")

    # The field may send its value as soon as the last segment is typed, before Escape: the run
    # observer is set before the typing, so that run is not missed (CI timed out waiting on one).
    probe.act(type_it)


def test_one_dose_log_for_the_episode_chart_and_the_dosing_guard(browser, app_url):
    infusion = datetime.now(UTC).date() - timedelta(days=30)
    probe = open_in(browser, f"{app_url}/toxicity?lang=en&weight_kg=70&infusion={infusion.isoformat()}"
                             "&temp_c=39&hypotension=one_vasopressor")
    page = probe.page
    try:
        # logged on the episode chart, a day after the infusion
        page.get_by_role("tab", name="Episode chart", exact=True).click()
        number(page, text("en", "toxicity.chart.dose_mg_label")).wait_for(timeout=TIMEOUT)
        given = datetime.combine(infusion + timedelta(days=1), datetime.min.time()).replace(hour=2)
        type_datetime(probe, text("en", "toxicity.chart.at_label"), given)
        enter(probe, text("en", "toxicity.chart.dose_mg_label"), "560")
        probe.act(lambda: page.get_by_role("button", name=text("en", "toxicity.chart.add_dose")).click())
        expect(page.get_by_text(text("en", "toxicity.chart.added"))).to_be_visible(timeout=TIMEOUT)

        # counted by the /dosing guard
        goto_page(probe, "dosing")
        expect(page.get_by_text(text("en", "patient.toci.heading", n=1), exact=True)).to_be_visible(timeout=TIMEOUT)
        expect(page.get_by_text(f"{given:%Y-%m-%d %H:%M}", exact=False).first).to_be_visible()
        expect(page.get_by_text(text("en", "dosing.toci.allowed_yes"), exact=False).first).to_be_visible()

        # logged on /dosing (its time field starts at now): the guard says not now, 8 h apart
        probe.act(lambda: page.get_by_role("button", name=text("en", "patient.toci.add")).click())
        expect(page.get_by_text(text("en", "patient.toci.heading", n=2), exact=True)).to_be_visible(timeout=TIMEOUT)
        expect(page.get_by_text(text("en", "dosing.toci.allowed_no"), exact=False).first).to_be_visible()

        # and counted by /toxicity's plan and its episode chart
        goto_page(probe, "toxicity")
        expect(page.get_by_text("Course: 2 dose(s) given", exact=False).first).to_be_visible(timeout=TIMEOUT)
        probe.assert_clean()
    finally:
        page.context.close()


def test_the_users_clock_in_asia_shanghai_against_a_utc_server(browser, app_url):
    shanghai_now = datetime.now(UTC).astimezone(SHANGHAI)
    server_now = datetime.now()
    assert server_now.strftime("%H") != shanghai_now.strftime("%H"), "the server must not run on Shanghai time"
    probe = open_in(browser, f"{app_url}/dosing?lang=en&weight_kg=70", timezone_id="Asia/Shanghai")
    page = probe.page
    try:
        # the course guard: checked at Shanghai's now, with the zone
        stamp = re.compile(rf"Checked at {shanghai_now:%Y-%m-%d} \d\d:\d\d \(UTC\+8\)")
        expect(page.get_by_text(stamp)).to_be_visible(timeout=TIMEOUT)
        shown = re.search(r"(\d\d):(\d\d) \(UTC\+8\)", page.get_by_text(stamp).inner_text())
        shown_at = shanghai_now.replace(hour=int(shown[1]), minute=int(shown[2]))
        assert abs((shown_at - shanghai_now).total_seconds()) < 300, (shown_at, shanghai_now)
        # a new dose row starts at Shanghai's time, not the server's
        field = page.get_by_text(re.compile(r"^Time of a dose given \(UTC\+8\)"))
        expect(field).to_be_visible()

        goto_page(probe, "toxicity")
        expect(page.get_by_text(re.compile(r"checked \d\d:\d\d, UTC\+8")).first).to_be_attached(timeout=TIMEOUT)
        hlh = page.get_by_text(re.compile(r"checked (\d\d):(\d\d), UTC\+8")).first.inner_text()
        hh, mm = re.search(r"checked (\d\d):(\d\d)", hlh).groups()
        assert abs(int(hh) * 60 + int(mm) - (shanghai_now.hour * 60 + shanghai_now.minute)) % (24 * 60) < 5

        goto_page(probe, "followup")
        today = datetime.now(UTC).astimezone(SHANGHAI).date()
        expect(page.get_by_text(f"This device's today: {today.isoformat()} (UTC+8).")).to_be_visible(timeout=TIMEOUT)
        probe.assert_clean()
    finally:
        page.context.close()
