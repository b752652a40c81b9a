"""Errors said to a person: one line each, in words."""

from __future__ import annotations


class ModelFolderError(ValueError):
    """A model folder that cannot be saved or used; the message is one line for a person."""


def first_line(error: BaseException, limit: int = 300) -> str:
    """An exception as one line for a person: its message's first line, else its type."""
    text = str(error).strip()
    return text.splitlines()[0][:limit] if text else type(error).__name__
