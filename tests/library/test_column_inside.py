"""Inside the column network (addition.column_inside): its dependency grid against addition's own,
for the bundled model and for exact expectations; the units that carry; the probe."""

import json

import numpy as np
import pytest

from addition import column_inside
from addition.column import ColumnPredictor, build_column_model
from addition.column_data import random_sums
from addition.loading import load_model_folder
from tests.helpers import COLUMN_MODEL


@pytest.fixture(scope="module")
def loaded():
    return load_model_folder(COLUMN_MODEL)


@pytest.fixture(scope="module")
def survey_sums():
    return random_sums(np.random.default_rng(0), 20, 600)


@pytest.mark.parametrize(
    "a, b", [(47, 985), (0, 0), ("9" * 50, "1"), ("123456789012345678901234567890", "9876543210"), ("007", "3")]
)
def test_the_bundled_models_grid_is_additions_own(loaded, a, b):
    shown = column_inside.dependency_grids(loaded.predictor, a, b)
    assert shown["correct"]
    assert shown["grids"]["counterfactual"] == shown["grids"]["oracle"]
    assert not any(cell for row in shown["grids"]["disagreement"]["values"] for cell in row)


def test_the_grid_is_labelled_in_reading_order_with_place_values(loaded):
    shown = column_inside.dependency_grids(loaded.predictor, 47, 985)
    oracle = shown["grids"]["oracle"]
    assert oracle["rows"] == list("1032") and oracle["columns"] == list("47+985")
    assert shown["answer_places"] == ["thousands", "hundreds", "tens", "units"]
    assert shown["question_places"] == ["tens", "units", None, "hundreds", "tens", "units"]
    assert all(row[2] is None for row in oracle["values"])  # The + is never changed.
    # Changing the 7 to any other digit always changes the units digit of the sum.
    assert oracle["values"][3][1] == 1.0
    long = column_inside.dependency_grids(loaded.predictor, "1" * 12, "2")
    assert long["answer_places"][0] == "10^12" and long["question_places"][0] == "10^11"


def test_no_answer_digit_depends_on_a_place_above_it_even_untrained():
    """Step k has not read the columns above k: their rows are exactly 0, whatever the weights."""
    predictor = ColumnPredictor(build_column_model(hidden_size=4))
    shown = column_inside.dependency_grids(predictor, 4567, 89)
    grid = shown["grids"]["counterfactual"]["values"]
    for row, answer_place in enumerate(range(len(shown["answer_places"]) - 1, -1, -1)):
        for column, place in zip(grid[row], column_inside.question_columns(4567, 89)):
            if place["place"] is not None and place["place"] > answer_place:
                assert column == 0.0


def test_an_untrained_networks_grid_is_labelled_with_the_digits_it_wrote():
    import keras

    keras.utils.set_random_seed(0)
    predictor = ColumnPredictor(build_column_model(hidden_size=4))
    shown = column_inside.dependency_grids(predictor, 4567, 89)
    assert not shown["correct"]  # Untrained: not 4567 + 89.
    written = column_inside.written_answers(predictor, [("4567", "89")], 5)[0]
    assert shown["grids"]["counterfactual"]["rows"] == list(written)
    assert (written.lstrip("0") or "0") == shown["model_answer"]
    assert shown["grids"]["oracle"]["rows"] == list(str(4567 + 89).zfill(5))


def test_a_unit_follows_the_carry_and_the_probe_reads_it_exactly(loaded, survey_sums):
    units = column_inside.rank_carry_units(loaded.model, survey_sums)
    strengths = [abs(value) for value in units.correlations]
    assert strengths == sorted(strengths, reverse=True) and strengths[0] > 0.7
    probe = column_inside.train_probe(loaded.model, survey_sums)
    assert probe.places == list(range(1, 21))
    assert min(probe.accuracy) >= 0.99  # From the whole state: exact.
    assert all(one > base + 0.2 for one, base in zip(probe.one_unit_accuracy, probe.baseline))
    assert max(probe.baseline) < 0.7


def test_explain_is_json_ready_for_a_typed_sum(loaded, survey_sums):
    units = column_inside.rank_carry_units(loaded.model, survey_sums)
    probe = column_inside.train_probe(loaded.model, survey_sums)
    shown = column_inside.explain(loaded.model, loaded.codec, " 47 + 985 ", units, probe)
    json.dumps(shown, allow_nan=False)
    assert shown["model_answer"] == "1032" and len(shown["carry_units"]) == 4
    # Each column's carry out, units first, by Python's addition: 7+5 carries, 4+8+1 carries, 0+9+1 carries.
    assert shown["carries_out"] == [(47 % 10**place + 985 % 10**place) >= 10**place for place in range(1, 5)]
    assert shown["carries_out"] == [True, True, True, False]
    assert len(shown["carry_units"][0]["values"]) == 4  # One state per step.
    (layer,) = shown["states"]
    assert len(layer["values"]) == 32 and len(layer["values"][0]) == 4 and sorted(layer["order"]) == list(range(32))
    assert shown["probe"]["places"][0] == "tens" and shown["probe"]["unit"]["layer"] == "layer_0"
    bare = column_inside.explain(loaded.model, loaded.codec, "1+1")
    assert bare["carry_units"] == [] and bare["probe"] is None
    with pytest.raises(ValueError, match="has 1,001 digits. This model adds two whole numbers of up to 1,000 digits"):
        column_inside.explain(loaded.model, loaded.codec, "1" * 1_001 + "+1")
