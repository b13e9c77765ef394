"""Entry point: page config, language, navigation. Every page runs inside this script."""

from __future__ import annotations

import streamlit as st

from ui import nav
from ui.i18n import init_language, language_switch, t

st.set_page_config(
    page_title="CAR-T MM",
    page_icon="content/static/icon.png",  # a local file: a material or emoji icon is fetched from a CDN
    layout="centered",
    initial_sidebar_state="collapsed",
)

init_language()

pages = [
    st.Page(f"pages/{slug}.py", title=t(f"nav.{slug}"), icon=icon, url_path=slug, default=(slug == "home"))
    for slug, icon in nav.available()
]
current = st.navigation(pages)
language_switch()
current.run()
