"""Relapse options: the consensus's choices after relapse, by antigen status and the first product."""

from __future__ import annotations

import streamlit as st
from pydantic import ValidationError

from logic import content, relapse
from ui import patient, persist
from ui.components import disclaimer, md_escape, quote_card, quote_cards
from ui.i18n import lang, t

ANTIGEN = ("positive", "low", "negative", "unknown")
ORIGIN = ("murine", "humanized", "fully_human", "unknown")
# Widget option -> catalog key (a catalog key cannot hold "-").
COSTIM_KEYS = {"4-1BB": "4_1bb", "CD28": "cd28", "other": "other", "unknown": "unknown"}
PERSISTENCE = ("not_assessed", "poor", "adequate")


def _seed_from_query() -> None:
    """Read ?antigen ?origin ?costim ?poor_persistence ?targets once into widget state."""
    ss = st.session_state
    if ss.get("relapse_seeded"):
        return
    ss["relapse_seeded"] = True
    problems: list[tuple[str, str, str, dict[str, str]]] = []
    qp = st.query_params
    for name, key, allowed in (("antigen", "relapse_antigen", ANTIGEN), ("origin", "relapse_origin", ORIGIN),
                               ("costim", "relapse_costim", tuple(COSTIM_KEYS))):
        raw = qp.get(name)
        if raw:
            match = next((a for a in allowed if a.lower() == raw.strip().lower()), None)
            if match:
                ss[key] = match
            else:
                problems.append((name, raw, "relapse.error.why_choice", {"choices": ", ".join(allowed)}))
    raw = qp.get("poor_persistence")
    if raw:
        if raw in ("1", "0"):
            ss["relapse_persistence"] = "poor" if raw == "1" else "adequate"
        else:
            problems.append(("poor_persistence", raw, "relapse.error.why_flag", {}))
    raw = qp.get("targets")
    if raw:
        wanted = [x.strip().upper() for x in raw.split(",") if x.strip()]
        good = [x for x in relapse.OTHER_TARGETS if x in wanted]
        bad = [x for x in wanted if x not in relapse.OTHER_TARGETS]
        ss["relapse_targets"] = good
        if bad:
            problems.append(("targets", ", ".join(bad), "relapse.error.why_targets",
                             {"choices": ", ".join(relapse.OTHER_TARGETS)}))
    ss["relapse_param_problems"] = problems


def _option_group(opts: list[relapse.RelapseOption], prior_domain: str | None) -> None:
    """Options resting on the same consensus item: their titles, then that item's quote inline,
    then the supporting entries (e.g. why humanized products) behind an expander."""
    with st.container(border=True):
        for opt in opts:
            st.markdown(f"**{md_escape(t(f'relapse.option.{opt.id}'))}**")
            if opt.targets:
                st.markdown(md_escape(t("relapse.targets_text", targets=", ".join(opt.targets))))
            if opt.condition:
                st.caption(md_escape(t(f"relapse.condition.{opt.condition}", domain=prior_domain or "")))
        quote_card(opts[0].recommendation_id)
        primary = {o.recommendation_id for o in opts}
        supporting = [r for o in opts for r in o.recommendation_ids
                      if r not in primary and r != "relapse_second_car_t"]  # shown once above
        if supporting:
            with st.expander(t("relapse.supporting_quotes")):
                quote_cards(supporting)


def _groups(opts: list[relapse.RelapseOption]) -> list[list[relapse.RelapseOption]]:
    out: dict[str, list[relapse.RelapseOption]] = {}
    for opt in opts:
        out.setdefault(opt.recommendation_id, []).append(opt)
    return list(out.values())


_seed_from_query()
ss = st.session_state
ss.setdefault("relapse_antigen", "unknown")
ss.setdefault("relapse_origin", "unknown")
ss.setdefault("relapse_costim", "unknown")
ss.setdefault("relapse_persistence", "not_assessed")
ss.setdefault("relapse_targets", [])
ss.setdefault("relapse_targets_assessed", False)

persist.restore_page("relapse_")
patient.strip()
st.title(t("relapse.title"))
st.caption(t("relapse.intro"))
disclaimer()
for name, raw, why, kw in ss.get("relapse_param_problems", []):
    st.warning(md_escape(t("relapse.error.bad_param", name=name, value=raw[:40], why=t(why, **kw))))

st.subheader(t("relapse.inputs_heading"))
antigen = st.segmented_control(t("relapse.antigen_label"), options=list(ANTIGEN), key="relapse_antigen",
                               format_func=lambda k: t(f"relapse.antigen.{k}")) or "unknown"
origin = st.segmented_control(t("relapse.origin_label"), options=list(ORIGIN), key="relapse_origin",
                              format_func=lambda k: t(f"relapse.origin.{k}")) or "unknown"
costim = st.segmented_control(t("relapse.costim_label"), options=list(COSTIM_KEYS), key="relapse_costim",
                              format_func=lambda k: t(f"relapse.costim.{COSTIM_KEYS[k]}")) or "unknown"
persistence = st.segmented_control(t("relapse.persistence_label"), options=list(PERSISTENCE),
                                   key="relapse_persistence",
                                   format_func=lambda k: t(f"relapse.persistence.{k}")) or "not_assessed"
targets = st.multiselect(t("relapse.targets_label"), options=list(relapse.OTHER_TARGETS), key="relapse_targets",
                         help=t("relapse.targets_help"), placeholder=t("relapse.targets_placeholder"))
targets_assessed = st.checkbox(t("relapse.targets_assessed_label"), key="relapse_targets_assessed")

try:
    ctx = relapse.RelapseContext(
        antigen=antigen, prior_car_origin=origin, poor_persistence=persistence == "poor",
        other_targets=targets, prior_costimulatory_domain=costim,
        other_targets_assessed=True if targets_assessed or targets else None,
        persistence=None if persistence == "not_assessed" else persistence,
    )
    result = relapse.assess(ctx)
except ValidationError:
    st.error(t("common.error_generic"))
    st.stop()

prior_domain = costim if costim in ("4-1BB", "CD28") else None
st.subheader(t("relapse.options_heading"))
if result.incomplete:
    sep = "、" if lang() == "zh" else ", "
    st.warning(t("relapse.incomplete", fields=sep.join(t(f"relapse.missing.{m}") for m in result.missing)))

st.markdown(f"##### {md_escape(t('relapse.guideline_heading'))}")
for group in _groups([o for o in result.options if not o.second_car_t]):
    _option_group(group, prior_domain)

st.markdown(f"##### {md_escape(t('relapse.second_heading'))}")
quote_card("relapse_second_car_t")
for group in _groups([o for o in result.options if o.second_car_t]):
    _option_group(group, prior_domain)

if result.not_offered:
    st.subheader(t("relapse.not_offered_heading"))
    by_reason: dict[tuple[str, str], list[str]] = {}
    for item in result.not_offered:
        by_reason.setdefault((item.reason, item.recommendation_id), []).append(item.id)
    for (reason, rec_id), opt_ids in by_reason.items():
        with st.container(border=True):
            for opt_id in opt_ids:
                st.markdown(f"~~{md_escape(t(f'relapse.option.{opt_id}'))}~~")
            st.caption(md_escape(t(f"relapse.reason.{reason}")))
            with st.expander(t("relapse.quote_expander")):
                quote_card(rec_id)

st.subheader(t("relapse.context_heading"))
c1, c2 = st.columns(2)
c1.metric(t("relapse.metric_pfs"), t("relapse.metric_pfs_value",
                                     lo=content.value("relapse_challenge", "pfs_min_months"),
                                     hi=content.value("relapse_challenge", "pfs_max_months")))
c2.metric(t("relapse.metric_sustained"), t("relapse.metric_sustained_value",
                                           pct=content.value("relapse_challenge", "sustained_response_1y_pct")))
c1.metric(t("relapse.metric_best"), t("relapse.metric_best_value",
                                      best=content.value("relapse_challenge", "pfs_best_months")))
c1.caption(t("relapse.metric_best_flag"))
c2.caption(t("relapse.maintenance_caption"))
quote_cards(["relapse_challenge", "maintenance_no_evidence"])

persist.save_page("relapse_")  # kept across page changes (ui/persist.py)
