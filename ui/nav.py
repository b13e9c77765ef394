"""The page registry: each page file's stem is its URL path. Only existing files register."""

from __future__ import annotations

from pathlib import Path

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


def available() -> list[tuple[str, str]]:
    return [(slug, icon) for slug, icon in PAGES if (ROOT / "pages" / f"{slug}.py").exists()]
