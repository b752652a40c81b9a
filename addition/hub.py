"""The Hugging Face Hub: a model card, publishing a folder with it, and downloading one.

The folder is Keras 3's unzipped layout, so ``keras.saving.load_model("hf://USER/REPO")``
reads a pushed repo too; ``addition.loading`` adds the codec and validation questions.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path

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
        raise ValueError(f"{str(repo_id)[:100]!r} is {what}") from None
    return repo_id


def check_repo_name(name) -> str:
    """A repo name (the part after "user/"), checked by the Hub's rules before anything is sent."""
    name = name.strip() if isinstance(name, str) else name
    if not isinstance(name, str) or "/" in name:
        raise ValueError("The repo name must be one word such as addition-lstm (your user name is added for you).")
    try:
        check_repo_id(f"user/{name}")  # Any namespace: the name is what is checked.
    except ValueError:
        shown = name if len(name) <= 40 else name[:40] + "…"
        raise ValueError(
            f"{shown!r} is not a repo name the Hub takes: use ASCII letters, digits, '-', '_' or '.' "
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
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HfHubHTTPError, HFValidationError, LocalEntryNotFoundError

    from .errors import first_line
    from .saving import ModelFolderError

    try:
        return snapshot_download(repo_id, revision=revision, repo_type="model")
    except (LocalEntryNotFoundError, HfHubHTTPError, HFValidationError, OSError, ValueError) as error:
        raise ModelFolderError(
            f"cannot load {repo_id} from the Hugging Face Hub and no usable copy is cached: {first_line(error)}"
        ) from error


def build_model_card(folder, repo_id: str):
    """A ModelCard whose metadata the Hub indexes (library, tags, model-index)."""
    from huggingface_hub import EvalResult, ModelCard, ModelCardData

    from .saving import INFO_FILE

    info = json.loads((Path(folder) / INFO_FILE).read_text(encoding="utf-8"))
    digits, training = info["digits"], info["training"]
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
        tags=["keras", "lstm", "seq2seq", "addition", "arithmetic", "tensorflow", "text-generation"],
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
    from .loading import codec_of

    codec = codec_of(info)
    a, b = (int(part) for part in codec.example.split("+"))
    padded_answer = codec.answer_string(a + b)
    written = "units digit first (read it backwards)" if codec.reverse_answer else "in reading order"
    layout = ", ".join(
        [
            f"each operand zero-padded to {digits} digits" if codec.zero_pad else "padded on the right",
            *(["reversed"] if codec.reverse else []),
        ]
    )
    carries = "\n".join(
        f"| {key} | {row['count']:,} | {row['exact_match']:.2%} |" for key, row in validation["by_carries"].items()
    )
    settings = "\n".join(f"| `{key}` | `{value}` |" for key, value in training.items())
    body = f"""
# {repo_id.split("/")[-1]}: an LSTM that learned to add

A sequence-to-sequence LSTM that reads a sum such as `535+61` one character at a time and writes
the answer `596` one character at a time. It adds two whole numbers of up to {digits} digits.

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
vocabulary `{info["vocabulary"]}`; the model writes the answer {written}). The folder is plain
Keras 3 (`config.json`, `model.weights.h5`, no custom objects): it loads and answers the same with
the TensorFlow and the JAX backends (both tested); set one before Keras is imported:
```python
import os
os.environ["KERAS_BACKEND"] = "tensorflow"
import keras
model = keras.saving.load_model("hf://{repo_id}")
```

## Training
```
{info.get("command") or "python train.py"}
```
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


def push_folder(folder, repo_id: str, token: str | None = None, private: bool = False, api=None) -> str:
    """Create the repo if needed and upload the folder plus its card in one commit; return its URL."""
    from huggingface_hub import HfApi

    check_repo_id(repo_id)
    api = api or HfApi(token=token)
    card = build_model_card(folder, repo_id)
    repo_url = api.create_repo(repo_id, private=private, exist_ok=True, repo_type="model")
    with tempfile.TemporaryDirectory(prefix="addition-push-") as staging:
        staged = Path(staging) / "model"
        shutil.copytree(folder, staged, ignore=shutil.ignore_patterns(".*"))
        card.save(staged / "README.md")
        api.upload_folder(
            repo_id=repo_id, folder_path=staged, repo_type="model", commit_message="Upload addition LSTM from train.py"
        )
    return str(repo_url)
