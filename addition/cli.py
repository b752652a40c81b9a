"""What the scripts share: argument errors and failures as one line and a non-zero exit, and a
faster import of TensorFlow for a process of their own."""

from __future__ import annotations

import argparse
import gc
import sys


class OneLineErrorParser(argparse.ArgumentParser):
    """argparse, but a bad flag prints one line (not the usage block) and exits with 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {printable(message)} (see --help)\n")


def printable(text: str) -> str:
    """``text`` on one line, its control characters written as escapes (``\\n``, ``\\x1b``): a
    folder's name can hold a newline, or a terminal's escape codes."""
    return "".join(char if char.isprintable() else ascii(char)[1:-1] for char in text)


def whole_numbers(text: str) -> tuple:
    """A flag's comma-separated whole numbers, "10,30,100", as a tuple (argparse's ``type``)."""
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of whole numbers") from None


def fail(message: str, status: int = 1):
    """Print ``message`` as one line on stderr and exit, with no traceback."""
    print(f"error: {printable(message)}", file=sys.stderr)
    raise SystemExit(status)


def import_tensorflow() -> None:
    """Import TensorFlow and Keras in a script's (or a worker's) own process, without the cyclic
    garbage collector's work on them.

    The import makes some hundreds of thousands of Python objects that live as long as the
    process: the collector would walk them again and again while they are made, and once more at
    exit. So collect nothing during the import, then set them aside for good (``gc.freeze``);
    objects made later are collected as usual (lab notebook, "Start-up, end and overheads")."""
    if "keras" in sys.modules:
        return
    gc.disable()
    try:
        import keras  # noqa: F401  (imports TensorFlow)
    finally:
        gc.freeze()
        gc.enable()
