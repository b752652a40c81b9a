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


def test_a_picked_models_inside_tab_draws_the_sum_in_its_box_when_it_reads_it_else_its_example(tiny_model):
    from demo.inside_tab import page_for_pick
    from demo.models import Catalog, Entry, Models, SessionModels
    from tests.helpers import BUNDLED_MODEL

    _, tiny_folder = tiny_model  # 2 digits.
    models = Models(Catalog(Entry("three", str(BUNDLED_MODEL)), [Entry("two", str(tiny_folder))]), SessionModels())
    three, two = models.get("three", None), models.get("two", None)
    kept = page_for_pick(models, three, "three", None, "535+61")
    assert kept.question == "535+61" and "535+61" in kept.grids_intro  # Two networks compared on one sum.
    for typed in ("535+61", "12+abc", ""):  # Too long for 2 digits, not a sum, nothing: its example.
        shown = page_for_pick(models, two, "two", None, typed)
        assert shown.question == two.codec.example != typed and two.codec.example in shown.grids_intro
