"""The UI string catalogs: the same keys in every language, and every key used exists."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from logic.strings import I18N_DIR, LANGS, catalog, utc_offset_label

ROOT = Path(__file__).resolve().parent.parent


def test_catalog_files_match_across_languages():
    files = {lang: sorted(p.name for p in (I18N_DIR / lang).glob("*.yaml")) for lang in LANGS}
    assert files["en"] == files["zh"]


def test_catalog_keys_match_across_languages():
    en, zh = set(catalog("en")), set(catalog("zh"))
    assert en - zh == set(), f"missing in zh: {sorted(en - zh)}"
    assert zh - en == set(), f"missing in en: {sorted(zh - en)}"


def test_placeholders_match_across_languages():
    en, zh = catalog("en"), catalog("zh")
    for key in en:
        assert set(re.findall(r"{(\w+)}", en[key])) == set(re.findall(r"{(\w+)}", zh[key])), key


def test_catalogs_are_valid_yaml_with_no_empty_strings():
    for lang in LANGS:
        for path in (I18N_DIR / lang).glob("*.yaml"):
            yaml.safe_load(path.read_text(encoding="utf-8"))
    assert all(v.strip() for lang in LANGS for v in catalog(lang).values())


def test_every_literal_key_used_in_code_exists():
    keys = set(catalog("en"))
    used = set()
    for path in [*ROOT.glob("pages/*.py"), *ROOT.glob("ui/*.py"), ROOT / "app.py"]:
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_]+\.[a-z0-9_.]*[a-z0-9_])["']""", path.read_text(encoding="utf-8")))
    assert used, "no t() calls found"
    assert used - keys == set(), sorted(used - keys)


@pytest.mark.parametrize(("minutes", "label"), [(480, "UTC+8"), (330, "UTC+5:30"), (-180, "UTC-3"), (0, "UTC"),
                                                (-570, "UTC-9:30")])
def test_utc_offset_label_as_shown_beside_a_time(minutes, label):
    assert utc_offset_label(timedelta(minutes=minutes)) == label
