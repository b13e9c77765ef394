"""One realistic flow per registered page in headless Chromium at the tablet viewport.

Each flow is typed and clicked as a user would (the widgets found by their visible labels;
only the first URL carries ?lang=en): enter values, see the computed result and the consensus
quote it rests on, switch the language with the switch at the top of the page and find the
inputs kept, then follow a ?rec= link to the library and find that recommendation opened.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from logic import content, trials
from logic.strings import text
from tests.conftest import TABLET, PageProbe, card_badge
from tests.test_evidence_practice_browser import tap_table_row
from ui import nav

pytestmark = pytest.mark.browser
TIMEOUT = 30000


# --- helpers ---------------------------------------------------------------------------------


def quote_snippet(rec_id: str, snippet: str) -> str:
    """A piece of the recommendation's verbatim Chinese quote (checked against the content)."""
    assert snippet in content.recommendation(rec_id).quote_zh, f"{snippet!r} is not in the quote of {rec_id}"
    return snippet


# Quote cards wait behind a collapsed "依据原文 (n)" / "Consensus text (n)" expander (issue 15).
QUOTE_GROUP = re.compile(r"(依据原文|Consensus text) \(\d+\)")


def open_quote_group_holding(page, target) -> None:
    """Open, with one click, the collapsed quote group that holds target, if it is in one."""
    if target.first.is_visible():
        return
    group = page.locator("[data-testid='stExpander']").filter(
        has=page.locator("summary", has_text=QUOTE_GROUP)).filter(has=target)
    if group.count():
        group.first.locator("summary").first.click()


def expect_visible_text(page, snippet: str, root=None) -> None:
    target = (root or page).get_by_text(snippet, exact=False)
    open_quote_group_holding(page, target)
    expect(target.first).to_be_visible(timeout=TIMEOUT)


def switch_language(probe: PageProbe, to: str) -> None:
    """Click the language switch at the top of the page (the app's first segmented control)."""
    label = {"en": "English", "zh": "中文"}[to]
    switch = probe.page.locator("[data-testid='stMainBlockContainer'] [data-testid='stButtonGroup']").first
    probe.act(lambda: switch.get_by_role("radio", name=label, exact=True).click())
    probe.page.wait_for_url(re.compile(rf"[?&]lang={to}(&|$)"), timeout=TIMEOUT)


def expect_heading(page, name: str) -> None:
    expect(page.get_by_role("heading", name=name, exact=True).first).to_be_visible(timeout=TIMEOUT)


def follow_rec_link(probe: PageProbe, rec_id: str, lang: str, snippet: str) -> None:
    """Click the page's link to /library?rec=<id> (it opens a new tab): the library shows that
    recommendation, under its heading, with its quote."""
    link = probe.page.locator(f"a[href='/library?rec={rec_id}&lang={lang}']")
    open_quote_group_holding(probe.page, link)
    link = link.first
    link.scroll_into_view_if_needed()
    with probe.page.context.expect_page() as opened:
        link.click()
    library = PageProbe(opened.value)
    library.wait_idle()
    page = library.page
    assert re.search(rf"/library\?(.*&)?rec={rec_id}(&|$)", page.url), page.url
    heading = page.get_by_role("heading", name=text(lang, "library.linked_heading"), exact=True)
    expect(heading).to_be_visible(timeout=TIMEOUT)
    quote = page.get_by_text(snippet, exact=False).first
    expect(quote).to_be_visible(timeout=TIMEOUT)
    assert quote.bounding_box()["y"] > heading.bounding_box()["y"], "the quote is not under the linked heading"
    expect(page.get_by_role("heading", name=text(lang, "library.title"), exact=True)).to_be_visible()
    library.assert_no_exception()
    library.assert_clean()


def number_field(page, label: str):
    return page.get_by_role("spinbutton", name=label, exact=True)


def type_number(probe: PageProbe, label: str, value: str) -> None:
    field = number_field(probe.page, label)
    probe.act(lambda: (field.fill(value), field.press("Enter")))


def type_date(probe: PageProbe, label: str, iso: str) -> None:
    """The date field is segmented (year, month, day): type into its first segment as a keyboard user would."""
    group = probe.page.get_by_role("group", name=label, exact=True)

    def action() -> None:
        group.get_by_role("spinbutton").first.click()
        probe.page.keyboard.type(iso.replace("-", ""))
        probe.page.keyboard.press("Escape")  # closes the calendar and commits the typed date

    probe.act(action)


def date_segments(page, label: str) -> list[str]:
    group = page.get_by_role("group", name=label, exact=True)
    return [s.get_attribute("aria-valuenow") for s in group.get_by_role("spinbutton").all()]


def segment_selected(page, name: str) -> bool:
    return page.get_by_role("radio", name=name, exact=True).first.get_attribute("aria-checked") == "true"


# --- the flows -------------------------------------------------------------------------------


def flow_home(probe: PageProbe) -> None:
    page = probe.page
    box = page.locator("[data-testid='stChatInputTextArea']")
    box.fill("托珠单抗 72kg")
    probe.act(lambda: box.press("Enter"))
    answer = page.locator("[data-testid='stChatMessage']").last
    # the reply is in the interface language (English here), whatever the question's script
    expect(answer.get_by_text("Tocilizumab 576 mg IV (weight 72 kg)", exact=True)).to_be_visible(timeout=TIMEOUT)
    expect_visible_text(page, "8 mg/kg × 72 kg = 576 mg", answer)
    # the quotes are collapsed: open them
    probe.act(lambda: answer.locator("[data-testid='stExpander'] summary").first.click())
    snippet = quote_snippet("tocilizumab_dosing", "托珠单抗用法为8 mg/kg")
    expect_visible_text(page, snippet, answer)

    switch_language(probe, "zh")
    expect_heading(page, text("zh", "home.title"))
    expect(page.get_by_role("heading", name=text("en", "home.title"), exact=True)).to_have_count(0)
    # The conversation and what it remembers are kept; the chips now speak Chinese.
    expect(page.locator("[data-testid='stChatMessage']")).to_have_count(2)
    expect(page.locator("[data-testid='stChatMessage']").first.get_by_text("托珠单抗 72kg", exact=True)).to_be_visible()
    expect_visible_text(page, "Tocilizumab 576 mg IV (weight 72 kg)")   # the reply as it was given
    expect(page.get_by_role("button", name=text("zh", "home.chip.weight_kg", value="72"))).to_be_visible()
    expect(page.locator("[data-testid='stChatInputTextArea']")).to_have_attribute(
        "placeholder", text("zh", "home.chat_placeholder"))

    answer = page.locator("[data-testid='stChatMessage']").last
    if not answer.get_by_text(snippet, exact=False).first.is_visible():
        probe.act(lambda: answer.locator("[data-testid='stExpander'] summary").first.click())
    follow_rec_link(probe, "tocilizumab_dosing", "zh", snippet)


def flow_toxicity(probe: PageProbe) -> None:
    page = probe.page
    type_number(probe, "Highest temperature (°C)", "39.4")
    # A radio's own input is hidden under its label: tap the label, as a finger would.
    probe.act(lambda: page.get_by_text(text("en", "toxicity.hypotension_opt.one_vasopressor"), exact=True).click())
    probe.act(lambda: page.get_by_text(text("en", "toxicity.hypoxia_opt.low_flow"), exact=True).click())
    type_number(probe, "Weight (kg)", "72")
    expect(card_badge(page, "crs")).to_have_text("CRS grade 3", timeout=TIMEOUT)
    expect_visible_text(page, "Set by: fever 39.4 °C · hypotension needing one vasopressor")
    expect_visible_text(page, "Tocilizumab 576 mg / 28.8 mL (20 mg/mL) IV")  # the card's line of logic.plans
    expect_visible_text(page, "Tocilizumab: 8 mg/kg × 72 kg = 576 mg")  # its working, under management
    snippet = quote_snippet("crs_grade_3", "发热伴低血压(需要一种或不需应用升压药)")
    expect_visible_text(page, snippet)

    switch_language(probe, "zh")
    expect_heading(page, text("zh", "toxicity.title"))
    expect(card_badge(page, "crs")).to_have_text("CRS 3级", timeout=TIMEOUT)
    expect_visible_text(page, "托珠单抗 576 mg / 28.8 mL (20 mg/mL) 静脉滴注")
    expect(number_field(page, text("zh", "toxicity.crs.temp_label"))).to_have_value("39.4")
    expect(number_field(page, text("zh", "toxicity.mgmt.weight_label"))).to_have_value("72.0")
    expect(page.get_by_role("radio", name=text("zh", "toxicity.hypotension_opt.one_vasopressor"))).to_be_checked()
    expect(page.get_by_role("radio", name=text("zh", "toxicity.hypoxia_opt.low_flow"))).to_be_checked()

    follow_rec_link(probe, "crs_grade_3", "zh", snippet)


def flow_dosing(probe: PageProbe) -> None:
    page = probe.page
    height = number_field(page, "Height (cm)")
    height.fill("170")  # the tocilizumab section shows nothing for a height: the weight's run takes it along
    height.press("Enter")
    type_number(probe, "Weight (kg)", "72")
    expect(page.get_by_text("576 mg IV", exact=True)).to_be_visible(timeout=TIMEOUT)
    expect_visible_text(page, "8 mg/kg × 72 kg = 576 mg")
    snippet = quote_snippet("tocilizumab_dosing", "托珠单抗用法为8 mg/kg")
    expect_visible_text(page, snippet)

    switch_language(probe, "zh")
    expect_heading(page, text("zh", "dosing.title"))
    expect(page.get_by_text("576 mg 静脉滴注", exact=True)).to_be_visible(timeout=TIMEOUT)
    expect(number_field(page, text("zh", "dosing.weight_label"))).to_have_value("72.0")
    expect(number_field(page, text("zh", "dosing.height_label"))).to_have_value("170.0")

    follow_rec_link(probe, "tocilizumab_dosing", "zh", snippet)


def flow_eligibility(probe: PageProbe) -> None:
    page = probe.page
    type_number(probe, "KPS (0–100, steps of 10)", "40")
    item = page.locator("[data-testid='stExpander']", has_text="Performance status: Caution")
    expect(item).to_have_count(1, timeout=TIMEOUT)
    expect(item).to_contain_text("KPS 40: outside KPS ≥50 or ECOG ≤2")
    item.get_by_text("Performance status: Caution").click()
    snippet = quote_snippet("elig_performance_not_absolute", "KPS和ECOG评分不是绝对禁忌")
    expect_visible_text(page, snippet, item)

    switch_language(probe, "zh")
    expect_heading(page, text("zh", "eligibility.title"))
    expect(number_field(page, text("zh", "eligibility.field.kps"))).to_have_value("40")
    item = page.locator("[data-testid='stExpander']", has_text="体能状态: 注意")
    expect(item).to_have_count(1, timeout=TIMEOUT)
    expect(item).to_contain_text("KPS 40:未达KPS≥50或ECOG≤2")
    if not item.get_by_text(snippet).first.is_visible():
        item.get_by_text("体能状态: 注意").click()
    expect_visible_text(page, snippet, item)

    follow_rec_link(probe, "elig_performance_not_absolute", "zh", snippet)


def flow_relapse(probe: PageProbe) -> None:
    page = probe.page
    probe.act(lambda: page.get_by_role("radio", name="Negative", exact=True).click())
    targets = page.get_by_role("combobox", name=text("en", "relapse.targets_label"))

    def pick_gprc5d() -> None:
        targets.click()
        page.get_by_role("option", name="GPRC5D", exact=True).click()

    probe.act(pick_gprc5d)
    page.keyboard.press("Escape")
    offered = page.locator("strong", has_text="A CAR-T against another detectable target")
    expect(offered).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("Detectable: GPRC5D", exact=True)).to_be_visible()
    expect(page.locator("del", has_text="A humanized or fully human BCMA CAR-T")).to_have_count(1)
    snippet = quote_snippet("relapse_antigen_negative", "只能选择可检测到的其他靶抗原")
    expect_visible_text(page, snippet)

    switch_language(probe, "zh")
    expect_heading(page, text("zh", "relapse.title"))
    assert segment_selected(page, "阴性"), "the antigen status was lost"
    expect(page.locator("[data-testid='stMultiSelect']").get_by_text("GPRC5D", exact=True)).to_be_visible()
    expect(page.locator("strong", has_text="针对其他可检测靶点的CAR-T")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("可检测到:GPRC5D", exact=True)).to_be_visible()

    follow_rec_link(probe, "relapse_antigen_negative", "zh", snippet)


def flow_followup(probe: PageProbe) -> None:
    page = probe.page
    type_date(probe, "CAR-T infusion date (day 0)", "2026-01-31")
    type_date(probe, "Today's date", "2026-04-10")
    expect(page.get_by_text("Day +69", exact=True)).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("Month 3 · 2026-04-30", exact=True)).to_be_visible()
    expect_visible_text(page, "Overdue (past and not marked done): 3")
    type_number(probe, "Serum IgG (g/L)", "3")
    expect(page.get_by_text("Give immunoglobulin (IVIG) replacement", exact=True)).to_be_visible(timeout=TIMEOUT)
    snippet = quote_snippet("ivig_replacement", "血清IgG<4 g/L者")
    expect_visible_text(page, snippet)

    switch_language(probe, "zh")
    expect_heading(page, text("zh", "followup.title"))
    expect(page.get_by_text("第+69天", exact=True)).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("第3个月 · 2026-04-30", exact=True)).to_be_visible()
    expect(page.get_by_text("应用丙种球蛋白替代治疗", exact=True)).to_be_visible()
    assert date_segments(page, text("zh", "followup.infusion_label")) == ["2026", "1", "31"]
    assert date_segments(page, text("zh", "followup.today_label")) == ["2026", "4", "10"]
    expect(number_field(page, text("zh", "followup.igg_label"))).to_have_value("3.0")

    follow_rec_link(probe, "ivig_replacement", "zh", snippet)


def flow_evidence(probe: PageProbe) -> None:
    page = probe.page
    table = trials.table1()
    dual = table[table["dual_target"]]
    probe.act(lambda: page.get_by_role("radio", name="Dual target", exact=True).click())
    hint = text("en", "evidence.table_hint", n=len(dual), patients=int(dual["patients"].sum()))
    assert hint.startswith("2 studies, 47 patients")
    expect(page.get_by_text(hint, exact=True)).to_be_visible(timeout=TIMEOUT)

    tap_table_row(probe)
    detail = page.locator("[class*='st-key-evidence_detail_evidence_table']")
    expect(detail).to_be_visible(timeout=TIMEOUT)
    # the tapped row is one of the two dual-target studies: its detail names it, its registry number
    # and its quote
    heading = detail.get_by_role("heading").first
    expect(heading).to_contain_text(", 20", timeout=TIMEOUT)
    names = {f"{r['author']} [{r['ref']}], {r['year']}": r for _, r in dual.iterrows()}
    first = names[heading.inner_text().strip()]
    expect(detail).to_contain_text(first["registry"])
    snippet = quote_snippet(first["recommendation_id"], first["registry"])
    expect_visible_text(page, snippet, detail)

    switch_language(probe, "zh")
    expect_heading(page, text("zh", "evidence.title"))
    assert segment_selected(page, "双靶点"), "the target filter was lost"
    expect(page.get_by_text(text("zh", "evidence.table_hint", n=len(dual), patients=int(dual["patients"].sum())),
                            exact=True)).to_be_visible(timeout=TIMEOUT)
    detail = page.locator("[class*='st-key-evidence_detail_evidence_table']")
    expect(detail).to_be_visible(timeout=TIMEOUT)  # the study tapped before stays open
    expect(detail).to_contain_text(text("zh", "evidence.col.registry"))

    follow_rec_link(probe, first["recommendation_id"], "zh", snippet)


def flow_practice(probe: PageProbe) -> None:
    page = probe.page
    page.get_by_role("button", name="Case number").click()
    page.get_by_role("textbox", name="Case number", exact=True).fill("3")
    probe.act(lambda: page.get_by_test_id("stPopoverBody").get_by_role("button", name="Open", exact=True).click())
    expect_heading(page, "Case 3: Tocilizumab: the dose")  # seed 3: tocilizumab for 57 kg
    expect(page.get_by_text("The patient weighs 57 kg.", exact=False).first).to_be_visible()
    page.keyboard.press("Escape")
    page.get_by_text("456 mg", exact=True).click()
    probe.act(lambda: page.get_by_role("button", name="Check answer").click())
    expect(page.get_by_text("Correct.", exact=False).first).to_be_visible(timeout=TIMEOUT)
    expect_visible_text(page, "8 mg/kg × 57 kg = 456 mg")
    snippet = quote_snippet("tocilizumab_dosing", "托珠单抗用法为8 mg/kg")
    expect_visible_text(page, snippet)

    switch_language(probe, "zh")
    expect_heading(page, text("zh", "practice.title"))
    expect_heading(page, "病例3:托珠单抗:剂量")
    expect(page.get_by_role("radio", name="456 mg", exact=True)).to_be_checked()
    expect(page.get_by_text("回答正确。", exact=False).first).to_be_visible(timeout=TIMEOUT)
    expect_visible_text(page, "8 mg/kg × 57 kg = 456 mg")
    assert re.search(r"[?&]case=3(&|$)", page.url), page.url

    follow_rec_link(probe, "tocilizumab_dosing", "zh", snippet)


def flow_library(probe: PageProbe) -> None:
    page = probe.page
    box = page.get_by_role("textbox", name="Search", exact=True)
    probe.act(lambda: (box.fill("IgG"), box.press("Enter")))
    topic = page.get_by_role("combobox", name="Topic", exact=True)

    def pick_topic() -> None:
        topic.click()
        page.get_by_role("option", name=text("en", "common.topics.immunoglobulin"), exact=True).click()

    probe.act(pick_topic)
    n = len(content.search("IgG", topic="immunoglobulin"))
    assert 0 < n < len(content.search("IgG"))  # the topic narrows the search
    expect(page.get_by_text(text("en", "library.hits", n=n), exact=True)).to_be_visible(timeout=TIMEOUT)
    snippet = quote_snippet("ivig_replacement", "血清IgG<4 g/L者")
    expect_visible_text(page, snippet)

    switch_language(probe, "zh")
    expect_heading(page, text("zh", "library.title"))
    expect(page.get_by_role("textbox", name=text("zh", "library.search_label"), exact=True)).to_have_value("IgG")
    expect(page.get_by_role("combobox", name=text("zh", "library.topic_label"), exact=True)).to_have_value(
        text("zh", "common.topics.immunoglobulin"))
    expect(page.get_by_text(text("zh", "library.hits", n=n), exact=True)).to_be_visible(timeout=TIMEOUT)

    follow_rec_link(probe, "ivig_replacement", "zh", snippet)


def flow_cytopenia(probe: PageProbe) -> None:
    page = probe.page
    box = page.get_by_role("textbox", name=text("en", "cytopenia.table_label"), exact=True)
    series = "day, ANC, PLT\n" + "\n".join(f"{d}, 0.3, 40" for d in range(0, 8)) + "\n8, 1.6, 90\n9, 1.8, 110\n"
    probe.act(lambda: (box.fill(series), box.press("Control+Enter")))
    expect(page.get_by_text("Early ICAHT (days 0-30): At least grade 2", exact=True)).to_be_visible(timeout=TIMEOUT)
    expect_visible_text(page, text("en", "cytopenia.early_runs", severe=8, profound=0))
    expect_visible_text(page, text("en", "cytopenia.beyond"))
    snippet = quote_snippet("infection_treatment_gcsf", "发生3~4度粒细胞缺乏时")
    expect_visible_text(page, snippet)

    switch_language(probe, "zh")
    expect_heading(page, text("zh", "cytopenia.title"))
    expect(page.get_by_text("早期ICAHT(第0-30天):至少2级", exact=True)).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("textbox", name=text("zh", "cytopenia.table_label"), exact=True)).to_have_value(series)

    follow_rec_link(probe, "infection_treatment_gcsf", "zh", snippet)


FLOWS: dict[str, Callable[[PageProbe], None]] = {
    "home": flow_home, "toxicity": flow_toxicity, "dosing": flow_dosing, "eligibility": flow_eligibility,
    "relapse": flow_relapse, "followup": flow_followup, "evidence": flow_evidence, "practice": flow_practice,
    "library": flow_library, "cytopenia": flow_cytopenia,
}
SLUGS = [slug for slug, _ in nav.available()]


def test_every_registered_page_has_a_flow():
    assert set(SLUGS) <= set(FLOWS), f"pages without a flow: {set(SLUGS) - set(FLOWS)}"


@pytest.mark.parametrize("slug", [pytest.param(s, id=s) for s in SLUGS])
def test_user_flow(open_page, slug):
    probe = open_page(("/" if slug == "home" else f"/{slug}") + "?lang=en", TABLET)
    FLOWS[slug](probe)
    probe.assert_no_exception()
    probe.assert_clean()
