"""Touch styling (issue 15, review U9): every interactive element at least 44x44 px (WCAG 2.5.5,
Apple HIG), applied by one fixed stylesheet. Selectors are Streamlit's own data-testids. The CSS is
a literal in the call, so no user text can ever reach this markup (tests/test_privacy.py)."""

from __future__ import annotations

import streamlit as st

MIN_TARGET_PX = 44  # tests/test_touch_browser.py measures every target against this; the CSS says 44px
NAV_TARGET_PX = 48  # the navigation bar's entries (issue 15 item 2); tests/test_nav_browser.py, the CSS says 48px


def apply_touch_style() -> None:
    # A block of only <style> goes to the page's head and takes no room on the page.
    st.html("""<style>
/* Buttons, download buttons, link buttons, segmented controls and pills. */
[data-testid="stBaseButton-secondary"], [data-testid="stBaseButton-primary"],
[data-testid="stBaseButton-tertiary"], [data-testid="stBaseButton-pills"],
[data-testid="stBaseButton-pillsActive"], [data-testid="stBaseButton-segmented_control"],
[data-testid="stBaseButton-segmented_controlActive"], [data-testid="stBaseButton-borderlessIcon"],
[data-testid="stBaseButton-minimal"], [data-testid="stBaseButton-header"],
[data-testid="stBaseButton-headerNoPadding"], [data-testid="stDownloadButton"] button,
[data-testid="stLinkButton"] a, [data-testid="stFormSubmitButton"] button,
[data-testid="stPageLink-NavLink"], [data-testid="stTopNavLink"],
[data-testid="stNumberInputStepUp"], [data-testid="stNumberInputStepDown"],
[data-testid="stPopoverButton"], [data-testid="stButtonGroup"] button,
[data-testid="stDateTimeInputCalendarButton"], [data-testid="stDateInputCalendarButton"],
[data-testid="stTab"], [data-testid="stChatInputSubmitButton"],
[data-testid="stSelectbox"] button, [data-testid="stMultiSelect"] button {
  min-height: 44px !important;
  min-width: 44px !important;
}
/* Radio and checkbox rows: the whole label is the target. */
[data-testid="stRadio"] label, [data-testid="stCheckbox"] label, [data-testid="stToggle"] label {
  min-height: 44px;
  min-width: 44px;
  display: flex;
  align-items: center;
}
/* Text, number, date and time fields, and select boxes. */
[data-testid="stTextInput"] input, [data-testid="stNumberInput"] input,
[data-testid="stDateInput"] input, [data-testid="stTimeInput"] input,
[data-testid="stDateTimeInput"] input, [data-testid="hidden-dateinput-container"] input,
[data-testid="stSelectbox"] [data-baseweb="select"] > div,
[data-testid="stMultiSelect"] [data-baseweb="select"] > div,
[data-testid="stChatInputTextArea"], [data-testid="stTextArea"] textarea,
[data-testid="stSelectbox"] input, [data-testid="stMultiSelect"] input, [data-testid="stSlider"] input {
  min-height: 44px;
}
/* Tabs and expanders. */
[data-baseweb="tab"], [data-testid="stExpander"] summary {
  min-height: 44px;
  min-width: 44px;
}
/* Help icons: enlarge the hit area around the small "?". */
[data-testid="stTooltipIcon"], [data-testid="stTooltipHoverTarget"],
[data-testid="stTooltipHoverTarget"] button {
  min-height: 44px !important;
  min-width: 44px !important;
  display: inline-flex;
  align-items: center;
  justify-content: center;
}
/* Links in text (quote cards' "open in library", share links). */
[data-testid="stMarkdownContainer"] a, [data-testid="stCaptionContainer"] a {
  display: inline-block;
  min-height: 44px;
  line-height: 44px;
}
/* A share link's copy button: Streamlit shows it on hover only, and a touch screen has no hover. */
[class*="st-key-share_"] [data-testid="stCode"] > div:has([data-testid="stElementToolbarButton"]) {
  visibility: visible !important;
  opacity: 1 !important;
}
/* Heading anchors ("link to heading") are no use at the bedside and are 16 px wide targets. */
[data-testid="stHeaderActionElements"] { display: none !important; }
/* The navigation bar: one row of large links on a phone (short labels); on a screen narrower than
   the row it wraps instead of scrolling sideways, so no entry, "More" included, is ever cut off. */
.st-key-nav_bar {
  flex-wrap: wrap !important;
  align-items: center !important;
  gap: 0.25rem !important;
}
/* Words only in the bar (a page's icon would push "More" off a phone's screen). */
.st-key-nav_bar [data-testid="stPageLink-NavLink"] > span:has([data-testid="stIconMaterial"]) {
  display: none;
}
.st-key-nav_bar [data-testid="stPageLink"] a, .st-key-nav_bar [data-testid="stPageLink-NavLink"],
.st-key-nav_bar [data-testid="stPopoverButton"] {
  min-height: 48px !important;
  padding: 0 0.4rem;
  white-space: nowrap;
}
/* Less blank space above the bar: the page starts where the thumb expects the tools. */
[data-testid="stMainBlockContainer"] { padding-top: 2.5rem; }
/* --- Colour that means something (issue 15 item 4, review U12) -----------------------------
   Red is for alerts and "not met" only; the theme's primaryColor (.streamlit/config.toml) is a
   neutral blue-grey for selections. A selected "not assessed" / "unknown" option is plain grey,
   so twenty untouched questions do not look like twenty findings. The option is located by its
   place in the widget (eligibility's yes / no / not assessed: last; relapse: unknown last,
   persistence's not assessed first), never by its text. */
[class*="st-key-eligibility_"]:not(.st-key-eligibility_bilirubin_unit):not(.st-key-eligibility_survival_unit)
  [role="radiogroup"] > button[aria-checked="true"]:last-child,
.st-key-relapse_antigen [role="radiogroup"] > button[aria-checked="true"]:last-child,
.st-key-relapse_origin [role="radiogroup"] > button[aria-checked="true"]:last-child,
.st-key-relapse_costim [role="radiogroup"] > button[aria-checked="true"]:last-child,
.st-key-relapse_persistence [role="radiogroup"] > button[aria-checked="true"]:first-child {
  background-color: #eceff1 !important;
  border-color: #90a4ae !important;
  color: #455a64 !important;
}
[class*="st-key-eligibility_"]:not(.st-key-eligibility_bilirubin_unit):not(.st-key-eligibility_survival_unit)
  [role="radiogroup"] > button[aria-checked="true"]:last-child p,
.st-key-relapse_antigen [role="radiogroup"] > button[aria-checked="true"]:last-child p,
.st-key-relapse_origin [role="radiogroup"] > button[aria-checked="true"]:last-child p,
.st-key-relapse_costim [role="radiogroup"] > button[aria-checked="true"]:last-child p,
.st-key-relapse_persistence [role="radiogroup"] > button[aria-checked="true"]:first-child p {
  color: #455a64 !important;
}
/* --- end colour block --- */
/* --- The result card (issue 15 item 1): the badge coloured by the level its key names
   (ui/components.result_card_key); red only for grades 3-4, grey for anything not a grade. */
[class*="_result_card"] [data-testid="stMarkdownContainer"] h3:first-child {
  display: inline-block;
  padding: 0.15rem 0.75rem;
  border-radius: 0.5rem;
  font-size: 1.6rem;
  margin-bottom: 0.25rem;
}
[class*="_neutral_result_card"] h3:first-child { background: #eceff1; color: #455a64; border: 1px solid #90a4ae; }
[class*="_none_result_card"] h3:first-child { background: #2e7d32; color: #fff; }
[class*="_mild_result_card"] h3:first-child { background: #ffc107; color: #3e2723; }
[class*="_moderate_result_card"] h3:first-child { background: #e65100; color: #fff; }
[class*="_severe_result_card"] h3:first-child { background: #c62828; color: #fff; }
[class*="_info_result_card"] h3:first-child { background: #1565c0; color: #fff; }
[class*="_neutral_result_card"], [class*="_neutral_result_strip"] { border-left: 6px solid #90a4ae !important; }
[class*="_none_result_card"], [class*="_none_result_strip"] { border-left: 6px solid #2e7d32 !important; }
[class*="_mild_result_card"], [class*="_mild_result_strip"] { border-left: 6px solid #ffc107 !important; }
[class*="_moderate_result_card"], [class*="_moderate_result_strip"] { border-left: 6px solid #e65100 !important; }
[class*="_severe_result_card"], [class*="_severe_result_strip"] { border-left: 6px solid #c62828 !important; }
[class*="_info_result_card"], [class*="_info_result_strip"] { border-left: 6px solid #1565c0 !important; }
/* On a phone or a tablet in portrait the result stays in view once there is one: a one-line strip
   (badge and the dose), pinned to the bottom while the user is still at the inputs above the card and
   to the top while they read on below it. The whole card, pinned, covered half the screen and the
   inputs still to be tapped (2026-12-03 screenshots); on a tablet the /dosing lymphodepletion card
   stood below the fold under its inputs. Wider than a portrait tablet, and beside the ICANS form on a
   tablet, the card itself is in view: no strip. */
[class*="_result_strip"] { display: none !important; }
@media (max-width: 1024px) {
  [data-testid="stLayoutWrapper"]:has(> [class*="_result_strip"]) {
    position: sticky;
    top: 0;
    bottom: 0;
    z-index: 10;
  }
  [class*="_result_strip"] {
    display: flex !important;
    background: #fff;
    box-shadow: 0 2px 10px rgba(0, 0, 0, 0.18);
    padding: 0.4rem 0.75rem !important;
  }
}
@media (min-width: 641px) and (max-width: 1024px) {
  /* the ICANS card sticks beside its form (below): a strip would say it twice */
  [class*="st-key-toxicity_icans_"][class*="_result_strip"] { display: none !important; }
}
@media (max-width: 640px) {
  [class*="_result_card"] { padding: 0.5rem 0.75rem !important; gap: 0.4rem !important; }
  [class*="_result_card"] [data-testid="stMarkdownContainer"] { font-size: 0.92rem; }
  [class*="_result_card"] [data-testid="stMarkdownContainer"] li { margin-bottom: 0; }
}
/* On a tablet or wider, a card standing in a column beside a long form (the ICANS tab) stays in
   view while the form is filled in: its column sticks below the top bar. */
@media (min-width: 641px) {
  .st-key-toxicity_icans_layout [data-testid="stColumn"]:has([class*="_result_card"]) {
    position: sticky;
    top: 3.75rem;
    align-self: flex-start;
  }
}
/* The follow-up schedule, one Markdown table (no data grid chunk): a date, a visit name, a status and a
   day keep to one line (squeezed, 2026-02-14 and 待随访 broke over two lines on a tablet, 逾期 one
   character a line on a phone); the window and the extra assessments wrap. On a phone the table
   takes the width its cells need, those two capped, and scrolls sideways inside its own box. */
.st-key-followup_schedule [data-testid="stMarkdownContainer"] { overflow-x: auto; }
.st-key-followup_schedule :is(td, th):is(:nth-child(-n+3), :nth-child(5)) {
  white-space: nowrap; word-break: normal; overflow-wrap: normal;
}
@media (max-width: 640px) {
  .st-key-followup_schedule table { width: max-content; min-width: 100%; }
  .st-key-followup_schedule td:is(:nth-child(4), :last-child) { min-width: 10rem; max-width: 16rem; }
}
/* The copy the browser holds against losing a replica (ui/browser_copy.py): never shown. */
.st-key-app_browser_copy_box { display: none !important; }
</style>""")
