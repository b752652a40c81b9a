"""Inside the network: what each answer character depends on, and where the carry lives.

For one sum, ``look`` runs a single batch: the question (once per answer position, for the
gradients) and every variant with one question digit replaced by another. ``explain`` gives
four dependency grids, one row per answer character and one column per question character,
both in reading order ("535+61" has columns 5, 3, 5, +, 6, 1; a zero-padded model reads
"535+061", and its leading zero is a column like any digit):

- counterfactual: how often the model's character changes when that question digit does;
- oracle: the same computed with Python's addition, the exact answer for the model to match;
- disagreement: where those two differ;
- attribution: |gradient x input| of the chosen character's logit, normalised per row.

Over many held-out questions, ``addition.carry_units`` asks where the decoder keeps the carry
into each column; ``explain`` draws the units it finds. Every function takes a Keras model and
its codec (not a LoadedModel), so a training process can call them on a model still learning:
``addition.network_reader`` reads the model's own variables, never copies.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .carry_units import CarryUnits, Probe
from .codec import PLUS, Codec
from .network_reader import reader

PLACE_NAMES = (
    "units",
    "tens",
    "hundreds",
    "thousands",
    "ten thousands",
    "hundred thousands",
    "millions",
    "ten millions",
    "hundred millions",
    "billions",
)  # Enough for 9 digits + 1.


@dataclass
class Look:
    """One batched run of the network on a sum and its digit variants (numpy arrays)."""

    a: int
    b: int
    variants: np.ndarray  # (m, 2): the sums with one question digit replaced.
    variant_columns: np.ndarray  # (m,): which typed character each variant changed.
    logits: np.ndarray  # (answer_length, vocabulary_size), writing order, of the question itself.
    variant_answers: np.ndarray  # (m, answer_length) character indices, writing order.
    encoder_states: np.ndarray  # (question_length, units): hidden state after each character read.
    decoder_states: list  # Per decoder layer: (answer_length, units), writing order.
    gradients: np.ndarray  # (answer_length, question_length, vocabulary): d chosen logit / d one-hot.


def place_name(place: int | None) -> str:
    """ "units", "tens", ... "billions", then the power of ten (the column network's long sums)."""
    if place is None:
        return "padding"
    return PLACE_NAMES[place] if place < len(PLACE_NAMES) else f"10^{place}"


def question_columns(codec: Codec, a: int, b: int) -> list[dict]:
    """The question "a+b" character by character, with every digit the model reads (a
    zero-padded codec's leading zeros too: "007+890"): its char, the operand it belongs to
    ("a", "b" or None for the +), its place value, and its position in the model's input."""
    typed = codec.shown_question(a, b)
    split = typed.index(PLUS)
    columns = []
    for index, (char, position) in enumerate(zip(typed, codec.shown_positions(a, b))):
        operand = None if index == split else ("a" if index < split else "b")
        place = None if operand is None else (split - 1 - index if operand == "a" else len(typed) - 1 - index)
        columns.append({"char": char, "operand": operand, "place": place, "position": position})
    return columns


def answer_places(codec: Codec, answer: int | str) -> list[int | None]:
    """Place value of each answer character in reading order (None: padding), for a total or
    for an answer as a network wrote it (reading order, padded).

    Written units digit first, the reading-order answer is right-aligned (" 596"), so the
    places are fixed; written in reading order it is left-aligned ("596 ") and they follow
    the answer's length: a network's wrong length moves its places too ("900 " for 999+1)."""
    if codec.reverse_answer:
        return list(range(codec.answer_length - 1, -1, -1))
    length = len(str(answer).strip())
    return [length - 1 - row if row < length else None for row in range(codec.answer_length)]


def digit_variants(codec: Codec, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
    """Every sum with one digit of ``question_columns`` replaced by each of the other nine, and
    the column each changed. The numbers are rebuilt from the text, so a leading digit set to 0
    just makes a shorter number ("535" -> "035" = 35), and a leading zero set to 1 a longer one
    ("007" -> "107"): the same sums in place-value terms."""
    typed = codec.shown_question(a, b)
    pairs, columns = [], []
    for index, char in enumerate(typed):
        if char == PLUS:
            continue
        for digit in "0123456789":
            if digit != char:
                left, right = (typed[:index] + digit + typed[index + 1 :]).split(PLUS)
                pairs.append((int(left), int(right)))
                columns.append(index)
    return np.array(pairs, dtype=np.int64), np.array(columns)


def look(model, codec: Codec, a: int, b: int) -> Look:
    """Run the question and all its digit variants through the network in one batch."""
    codec.question_string(a, b)  # Range check, ValueError in words.
    traced = reader(model, codec)
    variants, variant_columns = digit_variants(codec, a, b)
    copies = np.repeat([(a, b)], codec.answer_length, axis=0)  # One per answer position's gradient.
    encoder, decoders, logits, gradients = traced.look(codec.encode_questions(np.concatenate([copies, variants])))
    logits = logits.numpy()
    return Look(
        a,
        b,
        variants,
        variant_columns,
        logits[0],
        logits[len(copies) :].argmax(axis=-1),
        encoder.numpy()[0],
        [layer.numpy()[0] for layer in decoders],
        gradients.numpy(),
    )


def counterfactual(base_answer: str, variant_answers: list[str], variant_columns, columns) -> np.ndarray:
    """(answer characters, typed columns): the fraction of a column's variants whose answer
    character at each reading-order position differs from ``base_answer``; NaN for the +.
    Every answer has ``base_answer``'s length (padded)."""
    base = np.array(list(base_answer))
    changed = np.array([list(answer) for answer in variant_answers]) != base  # (m, answer characters)
    grid = np.full((len(base), len(columns)), np.nan)
    for index in set(variant_columns.tolist()):
        grid[:, index] = changed[variant_columns == index].mean(axis=0)
    return grid


def model_counterfactual(codec: Codec, seen: Look) -> np.ndarray:
    answers = codec.decode_answers(seen.variant_answers)
    base = codec.decode_answers(seen.logits.argmax(axis=-1)[None])[0]
    return counterfactual(base, answers, seen.variant_columns, question_columns(codec, seen.a, seen.b))


def oracle_counterfactual(codec: Codec, a: int, b: int) -> np.ndarray:
    """The counterfactual grid of exact addition: what a perfect model's grid is."""
    variants, variant_columns = digit_variants(codec, a, b)
    answers = [codec.answer_string(int(x + y)) for x, y in variants]
    return counterfactual(codec.answer_string(a + b), answers, variant_columns, question_columns(codec, a, b))


def attribution(codec: Codec, seen: Look) -> np.ndarray:
    """(answer_length, typed columns), reading-order rows: |gradient x input| of each row's
    chosen logit at each typed character, normalised so each row's largest is 1.

    Gradient x input, not integrated gradients: with a one-hot input it is the gradient at the
    character actually typed, one backward pass with the rest of the batch, and exactly what
    finite differences of the logits check (tests/library/test_inside.py). It is local: a saturated
    gate can hide a dependence that the counterfactual grid, beside it, shows."""
    typed = codec.question_indices([(seen.a, seen.b)])[0]  # (question_length,), model order.
    columns = question_columns(codec, seen.a, seen.b)
    positions = np.array([column["position"] for column in columns])
    grid = np.abs(seen.gradients[:, positions, typed[positions]])  # (answer_length, typed), writing order.
    grid = codec.in_reading_order(grid)
    peaks = grid.max(axis=1, keepdims=True)
    return np.divide(grid, peaks, out=np.zeros_like(grid), where=peaks > 0)


TOP_CARRY_UNITS = 4  # Carry units drawn for the chosen sum: a few, to read at a glance.
DECIMALS = 4  # Rounding of the JSON's numbers: far finer than any shading.
# A cell disagrees when the network depends on a digit that addition does not (or not on one
# it does), or when their frequencies differ by more than half the variants.
DISAGREEMENT = 0.5


def disagreement(model_grid: np.ndarray, oracle_grid: np.ndarray) -> np.ndarray:
    """Boolean grid: where the network's counterfactual is not addition's (never at the +)."""
    varied = ~np.isnan(oracle_grid)
    model_grid, oracle_grid = np.nan_to_num(model_grid), np.nan_to_num(oracle_grid)
    return varied & (((model_grid > 0) != (oracle_grid > 0)) | (np.abs(model_grid - oracle_grid) > DISAGREEMENT))


def explain(
    model,
    codec: Codec,
    question: str,
    carry_units: CarryUnits | None = None,
    probe: Probe | None = None,
    top_units: int = TOP_CARRY_UNITS,
) -> dict:
    """Everything the tab shows for one typed sum, as JSON-ready data (see docs/lab-notebook.md, "Inside the network").

    Grids are {"rows", "columns", "values"}, rows the answer characters (in the network's grids
    the ones it wrote, in addition's the true ones) and columns the typed question's, both in
    reading order; states are units x steps in time order. ``carry_units``
    and ``probe`` are the caller's cached ``rank_carry_units`` and ``train_probe`` results;
    without them those parts are empty. Raises ``ValueError`` (in words) for a bad question."""
    a, b = codec.parse_question(question)
    seen = look(model, codec, a, b)
    total, labels = a + b, _Labels.of(codec, a, b)
    written = codec.decode(seen.logits.argmax(axis=-1)[None])[0]  # Writing order.
    model_grid, oracle_grid = model_counterfactual(codec, seen), oracle_counterfactual(codec, a, b)
    grid = labels.grid

    def states(layer_name, steps, values):  # values: (steps, units) -> units x steps.
        return {"layer": layer_name, "steps": list(steps), "values": rounded(values.T).tolist()}

    decoder_names = [f"decoder_{index}" for index in range(len(seen.decoder_states))]
    answer = codec.in_reading_order(written)  # What the network wrote, padded, in reading order.
    return {
        "question": f"{a}+{b}",
        "a": a,
        "b": b,
        "true_answer": total,
        "model_answer": answer.strip(),
        "correct": answer == "".join(labels.rows),
        **labels.places(answer),
        "grids": {
            "counterfactual": grid(rounded(model_grid), answer),
            "oracle": grid(rounded(oracle_grid)),
            "attribution": grid(rounded(attribution(codec, seen)), answer),
            "disagreement": grid(disagreement(model_grid, oracle_grid)),
        },
        "states": {
            "encoder": states("encoder", codec.question_string(a, b), seen.encoder_states),
            "decoder": [
                {**states(name, written, layer), "order": unit_order(carry_units, index, layer.shape[1])}
                for index, (name, layer) in enumerate(zip(decoder_names, seen.decoder_states))
            ],
        },
        "carry_units": strongest_units(carry_units, decoder_names, seen.decoder_states, top_units),
        # Per decoder step (writing order): whether a carry comes into the place it writes.
        "carries_in": carries_in(codec, a, b),
        "probe": None
        if probe is None
        else {
            "places": [place_name(place) for place in probe.places],
            "accuracy": probe.accuracy,
            "baseline": probe.baseline,
            "test_questions": probe.test_count,
        },
    }


def strongest_units(carry_units: CarryUnits | None, names: list[str], states, top: int) -> list[dict]:
    """The ``top`` units that follow the carry most closely (none without a ranking), JSON-ready:
    each one's layer (by ``names``), index, correlation and its state through one sum
    (``states[layer]``: steps x units)."""
    if carry_units is None:
        return []
    ranked = list(zip(carry_units.layers, carry_units.units, carry_units.correlations))[:top]
    return [
        {
            "layer": names[layer],
            "unit": unit,
            "correlation": round(correlation, DECIMALS),
            "values": rounded(states[layer][:, unit]).tolist(),
        }
        for layer, unit, correlation in ranked
    ]


def carries_in(codec: Codec, a: int, b: int) -> list[bool | None]:
    """For each answer step in the order the decoder writes: whether the place it writes gets a
    carry from the place below (None for padding)."""
    places = codec.in_reading_order(answer_places(codec, a + b))  # Reading order back to writing order.
    return [None if place is None else place > 0 and a % 10**place + b % 10**place >= 10**place for place in places]


def unit_order(carry_units: CarryUnits | None, layer: int, units: int) -> list[int]:
    """A decoder layer's units, those that follow the carry most closely first (index order
    without a ranking)."""
    if carry_units is None:
        return list(range(units))
    return [unit for owner, unit in zip(carry_units.layers, carry_units.units) if owner == layer]


def labelled_grid(values: np.ndarray, rows: list, columns: list[dict]) -> dict:
    """A grid as JSON: rows and columns labelled by character, NaN (the +, never varied) as null."""
    cells = [[None if isinstance(v, float) and np.isnan(v) else v for v in row] for row in values.tolist()]
    return {"rows": rows, "columns": [column["char"] for column in columns], "values": cells}


def dependency_grids(predictor, a: int, b: int) -> dict:
    """The counterfactual grid of a ``Predictor`` (or anything with its ``codec`` and
    ``answers(pairs)``, reading-order answer strings) for the sum a+b beside addition's, labelled
    as ``explain`` labels them: one forward pass, cheap enough to redraw after every epoch of a
    training. ``column_inside.dependency_grids`` is the same for the column network."""
    codec = predictor.codec
    variants, variant_columns = digit_variants(codec, a, b)
    written = predictor.answers(np.concatenate([[(a, b)], variants]))
    labels = _Labels.of(codec, a, b)
    model_grid = counterfactual(written[0], written[1:], variant_columns, labels.columns)
    oracle_grid = oracle_counterfactual(codec, a, b)
    return {
        "question": f"{a}+{b}",
        **labels.places(written[0]),
        "grids": {
            "counterfactual": labels.grid(rounded(model_grid), written[0]),
            "oracle": labels.grid(rounded(oracle_grid)),
            "disagreement": labels.grid(disagreement(model_grid, oracle_grid)),
        },
    }


@dataclass
class _Labels:
    """How a sum's grids are labelled: rows the answer's characters, columns the question's
    (both in reading order), and the place value of each. A network's grid is labelled with the
    characters it wrote: where it is wrong, its row for a place is not the true digit's."""

    codec: Codec
    total: int
    rows: list
    columns: list

    @classmethod
    def of(cls, codec: Codec, a: int, b: int) -> "_Labels":
        return cls(codec, a + b, list(codec.answer_string(a + b)), question_columns(codec, a, b))

    def grid(self, values: np.ndarray, written: str | None = None) -> dict:
        return labelled_grid(values, self.rows if written is None else list(written), self.columns)

    def places(self, written: str) -> dict:
        """The places of addition's rows, of the network's (``written``, reading order) and of the columns."""
        return {
            "answer_places": [place_name(place) for place in answer_places(self.codec, self.total)],
            "model_answer_places": [place_name(place) for place in answer_places(self.codec, written)],
            "question_places": [
                None if column["place"] is None else place_name(column["place"]) for column in self.columns
            ],
        }


def rounded(values) -> np.ndarray:
    """float64 before rounding: a float32 0.3277 would print as 0.3276999890804291."""
    return np.round(np.asarray(values, dtype=np.float64), DECIMALS)
