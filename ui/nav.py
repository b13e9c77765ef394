"""The page registry: each page file's stem is its URL path. Only existing files register."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parent.parent

# (url path, icon), in menu order. The home page is the default page at "/".
PAGES: tuple[tuple[str, str], ...] = (
    ("home", ":material/home:"),
    ("toxicity", ":material/monitor_heart:"),
    ("dosing", ":material/medication:"),
    ("eligibility", ":material/checklist:"),
    ("relapse", ":material/replay:"),
    ("followup", ":material/event:"),
    ("evidence", ":material/bar_chart:"),
    ("practice", ":material/school:"),
    ("library", ":material/menu_book:"),
)


def available() -> list[tuple[str, str]]:
    return [(slug, icon) for slug, icon in PAGES if (ROOT / "pages" / f"{slug}.py").exists()]


def href(path: str) -> str:
    """A link the browser follows as typed ("/library?rec=…"), under the server's base path when
    it is served under one behind a reverse proxy (server.baseUrlPath = "cart-mm": "/cart-mm/library?…").
    st.page_link and downloads add the base path themselves; a markdown link does not."""
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}{path}" if base else path
