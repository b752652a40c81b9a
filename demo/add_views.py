"""What the Add tab shows besides a sum's answer (views.py): the model panel, the examples, the
held-out questions marked ☑/☒. Pure functions of a loaded model, no Gradio (as views.py)."""

from __future__ import annotations

import numpy as np

from addition import CHECK
from addition.config import CELLS, digits_label, lengths_trained
from addition.evaluation import plural
from addition.folder_format import cell_of
from addition.loading import LoadedModel
from addition.model import count_parameters

from .views import as_text, describe_rate, marked_sum, true_sums

MAX_SAMPLES = 100


def sample_validation(loaded: LoadedModel, count, rng: np.random.Generator) -> tuple[str, list[list]]:
    """``count`` random held-out validation questions: (score line, table rows)."""
    count = _sample_count(count)
    pool = loaded.validation_pairs
    chosen = pool[rng.choice(len(pool), size=min(count, len(pool)), replace=False)].tolist()
    answers = [answer.strip() for answer in loaded.predictor.answers(chosen)]  # In reading order.
    rows = [marked_sum(a, b, total, answer) for (a, b), answer, total in zip(chosen, answers, true_sums(chosen))]
    right = sum(row[-1] == CHECK for row in rows)
    score = f"**{right}/{len(rows)} correct** on held-out validation questions"
    if len(rows) < count:  # A tiny run holds out a handful: say so, not silently fewer.
        score += f" (all {plural(len(rows), 'question')} this model holds out; {count} were asked for)"
    return score, rows


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
    cell = CELLS.get(cell_of(loaded.info), "?")
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
    cell = CELLS.get(cell_of(loaded.info), "?")
    trained = lengths_trained(settings.get("min_digits", "?"), settings.get("max_digits", "?"))
    lengths = ", ".join(
        f"{as_text(digits_label(length))} {row['exact_match']:.0%}"
        for length, row in metrics.get("exact_match_by_length", {}).items()
    )
    lines = [
        f"**Source:** {as_text(loaded.source)}",
        f"**Network:** a column {cell} of {as_text(settings.get('hidden_size', '?'))} units, "
        f"{count_parameters(loaded.model):,} parameters: one step per column, units first, both numbers' digits "
        "together, one answer digit written per step",
        f"**Adds:** two whole numbers of any length (this page takes up to {loaded.codec.digits:,} digits each) · "
        f"trained on numbers of {as_text(trained)}",
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
