"""The Inside tab's views (demo.inside_views): inside.explain's JSON as HTML tables and sentences,
every label escaped."""

from demo import inside_views


def test_grid_tables_escape_labels_and_mark_disagreements():
    grid = {"rows": ["<b>"], "columns": ["&", "+"], "values": [[0.25, None]]}
    disagreement = {"rows": ["<b>"], "columns": ["&", "+"], "values": [[True, False]]}
    table = inside_views.grid_table(grid, ["<i>units</i>"], ["units", ""], disagreement, "a <caption>")
    assert table.startswith('<div class="table-scroll">') and table.endswith("</div>")
    assert "<b>" not in table and "&lt;b&gt;" in table and "&amp;" in table and "&lt;i&gt;" in table
    assert 'class="disagrees"' in table and inside_views.DISAGREES in table


def test_the_probe_table_sets_accuracy_beside_its_baseline():
    table = inside_views.probe_html({"places": ["tens"], "accuracy": [0.9], "baseline": [0.6], "test_questions": 2000})
    assert "2,000 held-out questions" in table
    # The place named as the grids name it: a word on a wide screen, a power of ten on a phone.
    tens = '<small class="wide-only">tens</small><small class="narrow-only">10</small>'
    assert f"<th>{tens}</th><td>90.0</td><td>60.0</td><td>+30.0</td>" in table
    assert inside_views.probe_html(None) == ""
    far = inside_views.probe_html({"places": ["10^11"], "accuracy": [1.0], "baseline": [0.5], "test_questions": 9})
    assert ">10¹¹</small>" in far and "10^" not in far  # As the grids write it.


def test_a_state_map_labels_steps_and_units_marks_the_carry_units_first_and_folds_the_rest():
    values = [[0.1 * unit * (step % 2) for step in range(4)] for unit in range(20)]  # Unit 19 changes most.
    state = {"layer": "decoder_0", "steps": "753 ", "values": values}
    table = inside_views.state_map(state, carry_units={7: 0.93}, carries=[False, True, True, None])
    shown = table.split("<details>")[0]
    assert "<th>7</th><th>5</th><th>3</th><th>␣</th>" in shown  # The characters written, in order.
    assert shown.count("<th>↑</th>") == 2  # Where a carry comes in.
    rows = [row.split("</span>")[0] for row in shown.split('<span class="wide-only">')[1:]]
    assert rows[0] == "★ unit 7 (r +0.93)" and rows[1] == "unit 19" and len(rows) == inside_views.SHOWN_UNITS
    assert "The other 8 units of decoder_0" in table  # 20 units, 12 shown.
    assert table.count("<tr") == 2 + inside_views.SHOWN_UNITS + 2 + 8  # Two header rows, twice.
    assert 'title="+1.900"' in shown  # Unit 19 at an odd step.
    tiny = inside_views.state_map({**state, "values": [[-0.04, 0.04, -0.26, 0.0]]}, carry_units={}, carries=[None] * 4)
    assert ">+0.0</td>" in tiny and "-0.0<" not in tiny and ">-0.3</td>" in tiny  # No negative zero.
    assert 'title="+0.000"' in inside_views.state_map({**state, "values": [[-0.0001]]}, carry_units={}, carries=[None])
    even = inside_views.probe_html({"places": ["tens"], "accuracy": [0.5], "baseline": [0.5004], "test_questions": 9})
    assert "<td>+0.0</td>" in even and "-0.0" not in even
    assert "<caption>decoder_0: 1 unit</caption>" in tiny


def test_the_carry_sentence_reads_the_strongest_carry_units_state_where_a_carry_comes_in():
    explained = {
        "question": "999+1",
        "carries_in": [False, True, True, True],
        "carry_units": [{"layer": "decoder_0", "unit": 7, "correlation": 0.9, "values": [-0.8, 0.6, 0.7, 0.8]}],
    }
    sentence = inside_views.carry_sentence(explained)
    assert "unit 7" in sentence and "+0.70 on average where a carry comes in" in sentence and "-0.80 where" in sentence
    none = {**explained, "question": "12+30", "carries_in": [False] * 4}
    assert "No column of 12+30 carries" in inside_views.carry_sentence(none)
    # A sum where the unit reads the other way from its ranking (r > 0, lower where a carry comes
    # in): said so, not "follows the carry" beside figures that show the opposite.
    against = {**explained, "question": "55+6", "carries_in": [False, True, False]}
    against["carry_units"] = [{**explained["carry_units"][0], "correlation": 0.66, "values": [0.1, -0.02, 0.02]}]
    sentence = inside_views.carry_sentence(against)
    assert "but not in 55+6: it reads -0.02 on average where a carry comes in (↑) and +0.06 where none does" in sentence
    assert "r = +0.66" in sentence and "Look at" not in sentence
    # The right way round, but by too little to see (+0.40 against +0.38): said so, too.
    close = {**against, "carry_units": [{**against["carry_units"][0], "values": [0.38, 0.40, 0.38]}]}
    sentence = inside_views.carry_sentence(close)
    assert "but hardly in 55+6: it reads +0.40 on average where a carry comes in (↑) and +0.38" in sentence
    assert "Look at" not in sentence


def test_every_grid_and_state_map_of_an_explained_sum_is_a_table_a_phone_scrolls(bundled, column):
    import re

    from addition import column_inside, inside

    explained = inside.explain(bundled.model, bundled.codec, " 9 + 91 ")
    assert all(part.startswith('<div class="table-scroll">') for part in inside_views.grids_html(explained).values())
    # A column network's map has a step per column: 30 of them are wider than a phone.
    long = column_inside.explain(column.model, column_inside.ColumnCodec(digits=30), f"{'9' * 30}+1")
    for maps in (inside_views.states_html(explained), inside_views.states_html(long)):
        tables = re.findall(r'(<div class="table-scroll">)?<table class="state-map', maps)
        assert tables and all(tables), "every state map in its own scrolling box"


def test_place_values_past_the_billions_are_powers_of_ten_written_as_the_phones_are():
    assert inside_views.place_label("10^29").count("10²⁹") == 2 and "^" not in inside_views.place_label("10^29")
    assert ">billions<" in inside_views.place_label("billions") and ">10⁹<" in inside_views.place_label("billions")


def test_each_grid_is_headed_by_the_places_of_its_own_answer():
    from addition.codec import Codec
    from addition.inside import dependency_grids
    from tests.helpers import predictor_wrong_on

    codec = Codec(digits=3, reverse_answer=False)  # Left-aligned: a shorter answer moves its places.
    shown = dependency_grids(predictor_wrong_on(codec, (999, 1), "900 "), 999, 1)
    network, addition = inside_views.dependency_tables(shown, "network", "addition")
    first_row = [table.split("<tbody><tr><th>")[1].split("</th>")[0] for table in (network, addition)]
    assert "9" in first_row[0] and "hundreds" in first_row[0]  # What the network wrote, where it wrote it.
    assert "1" in first_row[1] and "thousands" in first_row[1]


def test_reversed_or_not_shows_the_other_orders_grid_for_the_same_sum_and_promises_none_for_the_column_network():
    """The 3-digit model (reversed) beside the reading-order illustration, on one sum; the column
    network reads no order, so the section says so and draws no grid."""
    import html

    from addition import inside
    from demo.inside_tab import compare_reversal
    from demo.models import Catalog, Entry, Models
    from demo.visitor_models import SessionModels
    from tests.helpers import BUNDLED_MODEL, COLUMN_MODEL, MODELS_FOLDER

    illustrations = Catalog(
        None, [Entry("reading order", str(MODELS_FOLDER / "illustrations" / "addition-3digit-reading-order"))]
    )
    models = Models(
        Catalog(Entry("three", str(BUNDLED_MODEL)), [Entry("column", str(COLUMN_MODEL), architecture="column")]),
        SessionModels(),
        illustrations,
    )
    three = models.get("three", None)
    intro, grid = compare_reversal(models, three, "555+66", None)
    other = models.illustrations.get("reading order")
    assert not other.codec.reverse and three.codec.reverse
    assert html.unescape(intro).startswith(
        "The same grid for **reading order**, which reads the question in reading order"
    )
    assert intro.count("compare") == 1  # Said once.
    assert grid == inside_views.grids_html(inside.explain(other.model, other.codec, "555+66"))["counterfactual"]
    intro, grid = compare_reversal(models, models.get("column", None), "555+66", None)
    assert grid == "" and "no order of the question to reverse" in intro and "same grid" not in intro


def test_the_grids_words_say_what_the_network_wrote_whether_it_is_the_sum_and_when_a_cell_is_marked():
    """A network still learning, wrong on 555+66, and the finished one, right: each sentence from
    the sum's own figures, checked against Python's addition."""
    from addition import inside
    from addition.loading import load_model_folder
    from tests.helpers import BUNDLED_MODEL, MODELS_FOLDER

    right = []
    for folder in (MODELS_FOLDER / "addition-3digit-epoch1", BUNDLED_MODEL):
        loaded = load_model_folder(folder)
        explained = inside.explain(loaded.model, loaded.codec, "555+66")
        written = str(explained["model_answer"]).strip()
        right.append(written == str(555 + 66))
        said = inside_views.what_to_look_at(explained)["grids"]
        assert f"For 555+66 the network writes {written}, " in said
        if written == str(555 + 66):
            assert "the right sum." in said and "wrong" not in said
        else:
            assert f"which is wrong: the sum is {555 + 66}." in said
        marked = sum(value for row in explained["grids"]["disagreement"]["values"] for value in row)
        if marked:
            cells = "1 cell of its grid disagrees" if marked == 1 else f"{marked} cells of its grid disagree"
            assert cells in said and f"more than {inside.DISAGREEMENT}." in said
        else:
            assert "agrees with addition's in every cell" in said
    assert right == [False, True]  # Both sentences seen: the snapshot wrong, the finished model right.
    # An empty answer is said as the other views say it; the sum's digits with a space out of
    # place are wrong (a whole answer is every character), and said so, not "writes 621 … the sum is 621".
    nothing = inside_views.what_to_look_at({**explained, "model_answer": "", "correct": False})["grids"]
    assert "the network writes (nothing), which is wrong: the sum is 621." in nothing
    shifted = inside_views.what_to_look_at({**explained, "model_answer": "621", "correct": False})["grids"]
    assert "writes the digits of 621 with a space out of place: wrong." in shifted and "the sum is" not in shifted
    # The carry units' sentence names the carry each network keeps: the keras-io decoder's into
    # the column it writes, the column network's (its states one list, a step per column) handed on.
    explained["carry_units"] = [{"layer": "decoder_0", "unit": 7, "correlation": 0.9, "values": [0.1, 0.2, 0.3]}]
    assert "follows the carry into the column being written: " in inside_views.what_to_look_at(explained)["carry_units"]
    handed_on = inside_views.what_to_look_at({**explained, "states": []})["carry_units"]
    assert "follows the carry a column hands on: " in handed_on and "being written" not in handed_on


def test_a_model_whose_held_out_questions_never_carry_still_gets_its_grids_and_says_why_nothing_is_ranked(tmp_path):
    """A tiny visitor's run can hold out a handful of questions, none of them carrying: the tab
    draws the sum's grids as always, and says there is no carry unit and no probe, and why."""
    import dataclasses

    import numpy as np

    from addition.loading import load_model_folder
    from demo import inside_tab
    from demo.models import Catalog, Entry, Models
    from demo.training_queue import Visitor
    from demo.visitor_models import SessionModels
    from tests.helpers import MODELS_FOLDER

    folder = MODELS_FOLDER / "addition-2digit"
    loaded = load_model_folder(folder)
    no_carry = np.array([(a, b) for a in range(0, 50, 7) for b in range(0, 50, 9) if a % 10 + b % 10 < 10])
    visitors = SessionModels()
    label, _ = visitors.add(Visitor("v"), dataclasses.replace(loaded, validation_pairs=no_carry), folder, "tiny")
    models = Models(Catalog(Entry("two", str(folder))), visitors)
    page = inside_tab.page(models, visitors.get("v", label), label, "v", "55+66")
    assert "55+66" in page.grids_intro and "<table" in page.network_grid and "<table" in page.states
    assert "No unit is ranked by how closely it follows the carry" in page.carry_intro
    assert "straight line" not in page.carry_intro  # No probe to read: its sentence is not said either.
    assert page.probe.startswith("<p>No probe: too few of the held-out questions differ in the carry")


def test_the_column_probes_unit_is_named_and_a_difference_from_the_star_unit_explained():
    probe = {"places": ["tens"], "accuracy": [1.0], "one_unit_accuracy": [0.9], "baseline": [0.5], "test_questions": 9}
    star = [{"layer": "layer_0", "unit": 7, "correlation": -0.79, "values": [0.1, -0.2]}]
    column = {"grids": {"disagreement": {"values": [[False]]}}, "question": "47+985", "model_answer": "1032"}
    column.update(correct=True, true_answer="1032", states=[], carry_units=star)
    for alone, differs in ((29, True), (7, False)):
        said = inside_views.what_to_look_at({**column, "probe": {**probe, "unit": {"layer": "layer_0", "unit": alone}}})
        assert f"unit {alone} alone, the one that follows the carry best on the fitted half" in said["probe"]
        assert ("it can differ" in said["probe"]) == differs


def test_a_column_folder_claiming_huge_training_lengths_is_surveyed_on_sums_inside_draws(column, monkeypatch):
    """A folder's max_digits is only a record (up to 100,000 loads): Inside's survey of the carry
    units draws its sums no longer than the sums it draws, or one visitor could fill the memory."""
    import dataclasses

    from addition import column_inside
    from demo import inside_tab
    from demo.models import Catalog, Entry, Models
    from demo.training_queue import Visitor
    from demo.visitor_models import SessionModels
    from tests.helpers import COLUMN_MODEL

    surveyed = []
    ranking = column_inside.rank_carry_units
    monkeypatch.setattr(
        column_inside, "rank_carry_units", lambda model, sums: surveyed.append(sums) or ranking(model, sums)
    )
    # 200 here (cheap to survey, should this break), where a hostile folder writes 100,000.
    claims = {**column.info, "training": {**column.info["training"], "max_digits": 200}}
    visitors = SessionModels()
    label, _ = visitors.add(Visitor("v"), dataclasses.replace(column, info=claims), COLUMN_MODEL, "claims")
    models = Models(Catalog(Entry("column", str(COLUMN_MODEL))), visitors)
    explained = inside_tab.explain_for(models, visitors.get("v", label), label, "v", "47+985")
    assert explained["true_answer"] == "1032" and len(surveyed) == 1
    longest = max(len(str(number)) for pair in surveyed[0] for number in pair)
    assert 20 <= longest <= inside_tab.COLUMN_INSIDE_DIGITS  # The bundled network's own 1-20, and no longer.
