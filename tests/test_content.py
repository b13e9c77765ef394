"""The content base: the cleaned consensus, its fixes and the recommendations built on it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from logic import content

ROOT = Path(__file__).resolve().parent.parent
# The consensus as extracted: ../shared holds the original; the repository keeps a copy so that a
# clone standing alone (a new machine, /tmp/fresh) can run every test.
SHARED_SOURCE = ROOT.parent / "shared" / "consensus" / "consensus-2022.zh.txt"
KEPT_SOURCE = ROOT / "content" / "consensus" / "source-extracted.zh.txt"
SOURCE_SHA256 = "238331fd47692e1101fc284d7dad6f96b36d09b0b09ddb99f658848d28e7a8ef"
WS = re.compile(r"\s+")


def squash(s: str) -> str:
    return WS.sub("", s)


RECS = content.recommendations()
DOC = content.document()


@pytest.mark.parametrize("rec", RECS, ids=[r.id for r in RECS])
def test_quote_is_verbatim_in_its_source_block(rec):
    block = DOC.block(rec.source)
    assert squash(rec.quote_zh) in squash(block.text), f"{rec.id}: quote not found in {rec.source}"


def test_ids_unique_and_every_entry_has_english():
    ids = [r.id for r in RECS]
    assert len(ids) == len(set(ids))
    assert all(r.text_en.strip() and not re.search(r"[\u4e00-\u9fff]{4,}", r.text_en) for r in RECS)


# A number in a token: not the 3 of "CD3+", the 10 of "10⁶" is never in a token (tokens are chosen so).
TOKEN_NUMBER = re.compile(r"(?<![\dA-Za-z.])\d+(?:\.\d+)?(?!\d)")
TABLE2_CELL = re.compile(r"^(?P<dose>\d+(?:\.\d+)?) (?P<basis>mg/m²|mg/kg),(?P<days>-\d+(?:~-\d+)?) d$")
VALUED = [r for r in RECS if r.values and r.topic != "lymphodepletion"]
TABLE2 = [r for r in RECS if r.topic == "lymphodepletion" and r.source.startswith("T2.")]


def _as_printed(val: object) -> str:
    return f"{val:g}" if isinstance(val, float) else str(val)


@pytest.mark.parametrize("rec", VALUED, ids=[r.id for r in VALUED])
def test_every_value_names_the_token_it_is_printed_as(rec):
    # "4" must be the 4 of 「IgG<4 g/L」, not any 4 in the quote: the token is part of the quote and
    # every number in it (with number boundaries) is the value.
    assert set(rec.printed) == set(rec.values), f"{rec.id}: printed names {sorted(rec.printed)}"
    for key, val in rec.values.items():
        token = rec.printed[key]
        assert token in rec.quote_zh, f"{rec.id}.{key}: token {token!r} not in the quote"
        numbers = TOKEN_NUMBER.findall(token)
        assert numbers == [_as_printed(val)], f"{rec.id}.{key}={val!r} but its token {token!r} prints {numbers}"


@pytest.mark.parametrize("rec", TABLE2, ids=[r.id for r in TABLE2])
def test_every_table2_value_is_its_drugs_cell(rec):
    # Table 2 columns: product | year | trial | fludarabine | cyclophosphamide (「无」 = none).
    cells = [c.strip() for c in rec.quote_zh.split(" | ")]
    assert rec.printed["product"] == rec.values["product"] and cells[0].startswith(rec.values["product"] + "[")
    for drug, cell in (("fludarabine", cells[3]), ("cyclophosphamide", cells[4])):
        if cell == "无":
            assert drug not in rec.printed and f"{drug}_dose" not in rec.values, rec.id
            continue
        assert rec.printed[drug] == cell, f"{rec.id}: {drug} names {rec.printed.get(drug)!r}, the cell is {cell!r}"
        m = TABLE2_CELL.match(cell)
        assert m, cell
        assert _as_printed(rec.values[f"{drug}_dose"]) == m["dose"], (rec.id, drug)
        assert rec.values[f"{drug}_basis"] == m["basis"] and rec.values[f"{drug}_days"] == m["days"], (rec.id, drug)


@pytest.mark.parametrize(("token", "value", "matches"), [
    pytest.param("血清IgG<4 g/L", 4, True, id="the 4 of IgG<4 g/L"),
    pytest.param("血清IgG<4 g/L", 3, False, id="a wrong digit fails (the audit's 4->3)"),
    pytest.param("~600)", 60, False, id="60 is not the 60 of 600"),
    pytest.param(">150/μl", 150, True, id="CD3+ aside, 150"),
    pytest.param("总胆红素<0.2 g/L", 0.2, True, id="a decimal"),
    pytest.param("总胆红素<0.2 g/L", 2, False, id="2 is not the 2 of 0.2"),
])
def test_token_numbers_have_boundaries(token, value, matches):
    assert (TOKEN_NUMBER.findall(token) == [_as_printed(value)]) is matches


def test_notes_say_what_they_rest_on():
    for rec in RECS:
        for note in rec.notes:
            assert note.basis.strip() and note.en.strip() and note.zh.strip(), rec.id
            assert squash(note.zh) not in squash(rec.quote_zh)


def test_note_bases_are_readable_citations_in_both_languages():
    # Review item 9 / m14: no internal reference (READING-NOTES, entry ids) and no extraction remark
    # reaches a clinician; the Chinese basis is Chinese. Failed before the fix ("READING-NOTES item 13").
    for rec in RECS:
        for note in rec.notes:
            for text in (note.basis, note.basis_zh, note.en, note.zh):
                assert "READING-NOTES" not in text and "extraction" not in text.lower(), rec.id
                assert not re.search(r"\b[a-z]+_[a-z_]+\b", text), (rec.id, text)
            assert re.search(r"[\u4e00-\u9fff]", note.basis_zh), (rec.id, note.basis_zh)
            assert note.basis_in("zh") == note.basis_zh and note.basis_in("en") == note.basis
            assert "提取" not in note.zh and "丢失" not in note.zh, rec.id


def test_recommendation_raises_keyerror_naming_the_id():
    with pytest.raises(KeyError, match="no_such_rec"):
        content.recommendation("no_such_rec")


def test_every_table_row_of_tables_2_to_5_is_an_entry():
    sourced = {r.source for r in RECS}
    rows = [b.id for t in ("T2", "T3", "T4", "T5") for b in DOC.rows(t)]
    assert len(rows) == 9 + 4 + 4 + 4
    assert not [r for r in rows if r not in sourced]
    assert "T4.note" in sourced


def _body_sentences() -> list[tuple[str, str]]:
    """Clinical sentences from 「接受CAR-T细胞治疗患者的一般要求」 (P4) to the end of the body (P22)."""
    out = []
    for b in DOC.blocks:
        if b.kind == "paragraph" and 4 <= int(b.id[1:]) <= 22:
            out += [(b.id, s) for s in re.split(r"(?<=。)", b.text) if s.strip()]
    return out


def _covered(block_id: str, sentence: str) -> float:
    text = DOC.block(block_id).text
    start = text.index(sentence)
    mask = [False] * len(sentence)
    for rec in RECS:
        if rec.source != block_id:
            continue
        i = text.find(rec.quote_zh)
        while i != -1:
            for j in range(max(i, start), min(i + len(rec.quote_zh), start + len(sentence))):
                mask[j - start] = True
            i = text.find(rec.quote_zh, i + 1)
    significant = [m for m, ch in zip(mask, sentence, strict=True) if not re.match(r"[\s,。;:、]", ch)]
    return sum(significant) / len(significant)


def test_body_sentence_coverage_is_at_least_90_percent():
    sentences = _body_sentences()
    covered = [s for bid, s in sentences if _covered(bid, s) >= 0.95]
    ratio = len(covered) / len(sentences)
    missing = [s[:40] for bid, s in sentences if _covered(bid, s) < 0.95]
    assert ratio >= 0.9, f"coverage {ratio:.1%}; not quoted: {missing}"


def test_cleaned_document_fixes_the_extraction_artifacts():
    text = content.DOCUMENT_PATH.read_text(encoding="utf-8")
    for misprint in ("×106", "×109", "mg/m2", "复方磺胺甲\n"):
        assert misprint not in text
    assert "复方磺胺甲噁唑片" in text
    assert text.count("嵌合抗原受体T细胞(chimeric antigen receptor T cells") == 1
    assert "版权归中华医学会所有" in text  # attribution kept


def test_the_kept_source_is_the_extracted_consensus():
    import hashlib

    assert hashlib.sha256(KEPT_SOURCE.read_bytes()).hexdigest() == SOURCE_SHA256
    if SHARED_SOURCE.exists():  # beside ../shared (as in CI), the copy must still be the original
        assert SHARED_SOURCE.read_bytes() == KEPT_SOURCE.read_bytes()


def test_every_fix_is_listed_with_what_was_printed_and_what_stands_now():
    source = KEPT_SOURCE.read_text(encoding="utf-8")
    cleaned = content.DOCUMENT_PATH.read_text(encoding="utf-8")
    fixes = yaml.safe_load((content.CONTENT_DIR / "consensus" / "fixes.yaml").read_text(encoding="utf-8"))
    assert len(fixes) >= 10
    for fix in fixes:
        assert fix["printed"] in source, fix["id"]
        assert fix["now"] in cleaned, fix["id"]
        assert fix["why"].strip(), fix["id"]


def test_every_block_of_the_source_survives_cleaning():
    # Each source line (superscripts aside) stands in the cleaned document, whitespace aside.
    cleaned = squash(content.DOCUMENT_PATH.read_text(encoding="utf-8"))
    for line in KEPT_SOURCE.read_text(encoding="utf-8").splitlines():
        line = line.replace("×106", "×10⁶").replace("×109", "×10⁹").replace("mg/m2", "mg/m²")
        for piece in re.split(r"\|", line):
            piece = squash(piece)
            if len(piece) > 3 and piece not in {"---", "氟达拉滨", "环磷酰胺"}:
                assert piece in cleaned, piece[:60]


# content.value(rec_id, key) names an id; Recommendation.value(key) names only a key.
REF_FUNCS = {"ref", "recommendation", "quote_card", "quote_cards"}
REF_FUNCS_TWO_ARGS = {"value"}
REF_KWARGS = {"recommendation_id", "recommendation_ids"}


def _literal_ids(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.List | ast.Tuple):
        return [i for elt in node.elts for i in _literal_ids(elt)]
    return []


def _named_ids() -> list[tuple[str, str]]:
    found = []
    for path in [*sorted((ROOT / "logic").rglob("*.py")), *sorted((ROOT / "pages").rglob("*.py")),
                 *sorted((ROOT / "ui").rglob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if (name in REF_FUNCS and node.args) or (name in REF_FUNCS_TWO_ARGS and len(node.args) >= 2):
                    found += [(path.name, i) for i in _literal_ids(node.args[0])]
                for kw in node.keywords:
                    if kw.arg in REF_KWARGS:
                        found += [(path.name, i) for i in _literal_ids(kw.value)]
    return found


def test_every_recommendation_id_named_in_code_exists():
    known = {r.id for r in RECS}
    missing = [(f, i) for f, i in _named_ids() if i not in known]
    assert not missing, missing


def test_search_finds_entries_by_chinese_or_english_words():
    zh = {r.id for r in content.search("托珠单抗")}
    en = {r.id for r in content.search("tocilizumab")}
    assert "tocilizumab_dosing" in zh and "tocilizumab_dosing" in en
    assert zh == en
    assert content.search("卡氏肺囊虫")[0].id == "antibacterial_antifungal_pjp_prophylaxis"
    assert content.search("") == []
    assert content.search("zzzz qqqq") == []


def test_content_is_frozen():
    rec = content.recommendation("tocilizumab_dosing")
    with pytest.raises(ValidationError):
        rec.quote_zh = "x"
    with pytest.raises(TypeError):
        rec.values["mg_per_kg"] = 9


def test_bispecific_is_not_a_dual_target_car_t_in_search():
    # Review m13: failed before the fix (one glossary group held 双靶点 and "bispecific").
    groups = content.glossary()
    assert not any("双靶点" in g and "bispecific" in g for g in groups)
    assert "双靶点" not in content._expand("bispecific") and "bispecific" not in content._expand("双靶点")


@pytest.mark.parametrize("rec_id, corrected", [
    # Review §2 (English renderings to correct); each failed before the fix.
    ("crs_grade_4", "including CPAP, tracheal intubation and mechanical ventilation"),
    ("assess_bcma_and_other_targets", "advanced (late-line) relapsed disease"),
    ("assess_bcma_and_other_targets", "is recommended"),
    ("cns_disease_prophylaxis", "it is recommended to defer CAR-T infusion"),
    ("cns_disease_prophylaxis", "or a similar drug may be given"),
    ("crs_mgmt_grade_3", "dexamethasone 10 mg IV every 6 h may be given"),
    ("crs_treatment_principles", "tocilizumab and/or corticosteroids may be given in good time"),
    ("washout_8_weeks", "It is generally recommended that"),
    ("antibacterial_antifungal_pjp_prophylaxis", "give prophylaxis with, e.g., norfloxacin"),
    ("infection_treatment_gcsf", "Infection may be managed with reference to"),
    ("ivig_replacement", "further assessment of IgG, IgA and IgM levels and B-cell counts is recommended"),
    ("relapse_guideline_options", "may be treated with reference to the Chinese MM guideline"),
    ("relapse_second_car_t", "but it must be based on the following considerations"),
    ("relapse_antigen_positive", "for example, after relapse following a murine BCMA CAR-T"),
    ("followup_extramedullary", "it is recommended to assess extramedullary disease 1 month after CAR-T"),
    ("trials_population", "very likely to move to first line"),
    ("evidence_summary_response", "[2-13]"),
])
def test_english_renderings_as_the_review_corrected_them(rec_id, corrected):
    assert corrected in content.recommendation(rec_id).text_en


def test_bipap_is_in_the_astct_note_not_in_the_rendering_of_the_quote():
    rec = content.recommendation("crs_grade_4")  # review m1
    assert "BiPAP" not in rec.text_en and any("BiPAP" in n.en for n in rec.notes)


def test_comfort_oxygen_is_labelled_as_the_apps_reading_not_astct():
    # Review m5: failed before the fix (the note's basis was ASTCT 2019).
    note = next(n for n in content.recommendation("crs_grade_2").notes if "comfort" in n.en)
    assert note.basis == "The app's reading" and note.basis_zh == "本应用的理解"


def test_icans_grade_4_notes():
    # Review m9: concurrent CRS still by Table 4; airway protection; ASTCT's ICH and sedation exclusions.
    g4 = " ".join(n.en for n in content.recommendation("icans_g4_with_crs").notes)
    assert "Table 4" in g4 and "airway protection" in g4
    assert any("airway protection" in n.en for n in content.recommendation("icans_g4_no_crs").notes)
    grading = " ".join(n.en for n in content.recommendation("icans_grading").notes)
    assert "intracranial haemorrhage" in grading and "sedating medication" in grading


def test_fda_date_note():
    # Review m14: the US approval date (26 March 2021) beside the printed 27 March.
    note = content.recommendation("evidence_fda_approval").notes[0]
    assert "26 March 2021" in note.en and "3月26日" in note.zh and "FDA" in note.basis


def test_every_extraction_fix_is_explained_in_chinese_for_the_library():
    # Review item 9: the library showed "原因: Lost superscript…" and "READING-NOTES 1" on the Chinese page.
    for fix in content.fixes():
        assert re.search(r"[\u4e00-\u9fff]", fix["why_zh"]) and fix["where_zh"].strip(), fix["id"]
    assert "READING-NOTES" not in (ROOT / "pages" / "library.py").read_text(encoding="utf-8")
