"""What the tests share besides fixtures: the repository's root and bundled models, tiny
training settings, and running a script's ``main`` in this interpreter."""

from types import SimpleNamespace

from benchmarks.serve import ROOT, start_app, stop_app
from demo.launch import FIRST_MODEL as BUNDLED_MODEL
from demo.launch import MODELS_FOLDER

__all__ = [
    "BUNDLED_MODEL",
    "MODELS_FOLDER",
    "ROOT",
    "TINY_CONFIG",
    "run_in_process",
    "run_script",
    "start_app",
    "stop_app",
]

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
