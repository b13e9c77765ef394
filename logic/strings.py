"""UI string catalogs (content/i18n/<lang>/<namespace>.yaml), loaded once and frozen.

A key is "<namespace>.<name>", the namespace being the catalog file's stem, so each page
owns its own catalog file in each language.
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import Literal

import yaml

from logic.content import CONTENT_DIR

Lang = Literal["en", "zh"]
LANGS: tuple[Lang, ...] = ("en", "zh")
I18N_DIR = CONTENT_DIR / "i18n"


def _flatten(prefix: str, node: object, out: dict[str, str]) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            _flatten(f"{prefix}.{k}", v, out)
    else:
        out[prefix] = str(node)


@lru_cache(maxsize=len(LANGS))
def catalog(lang: Lang) -> MappingProxyType:
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; expected one of {LANGS}")
    out: dict[str, str] = {}
    for path in sorted((I18N_DIR / lang).glob("*.yaml")):
        _flatten(path.stem, yaml.safe_load(path.read_text(encoding="utf-8")) or {}, out)
    return MappingProxyType(out)


def text(lang: Lang, key: str, **kwargs: object) -> str:
    """The string for `key` in `lang`, formatted with kwargs. A missing key raises KeyError."""
    s = catalog(lang)[key]
    return s.format(**kwargs) if kwargs else s


def utc_offset_label(offset: timedelta) -> str:
    """'UTC+8', 'UTC+5:30', 'UTC-3', 'UTC': a zone as shown beside a time, in both languages."""
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    sign, minutes = ("+" if minutes > 0 else "-"), abs(minutes)
    h, m = divmod(minutes, 60)
    return f"UTC{sign}{h}" + (f":{m:02d}" if m else "")
