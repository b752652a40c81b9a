"""How the page follows the Model menu (demo.layout)."""

from demo.layout import DrawnPages


def test_a_pick_sent_twice_draws_the_page_once_and_a_new_pick_or_sum_draws_it_again():
    drawn = DrawnPages()
    assert drawn.first_time("page-1", "3 digits", "12+34")
    assert not drawn.first_time("page-1", "3 digits", "12+34")  # Gradio's second, identical event.
    assert drawn.first_time("page-2", "3 digits", "12+34")  # Another visitor's page is its own.
    assert drawn.first_time("page-1", "2 digits", "12+34")
    assert drawn.first_time("page-1", "3 digits", "12+34")  # Back to the first model: drawn again.
    assert drawn.first_time("page-1", "3 digits", "99+1")  # Another sum left in the box.
    drawn.note("page-1", "Your model", "99+1")  # Drawn by a training's end, not by the menu.
    assert not drawn.first_time("page-1", "Your model", "99+1")
    drawn.forget("page-1")  # The visitor left: nothing kept, and a new page of theirs is drawn.
    assert drawn.first_time("page-1", "Your model", "99+1")
