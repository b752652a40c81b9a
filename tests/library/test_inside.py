"""Inside the network (addition.inside), checked against oracles:
Python's addition for the counterfactual grids, finite differences for the gradients, Keras's
own sub-models for the states, and the majority guess for the probe."""

import functools
import json

import keras
import numpy as np
import pytest

from addition import Codec, carry_units, inside
from addition import model as model_module
from addition import predictor as predictor_module
from addition.data import sample_whole_space
from addition.model import build_model

SUMS = 40  # Random sums per grid test: each is a batch of up to 54 variants.


def random_sums(digits: int, count: int = SUMS, seed: int = 20):
    return sample_whole_space(digits, count, seed).tolist()


@functools.cache
def output_of(model, layer) -> keras.Model:
    """Keras's own sub-model from the question to ``layer``'s output (made once per layer: each
    new one traces its forward pass again)."""
    return keras.Model(model.inputs, layer.output)


def keras_logits(model, questions: np.ndarray) -> np.ndarray:
    """The pre-softmax logits by Keras itself: the last decoder's output through the Dense."""
    answer = model.layers[-1]
    decoded = output_of(model, model.layers[-2]).predict_on_batch(questions)
    return np.asarray(decoded) @ np.asarray(answer.kernel) + np.asarray(answer.bias)


@pytest.fixture(scope="module")
def untrained():
    """Tiny untrained GRU and SimpleRNN models, two decoder layers, each codec orientation
    (and each way of padding the operands)."""
    keras.utils.set_random_seed(0)
    return [
        (build_model(codec, hidden_size=16, num_layers=2, cell=cell), codec)
        for cell, codec in (
            ("gru", Codec(digits=2, reverse=True, reverse_answer=True, zero_pad=True)),
            ("simplernn", Codec(digits=2, reverse=False, reverse_answer=False, zero_pad=False, interleave=False)),
        )
    ]


def test_the_bundled_models_counterfactual_grid_is_additions_own_wherever_it_is_right(bundled):
    model, codec = bundled.model, bundled.codec
    for a, b in random_sums(codec.digits):
        seen = inside.look(model, codec, a, b)
        right = codec.decode_answers(seen.variant_answers) == [
            codec.answer_string(int(x + y)) for x, y in seen.variants
        ]
        assert right, f"the bundled model should be right on every variant of {a}+{b}"
        network, oracle = inside.model_counterfactual(codec, seen), inside.oracle_counterfactual(codec, a, b)
        np.testing.assert_array_equal(network, oracle, err_msg=f"{a}+{b}")
        assert not inside.disagreement(network, oracle).any()


@pytest.mark.parametrize("zero_pad, interleave", [(True, True), (True, False), (False, False)])
@pytest.mark.parametrize("reverse", [True, False])
def test_each_typed_column_points_at_its_character_in_what_the_model_reads(reverse, zero_pad, interleave):
    codec = Codec(digits=3, reverse=reverse, zero_pad=zero_pad, interleave=interleave)
    for a, b in [(535, 61), (7, 890), (0, 0)]:
        read = codec.question_string(a, b)
        columns = inside.question_columns(codec, a, b)
        # Zero-padded, the leading zeros the model reads are columns too: 007+890.
        shown_a, shown_b = (f"{a:03d}", f"{b:03d}") if zero_pad else (str(a), str(b))
        assert [read[column["position"]] for column in columns] == list(f"{shown_a}+{shown_b}")
        assert [column["place"] for column in columns] == [
            *range(len(shown_a) - 1, -1, -1),
            None,
            *range(len(shown_b) - 1, -1, -1),
        ]
        variants, changed = inside.digit_variants(codec, a, b)
        assert len(variants) == 9 * len(shown_a + shown_b)  # Every digit read, each to the other nine.
        for (x, y), index in zip(variants.tolist(), changed.tolist()):
            place = columns[index]["place"]
            moved = x - a if columns[index]["operand"] == "a" else y - b
            assert moved != 0 and moved % 10**place == 0 and abs(moved) < 10 ** (place + 1)  # One digit, in its place.


def test_the_gradient_matches_finite_differences_of_the_networks_logits(bundled):
    model, codec = bundled.model, bundled.codec
    a, b, step = 535, 61, 1e-2
    seen = inside.look(model, codec, a, b)
    questions = codec.encode_questions([(a, b)])
    typed = codec.question_indices([(a, b)])[0]
    chosen = keras_logits(model, questions)[0].argmax(axis=-1)  # Writing order.
    np.testing.assert_array_equal(chosen, seen.logits.argmax(axis=-1))
    rows = np.arange(codec.answer_length)
    for column in inside.question_columns(codec, a, b):
        position = column["position"]
        other = (typed[position] + 1) % codec.vocabulary_size
        toward_other = np.zeros_like(questions)  # Interpolating toward another character...
        toward_other[0, position, other], toward_other[0, position, typed[position]] = 1, -1
        more_of_it = np.zeros_like(questions)  # ...and more of the typed one (gradient x input).
        more_of_it[0, position, typed[position]] = 1
        for direction in (toward_other, more_of_it):
            ahead = keras_logits(model, questions + step * direction)[0][rows, chosen]
            behind = keras_logits(model, questions - step * direction)[0][rows, chosen]
            predicted = (seen.gradients * direction[0]).sum(axis=(1, 2))
            np.testing.assert_allclose((ahead - behind) / (2 * step), predicted, rtol=0.02, atol=0.02)


def test_the_attribution_grid_is_gradient_times_input_with_reading_order_rows(bundled):
    codec, seen = bundled.codec, inside.look(bundled.model, bundled.codec, 48, 7)
    grid = inside.attribution(codec, seen)
    typed = codec.question_indices([(48, 7)])[0]
    positions = [column["position"] for column in inside.question_columns(codec, 48, 7)]
    last_written = np.abs([seen.gradients[-1, position, typed[position]] for position in positions])
    reading_row = 0 if codec.reverse_answer else codec.answer_length - 1  # Where the last step written is read.
    np.testing.assert_allclose(grid[reading_row], last_written / last_written.max(), rtol=1e-6)
    assert grid.max(axis=1).tolist() == [1.0] * codec.answer_length


def check_states_against_keras(model, codec, pairs):
    encoder, decoders = (
        model.get_layer("encoder"),
        [layer for layer in model.layers if layer.name.startswith("decoder_")],
    )
    questions = codec.encode_questions(pairs)
    for (a, b), question in zip(pairs, questions):
        seen = inside.look(model, codec, a, b)
        final = output_of(model, encoder).predict_on_batch(question[None])[0]
        np.testing.assert_allclose(seen.encoder_states[-1], final, atol=1e-5)
        for layer, states in zip(decoders, seen.decoder_states):
            expected = output_of(model, layer).predict_on_batch(question[None])[0]
            np.testing.assert_allclose(states, expected, atol=1e-5)
        by_place = carry_units.place_states(model, codec, [(a, b)])[0]
        assert all(layer_states.shape == (1, codec.digits, states.shape[-1]) for layer_states in by_place)


def test_states_are_keras_own_layer_outputs(bundled, untrained):
    check_states_against_keras(bundled.model, bundled.codec, [(535, 61), (999, 1)])
    for model, codec in untrained:
        check_states_against_keras(model, codec, [(55, 6), (99, 99)])


def test_models_of_one_architecture_share_one_trace_and_each_is_read_with_its_own_weights():
    """Two networks of one architecture, their weights drawn apart: one trace of the look serves
    both, and each one's states are its own, as Keras computes its layers."""
    codec = Codec(digits=2)
    networks = []
    for seed in (1, 2):
        keras.utils.set_random_seed(seed)
        networks.append(build_model(codec, hidden_size=7))  # An architecture no other test builds.
    for network in networks:
        check_states_against_keras(network, codec, [(55, 6), (99, 99)])
    architecture = model_module.architecture(networks[0])
    shared_traces = predictor_module._SHARED.items()
    (shared,) = [traced for (config, kind), traced in shared_traces if config == architecture and kind[0] == "inside"]
    assert shared.look.experimental_get_tracing_count() == 1


def test_the_probe_reads_the_carry_better_than_the_majority_guess(bundled):
    probe = carry_units.train_probe(bundled.model, bundled.codec, bundled.validation_pairs)
    assert probe.places == list(range(1, bundled.codec.digits + 1))  # Every carry varies.
    for place, accuracy, baseline in zip(probe.places, probe.accuracy, probe.baseline):
        assert accuracy > baseline + 0.1, f"place {place}: {accuracy:.3f} vs {baseline:.3f}"
    again = carry_units.train_probe(bundled.model, bundled.codec, bundled.validation_pairs)
    assert again == probe  # Seeded and closed-form.


def test_carry_units_are_ordered_strongest_first(bundled):
    ranked = carry_units.rank_carry_units(bundled.model, bundled.codec, bundled.validation_pairs)
    strengths = np.abs(ranked.correlations)
    assert len(ranked.units) == bundled.model.get_layer("decoder_0").units
    assert (np.diff(strengths) <= 0).all() and strengths[0] > 0.2


def well_formed(explained: dict, codec: Codec, question: str):
    a, b = codec.parse_question(question)
    assert json.loads(json.dumps(explained, allow_nan=False)) == explained
    assert set(explained["grids"]) == {"counterfactual", "oracle", "disagreement", "attribution"}  # As documented.
    for name, grid in explained["grids"].items():
        if name in ("oracle", "disagreement"):
            assert grid["rows"] == list(codec.answer_string(a + b))  # Reading order, both axes.
        else:  # The network's grids: the answer it wrote.
            assert "".join(grid["rows"]).strip() == explained["model_answer"]
            assert len(grid["rows"]) == codec.answer_length
        assert grid["columns"] == list(codec.shown_question(a, b))  # Zero-padded: 55+06.
        assert [len(row) for row in grid["values"]] == [len(grid["columns"])] * codec.answer_length
    assert len(explained["answer_places"]) == codec.answer_length
    encoder = explained["states"]["encoder"]
    assert encoder["steps"] == list(codec.question_string(a, b))  # As the encoder reads them.
    assert all(len(unit) == codec.question_length for unit in encoder["values"])
    for layer in explained["states"]["decoder"]:
        assert all(len(unit) == codec.answer_length for unit in layer["values"])


def test_gru_and_simplernn_models_explain_to_well_formed_json(untrained):
    for model, codec in untrained:
        pairs = sample_whole_space(codec.digits, 500, seed=1)
        carry, probe = carry_units.rank_carry_units(model, codec, pairs), carry_units.train_probe(model, codec, pairs)
        explained = inside.explain(model, codec, "55+6", carry, probe)
        well_formed(explained, codec, "55+6")
        assert len(explained["carry_units"]) == inside.TOP_CARRY_UNITS
        assert {unit["layer"] for unit in explained["carry_units"]} <= {"decoder_0", "decoder_1"}
        assert explained["probe"]["places"] == ["tens", "hundreds"][: len(probe.places)]
        assert len(explained["states"]["decoder"]) == 2


def test_the_tiny_trained_model_explains(tiny_model):
    _, saved = tiny_model
    from addition.loading import load_model_folder

    loaded = load_model_folder(saved)
    explained = inside.explain(loaded.model, loaded.codec, " 9 + 91 ")
    well_formed(explained, loaded.codec, "9+91")
    assert explained["grids"]["oracle"]["columns"] == list("09+91")  # Today's default is zero-padded.
    assert explained["carry_units"] == [] and explained["probe"] is None


def test_labels_are_reading_order_for_the_bundled_model(bundled):
    explained = inside.explain(bundled.model, bundled.codec, "535+61")
    well_formed(explained, bundled.codec, "535+61")
    grid = explained["grids"]["counterfactual"]
    # The bundled model reads 535+061 (zero-padded), in columns; its grids are in reading order.
    assert grid["rows"] == [" ", "5", "9", "6"] and grid["columns"] == ["5", "3", "5", "+", "0", "6", "1"]
    assert explained["answer_places"] == ["thousands", "hundreds", "tens", "units"]
    assert explained["question_places"] == ["hundreds", "tens", "units", None, "hundreds", "tens", "units"]
    assert grid["values"][3] == [0, 0, 1, None, 0, 0, 1]  # The units digit: the two units digits.
    assert explained["model_answer"] == "596" and explained["correct"]  # No padding.


def test_a_wrong_networks_grids_are_labelled_with_the_answer_it_wrote():
    """Each row of the network's grids is the character the network wrote at that place, and
    addition's grid the true one: where they differ, a row labelled with the true digit would
    say the network wrote what it did not (999+1 = 900 shown with rows 1, 0, 0, 0)."""
    from addition.loading import load_model_folder
    from tests.helpers import MODELS_FOLDER

    early = load_model_folder(MODELS_FOLDER / "addition-3digit-epoch1")  # Still making mistakes.
    candidates = [(999, 1), (1, 999), (999, 999), (555, 445), (909, 91), (99, 901), (989, 11)]
    answers = early.predictor.answers(candidates)
    a, b = next(pair for pair, answer in zip(candidates, answers) if answer.strip() != str(sum(pair)))
    explained = inside.explain(early.model, early.codec, f"{a}+{b}")
    shown = inside.dependency_grids(early.predictor, a, b)
    assert explained["model_answer"] != str(a + b)
    for grids in (explained["grids"], shown["grids"]):
        assert "".join(grids["counterfactual"]["rows"]).strip() == explained["model_answer"]
        assert "".join(grids["oracle"]["rows"]).strip() == str(a + b)
    assert explained["grids"]["attribution"]["rows"] == explained["grids"]["counterfactual"]["rows"]


def test_a_left_aligned_answers_places_follow_the_length_the_network_wrote():
    """Written in reading order (the keras-io recipe), "900" for 999+1 puts its 9 in the hundreds:
    the network's rows get the places of what it wrote, addition's those of 1000."""
    from tests.helpers import predictor_wrong_on

    codec = Codec(digits=3, reverse_answer=False)
    shown = inside.dependency_grids(predictor_wrong_on(codec, (999, 1), "900 "), 999, 1)
    assert shown["grids"]["counterfactual"]["rows"] == list("900 ") and shown["grids"]["oracle"]["rows"] == list("1000")
    assert shown["model_answer_places"] == ["hundreds", "tens", "units", "padding"]
    assert shown["answer_places"] == ["thousands", "hundreds", "tens", "units"]


@pytest.mark.parametrize("question", ["", "1000+1", "5-3", "1+2+3", "abc", "7", "x" * 100, None])
def test_explain_refuses_bad_questions_in_words(bundled, question):
    with pytest.raises(ValueError, match="[a-z] "):
        inside.explain(bundled.model, bundled.codec, question)


def test_a_network_that_is_not_build_models_is_refused():
    codec = Codec(digits=2)
    questions = keras.Input(shape=(codec.question_length, codec.vocabulary_size))
    other = keras.Model(questions, keras.layers.Dense(codec.vocabulary_size)(keras.layers.Flatten()(questions)))
    with pytest.raises(ValueError, match="build_model"):
        inside.look(other, codec, 1, 2)


def test_decoder_units_are_listed_by_how_closely_they_follow_the_carry(bundled):
    from addition import inside

    model, codec = bundled.model, bundled.codec
    ranking = carry_units.rank_carry_units(model, codec, bundled.validation_pairs)
    explained = inside.explain(model, codec, "535+61", carry_units=ranking)
    (decoder,) = explained["states"]["decoder"]
    order = decoder["order"]
    assert sorted(order) == list(range(len(decoder["values"])))  # Every unit, once.
    strength = {
        unit: abs(r) for layer, unit, r in zip(ranking.layers, ranking.units, ranking.correlations) if layer == 0
    }
    assert [strength[unit] for unit in order] == sorted(strength.values(), reverse=True)
    assert order[: len(explained["carry_units"])] == [unit["unit"] for unit in explained["carry_units"]]
