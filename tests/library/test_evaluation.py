"""evaluate.py and addition.evaluation on a model that still makes mistakes (the tiny one), against
Python's addition: every mistake counted by kind, the commonest kind first, examples in words."""

import re

from addition.data import count_carries, whole_space
from addition.evaluation import evaluate
from addition.loading import load_model_folder
from tests.helpers import run_script


def test_mistakes_are_counted_by_kind_over_every_sum_with_a_few_examples_each(tiny_model):
    loaded = load_model_folder(tiny_model[1])
    pairs = whole_space(2)
    report = evaluate(loaded.predictor, pairs, max_mistakes=0, examples_per_kind=2)
    answers = loaded.predictor.answers(pairs)
    wrong = [(a, b) for (a, b), answer in zip(pairs.tolist(), answers) if answer.strip() != str(a + b)]
    assert wrong and report["mistakes"] == []
    expected = {}
    for a, b in wrong:
        carries = count_carries(a, b)
        kind = f"{len(str(a))}+{len(str(b))} digits, {carries} carr{'y' if carries == 1 else 'ies'}"
        expected[kind] = expected.get(kind, 0) + 1
    kinds = report["mistake_kinds"]
    assert {kind["kind"]: kind["count"] for kind in kinds} == expected
    assert [kind["count"] for kind in kinds] == sorted(expected.values(), reverse=True)
    for kind in kinds:
        assert 1 <= len(kind["examples"]) <= 2
        assert all(
            example["true"] == example["a"] + example["b"] != int(example["model"] or -1)
            for example in kind["examples"]
        )


def test_evaluate_prints_the_commonest_kinds_of_mistake_with_examples_in_words(tiny_model, capsys):
    code, out, err = run_script("evaluate", [str(tiny_model[1]), "--kinds", "3"], capsys)
    assert code == 0, err[-2000:]
    lines = out.splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith("mistakes by kind"))
    kinds = lines[start + 1 : start + 4]
    counts = [int(re.search(r": ([\d,]+) wrong, e\.g\. model says", line).group(1).replace(",", "")) for line in kinds]
    assert counts == sorted(counts, reverse=True) and len(counts) == 3
    total = int(re.search(r"the commonest first \((\d+) kinds\)", out).group(1))
    assert total > 4 and f"and {total - 3} more kinds (--kinds)" in out
    code, out, err = run_script("evaluate", [str(tiny_model[1]), "--kinds", str(total - 1)], capsys)
    assert code == 0 and "and 1 more kind (--kinds)" in out  # One, said as one.
    assert "=  ☒" not in out and "= ☒" not in out  # An empty answer is "(nothing)", never a blank.
