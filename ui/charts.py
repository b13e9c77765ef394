"""Charts that let the page scroll on a touch screen (review U10): a vertical swipe over a chart
zoomed it and hid the dose markers. No drag, no scroll or double-click zoom, fixed axis ranges."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

TOUCH_CONFIG = {"displayModeBar": False, "responsive": True, "scrollZoom": False, "doubleClick": False}


def touch_chart(fig: go.Figure, *, key: str) -> None:
    fig.update_layout(dragmode=False)
    fig.update_xaxes(fixedrange=True)
    fig.update_yaxes(fixedrange=True)
    st.plotly_chart(fig, width="stretch", config=TOUCH_CONFIG, key=key)
