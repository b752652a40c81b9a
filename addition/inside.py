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

Over many held-out questions, ``rank_carry_units`` and ``train_probe`` ask where the decoder
keeps the carry into each column. Every function takes a Keras model and its codec (not a
LoadedModel), so a training process can call them on a model still learning: the traced
functions read the model's own variables, never copies.
"""

from __future__ import annotations

import functools
import weakref
from dataclasses import dataclass

import numpy as np

from .codec import PLUS, Codec

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
PROBE_RIDGE = 1.0  # Ridge penalty of the least-squares probe, on standardised states: keeps it stable.
MAX_SURVEY_QUESTIONS = 4_000  # Held-out questions read for carry units and the probe: plenty, and fast.


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


def answer_places(codec: Codec, total: int) -> list[int | None]:
    """Place value of each answer character in reading order (None: padding).

    Written units digit first, the reading-order answer is right-aligned (" 596"), so the
    places are fixed; written in reading order it is left-aligned ("596 ") and they follow
    the answer's length."""
    if codec.reverse_answer:
        return list(range(codec.answer_length - 1, -1, -1))
    length = len(str(total))
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
    traced = _traced(model, codec)
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


def should_depend(codec: Codec, a: int, b: int) -> np.ndarray:
    """Boolean (answer_length, typed columns): the structure of column addition.

    Answer place k depends on the operands' digits in place k, and on the carry into k. That
    carry is decided by the nearest place below k whose digit sum is not 9 (sum >= 10 carries
    whatever comes in, sum <= 8 never does); places summing to 9 in between pass it on. So k
    depends on places k-1 down to that deciding place, and on nothing below it.
    How the oracle relates: a change can only reach place k along this chain, so the oracle
    is non-zero only where this mask is true (for right-aligned answers). The converse fails:
    in 12+30 the units decide the tens' carry, yet no digit put in place of the 2 makes x+0
    carry, so the oracle is 0 there while the mask is true. Written left-aligned (not
    ``reverse_answer``) the answer moves when its length changes; padding rows then get the next
    place up's mask, and the oracle is the exact truth.
    """
    column_sums = [a // 10**place % 10 + b // 10**place % 10 for place in range(codec.answer_length)]
    places = answer_places(codec, a + b)
    length = len(str(a + b))
    mask = np.zeros((codec.answer_length, len(question_columns(codec, a, b))), dtype=bool)
    for row, place in enumerate(places):
        place = length if place is None else place
        chain, below = {place}, place - 1
        while below >= 0:
            chain.add(below)
            if column_sums[below] != 9:
                break
            below -= 1
        for index, column in enumerate(question_columns(codec, a, b)):
            mask[row, index] = column["place"] in chain
    return mask


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


def column_states(model, codec: Codec, pairs) -> tuple[list, np.ndarray, np.ndarray]:
    """For places 1..digits (the carry into the units is always 0): each decoder layer's
    state at the step writing that place, (n, places, units); the carry into it, (n, places);
    and whether a step writes that place at all, (n, places) (left-aligned answers are short)."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    decoders = _traced(model, codec).read(codec.encode_questions(pairs))  # Per layer (n, answer, units).
    places = np.arange(1, codec.digits + 1)
    scale = 10**places
    carries = (pairs[:, :1] % scale + pairs[:, 1:] % scale >= scale).astype(np.float64)
    if codec.reverse_answer:
        steps, written = np.broadcast_to(places, carries.shape), np.ones(carries.shape, dtype=bool)
    else:
        lengths = np.array([len(str(total)) for total in pairs.sum(axis=1)])[:, None]
        steps, written = np.maximum(lengths - 1 - places, 0), places < lengths
    rows = np.arange(len(pairs))[:, None]
    return [layer.numpy()[rows, steps] for layer in decoders], carries, written


@dataclass
class CarryUnits:
    """Decoder units ordered by |Pearson correlation| with the carry, strongest first."""

    layers: list  # Decoder layer index of each unit.
    units: list
    correlations: list  # Signed.


def rank_carry_units(model, codec: Codec, pairs, max_questions: int = MAX_SURVEY_QUESTIONS) -> CarryUnits:
    """Pool (question, place) samples over the places whose carry varies among ``pairs``, and
    correlate every decoder unit's state at the writing step with the carry into that place."""
    states, carries, written = column_states(model, codec, np.asarray(pairs)[:max_questions])
    varying = [place for place in range(carries.shape[1]) if np.ptp(carries[written[:, place], place]) > 0]
    if not varying:
        raise ValueError("the carry never varies among these questions: nothing to correlate")
    keep = written[:, varying]
    return ranked_units([layer_states[:, varying][keep] for layer_states in states], carries[:, varying][keep])


def ranked_units(pooled_states: list, target: np.ndarray) -> CarryUnits:
    """Every unit of every layer (``pooled_states``: per layer (samples, units)) ordered by the
    |Pearson correlation| of its state with ``target`` (samples,), strongest first."""
    found = []
    for layer, pooled in enumerate(pooled_states):
        centred, centred_target = pooled - pooled.mean(axis=0), target - target.mean()
        spread = np.sqrt((centred**2).sum(axis=0) * (centred_target**2).sum())
        correlation = np.divide(centred_target @ centred, spread, out=np.zeros(pooled.shape[1]), where=spread > 0)
        found += [(layer, unit, float(value)) for unit, value in enumerate(correlation)]
    found.sort(key=lambda item: -abs(item[2]))
    return CarryUnits(*(list(column) for column in zip(*found)))


@dataclass
class Probe:
    """A linear read-out of the carry into each place, scored on questions it never saw."""

    places: list  # Place values probed (those whose carry varies).
    accuracy: list
    baseline: list  # Always guessing the training questions' more common carry.
    test_count: int


def train_probe(
    model, codec: Codec, pairs, seed: int = 0, max_questions: int = MAX_SURVEY_QUESTIONS, layer: int = -1
) -> Probe:
    """Ridge least squares (targets +-1, standardised states) per place, from the state of
    decoder ``layer`` at the step writing it; half the questions train, half score. Seeded
    and closed-form, so deterministic; cheap enough to compute once per model and cache."""
    pairs = np.asarray(pairs, dtype=np.int64)[:max_questions]
    states, carries, written = column_states(model, codec, pairs)
    order = np.random.default_rng(seed).permutation(len(pairs))
    train, test = order[: len(order) // 2], order[len(order) // 2 :]
    places, accuracy, baseline = [], [], []
    for place in range(carries.shape[1]):
        fit, score = train[written[train, place]], test[written[test, place]]
        if len(score) == 0 or np.ptp(carries[fit, place]) == 0:
            continue
        right, guessed = probe_accuracy(states[layer][:, place], carries[:, place], fit, score)
        places.append(place + 1)
        accuracy.append(right)
        baseline.append(guessed)
    return Probe(places, accuracy, baseline, len(test))


def probe_accuracy(features: np.ndarray, carries: np.ndarray, fit, score) -> tuple[float, float]:
    """Ridge least squares from ``features`` (samples, units) to the carry (0 or 1, as targets
    +-1, on standardised features), fitted on the samples ``fit`` and scored on ``score``: (its
    accuracy, that of always guessing the fitted samples' more common carry)."""
    labels = 2 * carries - 1
    mean, spread = features[fit].mean(axis=0), features[fit].std(axis=0) + 1e-6  # No division by 0.
    design = np.hstack([(features - mean) / spread, np.ones((len(features), 1))])
    gram = design[fit].T @ design[fit] + PROBE_RIDGE * np.eye(design.shape[1])
    weights = np.linalg.solve(gram, design[fit].T @ labels[fit])
    majority = 1.0 if labels[fit].mean() > 0 else -1.0
    return float(np.mean(np.sign(design[score] @ weights) == labels[score])), float(np.mean(labels[score] == majority))


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

    Grids are {"rows", "columns", "values"}, rows the answer characters and columns the typed
    question's, both in reading order; states are units x steps in time order. ``carry_units``
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
    drawn = []
    if carry_units is not None:
        for layer, unit, correlation in list(zip(carry_units.layers, carry_units.units, carry_units.correlations))[
            :top_units
        ]:
            drawn.append(
                {
                    "layer": decoder_names[layer],
                    "unit": unit,
                    "correlation": round(correlation, DECIMALS),
                    "values": rounded(seen.decoder_states[layer][:, unit]).tolist(),
                }
            )
    return {
        "question": f"{a}+{b}",
        "a": a,
        "b": b,
        "true_answer": total,
        "model_answer": codec.in_reading_order(written).strip(),
        "correct": codec.in_reading_order(written) == "".join(labels.rows),
        **labels.places(),
        "grids": {
            "counterfactual": grid(rounded(model_grid)),
            "oracle": grid(rounded(oracle_grid)),
            "attribution": grid(rounded(attribution(codec, seen))),
            "disagreement": grid(disagreement(model_grid, oracle_grid)),
        },
        "states": {
            "encoder": states("encoder", codec.question_string(a, b), seen.encoder_states),
            "decoder": [
                {**states(name, written, layer), "order": unit_order(carry_units, index, layer.shape[1])}
                for index, (name, layer) in enumerate(zip(decoder_names, seen.decoder_states))
            ],
        },
        "carry_units": drawn,
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


def dependency_grids(answers, codec: Codec, a: int, b: int) -> dict:
    """The counterfactual grid of any way of answering (``answers(pairs)``: reading-order answer
    strings, such as ``Predictor.answers``) beside addition's, labelled as ``explain`` labels
    them: one forward pass, cheap enough to redraw after every epoch of a training."""
    variants, variant_columns = digit_variants(codec, a, b)
    written = answers(np.concatenate([[(a, b)], variants]))
    labels = _Labels.of(codec, a, b)
    model_grid = counterfactual(written[0], written[1:], variant_columns, labels.columns)
    oracle_grid = oracle_counterfactual(codec, a, b)
    return {
        "question": f"{a}+{b}",
        **labels.places(),
        "grids": {
            "counterfactual": labels.grid(rounded(model_grid)),
            "oracle": labels.grid(rounded(oracle_grid)),
            "disagreement": labels.grid(disagreement(model_grid, oracle_grid)),
        },
    }


@dataclass
class _Labels:
    """How a sum's grids are labelled: rows the answer's characters, columns the question's
    (both in reading order), and the place value of each."""

    codec: Codec
    total: int
    rows: list
    columns: list

    @classmethod
    def of(cls, codec: Codec, a: int, b: int) -> "_Labels":
        return cls(codec, a + b, list(codec.answer_string(a + b)), question_columns(codec, a, b))

    def grid(self, values: np.ndarray) -> dict:
        return labelled_grid(values, self.rows, self.columns)

    def places(self) -> dict:
        return {
            "answer_places": [place_name(place) for place in answer_places(self.codec, self.total)],
            "question_places": [
                None if column["place"] is None else place_name(column["place"]) for column in self.columns
            ],
        }


def rounded(values) -> np.ndarray:
    """float64 before rounding: a float32 0.3277 would print as 0.3276999890804291."""
    return np.round(np.asarray(values, dtype=np.float64), DECIMALS)


# The traced network, once per model (kept while the model lives), as Predictor keeps its forward
# pass; and, as there, one trace per architecture, which each call gives the model's own variables.
_TRACES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


@dataclass
class _Traced:
    look: object  # one-hot (n, Q, V) -> encoder steps, decoder layers, logits, gradients of the first A.
    read: object  # one-hot (n, Q, V) -> decoder layers' sequences.


def _traced(model, codec: Codec) -> _Traced:
    if model not in _TRACES:
        import tensorflow as tf

        from .predictor import shared_by_architecture

        lengths = (codec.question_length, codec.answer_length, codec.vocabulary_size)
        shared = shared_by_architecture(model, ("inside", *lengths), lambda template: _trace(template, codec))
        variables = [variable.value for variable in model.variables]  # Read as they are at each call.
        questions = tf.TensorSpec((None, codec.question_length, codec.vocabulary_size), tf.float32)

        def bound(function):  # Its traced function for this model's variables, made at the first call.
            traced = functools.cache(lambda: function.get_concrete_function(variables, questions))
            return lambda one_hot: traced()(variables, one_hot)

        _TRACES[model] = _Traced(look=bound(shared.look), read=bound(shared.read))
    return _TRACES[model]


def _trace(model, codec: Codec) -> _Traced:
    """``look`` and ``read`` of ``model``'s architecture, each taking a model's variables (in
    ``model.variables`` order) before the questions: Keras reads them in place of ``model``'s own."""
    import keras
    import tensorflow as tf
    from keras import layers, ops

    chain = model.layers
    recurrent = [layer for layer in chain[1:-1] if isinstance(layer, layers.RNN)]
    shaped = (
        len(chain) >= 5
        and isinstance(chain[2], layers.RepeatVector)
        and isinstance(chain[-1], layers.Dense)
        and recurrent == [chain[1], *chain[3:-1]]
        and not any(layer.go_backwards for layer in recurrent)
    )
    if (
        not shaped
        or tuple(model.input_shape[1:]) != (codec.question_length, codec.vocabulary_size)
        or chain[2].n != codec.answer_length
    ):
        raise ValueError("this reads only the networks addition.model.build_model makes, for this codec")
    _, encoder, repeat, *decoders, answer = chain
    sizes = encoder.cell.state_size if isinstance(encoder.cell.state_size, (list, tuple)) else [encoder.cell.state_size]

    def run(questions):
        state = [tf.zeros((tf.shape(questions)[0], size)) for size in sizes]
        steps = []
        for t in range(codec.question_length):  # Stepping the cell: every step's state, same weights.
            hidden, state = encoder.cell(questions[:, t], state, training=False)
            steps.append(hidden)
        sequence, outputs = repeat(steps[-1]), []
        for layer in decoders:
            sequence = layer(sequence, training=False)
            outputs.append(sequence)
        logits = ops.matmul(sequence, answer.kernel) + answer.bias  # Pre-softmax.
        return tf.stack(steps, axis=1), outputs, logits

    def look_and_differentiate(questions):
        with tf.GradientTape() as tape:
            tape.watch(questions)
            steps, outputs, logits = run(questions)
            copies = logits[: codec.answer_length]  # Copy i is differentiated at its step i.
            objective = tf.reduce_sum(tf.linalg.diag_part(tf.reduce_max(copies, axis=-1)))
        return steps, outputs, logits, tape.gradient(objective, questions)[: codec.answer_length]

    template = model.variables

    def with_weights(function):
        def weighed(variables, questions):
            with keras.StatelessScope(state_mapping=list(zip(template, variables, strict=True))):
                return function(questions)

        return tf.function(weighed)

    return _Traced(look=with_weights(look_and_differentiate), read=with_weights(lambda questions: run(questions)[1]))
