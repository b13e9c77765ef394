"""The user's clock: "now" and "today" in the browser's time zone, never the server's.

st.context.timezone (an IANA name, e.g. "Asia/Shanghai") is preferred; without it, the
browser's UTC offset (st.context.timezone_offset, minutes as JavaScript's getTimezoneOffset
gives them: -480 for UTC+8); without either (a test run, a browser that sends neither), UTC,
and the label says it is the server's clock.

Logic takes `now`/`today` explicitly. The date and time widgets give the user's wall-clock
time without a zone, so pages pass `wall_now()` (the same instant, as the user's wall clock)
beside them, and show `zone_label()` wherever a time is shown.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import streamlit as st

from logic.strings import utc_offset_label
from ui.i18n import t


def _browser_zone() -> tuple[tzinfo, str | None] | None:
    """(zone, IANA name or None) from the browser, or None when it sent nothing usable."""
    try:
        name = st.context.timezone
    except Exception:  # noqa: BLE001 - outside a script run (unit tests) there is no context
        name = None
    if name:
        try:
            return ZoneInfo(name), name
        except (ZoneInfoNotFoundError, ValueError):
            pass
    try:
        offset = st.context.timezone_offset
    except Exception:  # noqa: BLE001
        offset = None
    if isinstance(offset, int | float) and abs(offset) <= 18 * 60:
        return timezone(-timedelta(minutes=offset)), None
    return None


def user_tz() -> tzinfo:
    zone = _browser_zone()
    return zone[0] if zone else UTC


# Tests only: an aware datetime in this session key stands for the current instant, so AppTest runs do
# not change result at midnight or across zones (tests/test_*_page.py set it). No widget or query
# parameter writes it.
TEST_NOW_KEY = "clock_test_now"


def _fixed_now() -> datetime | None:
    try:
        fixed = st.session_state.get(TEST_NOW_KEY)
    except Exception:  # noqa: BLE001 - outside a script run (unit tests) there is no session
        return None
    return fixed if isinstance(fixed, datetime) and fixed.tzinfo is not None else None


def now() -> datetime:
    """The current time in the user's zone, aware, to the minute."""
    instant = _fixed_now() or datetime.now(UTC)
    return instant.astimezone(user_tz()).replace(second=0, microsecond=0)


def wall_now() -> datetime:
    """`now()` as the user's wall-clock time (no tzinfo), comparable with what the widgets give."""
    return now().replace(tzinfo=None)


def today() -> date:
    return now().date()


def offset_text(moment: datetime | None = None) -> str:
    """'UTC+8', 'UTC+5:30', 'UTC-3', 'UTC' for the user's zone at `moment` (default now)."""
    moment = moment if moment is not None and moment.tzinfo is not None else now()
    return utc_offset_label(moment.astimezone(user_tz()).utcoffset() or timedelta(0))


def zone_label() -> str:
    """The zone as shown beside a time: 'UTC+8' (browser), or 'UTC, server clock' when the
    browser did not say (then the time is the server's, and says so)."""
    if _browser_zone() is None:
        return t("common.clock.server_zone")
    return offset_text()


def fmt(moment: datetime, with_zone: bool = True) -> str:
    """'2026-12-02 09:22 (UTC+8)': a wall-clock or aware time in the user's zone."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(user_tz())
    s = f"{moment:%Y-%m-%d %H:%M}"
    return f"{s} ({zone_label()})" if with_zone else s


def checked_at() -> str:
    """'checked 09:22, UTC+8' for a result computed at now()."""
    return t("common.clock.checked_at", time=f"{now():%H:%M}", zone=zone_label())
