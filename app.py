"""Entry point: page config, language, navigation, touch styling and footer. Every page runs
inside this script."""

from __future__ import annotations

import streamlit as st

from ui import browser_copy, nav, reconnect
from ui.footer import footer
from ui.i18n import init_language, lang, language_switch, t
from ui.style import apply_touch_style

# A session's first run holds back the widget values a reconnecting browser sent, and replays
# them as an edit once every widget is registered (ui/reconnect.py: a replica died, issue 17).
reconnect.hold()
st.set_page_config(
    page_title="CAR-T MM",
    page_icon="content/static/icon.png",  # a local file: a material or emoji icon is fetched from a CDN
    layout="centered",
    initial_sidebar_state="collapsed",
)

init_language()
apply_touch_style()
# The conversation and the other pages' inputs are also held by the browser, in a hidden widget drawn
# last on every page: a new replica takes them back before the page runs (ui/browser_copy.py, issue 17).
browser_copy.recover()

pages = {
    slug: st.Page(f"pages/{slug}.py", title=t(f"nav.{slug}"), icon=icon, url_path=slug,
                  default=(slug == "home"))
    for slug, icon in nav.available()
}
# Our own bar at the top, reachable by one thumb, instead of Streamlit's drawer, which on a phone
# must be opened and closed around every choice (review U6).
current = st.navigation(list(pages.values()), position="hidden")
nav.nav_bar(pages, t, lang())
language_switch()
try:
    current.run()
    footer()
finally:
    try:
        browser_copy.keep()   # after the page: its inputs as this run left them
    finally:
        reconnect.replay()
