"""What every tab's handlers share: the visitor's session, errors said in words, and whether
anyone still reads a streamed event."""

from __future__ import annotations

import functools

import gradio as gr

UNREAD_LIMIT = 5  # Updates left unread that mean nobody is reading (a training sends one a second).


def session_of(request) -> str | None:
    return getattr(request, "session_hash", None)


def plain(message) -> str:
    """A message as text that no browser reads as markup, and no API caller gets as entities:
    the three characters that make HTML are swapped for look-alikes (toasts render HTML)."""
    return str(message).replace("&", "＆").replace("<", "‹").replace(">", "›")


def person_error(error: Exception) -> gr.Error:
    return gr.Error(plain(error), print_exception=False)


def answering(function):
    """Runs a callback; a ``ValueError`` (bad input, unknown model) becomes a ``gr.Error`` once,
    and a wrong type from an API caller a sentence, never a traceback in the log."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except gr.Error:
            raise
        except (ValueError, TypeError) as error:
            raise person_error(error) from None

    return wrapper


def listening(demo: gr.Blocks, request) -> bool:
    """Whether someone reads this session's updates: Gradio holds each unread update in the
    session's message queue, so a long queue means the page closed or nobody ever listened.

    Gradio has no public way to ask this; this is the one place that reads its queue's private
    table, and ``tests/app/test_service.py`` fails the day that table changes."""
    messages = demo._queue.pending_messages_per_session.get(session_of(request))
    return messages is None or messages.qsize() <= UNREAD_LIMIT


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
