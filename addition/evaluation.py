"""Whole-answer (exact-match) accuracy first, per-character second, and mistakes in plain words."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from .data import count_carries


def score(predictor, pairs) -> dict:
    """Exact-match and per-character accuracy of ``predictor`` on ``pairs``, plus the misses.

    Per-character accuracy is what Keras's ``accuracy`` reports: the share of answer positions
    (padding included) that are right. One wrong digit makes a wrong answer, so exact-match is
    the number a user feels.
    """
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    if len(pairs) == 0:
        raise ValueError("cannot evaluate on an empty set of questions")
    return score_probabilities(predictor.codec, pairs, predictor.probabilities(pairs))


def score_probabilities(codec, pairs, probabilities) -> dict:
    """``score`` from softmax outputs already computed, shape (n, answer_length, vocabulary).

    Also gives the loss Keras would report (mean cross-entropy per answer position), so that
    training needs one forward pass over validation per epoch, not two.
    """
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    predicted = probabilities.argmax(axis=-1)  # (n, answer_length)
    expected = codec.encode_answers(pairs)
    character_right = predicted == expected
    answer_right = character_right.all(axis=1)
    expected_probability = np.take_along_axis(probabilities, expected[..., None], axis=-1)
    loss = -np.log(np.clip(expected_probability, 1e-7, 1.0)).mean()  # Keras clips at 1e-7 too.
    return {
        "count": int(len(pairs)),
        "exact_match": float(answer_right.mean()),
        "per_character": float(character_right.mean()),
        "loss": float(loss),
        "correct": answer_right,
        "answers": predicted,
    }


def evaluate(predictor, pairs, max_mistakes: int = 10, examples_per_kind: int = 3) -> dict:
    """``score`` plus breakdowns by number of carries and by operand lengths, the first
    ``max_mistakes`` mistakes, and every mistake counted by kind (operand lengths and carries),
    the most common kind first, with a few examples each (JSON-ready)."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    result = score(predictor, pairs)
    correct = result.pop("correct")
    answers = predictor.codec.decode_answers(result.pop("answers"))
    by_carries = defaultdict(lambda: [0, 0])
    by_lengths = defaultdict(lambda: [0, 0])
    mistakes, kinds = [], defaultdict(lambda: {"count": 0, "examples": []})
    for (a, b), right, answer in zip(pairs.tolist(), correct.tolist(), answers):
        carries, lengths = count_carries(a, b), f"{len(str(a))}+{len(str(b))}"
        for table, key in ((by_carries, str(carries)), (by_lengths, lengths)):
            table[key][0] += 1
            table[key][1] += right
        if not right:
            mistake = {"a": a, "b": b, "model": answer.strip(), "true": a + b}
            if len(mistakes) < max_mistakes:
                mistakes.append(mistake)
            kind = kinds[f"{lengths} digits, {carries} carr{'y' if carries == 1 else 'ies'}"]
            kind["count"] += 1
            if len(kind["examples"]) < examples_per_kind:
                kind["examples"].append(mistake)
    result["by_carries"] = _rates(by_carries)
    result["by_lengths"] = _rates(by_lengths)
    result["mistakes"] = mistakes
    result["mistake_kinds"] = [
        {"kind": kind, **found} for kind, found in sorted(kinds.items(), key=lambda item: -item[1]["count"])
    ]
    return result


def shown_answer(answer: str) -> str:
    """An answer as people read it: "(nothing)" for an empty one, the same words everywhere."""
    return answer.strip() or "(nothing)"


def describe_mistake(mistake: dict) -> str:
    return f"model says {mistake['a']}+{mistake['b']} = {shown_answer(mistake['model'])}, true {mistake['true']}"


def _rates(table) -> dict:
    return {
        key: {"count": count, "exact_match": right / count}
        for key, (count, right) in sorted(table.items(), key=lambda item: _natural(item[0]))
    }


def _natural(key: str):
    return [int(part) for part in key.split("+")]


def plural(count: int, noun: str) -> str:
    """A count and its noun for a sentence: "1 kind", "2 kinds"."""
    return f"{count} {noun}{'' if count == 1 else 's'}"
