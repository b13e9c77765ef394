"""Case practice: a seeded case from logic.cases, the resident's answer, the logic's grading,
the rule, the working and the quotes. ?case=<seed> shares a case; the score lives in the session.
"""

from __future__ import annotations

import random
from typing import Any

import streamlit as st

from logic import cases, dose_sheet
from ui import nav
from ui.components import disclaimer, md_escape, quote_cards, share_link
from ui.i18n import lang, t

SEED = "practice_seed"
RESULTS = "practice_results"  # seed -> first answer's correctness (this session only)
LAST = "practice_last_feedback"  # (seed, Feedback) of the latest check
NOTICE = "practice_notice"
URL_CASE = "practice_url_case"  # the ?case= value this page last wrote


def _time(iso: str) -> str:
    return iso.replace("T", " ")


def _grade_label(kind: str, key: str) -> str:
    if key == "0":
        return t("practice.grade_0_crs") if kind == "crs" else t("practice.grade_0_icans")
    return t("practice.grade", n=key)


def choice_label(case: cases.Case, key: str) -> str:
    if case.kind in ("crs", "icans"):
        return _grade_label(case.kind, key)
    if case.kind == "tocilizumab_course":
        if key in ("now", "none"):
            return t(f"practice.toci_course.answer_{key}")
        return t("practice.toci_course.answer_at", time=_time(key))
    if case.kind == "tocilizumab_dose":
        return t("practice.toci_dose.answer", mg=key)
    if case.kind == "washout":
        return _time(key)
    return t(f"practice.option.{key}")


def _new_seed(kind: str) -> int:
    draw = random.randrange(cases.NEW_SEED_MAX)  # noqa: S311 - picks a teaching case, not a secret
    return draw if kind == "any" else cases.seed_for(kind, draw, below=cases.NEW_SEED_MAX)


def _set_seed(seed: int) -> None:
    st.session_state[SEED] = seed
    st.session_state.pop(LAST, None)


def _on_new_case() -> None:
    _set_seed(_new_seed(st.session_state.get("practice_kind") or "any"))


def _on_open() -> None:
    typed = st.session_state.get("practice_open", "")
    try:
        _set_seed(cases.parse_seed(typed))
    except ValueError:
        st.session_state[NOTICE] = t("practice.bad_seed", value=str(typed)[:20], max=cases.SEED_MAX)


def _current_seed() -> int:
    """A ?case= the page did not write itself (a shared link) opens that case; otherwise the
    session's case stands, and the URL follows it so that it can be shared."""
    wanted = st.query_params.get("case")
    if wanted is not None and wanted != st.session_state.get(URL_CASE):
        st.session_state[URL_CASE] = wanted
        try:
            _set_seed(cases.parse_seed(wanted))
        except ValueError:
            st.session_state[NOTICE] = t("practice.bad_seed", value=wanted[:20], max=cases.SEED_MAX)
    if SEED not in st.session_state:
        _set_seed(_new_seed("any"))
    seed = st.session_state[SEED]
    if st.query_params.get("case") != str(seed):
        st.query_params["case"] = str(seed)
    st.session_state[URL_CASE] = str(seed)
    return seed


# --- the case as the resident sees it -----------------------------------------------------

def _present(case: cases.Case) -> None:
    f = case.facts
    if case.kind == "crs":
        x = f["findings"]
        lines = [t("practice.crs.stem", day=f["day"]), t("practice.crs.temp", temp=f"{x['max_temp_c']:.1f}")]
        if x["fever_before_masking"]:
            lines.append(t("practice.crs.masked"))
        lines += [t("practice.crs.hypotension", value=t(f"practice.hypotension.{x['hypotension']}")),
                  t("practice.crs.hypoxia", value=t(f"practice.hypoxia.{x['hypoxia']}"))]
    elif case.kind == "icans":
        n = f["neuro"]
        lines = [t("practice.icans.stem", day=f["day"]), t("practice.icans.items", **f["ice_items"]),
                 t("practice.icans.consciousness", value=t(f"practice.consciousness.{n['consciousness']}")),
                 t("practice.icans.seizure", value=t(f"practice.seizure.{n['seizure']}")),
                 t("practice.icans.motor", value=t(f"practice.motor.{n['motor_weakness']}")),
                 t("practice.icans.edema", value=t(f"practice.edema.{n['cerebral_edema']}"))]
    elif case.kind == "tocilizumab_course":
        lines = [t("practice.toci_course.stem"),
                 *(t("practice.toci_course.dose", n=i, time=_time(s)) for i, s in enumerate(f["given"], 1)),
                 t("practice.toci_course.now", time=_time(f["now"]))]
    elif case.kind == "tocilizumab_dose":
        lines = [t("practice.toci_dose.stem", weight=f["weight_kg"])]
    elif case.kind == "washout":
        lines = [t("practice.washout.stem", now=_time(f["now"])),
                 *(t("practice.washout.exposure", name=t(f"practice.exposure.{k}"), time=_time(v))
                   for k, v in f["last_exposure"].items())]
    else:
        c = f["context"]
        targets = ", ".join(c["other_targets"]) or t("practice.relapse.targets_none")
        lines = [t("practice.relapse.stem"),
                 t("practice.relapse.antigen", value=t(f"practice.antigen.{c['antigen']}")),
                 t("practice.relapse.origin", value=t(f"practice.origin.{c['prior_car_origin']}"),
                   costim=c["prior_costimulatory_domain"]),
                 t("practice.relapse.persistence", value=t(f"practice.persistence.{c['persistence']}")),
                 t("practice.relapse.targets", value=targets)]
    st.markdown("\n".join(f"- {md_escape(line)}" for line in lines))
    st.markdown(f"**{md_escape(t(f'practice.{_stem(case.kind)}.question'))}**")


def _stem(kind: str) -> str:
    return {"tocilizumab_course": "toci_course", "tocilizumab_dose": "toci_dose"}.get(kind, kind)


# --- the explanation: the rule, this case's working, the quotes -----------------------------

def _drivers(drivers: list[str]) -> str:
    return ", ".join(t(f"practice.driver.{d}") for d in drivers) or t("practice.driver.none")


def _window(hours: float) -> str:
    if hours % (24 * 7) == 0:
        weeks = int(hours // (24 * 7))
        return t("practice.washout.week") if weeks == 1 else t("practice.washout.weeks", n=weeks)
    return t("practice.washout.hours", n=f"{hours:g}")


def _explain(case: cases.Case) -> tuple[str, list[str]]:
    w: dict[str, Any] = case.working
    f = case.facts
    if case.kind == "crs":
        rule = t("practice.crs.rule", threshold=f"{w['fever_threshold_c']:g}")
        lines = [t("practice.crs.fever_yes") if w["fever"] else t("practice.crs.fever_no")]
        if w["fever"]:
            lines.append(t("practice.crs.signs", **w["sign_grades"]))
        lines.append(t("practice.crs.result", grade=w["grade"], drivers=_drivers(w["drivers"])))
    elif case.kind == "icans":
        rule = t("practice.icans.rule")
        d = w["domain_grades"]
        lines = [t("practice.icans.ice", **f["ice_items"], score=w["ice_score"], max=w["ice_max"], grade=d["ice_score"]),
                 t("practice.icans.domains", **{k: v for k, v in d.items() if k != "ice_score"}),
                 t("practice.icans.result", grade=w["grade"], drivers=_drivers(w["drivers"]))]
    elif case.kind == "tocilizumab_course":
        rule = t("practice.toci_course.rule", interval=f"{w['min_interval_h']:g}", total=w["max_doses_total"],
                 printed=w["max_doses_24h_printed"], label=w["max_doses_24h_label"])
        lines = [t(f"practice.toci_course.{w['rule']}", n=w["doses_total"], total=w["max_doses_total"],
                   earliest=_time(w["earliest"] or ""), last=_time(f["given"][-1]),
                   interval=f"{w['min_interval_h']:g}", label=w["max_doses_24h_label"])]
    elif case.kind == "tocilizumab_dose":
        rule = t("practice.toci_dose.rule", per_kg=f"{w['mg_per_kg']:g}", hours=f"{w['infusion_min_h']:g}",
                 cap=f"{w['cap_mg']:g}")
        lines = [t("practice.toci_dose.working", formula=w["formula"])]
        if w["capped"]:
            lines.append(t("practice.toci_dose.capped", cap=f"{w['cap_mg']:g}"))
        if w["volume_ml"] is not None:
            lines.append(t("practice.toci_dose.volume", volume=f"{w['volume_ml']:g}"))
    elif case.kind == "washout":
        rule = t("practice.washout.rule")
        lines = [t("practice.washout.window", name=t(f"practice.exposure.{x['exposure']}"), last=_time(x["last"]),
                   window=_window(x["window_hours"]), clear=_time(x["clear"])) for x in w["windows"]]
        lines.append(t("practice.washout.result", name=t(f"practice.exposure.{w['binding']}"),
                       earliest=_time(case.expected[0])))
    else:
        rule = t("practice.relapse.rule")
        lines = [t("practice.relapse.not_offered", option=t(f"practice.option.{n['id']}"),
                   reason=t(f"practice.reason.{n['reason']}")) for n in w["not_offered"]]
    return rule, lines


def _tool_link(case: cases.Case) -> None:
    """Open the same inputs in the full tool (the query parameters of docs/CONVENTIONS.md)."""
    f = case.facts
    if case.kind == "crs":
        x = f["findings"]
        slug, params = "toxicity", {"temp_c": str(x["max_temp_c"]), "hypotension": x["hypotension"],
                                    "hypoxia": x["hypoxia"]} | ({"masked_fever": "1"} if x["fever_before_masking"] else {})
    elif case.kind == "icans":
        n = f["neuro"]
        slug, params = "toxicity", {"ice": str(case.working["ice_score"]), "consciousness": n["consciousness"],
                                    "seizure": n["seizure"], "motor": n["motor_weakness"], "edema": n["cerebral_edema"]}
    elif case.kind == "tocilizumab_dose":
        slug, params = "dosing", {"drug": "tocilizumab", "weight_kg": str(f["weight_kg"])}
    elif case.kind == "tocilizumab_course":
        slug, params = "dosing", {"drug": "tocilizumab"}
    elif case.kind == "washout":
        slug, params = "eligibility", {k: v[:10] for k, v in f["last_exposure"].items()}
    else:
        c = f["context"]
        slug, params = "relapse", {"antigen": c["antigen"], "origin": c["prior_car_origin"],
                                   "targets": ",".join(c["other_targets"])} | (
            {"poor_persistence": "1"} if c["poor_persistence"] else {})
    if slug in {s for s, _ in nav.available()}:
        st.page_link(f"pages/{slug}.py", label=t("practice.open_tool"), icon=":material/open_in_new:",
                     query_params=dose_sheet.with_origin({"lang": lang()} | params))


def _feedback(case: cases.Case, fb: cases.Feedback) -> None:
    sep = "; " if case.multi else ", "
    answer = sep.join(choice_label(case, k) for k in fb.expected) or t("practice.none_chosen")
    given = sep.join(choice_label(case, k) for k in fb.given) or t("practice.none_chosen")
    if fb.correct:
        st.success(f"**{t('practice.correct')}** {md_escape(t('practice.expected', answer=answer))}",
                   icon=":material/check_circle:")
    else:
        msg = [t("practice.your_answer", answer=given), t("practice.expected", answer=answer)]
        if case.multi and fb.missed:
            msg.append(t("practice.missed", items=sep.join(choice_label(case, k) for k in fb.missed)))
        if case.multi and fb.wrong:
            msg.append(t("practice.wrong", items=sep.join(choice_label(case, k) for k in fb.wrong)))
        st.error(f"**{t('practice.incorrect')}** " + "\n\n".join(md_escape(m) for m in msg), icon=":material/cancel:")
    rule, lines = _explain(case)
    st.markdown(f"**{t('practice.rule_heading')}**")
    st.markdown(md_escape(rule))
    st.markdown(f"**{t('practice.working_heading')}**")
    st.markdown("\n".join(f"- {md_escape(line)}" for line in lines))
    _tool_link(case)
    st.markdown(f"**{t('practice.quotes_heading')}**")
    quote_cards(list(case.recommendation_ids), collapsed=False)  # the teaching point, under its heading


def _check(case: cases.Case) -> None:
    if case.multi:
        answer = [k for k in case.choices if st.session_state.get(f"practice_opt_{case.seed}_{k}")]
    else:
        picked = st.session_state.get(f"practice_answer_{case.seed}")
        if picked is None:
            st.session_state[NOTICE] = t("practice.need_answer")
            return
        answer = [picked]
    fb = cases.grade_answer(case, answer)
    st.session_state[LAST] = (case.seed, fb)
    results = st.session_state.setdefault(RESULTS, {})
    results.setdefault(case.seed, fb.correct)  # only the first answer to a case counts


# --- page ---------------------------------------------------------------------------------

st.title(t("practice.title"))
st.caption(t("practice.intro"))
disclaimer()

seed = _current_seed()
case = cases.generate(seed)

# Labels are looked up now, in this run's language (a format_func may be called outside the run).
kind_labels = {"any": t("practice.any_kind")} | {k: t(f"practice.kind.{k}") for k in cases.TEMPLATES}
st.selectbox(t("practice.kind_label"), list(kind_labels), key="practice_kind", format_func=kind_labels.__getitem__)
left, right = st.columns(2, vertical_alignment="bottom")
left.button(t("practice.new_case"), on_click=_on_new_case, type="primary", icon=":material/casino:",
            width="stretch")
with right.popover(t("practice.open_label"), icon=":material/tag:", width="stretch"):
    st.text_input(t("practice.open_label"), key="practice_open", max_chars=10)
    st.button(t("practice.open_button"), on_click=_on_open)

if notice := st.session_state.pop(NOTICE, None):
    st.warning(notice)

results = st.session_state.get(RESULTS, {})
if results:
    st.caption(t("practice.score", correct=sum(results.values()), answered=len(results)) + " · "
               + t("practice.score_note"))
else:
    st.caption(t("practice.score_none") + " " + t("practice.score_note"))

with st.container(border=True):
    st.subheader(t("practice.case_heading", seed=seed, kind=t(f"practice.kind.{case.kind}")))
    _present(case)
    with st.form(f"practice_form_{seed}", border=False):
        if case.multi:
            st.caption(t("practice.choose_all"))
            for key in case.choices:
                st.checkbox(choice_label(case, key), key=f"practice_opt_{seed}_{key}")
        else:
            labels = {k: choice_label(case, k) for k in case.choices}
            st.radio(t("practice.choose_one"), case.choices, index=None, key=f"practice_answer_{seed}",
                     format_func=labels.__getitem__)
        st.form_submit_button(t("practice.check"), on_click=_check, args=(case,), type="primary",
                              width="stretch")
    share_link(nav.absolute(f"/practice?case={seed}&lang={lang()}"), label=t("practice.share"),
               key="share_practice")

last = st.session_state.get(LAST)
if last and last[0] == seed:
    if results.get(seed, last[1].correct) != last[1].correct:
        st.caption(t("practice.first_counts"))
    _feedback(case, last[1])
