"""How the page follows the Model menu (demo.layout)."""

import html

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
    from demo.models import Catalog, Entry, Models
    from demo.visitor_models import SessionModels
    from tests.helpers import BUNDLED_MODEL

    _, tiny_folder = tiny_model  # 2 digits.
    models = Models(Catalog(Entry("three", str(BUNDLED_MODEL)), [Entry("two", str(tiny_folder))]), SessionModels())
    three, two = models.get("three", None), models.get("two", None)
    kept = page_for_pick(models, three, "three", None, "535+61")
    assert kept.question == "535+61" and "535+61" in kept.grids_intro  # Two networks compared on one sum.
    for typed, why in (("535+61", "up to 2 digits"), ("12+abc", "not a sum"), ("", None)):  # Its example instead.
        shown = page_for_pick(models, two, "two", None, typed)
        assert shown.question == two.codec.example != typed and two.codec.example in shown.grids_intro
        if why:  # Said, with the sum it did not draw (as text: what a visitor typed is not markup).
            said = html.unescape(shown.grids_intro)
            assert said.startswith(f"*{typed}, the sum in the box, is not one this model reads: ") and why in said
        else:
            assert "the sum in the box" not in shown.grids_intro


def test_a_picked_models_answer_is_drawn_first_and_every_tab_ends_on_one_model(tmp_path, monkeypatch):
    """A model's first How it learns and Inside search its mistakes and its carry for seconds: the
    pick draws the Add tab in an event of its own (in a group of its own, the last of quick picks
    only), and the other tabs in one chained after it, for the model the Add tab shows."""
    from types import SimpleNamespace

    import gradio as gr

    from demo import inside_tab, learn_tab
    from demo.callbacks import PICKS
    from demo.layout import build_demo
    from tests.helpers import MODELS_FOLDER
    from tests.standins.scripted import build_parts

    parts, _ = build_parts(tmp_path / "workspace", MODELS_FOLDER / "addition-2digit")
    try:
        demo = build_demo(parts)
        events = {event.name: event for event in demo.fns.values()}
        pick, others = events["show_picked_page"], events["show_picked_others"]
        menu = next(block for block in demo.blocks.values() if getattr(block, "elem_id", None) == "model")
        assert [(target[0], target[1]) for target in pick.targets] == [(menu._id, "input")]
        assert pick.trigger_mode == "always_last" and pick.concurrency_id == PICKS
        sampling = next(event for event in demo.fns.values() if event.name == "sample")
        cancelling = [event.cancels for event in demo.fns.values() if event.is_cancel_function]
        assert cancelling == [[sampling._id]]  # A pick cancels the old model's sample still running:
        assert next(event for event in demo.fns.values() if event.is_cancel_function).targets == pick.targets
        assert others.trigger_after == pick._id and others.trigger_only_on_success  # Not after a failed load.
        assert others.trigger_mode == "always_last"  # Picks made while they are drawn are drawn next.
        answers = [event for event in demo.fns.values() if event.name == "answer_on_page"]  # Enter, an example.
        assert len(answers) == 2 and all(event.trigger_mode == "always_last" for event in answers)  # Last sum kept.
        page = SimpleNamespace(session_hash="page-1")  # The request of one page.

        def searching(*args, **kwargs):
            raise AssertionError("the Add tab's event drew another tab")

        with monkeypatch.context() as patched:
            patched.setattr(learn_tab, "page", searching)
            patched.setattr(inside_tab, "page_for_pick", searching)
            drawn = pick.fn("2 digits", "12+34", request=page)
        answer = next(update for block, update in drawn.items() if block.elem_id == "answer")
        assert f"12 + 34 = {12 + 34}" in answer.value and len(drawn) == len(pick.outputs)
        # The menu moved on before the other tabs' turn: they follow the Add tab, whose own pick comes next.
        shown = others.fn("3 digits, after 1 epoch", "535+61", request=page)
        updates = {block.elem_id: update for block, update in shown.items()}
        two_digits = parts.models.get("2 digits")
        assert updates["inside-question"].value == two_digits.codec.example and len(shown) == len(others.outputs)
        assert updates["accuracy-curves"].visible and updates["loss-curves"].visible  # Its curves are drawn.
        # Picked again (or the menu opened and left): nothing redrawn, though the Inside box changed.
        again = others.fn("2 digits", two_digits.codec.example, request=page)
        assert all(update == gr.skip() for update in again.values())
        pick.fn("3 digits, after 1 epoch", "12+34", request=page)
        shown = others.fn("3 digits, after 1 epoch", "99+1", request=page)
        updates = {block.elem_id: update for block, update in shown.items()}
        kept = updates["inside-question"].constructor_args  # The sum kept: the box's words, not its text,
        assert "value" not in kept and "3 digits" in kept["info"]  # which the visitor may have changed since.
        assert "99+1" in updates["inside-intro"].value  # Drawn for it.
        lesson = updates["lesson"].constructor_args["value"]  # Not named as the finished 3-digit model.
        assert set(lesson["network"]) == {"keras-io, 3 digits, epoch 1", "column, trained 1-20"}
        assert updates["curves-note"].value.startswith("After epoch 1 ")  # One point, no line: in words,
        assert not updates["accuracy-curves"].visible and not updates["loss-curves"].visible  # no empty frames.
    finally:
        parts.shutdown()
