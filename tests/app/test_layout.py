"""How the page follows the Model menu (demo.layout)."""

from demo.layout import DrawnPages


def test_a_page_drawn_for_a_model_and_sum_is_noted_until_another_draw_or_the_visitor_leaves():
    drawn = DrawnPages()
    assert not drawn.shows("page-1", "3 digits", "12+34")  # Nothing drawn yet (or the draw failed).
    drawn.note("page-1", "3 digits", "12+34")
    assert drawn.shows("page-1", "3 digits", "12+34")  # Gradio's second, identical event: skipped.
    assert not drawn.shows("page-2", "3 digits", "12+34")  # Another visitor's page is its own.
    assert not drawn.shows("page-1", "2 digits", "12+34")  # Another model,
    assert not drawn.shows("page-1", "3 digits", "99+1")  # or another sum left in the box.
    drawn.note("page-1", "Your model", "12+34")  # Drawn by a training's end.
    assert not drawn.shows("page-1", "3 digits", "12+34") and drawn.shows("page-1", "Your model", "12+34")
    drawn.forget("page-1")  # The visitor left: nothing kept.
    assert not drawn.shows("page-1", "Your model", "12+34")
    drawn.note(None, "3 digits", "12+34")  # A call without a page is never taken for one.
    assert not drawn.shows(None, "3 digits", "12+34")
