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
button {{ min-height: 48px; min-width: 120px; width: 100%; padding: 0 16px; font-size: 16px; cursor: pointer;
         border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 8px; background: #fff; color: rgb(49, 51, 63); }}
button:hover {{ border-color: #555; }}
iframe {{ position: absolute; width: 0; height: 0; border: 0; }}
</style></head><body>
<button type="button" id="print" data-sheet="{name}">🖨 {label}</button>
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
