"""What the app shows, as pure functions of a loaded model and the user's input.

No Gradio here: the tabs wire these to components and turn ``ValueError`` into ``gr.Error``,
so every view is testable without a browser.
"""

from __future__ import annotations

import html

import numpy as np

from addition import CHECK, CROSS
from addition.config import CELLS
from addition.evaluation import shown_answer
from addition.loading import LoadedModel
from addition.model import count_parameters

MAX_SAMPLES = 100
TABLE_DIGITS = 5  # A sample table's long number shows this many digits at each end.
SAMPLE_HEADERS = ["question", "true answer", "model answer", "correct"]


SHORT_ANSWER = 30  # Digits of an answer shown in the heading itself; a longer one wraps beneath it.


def answer_question(loaded: LoadedModel, question: str) -> tuple[str, str, dict]:
    """(answer in Markdown, per-position probability table in HTML, details for API users)."""
    if loaded.architecture == "column":
        return answer_long_sum(loaded, question)
    codec = loaded.codec
    a, b = codec.parse_question(question)
    # (answer_length, vocabulary), rows in reading order whichever way the model writes.
    probabilities = codec.in_reading_order(loaded.predictor.probabilities([(a, b)])[0])
    model_answer = codec.decode(probabilities.argmax(axis=-1)[None])[0]
    true_answer = codec.answer_string(a + b)
    correct = model_answer == true_answer
    # The decoder writes every position from the same encoder summary, independently of the
    # other positions, so the product is the model's probability of this exact answer.
    confidence = float(np.prod(probabilities.max(axis=-1)))
    mark = CHECK if correct else CROSS
    summary = (
        f"### {a} + {b} = {shown_answer(model_answer)} {mark}\n"
        f"True sum: **{a + b}** · the model is **{confidence:.1%}** sure of its whole answer"
    )
    details = {
        "question": f"{a}+{b}",
        "a": a,
        "b": b,
        "model_answer": model_answer.strip(),
        "true_answer": a + b,
        "correct": correct,
        "confidence": round(confidence, 6),
        # One row per answer position in reading order, one column per vocabulary character.
        "probabilities": [[round(float(p), 6) for p in row] for row in probabilities],
        "vocabulary": codec.vocabulary,
    }
    return summary, probability_table(codec.vocabulary, probabilities, true_answer), details


def answer_long_sum(loaded: LoadedModel, question: str) -> tuple[str, str, dict]:
    """``answer_question`` for the column network: any length up to its codec's, numbers as digit
    strings in the details (JSON numbers lose the digits of long ones), the mark and the true sum
    on top, the answer wrapped beneath when it is long, and the table scrolling."""
    from addition.column import describe_answer

    a, b = loaded.codec.parse_question(question)
    details = describe_answer(loaded.predictor, a, b)
    answer, true_answer = details["model_answer"], details["true_answer"]
    mark = CHECK if details["correct"] else CROSS
    confidence = f"the model is **{details['confidence']:.1%}** sure of its whole answer"
    if len(true_answer) <= SHORT_ANSWER:
        summary = f"### {a} + {b} = {answer} {mark}\nTrue sum: **{true_answer}** · {confidence}"
    else:
        verdict = "the true sum" if details["correct"] else f"wrong (the true sum has {len(true_answer):,} digits)"
        summary = (
            f"### {mark} A {len(details['a']):,}-digit number plus a {len(details['b']):,}-digit one: the "
            f"network's {len(answer):,}-digit answer is {verdict}\n{confidence}\n\n"
            f'<div class="long-number">{answer}</div>'
        )
    details = {"question": f"{details['a']}+{details['b']}", **details, "vocabulary": loaded.codec.vocabulary}
    rows = np.asarray(details["probabilities"])
    table = probability_table(loaded.codec.vocabulary, rows, true_answer.rjust(len(rows), "0"), long=True)
    return summary, table, details


def probability_table(vocabulary: str, probabilities: np.ndarray, true_answer: str, long: bool = False) -> str:
    """A heat map: one row per answer position, one column per character; the model's choice
    outlined in solid, the right character (where different) in dashes."""
    header = "".join(f"<th>{_char_label(char)}</th>" for char in vocabulary)
    rows = []
    for position, row in enumerate(probabilities):
        chosen = int(row.argmax())
        cells = []
        for index, p in enumerate(row):
            classes = ["chosen"] if index == chosen else []
            if vocabulary[index] == true_answer[position] and index != chosen:
                classes.append("truth")
            label = f"{p:.0%}" if p >= 0.005 else ""
            cells.append(
                f'<td class="{" ".join(classes)}" style="background: rgba(249, 115, 22, {p:.3f})" '
                f'title="{_char_label(vocabulary[index])}: {p:.2%}">{label}</td>'
            )
        rows.append(f"<tr><th>{position + 1}</th>{''.join(cells)}</tr>")
    return (
        # The box scrolls sideways on a narrow screen (and down, for a long answer); the page never does.
        f'<div class="table-scroll{" tall" if long else ""}"><table class="digit-probabilities"><thead><tr>'
        f"<th>position</th>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        '<p class="legend">Each row is one character of the answer, written left to right '
        f"({'a leading 0 is the top column, where only a carry writes a 1' if long else '␣ is padding'}). "
        "Solid outline: the model's choice; dashed: the right character where the model chose another.</p>"
    )


def sample_validation(loaded: LoadedModel, count, rng: np.random.Generator) -> tuple[str, list[list]]:
    """``count`` random held-out validation questions: (score line, table rows)."""
    count = _sample_count(count)
    pool = loaded.validation_pairs
    chosen = pool[rng.choice(len(pool), size=min(count, len(pool)), replace=False)].tolist()
    answers = [answer.strip() for answer in loaded.predictor.answers(chosen)]  # In reading order.
    rows, right = [], 0
    for (a, b), answer, true_answer in zip(chosen, answers, true_sums(chosen)):
        correct = answer == str(true_answer)
        right += correct
        rows.append(  # Numbers shortened hard: the ☑/☒ column must stay in view beside them.
            [
                f"{shortened(a, TABLE_DIGITS)}+{shortened(b, TABLE_DIGITS)}",
                shortened(true_answer, TABLE_DIGITS),
                shortened(shown_answer(answer), TABLE_DIGITS),
                CHECK if correct else CROSS,
            ]
        )
    return f"**{right}/{len(rows)} correct** on held-out validation questions", rows


def shortened(number, keep: int = 12):
    """A long number as a table can show it: its first and last digits and how many it has."""
    text = str(number)
    if len(text) <= 2 * keep + 6 or not text.isdigit():
        return number
    return f"{text[:keep]}…{text[-keep:]} ({len(text):,} digits)"


def true_sums(pairs) -> list:
    """Python's own sums of ``pairs``: ints, or digit strings where the operands are digit strings
    (the column network's, which may be longer than Python prints ints)."""
    if pairs and isinstance(pairs[0][0], str):
        from addition.column import python_sums

        return python_sums(pairs)
    return [a + b for a, b in pairs]


def describe_model(loaded: LoadedModel) -> str:
    """The model panel in Markdown: what a learner needs (the network, how it reads and writes,
    how good it is, the command that made it), the full settings folded. Everything read from
    the folder is shown as text (``as_text``): a folder from the Hub is untrusted, and its
    strings are not markup."""
    info, codec = loaded.info, loaded.codec
    metrics, settings = info.get("metrics", {}), info.get("training", {})
    if loaded.architecture == "column":
        return _describe_column_model(loaded, metrics, settings)
    validation = metrics.get("validation", {})
    cell = CELLS.get(settings.get("cell", "lstm"), "?")
    layers = settings.get("num_layers", 1)
    decoder = plural(layers, "decoder layer") if layers > 1 else "a decoder"
    lines = [
        f"**Source:** {as_text(loaded.source)}",
        f"**Network:** {'an' if cell == 'LSTM' else 'a'} {cell} encoder and {decoder} of "
        f"{as_text(settings.get('hidden_size', '?'))} units, {count_parameters(loaded.model):,} parameters",
        f"**Adds:** two whole numbers of up to {codec.digits} digits · reads the question "
        f"{codec.describe_question()} · "
        f"writes the answer {'units digit first' if codec.reverse_answer else 'in reading order'}",
    ]
    if "snapshot_epoch" in info:  # Checked by the loader: a whole number.
        lines.append(
            f"**Still learning:** this is the network after epoch {info['snapshot_epoch']} of its training's "
            f"{as_text(settings.get('epochs', '?'))}, kept to show the mistakes it still makes"
        )
    if validation:
        lines.append(
            f"**Held-out validation ({validation['count']:,} questions):** whole answers "
            f"{validation['exact_match']:.2%} · characters {validation['per_character']:.2%}"
        )
    whole = metrics.get("whole_space_sample")
    if whole:
        scope = "all" if whole.get("exhaustive") else "random"
        lines.append(
            f"**Whole space ({scope} {whole['count']:,} sums):** whole answers "
            f"{describe_rate(whole['exact_match'], whole['count'])}"
        )
    return "\n\n".join(lines + _command_and_settings(info, settings))


def _describe_column_model(loaded: LoadedModel, metrics: dict, settings: dict) -> str:
    cell = CELLS.get(settings.get("cell", "lstm"), "?")
    lengths = ", ".join(
        f"{as_text(length)} digits {row['exact_match']:.0%}"
        for length, row in metrics.get("exact_match_by_length", {}).items()
    )
    lines = [
        f"**Source:** {as_text(loaded.source)}",
        f"**Network:** a column {cell} of {as_text(settings.get('hidden_size', '?'))} units, "
        f"{count_parameters(loaded.model):,} parameters: one step per column, units first, both numbers' digits "
        "together, one answer digit written per step",
        f"**Adds:** two whole numbers of any length (this page takes up to {loaded.codec.digits:,} digits each) · "
        f"trained on numbers of {as_text(settings.get('min_digits', '?'))} to "
        f"{as_text(settings.get('max_digits', '?'))} digits",
    ]
    if lengths:
        lines.append(f"**Held-out whole answers by operand length:** {lengths}")
    return "\n\n".join(lines + _command_and_settings(loaded.info, settings))


def _command_and_settings(info: dict, settings: dict) -> list[str]:
    lines = []
    if info.get("command"):
        lines.append(f"**Trained with:** <code>{as_text(info['command'])}</code>")
    if settings:
        rows = "".join(
            f"<tr><td>{as_text(key)}</td><td><code>{as_text(value)}</code></td></tr>" for key, value in settings.items()
        )
        lines.append(f"<details><summary>Every training setting</summary><table>{rows}</table></details>")
    return lines


def describe_rate(exact_match: float, count: int) -> str:
    """A share of right answers that never rounds a mistake away: "100% of 1,000,000" only when
    every one was right, else the count ("2 wrong of 1,000,000 (99.9998% right)")."""
    wrong = round((1 - exact_match) * count)
    if wrong == 0:
        return f"all {count:,} right"
    return f"{wrong:,} wrong of {count:,} ({100 * (1 - wrong / count):.{max(2, len(str(count)) - 2)}f}% right)"


def as_text(value) -> str:
    """``value`` as literal text inside Markdown or HTML: every character but letters, digits
    and spaces becomes a character reference, so no backtick, bracket or tag in it is markup."""
    return "".join(
        char if char.isascii() and (char.isalnum() or char == " ") else f"&#{ord(char)};" for char in str(value)
    )


def example_questions(loaded: LoadedModel) -> list[str]:
    if loaded.architecture == "column":  # Long carry chains, far past the 20 digits it trained on.
        return [
            loaded.codec.example,
            f"{'9' * 20}+1",
            f"1+{'9' * 50}",
            f"{'9' * 100}+{'9' * 100}",
            "12345678901234567890123456789+98765432109876543210987654321",
            "0+0",
        ]
    top = loaded.codec.max_operand
    return [loaded.codec.example, f"{top}+1", f"1+{top}", f"{top}+{top}", f"{(top + 1) // 2}+{(top + 1) // 2}", "0+0"]


def _sample_count(count) -> int:
    try:
        if isinstance(count, (bool, str)):  # True is not 1 question, nor "10" ten.
            raise TypeError
        value = float(count)
    except (TypeError, ValueError):
        raise ValueError(f"The number of questions must be a whole number from 1 to {MAX_SAMPLES}.") from None
    if not value.is_integer() or not 1 <= value <= MAX_SAMPLES:
        raise ValueError(f"The number of questions must be a whole number from 1 to {MAX_SAMPLES}.")
    return int(value)


def _char_label(char: str) -> str:
    return "␣" if char == " " else html.escape(char)


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
            "metric": f"{length} digits",
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
        rows.append(
            [
                label,
                settings.get("training_size"),
                metrics.get("training_seconds"),
                describe_rate(validation["exact_match"], validation["count"]),
                round(100 * validation["per_character"], 3),
                random_sums,
            ]
        )
    return pd.DataFrame(
        rows, columns=["model", "questions", "training s", "held-out questions", "characters %", "random sums"]
    )


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


def whole_space_mistakes(loaded: LoadedModel, count: int = 100_000, seed: int = 0) -> list[str]:
    """The sums the model gets wrong among ``count`` random ones from the whole space (for the
    column network, ``COLUMN_SEARCH_SUMS`` of each of ``COLUMN_SEARCH_LENGTHS`` digits): a good
    model can be perfect on its validation set and still have a few blind spots."""
    import numpy as np

    if loaded.architecture == "column":
        from addition.column_data import random_sums

        rng = np.random.default_rng(seed)
        lengths = COLUMN_SEARCH_LENGTHS
        return _mistakes(loaded, [pair for length in lengths for pair in random_sums(rng, length, COLUMN_SEARCH_SUMS)])
    from addition.data import sample_whole_space

    return _mistakes(loaded, sample_whole_space(loaded.codec.digits, count, seed))


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


def answer_if_valid(loaded: LoadedModel, question: str, reader=None) -> tuple[str, str, dict | None]:
    """``answer_question``, or the reason in words when the question does not suit this model,
    shown where the answer goes (``refusal``; ``reader`` as there)."""
    if not (question or "").strip():
        return "", "", None
    try:
        return answer_question(loaded, question)
    except ValueError as error:
        return refusal(error, question, reader), "", None


def refusal(error, question: str = "", reader=None) -> str:
    """Why a sum is not answered, as a note that stays on the page until the next sum; with
    ``reader(question)`` (the label of a model that can read it, or None) it says which to pick."""
    note = f"⚠️ {as_text(error)}"
    label = reader(question) if reader else None
    if label:
        note += f" The <b>{as_text(label)}</b> model reads it: pick it in the Model menu."
    return f'<div class="refusal" role="alert">{note}</div>'


def operand_digits(question) -> int | None:
    """The longer operand's digits in something typed like a sum of two whole numbers, else None."""
    from addition.codec import operands

    found = operands(question)
    return max(len(number.lstrip("0") or "0") for number in found) if found else None


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


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


def length_chart(curves: list[tuple[str, dict]]):
    """The lesson as a line plot's data: whole answers right (%) by operand length for each
    (name, ``accuracy_by_length``), the lengths as categories spaced like a log scale, and 0 where
    a network cannot read the sum at all."""
    import pandas as pd

    rows = [
        {"digits": f"{length:,}", "network": name, "whole answers %": round(100 * (accuracy or 0.0), 1)}
        for name, found in curves
        for length, accuracy in found.items()
    ]
    return pd.DataFrame(rows, columns=["digits", "network", "whole answers %"])
