"""Errors said to a person: one line each, in words."""

from __future__ import annotations


class ModelFolderError(ValueError):
    """A model folder that cannot be saved or used; the message is one line for a person."""


class StoppedBeforeAnEpoch(RuntimeError):
    """A run told to stop (by a callback, say a visitor's Stop or a time cap) before its first
    epoch ended: no whole epoch, so no network worth keeping."""

    def __init__(self):
        super().__init__("The run stopped before its first epoch ended: there is no trained network to keep.")


def first_line(error: BaseException, limit: int = 300) -> str:
    """An exception as one line for a person: its message's first line, else its type. A first
    line that ends in a colon announces the next ("... could not be loaded. Example error message
    for object <LSTMCell>:" then the reason): the two are joined. Cut at ``limit``, marked by "…"."""
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    if not lines:
        return type(error).__name__
    text = f"{lines[0]} {lines[1]}" if lines[0].endswith(":") and len(lines) > 1 else lines[0]
    return cut(text, limit)


def quoted(value, limit: int = 40) -> str:
    """``value`` as Python writes it, cut to ``limit`` characters: a message never echoes back a
    megabyte someone sent."""
    return cut(repr(value), limit)


def cut(text: str, limit: int) -> str:
    """``text`` of at most ``limit`` characters, a cut marked by "…"."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
