"""Streamlit helpers shared by the pages: language, quote cards, navigation registry.

Clinical rules never live here (they are in logic/); this package only renders.
"""
