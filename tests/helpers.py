"""What the tests share besides fixtures: the repository's root and bundled models, tiny
training settings, and running a script's ``main`` in this interpreter."""

from types import SimpleNamespace

from benchmarks.serve import ROOT, start_app, stop_app
from demo.launch import FIRST_MODEL as BUNDLED_MODEL
from demo.launch import MODELS_FOLDER

__all__ = [
    "BUNDLED_MODEL",
    "COLUMN_MODEL",
    "MODELS_FOLDER",
    "ROOT",
    "TINY_CONFIG",
    "predictor_wrong_on",
    "run_in_process",
    "run_script",
    "start_app",
    "stop_app",
]

COLUMN_MODEL = MODELS_FOLDER / "addition-column"  # The bundled column network, which reads any length.
TINY_CONFIG = dict(digits=2, training_size=4000, epochs=2, batch_size=128, random_seed=7)


def run_in_process(script: str, args, capsys):
    """``run_script`` as a ``subprocess.run`` result: ``returncode``, ``stdout``, ``stderr``."""
    code, out, err = run_script(script, args, capsys)
    return SimpleNamespace(returncode=code, stdout=out, stderr=err)


def run_script(script: str, args, capsys) -> tuple[int, str, str]:
    """`python SCRIPT.py ARGS` in this interpreter (no second TensorFlow start-up): its exit
    code, what it printed and what it said on stderr."""
    import importlib

    try:
        code = importlib.import_module(script).main(list(args)) or 0
    except SystemExit as stopped:
        code = stopped.code if isinstance(stopped.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def predictor_wrong_on(codec, pair, written: str):
    """A stand-in for a ``Predictor``: its ``answers`` are ``written`` (reading order, padded) for
    ``pair``, and every other sum right, by Python's addition."""
    from types import SimpleNamespace

    import numpy as np

    return SimpleNamespace(
        codec=codec,
        answers=lambda pairs: [
            written if tuple(p) == tuple(pair) else codec.answer_string(p[0] + p[1]) for p in np.asarray(pairs).tolist()
        ],
    )
