"""What the How it learns tab shows: mistakes by carries and by lengths, the training curves, the
models side by side, the mistakes gallery, the lesson of lengths. Pure functions of a loaded model,
no Gradio (as views.py)."""

from __future__ import annotations

import re

import numpy as np

from addition.config import digits_label
from addition.loading import LoadedModel

from .views import describe_rate, true_sums


def difficulty_tables(loaded: LoadedModel):
    """Validation whole answers by number of carries and by operand lengths, as stored in the
    folder when training ended: two DataFrames of (group, questions, accuracy %, wrong per 10,000).
    Mistakes, not accuracy, make the bar chart: at 99.9% every bar of an accuracy chart is full."""
    import pandas as pd

    metrics = loaded.info.get("metrics", {})
    validation = metrics.get("validation", {})

    def frame(groups, column):
        rows = [
            [group, row["count"], round(100 * row["exact_match"], 3), round(10_000 * (1 - row["exact_match"]), 1)]
            for group, row in groups.items()
        ]
        return pd.DataFrame(rows, columns=[column, "questions", "accuracy %", "wrong per 10,000"])

    if loaded.architecture == "column":  # Held out by operand length, not by carries.
        return frame({}, "carries"), frame(metrics.get("exact_match_by_length", {}), "operand lengths")
    return frame(validation.get("by_carries", {}), "carries"), frame(
        validation.get("by_lengths", {}), "operand lengths"
    )


def training_curves(loaded: LoadedModel):
    """A saved model's per-epoch metrics as two line plots' data (``curves``)."""
    return curves(loaded.history, max((record["epoch"] for record in loaded.history), default=1))


def curves(history: list[dict], last_epoch: int):
    """Per-epoch records in long form (epoch, metric, value) for two line plots: whole answers
    right in percent, and the loss; the epoch axis laid out up to ``last_epoch``."""
    import pandas as pd

    # Whole answers only, two short names: four series' legend does not fit a phone's chart
    # (characters right are in the model panel and the status line).
    names = {"exact_match": "train (sample)", "val_exact_match": "held out"}
    accuracy = [
        {"epoch": epoch_label(record["epoch"], last_epoch), "metric": label, "accuracy %": round(100 * record[key], 3)}
        for record in history
        for key, label in names.items()
        if record.get(key) is not None and "exact_match_by_length" not in record
    ]
    # The column network: one line per length checked, the training lengths' and longer ones.
    accuracy += [
        {
            "epoch": epoch_label(record["epoch"], last_epoch),
            "metric": digits_label(length),
            "accuracy %": round(100 * share, 3),
        }
        for record in history
        for length, share in record.get("exact_match_by_length", {}).items()
    ]
    losses = [
        {"epoch": epoch_label(record["epoch"], last_epoch), "metric": label, "loss": record[key]}
        for record in history
        for key, label in (("loss", "train"), ("val_loss", "held out"))
        if record.get(key) is not None
    ]
    return (
        pd.DataFrame(accuracy, columns=["epoch", "metric", "accuracy %"]),
        pd.DataFrame(losses, columns=["epoch", "metric", "loss"]),
    )


def one_epoch_note(accuracy, loss) -> str:
    """The curves' values in words when they hold a single epoch (``curves``): a line needs two
    points, so a network after one epoch draws none. Empty otherwise."""
    if accuracy is None or accuracy.empty or accuracy["epoch"].nunique() != 1:
        return ""

    def values(frame, column: str, unit: str = "") -> str:
        return ", ".join(f"{metric} {round(value, 3):g}{unit}" for metric, value in zip(frame["metric"], frame[column]))

    return (
        f"After epoch {accuracy['epoch'].iloc[0].strip()} (one point per line, too few to draw one): whole "
        f"answers right {values(accuracy, 'accuracy %', '%')}; loss {values(loss, 'loss')}."
    )


def compare_models(infos: list[tuple[str, dict]]):
    """One row per model, from the metrics stored when each finished training: how accuracy
    changes with the number of digits. Mistakes on random sums are counted in words ("all
    200,000 right", "1 wrong of 200,000"): on a bar chart 0, 1 and 100 per million all look alike."""
    import pandas as pd

    rows = []
    for label, info in infos:
        metrics = info.get("metrics", {})
        validation, whole = metrics.get("validation", {}), metrics.get("whole_space_sample", {})
        if not validation:
            continue
        settings = info.get("training", {})
        random_sums = describe_rate(whole["exact_match"], whole["count"]) if whole.get("count") else None
        questions = trained_on(settings, metrics)
        if "sums_per_epoch" in settings:  # The column network: checked one length at a time.
            random_sums = single_length_sums(metrics.get("exact_match_by_length", {}))
        rows.append(
            [
                label,
                None if questions is None else f"{questions:,}",  # A separator, as in the other columns' counts.
                training_time(metrics.get("training_seconds")),
                describe_rate(validation["exact_match"], validation["count"]),
                round(100 * validation["per_character"], 3),
                random_sums,
            ]
        )
    return pd.DataFrame(
        rows, columns=["model", "trained on", "training", "held-out questions", "characters %", "random sums"]
    )


def trained_on(settings: dict, metrics: dict) -> int | None:
    """How many questions a network was trained on: its one set, or, drawn afresh each epoch (the
    column network, and a keras-io run with fresh questions), each epoch's times the epochs run
    (unknown: None, not guessed)."""
    per_epoch = settings.get("sums_per_epoch")
    if per_epoch is None and settings.get("fresh_questions") is True:
        per_epoch = settings.get("training_size")
    if per_epoch is None:
        return settings.get("training_size")
    runs = metrics.get("epochs_run")  # Checked by the folder's loader.
    return None if runs is None else per_epoch * runs


def training_time(seconds) -> str | None:
    """A training's length as a reader says it: "4.2 s", "37 s", "12.5 min" (None unknown)."""
    if seconds is None:  # A folder's loader checks that any it records is a number of seconds.
        return None
    if seconds < 10:
        return f"{seconds:.1f} s"
    return f"{seconds:.0f} s" if seconds < 100 else f"{seconds / 60:.1f} min"


def single_length_sums(by_length: dict) -> str | None:
    """A column network's held-out random sums at the single lengths it was checked at, in words:
    "all 400 right at 10, 30, 100 and 1,000 digits"; its training range's row ("1-20") is left out."""
    lengths = {
        int(label): row
        for label, row in by_length.items()
        if re.fullmatch(r"[1-9][0-9]*", str(label)) and row["count"] > 0
    }
    if not lengths:
        return None
    count = sum(row["count"] for row in lengths.values())
    right = sum(row["exact_match"] * row["count"] for row in lengths.values())
    named = [f"{length:,}" for length in sorted(lengths)]
    at = named[0] if len(named) == 1 else f"{', '.join(named[:-1])} and {named[-1]}"
    return f"{describe_rate(right / count, count)} at {at} digits"


def carries_note(by_carries) -> str:
    """A sentence in place of the carries chart when there is no mistake to draw."""
    if len(by_carries) and (by_carries["wrong per 10,000"] > 0).any():
        return ""
    count = int(by_carries["questions"].sum()) if len(by_carries) else 0
    return f"**No mistakes** on any of the {count:,} held-out questions, whatever the number of carries."


def epoch_label(epoch: int, last: int) -> str:
    """An epoch as a chart's category, right-aligned with spaces so that categories sort in
    number order: each epoch is then one tick, once (a numeric axis ticks 1, 1.5, 2... as 1 2 2)."""
    return str(epoch).rjust(len(str(last)))


def validation_mistakes(loaded: LoadedModel) -> list[str]:
    """Every held-out question the model gets wrong, as typed sums (one batched pass)."""
    return _mistakes(loaded, loaded.validation_pairs)


# Where a column network's random sums are searched, past its training, and how many of each length.
COLUMN_SEARCH_LENGTHS, COLUMN_SEARCH_SUMS = (10, 30, 100, 1000), 100


def whole_space_mistakes(loaded: LoadedModel, count: int, seed: int = 0) -> tuple[list[str], int]:
    """(the sums the model gets wrong, how many were searched) among ``count`` random sums from the
    whole space, each searched once (draws can repeat a sum, and a count of wrong sums is out of
    distinct ones); for the column network, ``COLUMN_SEARCH_SUMS`` of each of
    ``COLUMN_SEARCH_LENGTHS`` digits. A good model can be perfect on its validation set and still
    have a few blind spots."""

    if loaded.architecture == "column":
        from addition.column_data import random_sums

        rng = np.random.default_rng(seed)
        pairs = list(
            dict.fromkeys(
                pair for length in COLUMN_SEARCH_LENGTHS for pair in random_sums(rng, length, COLUMN_SEARCH_SUMS)
            )
        )
    else:
        from addition.data import sample_whole_space

        pairs = np.unique(sample_whole_space(loaded.codec.digits, count, seed), axis=0)
    return _mistakes(loaded, pairs), len(pairs)


def short_sum_mistakes(loaded: LoadedModel) -> list[str]:
    """Every sum of two numbers below 100 (the ones people type first) that the model gets wrong."""
    from addition.data import all_short_sums

    return _mistakes(loaded, all_short_sums(loaded.codec.digits))


def _mistakes(loaded: LoadedModel, pairs) -> list[str]:
    """The sums of ``pairs`` the model gets wrong, against Python's addition, shortest first."""
    pairs = pairs.tolist() if hasattr(pairs, "tolist") else list(pairs)
    answers = loaded.predictor.answers(pairs)
    wrong = {
        f"{a}+{b}" for (a, b), answer, true in zip(pairs, answers, true_sums(pairs)) if answer.strip() != str(true)
    }
    return sorted(wrong, key=lambda question: (len(question), question))


# Sums listed from each place in the gallery's menu: a network still learning gets tens of
# thousands wrong, and a menu that long stalls the browser for a minute.
GALLERY_PER_SOURCE = 50


def mistakes_gallery(
    loaded: LoadedModel, validation_wrong: list[str], short_wrong: list[str], random_wrong: list[str], searched: int
) -> tuple[str, list[tuple[str, str]]]:
    """(the gallery's introduction in Markdown, dropdown choices as (label, sum) pairs).

    Three places to look: the held-out questions, every short sum (where models fail most) and
    ``searched`` random sums from the whole space. A sum found twice is listed once; at most
    ``GALLERY_PER_SOURCE`` from each place, the first found."""
    from addition.data import short_limit

    limit = short_limit(loaded.codec.digits)
    intro = (
        f"### Mistakes gallery\nThe model gets {len(validation_wrong):,} of {len(loaded.validation_pairs):,} "
        f"held-out validation questions wrong, {len(short_wrong):,} of the {limit**2:,} sums of two "
        f"numbers below {limit}, and {len(random_wrong):,} of {searched:,} random sums "
        + ("of 10 to 1,000 digits. " if loaded.architecture == "column" else "from the whole space. ")
    )
    choices, listed = [], set()
    for source, questions in (
        ("validation", validation_wrong),
        ("short sum", short_wrong),
        ("random sum", random_wrong),
    ):
        new = [question for question in questions if question not in listed][:GALLERY_PER_SOURCE]
        listed.update(new)
        choices += [(f"{question} ({source})", question) for question in new]
    if not choices:
        return intro + "It gets every one of them right.", choices
    many = max(len(validation_wrong), len(short_wrong), len(random_wrong)) > GALLERY_PER_SOURCE
    listed_note = f" (the menu lists the first {GALLERY_PER_SOURCE} of each)" if many else ""
    return intro + f"Pick one to see where it hesitated{listed_note}.", choices


LENGTHS = (1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000)  # The lesson's x axis.


SUMS_PER_LENGTH = 20  # Random sums per length: enough to tell right from wrong, cheap at 10,000 digits.


def accuracy_by_length(loaded: LoadedModel, lengths=LENGTHS, count: int = SUMS_PER_LENGTH, seed: int = 0) -> dict:
    """Whole answers right on ``count`` random sums of two n-digit numbers, for each n of
    ``lengths``, against Python's addition; None where the network cannot read numbers that long."""
    from addition.column_data import random_sums

    rng, found = np.random.default_rng(seed), {}
    for length in lengths:
        if loaded.architecture != "column" and length > loaded.codec.digits:
            found[length] = None  # Its question has no room for the digits.
            continue
        pairs = random_sums(rng, length, count)
        if loaded.architecture != "column":
            pairs = [(int(a), int(b)) for a, b in pairs]
        answers = loaded.predictor.answers(pairs)
        found[length] = float(np.mean([answer.strip() == str(true) for answer, true in zip(answers, true_sums(pairs))]))
    return found


def length_label(length: int) -> str:
    """A length as the lesson's x axis names it: "500", "2k", "10k" (short, for a phone's chart)."""
    return f"{length // 1000}k" if length >= 1000 and length % 1000 == 0 else str(length)


def length_chart(curves: list[tuple[str, dict]]):
    """The lesson as a line plot's data: whole answers right (%) by operand length for each
    (name, ``accuracy_by_length``), the lengths as categories spaced like a log scale, and 0 where
    a network cannot read the sum at all."""
    import pandas as pd

    rows = [
        {"digits": length_label(length), "network": name, "whole answers %": round(100 * (accuracy or 0.0), 1)}
        for name, found in curves
        for length, accuracy in found.items()
    ]
    return pd.DataFrame(rows, columns=["digits", "network", "whole answers %"])
