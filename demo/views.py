"""What more than one tab shows, as pure functions of a loaded model and the user's input: a sum's
answer and each digit's probabilities, a refusal in words, text from a folder made safe to show.
Each tab's own views sit beside it (add_views.py, learn_views.py, inside_views.py, train_settings.py).

No Gradio here: the tabs wire these to components and turn ``ValueError`` into ``gr.Error``,
so every view is testable without a browser.
"""

from __future__ import annotations

import html

import numpy as np

from addition import CHECK, CROSS
from addition.column import shortened
from addition.evaluation import shown_answer
from addition.loading import LoadedModel

SHORT_ANSWER = 30  # Digits of an answer shown in the heading itself; a longer one wraps beneath it.

# A table of sums marked ☑/☒ (the Add tab's held-out samples, the Train tab's watched sums): its
# headers; its column widths, the mark's wide enough for its header on a phone (the sums' cells
# wrap, wrap=True); the digits a long number shows at each end, so that the mark stays in view.
MARKED_SUMS_HEADERS = ["question", "true answer", "model answer", "right?"]
MARKED_SUMS_WIDTHS = ["30%", "23%", "23%", "24%"]
MARKED_SUMS_DIGITS = 5


def marked_sum(a, b, total, answer: str | None = None) -> list:
    """A row of a table of sums marked ☑/☒: ``a+b``, Python's ``total``, the network's
    ``answer`` and whether it is the sum; no answer yet, the last two blank."""

    def short(number):
        return shortened(number, MARKED_SUMS_DIGITS)

    row = [f"{short(a)} + {short(b)}", short(total)]  # Spaced: a narrow cell wraps there, not inside a number.
    if answer is None:
        return [*row, "", ""]
    return [*row, short(shown_answer(answer)), CHECK if answer == str(total) else CROSS]


# Vega-Lite's ten category colours, in its order: what a line plot draws its series in by default.
SERIES_COLORS = (
    "#4c78a8",
    "#f58518",
    "#e45756",
    "#72b7b2",
    "#54a24b",
    "#eeca3b",
    "#b279a2",
    "#ff9da6",
    "#9d755d",
    "#bab0ac",
)


def series_colors(frame, series: str) -> dict | None:
    """A colour for each series of a line plot's data (its ``series`` column), to send with the
    data: when only the data changes, Gradio's line plot keeps the series of its first drawing,
    so another model's lines (another network's name, a column network's lengths) were drawn in
    no colour under the old legend. A new map makes it draw the plot afresh."""
    if frame is None or frame.empty:
        return None
    names = dict.fromkeys(frame[series])  # In order of appearance, each once.
    return {name: SERIES_COLORS[index % len(SERIES_COLORS)] for index, name in enumerate(names)}


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
            f"network's {len(answer):,}-digit answer is {verdict}\n{confidence[0].upper()}{confidence[1:]}\n\n"
            f'<div class="long-number">{answer}</div>'
        )
    details = {"question": f"{details['a']}+{details['b']}", **details, "vocabulary": loaded.codec.vocabulary}
    rows = np.asarray(details["probabilities"])
    table = probability_table(loaded.codec.vocabulary, rows, true_answer.rjust(len(rows), "0"), long=True)
    return summary, table, details


def probability_table(vocabulary: str, probabilities: np.ndarray, true_answer: str, long: bool = False) -> str:
    """A heat map: one row per answer position, one column per character; the model's choice
    outlined in solid, the right character (where different) in dashes."""
    header = "".join(f"<th>{char_label(char)}</th>" for char in vocabulary)
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
                f'title="{char_label(vocabulary[index])}: {p:.2%}">{label}</td>'
            )
        rows.append(f"<tr><th>{position + 1}</th>{''.join(cells)}</tr>")
    return (
        # The box scrolls sideways on a narrow screen (and down, for a long answer); the page never does.
        f'<div class="table-scroll{" tall" if long else ""}"><table class="digit-probabilities"><thead><tr>'
        f"<th>position</th>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        '<p class="legend">Each row is one character of the answer in reading order, as you read it left to '
        "right, whichever order the network writes them in "
        f"({'a leading 0 is the top column, where only a carry writes a 1' if long else '␣ is padding'}). "
        "Solid outline: the model's choice; dashed: the right character where the model chose another.</p>"
    )


def true_sums(pairs) -> list:
    """Python's own sums of ``pairs``: ints, or digit strings where the operands are digit strings
    (the column network's, which may be longer than Python prints ints)."""
    if pairs and isinstance(pairs[0][0], str):
        from addition.column import python_sums

        return python_sums(pairs)
    return [a + b for a, b in pairs]


def describe_rate(exact_match: float, count: int) -> str:
    """A share of right answers that never rounds a mistake away: "100% of 1,000,000" only when
    every one was right, else the count ("2 wrong of 1,000,000 (99.9998% right)")."""
    wrong = round((1 - exact_match) * count)
    if wrong == 0:
        return f"all {count:,} right"
    # As many decimals as the count needs to show one mistake, without trailing zeros past two.
    share = f"{100 * (1 - wrong / count):.{max(2, len(str(count)) - 2)}f}"
    whole, _, decimals = share.partition(".")
    return f"{wrong:,} wrong of {count:,} ({whole}.{decimals.rstrip('0').ljust(2, '0')}% right)"


def as_text(value) -> str:
    """``value`` as literal text inside Markdown or HTML: every character but letters, digits
    and spaces becomes a character reference, so no backtick, bracket or tag in it is markup."""
    return "".join(
        char if char.isascii() and (char.isalnum() or char == " ") else f"&#{ord(char)};" for char in str(value)
    )


def char_label(char) -> str:
    """A character as a header: the padding space shown as ␣, everything escaped."""
    return "␣" if char == " " else html.escape(str(char))


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
