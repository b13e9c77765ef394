"""logic.trials: Table 1 equals the cleaned document cell by cell; Table 2 is the dosing page's data."""

from __future__ import annotations

import math
import re

import pytest

from logic import content, dosing, trials

# Read the document independently of logic.content's parser: the raw Markdown rows of Table 1.
_TEXT = content.DOCUMENT_PATH.read_text(encoding="utf-8")
_T1_HEADER = next(line for line in _TEXT.splitlines() if line.startswith("| 行 |") and "作者" in line)
HEADER = [c.strip() for c in _T1_HEADER.strip().strip("|").split("|")][1:]
RAW_ROWS = [[c.strip() for c in line.strip().strip("|").split("|")]
            for line in _TEXT.splitlines() if re.match(r"^\| T1\.\d+ \|", line)]
COLUMN_OF = {  # printed header -> table1() column
    "临床注册号": "registry", "例数": "patients", "产品名称": "product", "共刺激分子": "costim",
    "CAR-T细胞剂量": "dose_text", "CRS发生率(%)": "crs_pct", "≥3级CRS发生率(%)": "crs_ge3_pct",
    "NTX(%)": "ntx_pct", "≥3级NTX(%)": "ntx_ge3_pct", "ORR(%)": "orr_pct", "sCR/CR(%)": "scr_cr_pct",
    "中位EFS时间(月)": "efs_months", "中位PFS时间(月)": "pfs_months",
}
T1 = trials.table1()


def test_the_document_has_twelve_rows_and_so_does_the_frame():
    assert len(RAW_ROWS) == 12
    assert list(T1["row_id"]) == [r[0] for r in RAW_ROWS]


def test_columns_are_the_issues_columns_in_order():
    assert list(T1.columns[: len(trials.TABLE1_COLUMNS)]) == [
        "ref", "author", "year", "registry", "patients", "product", "costim", "dose_text", "dose_per_kg",
        "crs_pct", "crs_ge3_pct", "ntx_pct", "ntx_ge3_pct", "orr_pct", "scr_cr_pct", "efs_months", "pfs_months",
        "pfs_not_reached",
    ]


@pytest.mark.parametrize("raw", RAW_ROWS, ids=[f"consensus Table 1 row {r[0]}" for r in RAW_ROWS])
def test_table1_equals_the_document_cell_by_cell(raw):
    row = T1[T1["row_id"] == raw[0]].iloc[0]
    cells = dict(zip(HEADER, raw[1:], strict=True))
    assert f"{row['author']}等[{row['ref']}]" == cells["作者"]
    assert str(row["year"]) == cells["时间"]
    for printed, col in COLUMN_OF.items():
        cell, value = cells[printed], row[col]
        if col in trials.NUMERIC_COLUMNS:
            if cell in ("N/A", "NR", "未达到"):
                assert math.isnan(value), f"{raw[0]} {col}: {cell!r} must be missing, not {value!r}"
            else:
                assert value == float(cell), f"{raw[0]} {col}"
        elif col == "patients":
            assert value == int(cell)
        else:
            assert value == cell, f"{raw[0]} {col}"
    assert row["dose_per_kg"] == cells["CAR-T细胞剂量"].endswith("/kg")
    assert row["pfs_not_reached"] == (cells["中位PFS时间(月)"] == "未达到")


@pytest.mark.parametrize(("row_id", "col", "expected"), [
    pytest.param("T1.5", "ntx_pct", None, id="Fu [6] NTX printed NR: missing (READING-NOTES 7)"),
    pytest.param("T1.1", "ntx_pct", None, id="Brudno [2] NTX printed N/A: missing"),
    pytest.param("T1.10", "pfs_months", None, id="Berdeja [11] PFS printed 未达到: no number"),
    pytest.param("T1.3", "ntx_ge3_pct", 0.0, id="Zhao [4] grade>=3 NTX printed 0: a real zero"),
    pytest.param("T1.11", "pfs_months", 8.6, id="Munshi [12] KarMMa PFS 8.6 (READING-NOTES 18)"),
    pytest.param("T1.7", "pfs_months", 22.7, id="Fu [8] CT053 PFS 22.7, the best centre"),
])
def test_not_reported_is_missing_never_zero(row_id, col, expected):
    value = T1.set_index("row_id").loc[row_id, col]
    if expected is None:
        assert math.isnan(value)
    else:
        assert value == expected


def test_not_reached_is_flagged_only_for_berdeja():
    assert list(T1[T1["pfs_not_reached"]]["row_id"]) == ["T1.10"]


@pytest.mark.parametrize(("cell", "expected"), [
    pytest.param("N/A", None, id="N/A: not reported"), pytest.param("NR", None, id="NR: not reported"),
    pytest.param("未达到", None, id="not reached: no number"), pytest.param("0", 0.0, id="printed 0"),
    pytest.param("37.5", 37.5, id="a decimal"),
])
def test_parse_number(cell, expected):
    value = trials.parse_number(cell)
    assert math.isnan(value) if expected is None else value == expected


def test_flat_and_per_kg_doses():
    flat = set(T1[~T1["dose_per_kg"]]["dose_text"])
    assert flat == {"(50~180)×10⁶", "(100~150)×10⁶", "(150~450)×10⁶"}  # READING-NOTES items 1 and 8
    assert all("×106" not in d for d in T1["dose_text"])


def test_each_row_has_its_quotable_recommendation():
    for _, row in T1.iterrows():
        rec = content.recommendation(row["recommendation_id"])
        assert rec.source == row["row_id"]
        assert rec.quote_zh == content.document().block(row["row_id"]).text


def test_dual_target_rows_are_those_the_consensus_names():
    # 「两个抗原靶点联合的CAR-T细胞临床试验有BCMA/CD19[7]、BCMA/ CD38[10]」
    assert sorted(T1[T1["dual_target"]]["ref"]) == [7, 10]


def test_summary_matches_the_consensus_orr_range():
    ranges = trials.summary_ranges()
    rec = content.recommendation("evidence_summary_response")
    assert (ranges["orr_min_pct"], ranges["orr_max_pct"]) == (rec.value("orr_min_pct"), rec.value("orr_max_pct"))
    assert ranges["scr_cr_max_pct"] > rec.value("scr_cr_over_pct")


def test_callers_cannot_change_the_cache():
    frame = trials.table1()
    frame.loc[0, "orr_pct"] = 0.0
    frame["registry"] = "changed"
    again = trials.table1()
    assert again.loc[0, "orr_pct"] == 81.0 and again.loc[0, "registry"] == "NCT02215967"
    t2 = trials.table2()
    t2.loc[0, "dose"] = 9999.0
    assert trials.table2().loc[0, "dose"] != 9999.0


# --- Table 2 -----------------------------------------------------------------------------

T2 = trials.table2()


@pytest.mark.consistency
def test_table2_is_built_from_the_dosing_modules_regimens():
    expected = [(r.product, d.drug, d.dose, d.basis, d.days_printed, tuple(d.days), r.recommendation_id)
                for r in dosing.table2_regimens() for d in r.drugs]
    got = [tuple(x) for x in T2[["product", "drug", "dose", "basis", "days", "day_list", "recommendation_id"]]
           .itertuples(index=False)]
    assert got == expected
    assert sorted(set(T2["product"]), key=list(T2["product"]).index) == dosing.lymphodepletion_regimens()


def test_table2_doses_are_printed_in_their_document_row():
    for _, row in T2.iterrows():
        printed = content.document().block(content.recommendation(row["recommendation_id"]).source).text
        assert f"{row['dose']:g} {row['basis']},{row['days']} d" in printed


@pytest.mark.parametrize(("product", "drug", "expected"), [
    pytest.param("LCAR-B38M", "fludarabine", None, id="T2.2 LCAR-B38M fludarabine printed 无: absent"),
    pytest.param("CT103A", "cyclophosphamide", (20.0, "mg/kg", (-4, -3, -2)), id="T2.3 CT103A Cy 20 mg/kg d-4~-2"),
    pytest.param("anti-BCMA/anti-CD19", "cyclophosphamide", (750.0, "mg/m²", (-5,)), id="T2.5 Cy 750 mg/m² d-5"),
    pytest.param("CARTITUDE-1", "fludarabine", (30.0, "mg/m²", (-5, -4, -3)), id="T2.8 Flu 30 mg/m² d-5~-3"),
])
def test_table2_reading_notes_9_to_11(product, drug, expected):
    rows = T2[(T2["product"] == product) & (T2["drug"] == drug)]
    if expected is None:
        assert rows.empty
    else:
        assert tuple(rows[["dose", "basis", "day_list"]].iloc[0]) == expected


@pytest.mark.parametrize("product", dosing.lymphodepletion_regimens())
def test_table2_drives_the_dosing_pages_lymphodepletion(product):
    plan = dosing.lymphodepletion(product, height_cm=170, weight_kg=70)
    for _, row in T2[T2["product"] == product].iterrows():
        doses = [d for d in plan if d.drug == row["drug"]]
        assert tuple(d.day for d in doses) == row["day_list"]
        for d in doses:
            assert d.basis == f"{row['dose']:g} {row['basis']}"
            # by hand: Mosteller √(170 × 70 / 3600) = 1.8181 -> 1.82 m²; or the weight, 70 kg
            multiplier = 1.82 if row["basis"] == "mg/m²" else 70
            assert d.multiplier == multiplier
            assert d.unrounded_mg == pytest.approx(row["dose"] * multiplier)


def test_table2_links_each_regimen_to_its_table1_trial_by_reference():
    by_ref = T1.set_index("ref")
    for _, row in T2.iterrows():
        assert by_ref.loc[row["ref"], "registry"].startswith(content.recommendation(row["recommendation_id"])
                                                             .quote_zh.split(" | ")[2][:11])


def test_table1_and_the_dosing_modules_cell_doses_agree_row_by_row():
    """One Table 1: the explorer's frame and the dosing page's CAR-T doses read the same rows
    (checked here, not at run time, so logic.dosing does not import logic.trials)."""
    frame = trials.table1()
    rows = dosing.cell_doses(70)
    assert len(rows) == len(frame)
    for (_, r), d in zip(frame.iterrows(), rows, strict=True):
        assert (r["product"], r["dose_text"], bool(r["dose_per_kg"])) == (d.product, d.dose_text, d.dose_per_kg)


def test_no_import_circle_between_dosing_and_trials():
    import ast
    import pathlib

    tree = ast.parse(pathlib.Path(dosing.__file__).read_text(encoding="utf-8"))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module == "logic"
                for a in n.names}
    assert "trials" not in imported
