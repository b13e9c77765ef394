"""The page registry and the navigation bar: each page file's stem is its URL path; only
existing files register."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parent.parent

# (url path, icon), in menu order. The home page is the default page at "/".
PAGES: tuple[tuple[str, str], ...] = (
    ("home", ":material/home:"),
    ("toxicity", ":material/monitor_heart:"),
    ("cytopenia", ":material/bloodtype:"),
    ("dosing", ":material/medication:"),
    ("eligibility", ":material/checklist:"),
    ("relapse", ":material/replay:"),
    ("followup", ":material/event:"),
    ("evidence", ":material/bar_chart:"),
    ("practice", ":material/school:"),
    ("library", ":material/menu_book:"),
)

# The bedside tools, always in the bar; the others sit behind "More" (review U6: on a phone the
# drawer took three taps and stayed open over the page).
BAR: tuple[str, ...] = ("home", "toxicity", "dosing", "eligibility", "followup")


def available() -> list[tuple[str, str]]:
    return [(slug, icon) for slug, icon in PAGES if (ROOT / "pages" / f"{slug}.py").exists()]


def nav_bar(pages: dict[str, st.Page], t, lang: str) -> None:
    """One row at the top of every page: the bedside tools as large links, then "More"."""
    keep = {"lang": lang}
    with st.container(horizontal=True, gap="small", key="nav_bar"):
        for slug in BAR:
            if slug in pages:
                # Words without icons: five and "More" fit a phone's width in either language.
                st.page_link(pages[slug], label=t(f"nav.short.{slug}"), query_params=keep)
        rest = [slug for slug in pages if slug not in BAR]
        if rest:
            # No icon before "More": its chevron already says it opens (and the icon pushed it off a phone).
            with st.popover(t("nav.more")):
                for slug in rest:
                    st.page_link(pages[slug], label=t(f"nav.{slug}"), icon=pages[slug].icon,
                                 query_params=keep)


def href(path: str) -> str:
    """A link the browser follows as typed ("/library?rec=…"), under the server's base path when
    it is served under one behind a reverse proxy (server.baseUrlPath = "cart-mm": "/cart-mm/library?…").
    st.page_link and downloads add the base path themselves; a markdown link does not."""
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}{path}" if base else path


def absolute(path: str) -> str:
    """The link as the user's browser reaches this app ("http://ward-pc:8501/cart-mm/practice?case=48213"),
    for sharing outside the app; the relative href(path) when the browser's URL is not known (tests)."""
    from urllib.parse import urlsplit

    url = st.context.url
    if not url:
        return href(path)
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{href(path)}"
