"""Streamlit helpers shared by the pages: language, quote cards, navigation registry.

Clinical rules never live here (they are in logic/); this package only renders.
"""

from streamlit.runtime.pages_manager import PagesManager

# Streamlit starts in its legacy `pages/` mode until app.py calls st.navigation. If the very
# first visitor of a fresh server deep-links to /dosing, the page would run without app.py
# (no language switch, a different menu). Every page imports this package first: leave the
# legacy mode once and rerun, so that app.py builds the navigation and runs the page.
if PagesManager.uses_pages_directory:
    import streamlit as st

    PagesManager.uses_pages_directory = False
    st.rerun()
