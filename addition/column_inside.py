"""Inside the column network: what each answer digit depends on, and which units carry.

The same questions ``addition.inside`` asks of the keras-io network, for a network that reads
one column per step. For one sum, ``dependency_grids`` changes each question digit to each of
the other nine and counts how often each answer digit changes, beside the same count for
Python's addition: rows are the answer's digits, columns the question's characters, both in
reading order, labelled by place value. Exact addition makes answer place k depend on the
operands' place k and on the places below it down to the nearest column that decides the carry
(the mask ``benchmarks/inside_survey.py`` weighs the grids against); a column network can depend
on nothing above place k at all, because its step k has not read them yet.

Over many sums, ``rank_carry_units`` finds the units whose state, handed from one column to the
next, best follows the carry into that next column, and ``train_probe`` reads the carry from that
state with a linear probe, per place, beside always guessing; a probe on the best unit alone
shows whether one unit holds it. ``explain`` gathers all of it for one typed sum, JSON-ready,
like ``inside.explain``.

The grid runs 9 variants per question digit, each as long as the question, so its cost grows
with the square of the length.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np

from .carry_units import MAX_SURVEY_QUESTIONS, CarryUnits, probe_accuracy, ranked_units
from .codec import PLUS
from .column import (
    DIGITS,
    INPUT_FEATURES,
    ColumnCodec,
    ColumnPredictor,
    checked_pairs,
    encode_columns,
    encode_sums,
    operand_text,
    pair_digits,
    python_sums,
)
from .column_data import carries_into
from .inside import (
    TOP_CARRY_UNITS,
    counterfactual,
    disagreement,
    labelled_grid,
    place_name,
    rounded,
    strongest_units,
    unit_order,
)


def question_columns(a, b) -> list[dict]:
    """The typed question "a+b" character by character: its char, the operand it belongs to
    ("a", "b" or None for the +) and its place value (the step that reads it)."""
    a, b = operand_text(a), operand_text(b)
    return (
        [{"char": char, "operand": "a", "place": len(a) - 1 - index} for index, char in enumerate(a)]
        + [{"char": PLUS, "operand": None, "place": None}]
        + [{"char": char, "operand": "b", "place": len(b) - 1 - index} for index, char in enumerate(b)]
    )


def digit_variants(a, b) -> tuple[list, np.ndarray]:
    """Every sum with one digit of the question replaced by each of the other nine, as digit
    strings of the same lengths (a leading digit made 0 reads as a shorter number), and the index
    in ``question_columns`` of the character each changed."""
    a, b = operand_text(a), operand_text(b)
    pairs, columns = [], []
    for index, column in enumerate(question_columns(a, b)):
        if column["operand"] is None:
            continue
        text = a if column["operand"] == "a" else b
        at = len(text) - 1 - column["place"]
        for digit in "0123456789":
            if digit != text[at]:
                changed = text[:at] + digit + text[at + 1 :]
                pairs.append((changed, b) if column["operand"] == "a" else (a, changed))
                columns.append(index)
    return pairs, np.array(columns)


def written_answers(predictor: ColumnPredictor, pairs, steps: int) -> list[str]:
    """The model's answers as written, every one of ``steps`` digits, in reading order (a
    leading 0 kept, so that answers line up digit by digit)."""
    answers = []
    for start in range(0, len(pairs), predictor.batch_size):
        digits = predictor.probabilities(pairs[start : start + predictor.batch_size], steps).argmax(axis=-1)
        answers += ["".join(map(str, row[::-1])) for row in digits]
    return answers


def dependency_grids(predictor: ColumnPredictor, a, b) -> dict:
    """The counterfactual grid of the network beside addition's for the sum a+b (ints or digit
    strings), JSON-ready: rows the answer's digits (one per step, the top one the last carry; the
    network's grid the digits it wrote, addition's the true ones),
    columns the question's characters, both in reading order; null at the +."""
    a, b = operand_text(a), operand_text(b)
    steps = max(len(a), len(b)) + 1
    variants, variant_columns = digit_variants(a, b)
    columns = question_columns(a, b)
    written = written_answers(predictor, [(a, b), *variants], steps)
    truths = [total.zfill(steps) for total in python_sums([(a, b), *variants])]
    model_grid = counterfactual(written[0], written[1:], variant_columns, columns)
    oracle_grid = counterfactual(truths[0], truths[1:], variant_columns, columns)

    places = [place_name(place) for place in range(steps - 1, -1, -1)]

    def grid(values, answer):
        return labelled_grid(values, list(answer), columns)

    return {
        "question": f"{a}+{b}",
        "a": a,
        "b": b,
        "model_answer": written[0].lstrip("0") or "0",
        "true_answer": truths[0].lstrip("0") or "0",
        "correct": written[0] == truths[0],
        "answer_places": places,
        "model_answer_places": places,  # One digit per column, right or wrong: the same places.
        "question_places": [None if column["place"] is None else place_name(column["place"]) for column in columns],
        "grids": {
            "counterfactual": grid(rounded(model_grid), written[0]),
            "oracle": grid(rounded(oracle_grid), truths[0]),
            "disagreement": grid(disagreement(model_grid, oracle_grid), truths[0]),
        },
    }


# The state handed from one column to the next.
_READERS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def column_states(model, pairs) -> tuple[list, np.ndarray, np.ndarray]:
    """For every sum and every column from the tens up: each recurrent layer's state handed to
    that column's step (the output of the step before), per layer (n, steps - 1, units); the
    carry into that column (n, steps - 1); and whether the column is within the sum (the longer
    operand's length plus one), (n, steps - 1)."""
    first, second = pair_digits(pairs)
    states = _reader(model)(encode_columns(first, second))
    lengths = np.array([max(len(operand_text(a)), len(operand_text(b))) for a, b in checked_pairs(pairs)])
    within = np.arange(1, first.shape[1])[None, :] <= lengths[:, None]
    return [np.asarray(layer)[:, :-1] for layer in states], carries_into(first, second)[:, 1:], within


def _reader(model):
    """The recurrent layers' whole sequences (a list, one array per layer), through one forward
    pass traced for any shape."""
    if model not in _READERS:
        import keras
        from keras import layers

        from .predictor import compiled_forward

        recurrent = [layer for layer in model.layers if isinstance(layer, layers.RNN)]
        if not recurrent or tuple(model.input_shape[1:]) != (None, INPUT_FEATURES) or model.output_shape[-1] != DIGITS:
            raise ValueError("this reads only the networks addition.column.build_column_model makes")
        _READERS[model] = compiled_forward(
            keras.Model(model.inputs, [layer.output for layer in recurrent]), False, True
        )
    forward = _READERS[model]

    def read(x) -> list:
        outputs = forward(x)  # Keras gives one layer's sequence as a tensor, several as a list.
        return [np.asarray(layer) for layer in (outputs if isinstance(outputs, (list, tuple)) else [outputs])]

    return read


def rank_carry_units(model, pairs, max_questions: int = MAX_SURVEY_QUESTIONS) -> CarryUnits:
    """Every unit ordered by |correlation| of its state handed to a column with the carry into
    that column, pooled over every column within every sum of ``pairs``."""
    states, carries, within = column_states(model, list(pairs)[:max_questions])
    if np.ptp(carries[within]) == 0:
        raise ValueError("the carry never varies among these sums: nothing to correlate")
    return ranked_units([layer[within] for layer in states], carries[within].astype(np.float64))


@dataclass
class ColumnProbe:
    """Linear read-outs of the carry into each place, scored on sums they never saw."""

    places: list  # Place values probed (those whose carry varies), from the tens up.
    accuracy: list  # From every unit of the layer.
    one_unit_accuracy: list  # From the one unit that follows the carry best (``unit``).
    baseline: list  # Always guessing the fitted sums' more common carry.
    unit: tuple  # (layer, unit) read alone.
    test_count: int


def train_probe(model, pairs, seed: int = 0, max_questions: int = MAX_SURVEY_QUESTIONS, layer: int = -1) -> ColumnProbe:
    """Per place, ridge least squares from the state of recurrent ``layer`` handed to that
    column (``carry_units.probe_accuracy``); half the sums fit, half score. The one unit is chosen
    on the fitting half. Seeded and closed-form, so deterministic."""
    pairs = list(pairs)[:max_questions]
    states, carries, within = column_states(model, pairs)
    layer_states = states[layer]
    order = np.random.default_rng(seed).permutation(len(pairs))
    fitting, testing = order[: len(order) // 2], order[len(order) // 2 :]
    chosen = within.copy()
    chosen[testing] = False
    unit = ranked_units([layer_states[chosen]], carries[chosen].astype(np.float64)).units[0]
    places, accuracy, one_unit, baseline = [], [], [], []
    for column in range(carries.shape[1]):
        fit, score = fitting[within[fitting, column]], testing[within[testing, column]]
        if len(score) == 0 or np.ptp(carries[fit, column]) == 0:
            continue
        features, carry = layer_states[:, column], carries[:, column].astype(np.float64)
        right, guessed = probe_accuracy(features, carry, fit, score)
        places.append(column + 1)
        accuracy.append(right)
        one_unit.append(probe_accuracy(features[:, [unit]], carry, fit, score)[0])
        baseline.append(guessed)
    layer_index = layer % len(states)
    return ColumnProbe(places, accuracy, one_unit, baseline, (layer_index, unit), len(testing))


def explain(
    model,
    codec: ColumnCodec,
    question: str,
    carry_units: CarryUnits | None = None,
    probe: ColumnProbe | None = None,
    top_units: int = TOP_CARRY_UNITS,
) -> dict:
    """Everything an Inside view shows for one typed sum, JSON-ready, as ``inside.explain``:
    ``dependency_grids``, each recurrent layer's states (units x steps, units first, in
    ``unit_order``), the top carry units' states through the sum, the carry each column hands on
    (``carries_out``, units first: what the state after its step must hold), and the probe's table.
    ``carry_units`` and ``probe`` are the caller's cached ``rank_carry_units`` and ``train_probe``
    results; without them those parts are empty. ``ValueError`` in words for a bad question."""
    a, b = codec.parse_question(question)
    shown = dependency_grids(ColumnPredictor(model, codec), a, b)
    full = _reader(model)(encode_sums([(a, b)]))  # Per layer (1, steps, units).
    names = [f"layer_{index}" for index in range(len(full))]
    steps = full[0].shape[1]
    first, second = pair_digits([(a, b)], steps + 1)
    return {
        **shown,
        # The carry out of a column is the carry into the next.
        "carries_out": [bool(carry) for carry in carries_into(first, second)[0, 1:]],
        "states": [
            {
                "layer": name,
                "steps": [place_name(place) for place in range(values.shape[1])],
                "values": rounded(values[0].T).tolist(),
                "order": unit_order(carry_units, index, values.shape[-1]),
            }
            for index, (name, values) in enumerate(zip(names, full))
        ],
        # Units first, one value per step.
        "carry_units": strongest_units(carry_units, names, [layer[0] for layer in full], top_units),
        "probe": None
        if probe is None
        else {
            "places": [place_name(place) for place in probe.places],
            "accuracy": probe.accuracy,
            "one_unit_accuracy": probe.one_unit_accuracy,
            "baseline": probe.baseline,
            "unit": {"layer": names[probe.unit[0]], "unit": probe.unit[1]},
            "test_questions": probe.test_count,
        },
    }
