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


# --- Labels that do not overlap (issue 15 item 5) ---------------------------------------------
# A scatter's labels are placed in pixels on the narrowest plot the app draws: a 360 px phone
# leaves about 250 x 310 px inside the axes of a 420 px tall chart (measured: 281 x 314 at 390 px).
# A wider screen only spreads the points sideways (the height is fixed, the text keeps its size),
# so a label clear of the others on that phone is clear on a tablet too.
PHONE_PLOT_PX = (250.0, 310.0)
_POSITIONS = ("top center", "bottom center", "middle right", "middle left")
_GAP_PX = 3.0  # between a marker's edge and its label, and around every box


def _box(position: str, cx: float, cy: float, r: float, w: float, h: float) -> tuple[float, float, float, float]:
    g = _GAP_PX
    if position == "top center":
        return cx - w / 2, cy - r - g - h, cx + w / 2, cy - r - g
    if position == "bottom center":
        return cx - w / 2, cy + r + g, cx + w / 2, cy + r + g + h
    if position == "middle right":
        return cx + r + g, cy - h / 2, cx + r + g + w, cy + h / 2
    return cx - r - g - w, cy - h / 2, cx - r - g, cy + h / 2


def _clash(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    g = _GAP_PX
    return a[0] < b[2] + g and b[0] < a[2] + g and a[1] < b[3] + g and b[1] < a[3] + g


def label_positions(xs, ys, radii_px, texts, *, x_range: tuple[float, float], y_range: tuple[float, float],
                    plot_px: tuple[float, float] = PHONE_PLOT_PX, font_px: float = 10.0) -> list[str | None]:
    """Where each point's label can go (a Plotly textposition) without touching another label,
    another point's marker or the plot's edge; None where no place is free: that name is shown on
    tap only. The text is measured generously (0.5
    of the font size a Latin character, measured at most 0.44, CJK characters a full em), so the real text is never wider."""
    width, height = plot_px
    sx = width / (x_range[1] - x_range[0])
    sy = height / (y_range[1] - y_range[0])
    centres = [((x - x_range[0]) * sx, (y_range[1] - y) * sy) for x, y in zip(xs, ys, strict=True)]
    markers = [(cx - r, cy - r, cx + r, cy + r) for (cx, cy), r in zip(centres, radii_px, strict=True)]
    sizes = [(sum(font_px if ord(c) > 0x2E80 else 0.5 * font_px for c in text), 1.3 * font_px) for text in texts]

    def free(i: int) -> list[tuple[str, tuple[float, float, float, float]]]:
        """The places clear of the plot's edge and of every other marker."""
        (cx, cy), r, (w, h) = centres[i], radii_px[i], sizes[i]
        out = []
        for position in _POSITIONS:
            box = _box(position, cx, cy, r, w, h)
            if box[0] < 0 or box[1] < 0 or box[2] > width or box[3] > height:
                continue
            if not any(_clash(box, m) for j, m in enumerate(markers) if j != i):
                out.append((position, box))
        return out

    options = [free(i) for i in range(len(centres))]
    placed: list[tuple[float, float, float, float]] = []
    chosen: list[str | None] = [None] * len(centres)
    # The most crowded points choose first (fewest free places, then list order), so a point with
    # one free place is not crowded out by a neighbour that had four.
    for i in sorted(range(len(centres)), key=lambda i: (len(options[i]), i)):
        for position, box in options[i]:
            if not any(_clash(box, p) for p in placed):
                chosen[i] = position
                placed.append(box)
                break
    return chosen
