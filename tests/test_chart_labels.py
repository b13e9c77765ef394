"""ui.charts.label_positions: a scatter's names placed so that none touches another name, another
point or the plot's edge on a phone; a name with no free place is left to the tap."""

from __future__ import annotations

from ui.charts import label_positions

RANGE = {"x_range": (0.0, 100.0), "y_range": (0.0, 100.0), "plot_px": (250.0, 310.0)}


def test_points_far_apart_are_all_named_above():
    assert label_positions([20, 50, 80], [50, 50, 50], [6, 6, 6], ["A [1]", "B [2]", "C [3]"], **RANGE) == \
        ["top center"] * 3


def test_a_point_under_a_big_bubble_is_left_unnamed():
    # The small point sits inside the big one: any name of it would lie on the big bubble.
    positions = label_positions([50, 51], [50, 50], [30, 6], ["Big [1]", "Small [2]"], **RANGE)
    assert positions[0] is not None and positions[1] is None


def test_neighbours_take_different_sides():
    positions = label_positions([40, 44], [50, 50], [6, 6], ["Berdeja [11]", "Munshi [12]"], **RANGE)
    assert None not in positions and positions[0] != positions[1]


def test_a_name_never_leaves_the_plot():
    # At the left edge a centred name would stick out: it goes to the right, or not at all.
    assert label_positions([0], [50], [6], ["Chen [9]"], **RANGE) == ["middle right"]


def test_chinese_text_is_measured_a_full_em_a_character():
    wide = "患者人数很多的研究" * 3
    assert label_positions([50], [50], [6], [wide], **RANGE) == [None]  # 270 px: wider than the plot
