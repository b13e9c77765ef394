"""A Print button for a sheet built in logic: the browser's own print dialog, nothing else.

The sheet's HTML (the same document the download offers: one renderer) goes into a hidden
iframe inside a small component frame; the button calls print() on that iframe, so only the
sheet is printed, not the app around it. No request leaves the machine and nothing is written
to disk or logged: the document lives in the browser's memory (brief rule 6).
"""

from __future__ import annotations

import html

import streamlit as st

from ui.i18n import t

# >=48 px tall for a thumb (issue 15 item 3); the look of a Streamlit secondary button.
_TEMPLATE = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>
body {{ margin: 0; font-family: "Source Sans Pro", "Noto Sans CJK SC", sans-serif; }}
button {{ min-height: 48px; min-width: 160px; padding: 0 16px; font-size: 16px; cursor: pointer;
         display: inline-flex; align-items: center; gap: 8px;
         border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 8px; background: #fff; color: rgb(49, 51, 63); }}
svg {{ width: 20px; height: 20px; fill: currentColor; }}
button:hover {{ border-color: #555; }}
iframe {{ position: absolute; width: 0; height: 0; border: 0; }}
</style></head><body>
<button type="button" id="print" data-sheet="{name}"><svg viewBox="0 0 24 24" aria-hidden="true"><path
d="M19 8H5c-1.66 0-3 1.34-3 3v6h4v4h12v-4h4v-6c0-1.66-1.34-3-3-3zm-3 11H8v-5h8v5zm3-7c-.55 0-1-.45-1-1s.45-1 1-1 1 .45
1 1-.45 1-1 1zm-1-9H6v4h12V3z"/></svg>{label}</button>
<iframe id="sheet" title="{name}" srcdoc="{doc}"></iframe>
<script>
document.getElementById("print").addEventListener("click", function () {{
  var w = document.getElementById("sheet").contentWindow;
  w.focus();
  w.print();
}});
</script></body></html>"""


def print_button(document: str, name: str, label: str | None = None) -> None:
    """`document`: a whole HTML page from logic; `name`: which sheet (for tests and the frame's title)."""
    # Our own document, every text in it escaped by logic: the trusted HTML st.iframe is for.
    st.iframe(_TEMPLATE.format(label=html.escape(label or t("common.print.button")), name=html.escape(name),
                               doc=html.escape(document, quote=True)), height=52)
