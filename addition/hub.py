"""The Hugging Face Hub: a model card, publishing a folder with it, and downloading one.

The folder is Keras 3's unzipped layout, so ``keras.saving.load_model("hf://USER/REPO")``
reads a pushed repo too; ``addition.loading`` adds the codec and validation questions.
"""

from __future__ import annotations

import html
import re
import tempfile
from pathlib import Path

from .errors import ModelFolderError, quoted

_REPO_ID = re.compile(r"[A-Za-z0-9][\w.-]{0,95}/[A-Za-z0-9][\w.-]{0,95}", re.ASCII)
KERAS_EXAMPLE = "https://keras.io/examples/nlp/addition_rnn/"
# The Hub's task for text in, text out ("text2text-generation" is no longer one of its tasks).
PIPELINE_TAG = "text-generation"


def check_repo_id(repo_id: str, what: str = "not a Hugging Face repo id like user/addition-lstm") -> str:
    """``repo_id`` if the Hub would take it (its own validator, and ASCII only), else ``ValueError``."""
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id

    try:
        if not isinstance(repo_id, str) or not _REPO_ID.fullmatch(repo_id) or repo_id.endswith((".", "-")):
            raise HFValidationError(repo_id)
        validate_repo_id(repo_id)  # Also: no "--" or "..", not ending in ".git".
    except HFValidationError:
        raise ValueError(f"{quoted(str(repo_id), 100)} is {what}") from None
    return repo_id


def check_repo_name(name) -> str:
    """A repo name (the part after "user/"), checked by the Hub's rules before anything is sent."""
    name = name.strip() if isinstance(name, str) else name
    if not isinstance(name, str) or "/" in name:
        raise ValueError("The repo name must be one word such as addition-lstm (your user name is added for you).")
    try:
        check_repo_id(f"user/{name}")  # Any namespace: the name is what is checked.
    except ValueError:
        raise ValueError(
            f"{quoted(name)} is not a repo name the Hub takes: use ASCII letters, digits, '-', '_' or '.' "
            "(at most 96, not at either end), no '--' or '..', not ending in '.git'; "
            "like addition-lstm."
        ) from None
    return name


def find_token() -> str | None:
    """HF_TOKEN or the cached login; never printed or stored by us."""
    from huggingface_hub import get_token

    return get_token()


def download(repo_id: str, revision: str | None = None) -> str:
    """The repo's files in the HF cache (``HF_HUB_CACHE``); the cached copy when offline."""
    from huggingface_hub import constants, snapshot_download
    from huggingface_hub.errors import HfHubHTTPError, HFValidationError, LocalEntryNotFoundError

    from .errors import first_line
    from .saving import ModelFolderError

    try:
        folder = snapshot_download(repo_id, revision=revision, repo_type="model")
    except (LocalEntryNotFoundError, HfHubHTTPError, HFValidationError, OSError, ValueError) as error:
        raise ModelFolderError(
            f"cannot load {repo_id} from the Hugging Face Hub and no usable copy is cached: {first_line(error)}"
        ) from error
    # Offline, huggingface_hub takes the commit a cached ref file names as a folder name: a ref
    # written as ../../elsewhere would load a folder from anywhere on the disk, or another repo's.
    own = Path(constants.HF_HUB_CACHE, f"models--{repo_id.replace('/', '--')}", "snapshots").resolve()
    if own not in Path(folder).resolve().parents:
        raise ModelFolderError(f"cannot load {repo_id}: its cached copy points outside its own folder of the cache")
    return folder


def card_text(value, one_line: bool = True) -> str:
    """Text from a model folder as its card shows it: as text, never as Markdown or HTML, since a
    folder can come from anyone and its card is published under the pusher's name. ``<``, ``>``
    and ``&`` become entities, so no tag opens; so do backticks and ``|``, so no code span, fence
    or table cell closes early; newlines become spaces (a table row is one line) unless
    ``one_line`` is false. Text with none of these (a setting's name, a command) is unchanged."""
    text = str(value)
    if one_line:
        text = " ".join(text.split())
    return html.escape(text, quote=False).replace("`", "&#96;").replace("|", "&#124;")


def card_label(value) -> str:
    """Folder text in a card's table cell outside code (a carries group, a length): as
    ``card_text``, with Markdown's own punctuation escaped too, so that ``![](//site/p.png)`` is
    shown as text, not fetched as an image under the pusher's name."""
    return card_text(re.sub(r"([\\\[\]()!*_#~])", r"\\\1", str(value)))


def how_it_was_trained(info: dict, default: str) -> str:
    """The card's words on the folder's training: its command, or (for a run made elsewhere, such as
    a Train tab's, recorded as a few plain words) where it ran and how to run its settings again."""
    command = info.get("command") or default
    if command.startswith("python ") or not re.fullmatch(r"[\w' .,-]{1,80}", command):
        # With no backtick left in it, no line of the command can close the fence.
        return f"```\n{card_text(command, one_line=False)}\n```"
    return (
        f"Trained in {card_text(command)}, with the settings below; `python train.py --like FOLDER` (this "
        "repo's files downloaded into FOLDER) runs them again."
    )


# What a card reports that a folder may lack (the loader takes a folder without its measurements):
# each network's results and its size.
CARD_REPORTS = {
    "keras-io": ("parameters", "metrics.validation.by_carries"),
    "column": ("parameters", "metrics.exact_match_by_length"),
}


def check_card_reports(info: dict, folder) -> None:
    """``ModelFolderError`` in one line unless ``info`` holds everything its card reports."""
    for path in CARD_REPORTS["column" if info.get("architecture") == "column" else "keras-io"]:
        value, keys = info, path.split(".")
        for depth, key in enumerate(keys, 1):
            if not isinstance(value, dict) or key not in value:
                missing = ".".join(keys[:depth])
                raise ModelFolderError(
                    f"{folder}: addition.json has no {missing}, which its model card reports: retrain it with train.py"
                )
            value = value[key]


def build_model_card(folder, repo_id: str, name: str | None = None):
    """A ModelCard whose metadata the Hub indexes (library, tags, model-index), from the folder's
    addition.json checked as the loader checks it; its text is shown escaped (``card_text``).
    ``name`` is the folder as messages call it (by default ``folder``)."""
    from huggingface_hub import EvalResult, ModelCard, ModelCardData

    from .codec import VOCABULARY
    from .config import CELLS
    from .folder_format import cell_of, check_info, codec_of
    from .loading import read_json
    from .saving import INFO_FILE

    name = str(name or folder)
    info = check_info(read_json(Path(folder), INFO_FILE, name), f"{name}/{INFO_FILE}")
    check_card_reports(info, name)
    if info.get("architecture") == "column":
        return column_model_card(info, repo_id)
    digits, training = info["digits"], info["training"]
    cell = cell_of(info)
    validation = info["metrics"]["validation"]
    dataset = f"addition questions, {digits} digits (held-out validation)"
    results = [
        EvalResult(
            task_type=PIPELINE_TAG,
            task_name="Addition",
            dataset_type="synthetic-addition",
            dataset_name=dataset,
            dataset_split="validation",
            metric_type="exact_match",
            metric_name="Whole-answer accuracy",
            metric_value=round(validation["exact_match"], 6),
        ),
        EvalResult(
            task_type=PIPELINE_TAG,
            task_name="Addition",
            dataset_type="synthetic-addition",
            dataset_name=dataset,
            dataset_split="validation",
            metric_type="accuracy",
            metric_name="Per-character accuracy",
            metric_value=round(validation["per_character"], 6),
        ),
    ]
    data = ModelCardData(
        library_name="keras",
        pipeline_tag=PIPELINE_TAG,
        license="apache-2.0",
        tags=["keras", cell, "seq2seq", "addition", "arithmetic", "tensorflow", "text-generation"],
        model_name=repo_id.split("/")[-1],
        eval_results=results,
    )
    whole = info["metrics"].get("whole_space_sample")
    scope = "all" if whole and whole.get("exhaustive") else "random"
    whole_line = (
        f"- Whole space ({scope} {whole['count']:,} {digits}-digit sums): {whole['exact_match']:.3%} whole answers\n"
        if whole
        else ""
    )
    wrong = round((1 - whole["exact_match"]) * whole["count"]) if whole else None
    if whole and whole.get("exhaustive") and wrong == 0:
        reliability = f"it was right on all {whole['count']:,} sums of its range when it was saved"
    elif whole:
        scope_words = f"all {whole['count']:,}" if whole.get("exhaustive") else f"{whole['count']:,} random"
        reliability = f"it can be wrong on a few rare sums ({wrong:,} of {scope_words} sums when it was saved)"
    else:
        reliability = "it can be wrong (see the results above)"
    codec = codec_of(info)
    a, b = (int(part) for part in codec.example.split("+"))
    padded_answer = codec.answer_string(a + b)
    written = "units digit first (read it backwards)" if codec.reverse_answer else "in reading order"
    width = f"each operand {digits} digits" if codec.zero_pad else "padded on the right"
    layout = f"{codec.describe_question()}, {width}"
    carries = "\n".join(
        f"| {card_label(key)} | {row['count']:,} | {row['exact_match']:.2%} |"
        for key, row in validation["by_carries"].items()
    )
    settings = "\n".join(f"| `{card_text(key)}` | `{card_text(value)}` |" for key, value in training.items())
    body = f"""
# {repo_id.split("/")[-1]}: a sequence-to-sequence {CELLS[cell]} that learned to add

It reads a sum such as `{a}+{b}` one character at a time and writes the answer `{a + b}` one
character at a time. It adds two whole numbers of up to {digits} digits.

## Results on held-out questions
- Whole-answer accuracy (every character right): **{validation["exact_match"]:.2%}** on {validation["count"]:,}
  validation questions
- Per-character accuracy (what Keras's `accuracy` reports): {validation["per_character"]:.2%}
{whole_line}
| carries | questions | whole-answer accuracy |
|---|---|---|
{carries}

## Usage
```python
from addition.loading import load_model   # from the addition-lstm project
loaded = load_model("{repo_id}")
print(loaded.predictor.answers([({a}, {b})]))  # right: ['{padded_answer}'] (padded to {digits + 1} characters)
```
or with Keras alone (the input is the one-hot question, {layout}: `{codec.question_string(a, b)}` for {a}+{b};
vocabulary `{info.get("vocabulary", VOCABULARY)}`; the model writes the answer {written}). The folder is plain
Keras 3 (`config.json`, `model.weights.h5`, no custom objects): it loads and answers the same with
the TensorFlow and the JAX backends (both tested); set one before Keras is imported:
```python
import os
os.environ["KERAS_BACKEND"] = "tensorflow"
import keras
model = keras.saving.load_model("hf://{repo_id}")
```

## Training
{how_it_was_trained(info, "python train.py")}

| setting | value |
|---|---|
{settings}

Parameters: {info["parameters"]:,}. Training took {info["metrics"].get("training_seconds", "?")} s.

## Limitations
- Only sums of two non-negative whole numbers of at most {digits} digits (0 to {10**digits - 1}).
- It is a demonstration of sequence-to-sequence learning, not a calculator: {reliability}.

## Credit
Architecture and data recipe from the keras-io example "Sequence to sequence learning for
performing number addition" by Smerity and others ({KERAS_EXAMPLE}).
"""
    return ModelCard(f"---\n{data.to_yaml()}\n---\n{body}")


def column_model_card(info: dict, repo_id: str):
    """The card of a column network's folder: what it reads and writes, its scores per length,
    how to run it with Keras alone, its limits."""
    from huggingface_hub import EvalResult, ModelCard, ModelCardData

    from .config import digits_label, lengths_trained

    training, metrics = info["training"], info["metrics"]
    by_length = metrics.get("exact_match_by_length", {})
    results = [
        EvalResult(
            task_type=PIPELINE_TAG,
            task_name="Addition",
            dataset_type="synthetic-addition",
            dataset_name=f"addition questions, {digits_label(label)}, held out",
            dataset_split="validation",
            metric_type="exact_match",
            metric_name="Whole-answer accuracy",
            metric_value=round(row["exact_match"], 6),
        )
        for label, row in by_length.items()
    ]
    data = ModelCardData(
        library_name="keras",
        pipeline_tag=PIPELINE_TAG,
        license="apache-2.0",
        tags=["keras", training["cell"], "addition", "arithmetic", "length-generalization", "tensorflow"],
        model_name=repo_id.split("/")[-1],
        eval_results=results,
    )
    rows = "\n".join(
        f"| {card_label(label)} | {row['count']:,} | {row['exact_match']:.2%} |" for label, row in by_length.items()
    )
    settings = "\n".join(f"| `{card_text(key)}` | `{card_text(value)}` |" for key, value in training.items())
    trained = lengths_trained(training["min_digits"], training["max_digits"])
    body = f"""
# {repo_id.split("/")[-1]}: a column network that adds numbers of any length

A recurrent network ({training["cell"].upper()}, {training["hidden_size"]} units) that adds two whole
numbers the way people do: one column per step, units first, carrying a one. It was trained on
operands of {trained} only, and nothing in it depends on the length, so the same model adds
numbers of thousands of digits.

It reads one step per column: step i holds the one-hot digit of the first operand in column i
(features 0-9) and the second's (features 10-19), a digit 0 where a number is shorter; one step
more than the longer operand has digits, for the last carry. It writes one softmax over the ten
digits per step: digit i of the sum, units first. For 47+985 it reads (7,5) (4,8) (0,9) (0,0) and
writes 2, 3, 0, 1: 1032.

## Results on held-out sums (whole answers: every digit right)
| operand digits | sums | whole-answer accuracy |
|---|---|---|
{rows}

## Usage
```python
from addition.loading import load_model   # from the addition-lstm project
loaded = load_model("{repo_id}")
print(loaded.predictor.answers([("47", "985"), ("9" * 5000, "1")]))  # digit strings or ints
```
or with Keras alone. The folder is plain Keras 3 (`config.json`, `model.weights.h5`, no custom
objects); set the backend before Keras is imported:
```python
import os
os.environ["KERAS_BACKEND"] = "tensorflow"
import keras
import numpy as np

model = keras.saving.load_model("hf://{repo_id}")


def add(a: str, b: str) -> str:
    \"\"\"a + b for two digit strings, by the network: one step per column, units first.\"\"\"
    steps = max(len(a), len(b)) + 1  # One more step for the last carry.
    columns = np.zeros((2, steps), dtype=int)
    columns[0, : len(a)] = [int(digit) for digit in reversed(a)]
    columns[1, : len(b)] = [int(digit) for digit in reversed(b)]
    x = np.concatenate([np.eye(10)[columns[0]], np.eye(10)[columns[1]]], axis=-1)[None]  # (1, steps, 20)
    written = model.predict_on_batch(x.astype("float32"))[0].argmax(-1)  # Units first.
    return "".join(str(digit) for digit in written[::-1]).lstrip("0") or "0"


print(add("47", "985"))  # 1032
```

## Training
{how_it_was_trained(info, "python train.py --architecture column")}

| setting | value |
|---|---|
{settings}

Parameters: {info["parameters"]:,}. Training took {metrics.get("training_seconds", "?")} s.

## Limitations
- Only sums of two non-negative whole numbers, written as digits 0-9.
- Trained on operands of {trained}; longer sums were checked, not proven: random sums and
  carry chains (9…9+1, 1+9…9, 9…9+9…9) of up to 10,000 digits in the project's evaluation. A carry
  the network keeps in its state could drift over far longer sums.
- Its input grows with the length: 80 bytes per column, 8 MB for a 100,000-digit sum. Python
  prints ints of more than 4,300 digits only after `sys.set_int_max_str_digits`; use digit strings.
- A demonstration of what a recurrent network can learn, not a calculator.

## Credit
The keras-io example "Sequence to sequence learning for performing number addition" by Smerity
and others ({KERAS_EXAMPLE}) is where the project starts; this network reads a sum column by column
instead.
"""
    return ModelCard(f"---\n{data.to_yaml()}\n---\n{body}")


def push_folder(folder, repo_id: str, token: str | None = None, private: bool = False, api=None) -> str:
    """Create the repo if needed and upload the model folder's own files plus its card in one
    commit; return its URL. Other files in the folder are not uploaded, and a folder where one of
    its own files is a symbolic link or not a regular file is refused (``copy_own_files``).

    Everything is checked, and the card written from the staged copy (what is uploaded), before
    the Hub is asked anything."""
    from huggingface_hub import HfApi

    from .saving import copy_own_files

    check_repo_id(repo_id)
    with tempfile.TemporaryDirectory(prefix="addition-push-") as staging:
        staged = copy_own_files(folder, Path(staging) / "model")
        card = build_model_card(staged, repo_id, name=str(folder))
        card.save(staged / "README.md")
        api = api or HfApi(token=token)
        repo_url = api.create_repo(repo_id, private=private, exist_ok=True, repo_type="model")
        api.upload_folder(
            repo_id=repo_id,
            folder_path=staged,
            repo_type="model",
            commit_message="Upload an addition model folder and its card",
        )
    return str(repo_url)
