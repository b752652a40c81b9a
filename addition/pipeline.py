"""Train, evaluate and save in one call: what train.py runs, and what the tests run tiny."""

from __future__ import annotations

import platform

import keras

from .config import TrainConfig
from .data import whole_space_or_sample
from .evaluation import describe_mistake, score
from .model import Predictor, count_parameters
from .saving import save_model_folder
from .training import TrainResult, train

# Fixed so that every model is judged on the same sums.
WHOLE_SPACE_SEED = 20_151_208


def train_and_save(config: TrainConfig, output, command: str = "", whole_space_sample: int = 100_000,
                   verbose: int = 0, on_epoch=None, callbacks=()):
    """Returns (TrainResult, saved folder, a printable summary)."""
    result = train(config, verbose=verbose, on_epoch=on_epoch, callbacks=callbacks)
    metrics = {
        "validation": result.validation,
        "best_epoch": result.best_epoch,
        "epochs_run": len(result.history),
        "training_seconds": round(result.seconds, 1),
    }
    if whole_space_sample:
        pairs, exhaustive = whole_space_or_sample(config.digits, whole_space_sample, WHOLE_SPACE_SEED)
        whole = score(Predictor(result.model, result.codec), pairs)
        metrics["whole_space_sample"] = {
            "count": whole["count"],
            "exhaustive": exhaustive,
            "seed": None if exhaustive else WHOLE_SPACE_SEED,
            "exact_match": whole["exact_match"],
            "per_character": whole["per_character"],
        }
    info = {
        "training": config.to_json(),
        "command": command,
        "parameters": count_parameters(result.model),
        "metrics": metrics,
        "software": {"keras": keras.__version__, "backend": keras.backend.backend(),
                     "python": platform.python_version()},
    }
    folder = save_model_folder(output, result.model, result.codec, info, result.validation_pairs, result.history)
    return result, folder, summarize(result, metrics, folder)


def summarize(result: TrainResult, metrics: dict, folder) -> str:
    validation = result.validation
    lines = [
        f"Trained in {result.seconds:.0f} s; best epoch {result.best_epoch} of {len(result.history)}.",
        f"Validation ({validation['count']:,} held-out questions): whole answers "
        f"{validation['exact_match']:.2%}, characters {validation['per_character']:.2%}.",
    ]
    if "whole_space_sample" in metrics:
        whole = metrics["whole_space_sample"]
        kind = "all" if whole["exhaustive"] else "a random sample of"
        lines.append(
            f"Whole space ({kind} {whole['count']:,} {result.codec.digits}-digit sums): whole answers "
            f"{whole['exact_match']:.3%}, characters {whole['per_character']:.3%}."
        )
    lines += [f"  {describe_mistake(mistake)}" for mistake in validation["mistakes"][:5]]
    lines.append(f"Saved to {folder}")
    return "\n".join(lines)
