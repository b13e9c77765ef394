"""Stage 3, intent: what the message asks, decided by the question, not by the first drug named.

Order (why): a drug the consensus does not name is said so before anything else (never another
drug's dose); "can we collect / 采集" is a washout question whatever drug it names; "next dose /
还能再给吗" is the tocilizumab course guard; clinical findings outrank a drug name (a grade is
asked); then the dose of a named drug; then the other tools.
"""

from __future__ import annotations

from logic.assistant.findings import Extracted


def crs_findings(x: Extracted) -> bool:
    return bool(x.temps_c or x.temp_fahrenheit is not None or x.hypoxia or x.hypotension or x.spo2_pct is not None
                and x.spo2_pct < 90)


def icans_findings(x: Extracted) -> bool:
    return bool(x.ice is not None or x.consciousness not in (None, "normal") or x.seizure
                or x.motor_weakness or x.cerebral_edema)


def detect_intent(x: Extracted) -> str | None:
    """The calculation the message asks for, or None if it asks for none (search or a follow-up)."""
    cues = set(x.cues)
    crs = crs_findings(x)
    icans = icans_findings(x)
    if x.not_covered:
        return "not_covered"
    if x.collect and (x.exposures or not (crs or icans or x.drugs)):
        return "washout"
    if x.exposures and x.dates and not x.drugs:
        return "washout"
    toci = "tocilizumab" in x.drugs
    if toci and (x.toci_next or x.toci_times) and not (crs or icans):
        return "tocilizumab_next"
    if toci and x.toci_count is not None and not (crs or icans) and not x.weights_kg:
        return "tocilizumab_next"
    if icans or (x.icans_grade_stated is not None and not crs):
        return "icans_grade"
    if crs:
        return "crs_grade"
    if x.crs_grade_stated is not None and not x.drugs:
        return "crs_grade"
    if x.drugs or (x.steroid_generic and "dose" in cues):
        return "tocilizumab_dose" if x.drugs[:1] == ["tocilizumab"] else "steroid_dose"
    if x.regimens or ("lymphodepletion" in cues and not x.exposures):
        return "lymphodepletion"
    if x.igg_g_l is not None or ("ivig" in cues and "relapse" not in cues):
        return "ivig"
    if "relapse" in cues and (x.antigen or "management" in cues or x.targets or x.poor_persistence or x.origin):
        return "relapse"
    if "followup" in cues or x.day_post is not None and "followup" in cues:
        return "followup"
    if "relapse" in cues:
        return "relapse"
    if x.exposures and not x.drugs and ("washout" in cues or x.dates):
        return "washout"
    if x.dates and x.infusion_cue is not None:
        return "followup"
    if "eligibility" in cues or len(x.baseline) >= 2:
        return "eligibility"
    if "crs" in cues and "grading" in cues:
        return "crs_grade"
    if "icans" in cues and ("grading" in cues or "management" in cues):
        return "icans_grade"
    return None
