"""Where a keras-io network keeps the carry, over many held-out questions: each decoder unit
ranked by how closely its state follows the carry into the place being written, and a linear
probe that reads the carry into each place from a layer's whole state, beside always guessing.
``addition.inside.explain`` draws the strongest units for one sum."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .codec import Codec
from .network_reader import reader

PROBE_RIDGE = 1.0  # Ridge penalty of the least-squares probe, on standardised states: keeps it stable.
MAX_SURVEY_QUESTIONS = 4_000  # Held-out questions read for carry units and the probe: plenty, and fast.


def place_states(model, codec: Codec, pairs) -> tuple[list, np.ndarray, np.ndarray]:
    """For places 1..digits (the carry into the units is always 0): each decoder layer's
    state at the step writing that place, (n, places, units); the carry into it, (n, places);
    and whether a step writes that place at all, (n, places) (left-aligned answers are short)."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    decoders = reader(model, codec).read(codec.encode_questions(pairs))  # Per layer (n, answer, units).
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
    states, carries, written = place_states(model, codec, np.asarray(pairs)[:max_questions])
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
    states, carries, written = place_states(model, codec, pairs)
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
