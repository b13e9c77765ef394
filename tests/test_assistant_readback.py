"""The chat's read-back ("what I understood", brief rule 3) as literals: each value the reader
takes from a message comes back with its clinical kind, value, unit and the user's own words.

Written after the mutation run of 2026-12-02 (docs/QUALITY.md): renaming the weight mention's
kind (`"XXweight_kgXX"`) or dropping the blood-pressure value survived every selected test,
because the dose was still right while the read-back lost or mislabelled what it read."""

from __future__ import annotations

import pytest

from logic.assistant import ask
from tests.conftest import TODAY, WALL_NOW

# message, language, (kind, value, unit, the user's words)
READBACK = [
    ("托珠单抗 72kg", "zh", ("weight_kg", 72.0, "kg", "72kg")),
    ("toci 70 kg", "en", ("weight_kg", 70.0, "kg", "70 kg")),
    ("tocilizumab, weight 68", "en", ("weight_kg", 68.0, "kg", "weight 68")),
    ("CRS, fever 39.2, BP 80/45", "en", ("blood_pressure", "80/45", "mmHg", "BP 80/45")),
]


@pytest.mark.oracle
# pytest.param ids (see tests/test_assistant_readback_table.py: an ids= list is escaped in place)
@pytest.mark.parametrize(("message", "lang", "expected"), [pytest.param(*r, id=r[0]) for r in READBACK])
def test_readback_names_kind_value_unit_and_words(message, lang, expected):
    a = ask(message, {"today": TODAY, "now": WALL_NOW, "lang": lang})
    got = [(f.kind, f.value, f.unit, f.text) for f in a.understood]
    assert expected in got, got


# the whole read-back line, word for word: a negated finding is "no <finding>", never "no seizure none"
# (an English literal in the Chinese reply, found 2026-12-03)
READBACK_LINES = [
    ("CRS fever 39, not on pressors, hypotension", "en", "Read: T 39 °C · no vasopressors"),
    ("CRS 39度 不用升压药 低血压", "zh", "已读取:体温 39 °C · 无升压药"),
    ("ICANS ICE 6, no seizures, no cerebral edema, no focal weakness", "en",
     "Read: ICE 6 /10 · no seizure · no cerebral oedema · no motor weakness"),
    ("ICANS ICE 6 无抽搐 无脑水肿", "zh", "已读取:ICE 6 /10 · 无癫痫 · 无脑水肿"),
    # "not on room air" is on oxygen: never read back as "no oxygen"
    ("CRS T 39, not on room air", "en", "Read: T 39 °C · not on room air (on oxygen, support not said)"),
]


@pytest.mark.oracle
@pytest.mark.parametrize(("message", "lang", "line"), [pytest.param(*r, id=r[0]) for r in READBACK_LINES])
def test_readback_line_word_for_word(message, lang, line):
    assert ask(message, {"today": TODAY, "now": WALL_NOW, "lang": lang}).readback == line
