"""What every tab's handlers share: the visitor's session, errors said in words, and whether
anyone still reads a streamed event."""

from __future__ import annotations

import functools
import os
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import gradio as gr

from .training_queue import Visitor

UNREAD_LIMIT = 5  # Updates left unread that mean nobody is reading (a training sends one a second).
EXPENSIVE = "expensive"  # Gradio's concurrency group of the calls that cost more than a sum.
# A model picked: its first load and its Add tab, one pick at a time, never behind the searches
# of the expensive group (a model's first How it learns and Inside take seconds).
PICKS = "model picks"


def session_of(request) -> str | None:
    return getattr(request, "session_hash", None)


def visitor_of(request, profile=None, behind_proxy: bool = False) -> Visitor:
    """Who is asking: their page, their Hugging Face account when signed in, and their network
    address: behind a Space's proxy, the one the proxy appends to X-Forwarded-For (what a client
    writes there itself comes before it, and is never trusted), else the connection's own."""
    address = None
    if request is not None:
        if behind_proxy:
            address = (request.headers.get("x-forwarded-for") or "").split(",")[-1].strip() or None
        client = getattr(request, "client", None)
        address = address or getattr(client, "host", None)
    return Visitor(session_of(request), getattr(profile, "username", None), address)


class FairShare:
    """Expensive calls in flight: one per page, ``per_address`` per network address, so that one
    caller's script cannot fill the group the sums share the machine with, while a classroom
    behind one router still gets several at once."""

    def __init__(self, per_address: int = 4, behind_proxy: bool = False):
        self.per_address, self.behind_proxy = per_address, behind_proxy
        self._in_flight: Counter = Counter()
        self._lock = threading.Lock()

    @contextmanager
    def turn(self, request, what: str):
        """Holds a place for one call of ``what`` (words: "a look inside"), or ``ValueError``."""
        visitor = visitor_of(request, behind_proxy=self.behind_proxy)
        keys = [("session", visitor.session), ("address", visitor.address)]
        with self._lock:
            if self._in_flight[keys[0]]:
                raise ValueError(f"You already have {what} under way: wait for it to finish, then ask again.")
            if visitor.address and self._in_flight[keys[1]] >= self.per_address:
                raise ValueError(
                    f"{self.per_address} calls like this from your network address are already under "
                    f"way: try again in a few seconds."
                )
            self._in_flight.update(keys)
        try:
            yield
        finally:
            with self._lock:
                self._in_flight.subtract(keys)
                self._in_flight += Counter()  # Drops the keys that reached zero.


def gently(function, *args):
    """``function(*args)``, computed in the app's one thread at the lowest CPU priority and waited
    for: an expensive call (a look inside, a large sample) takes the cores only when the sums do
    not need them. Its errors reach the caller as they were raised."""
    return _gentle_thread().submit(function, *args).result()


@functools.cache
def _gentle_thread() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="expensive", initializer=_lowest_priority)


def _lowest_priority() -> None:
    try:  # On Linux a thread's own id: this thread only, not the app's others.
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    except (AttributeError, OSError):  # Elsewhere the call simply runs at the usual priority.
        pass


def not_an_mcp_tool(function):
    """Keep one of the page's own endpoints (``/add``, ``/train`` ...) out of the MCP server's
    tools, which are what an agent can use (``add_numbers``, ``explain``); it stays in the API.
    Gradio has no public switch for this: its MCP server lists every API function as a tool
    unless the function's ``_mcp_type`` names something else. This is the one place that sets
    it, and tests/app/test_service.py fails the day Gradio reads it differently."""
    function._mcp_type = "page endpoint"
    return function


def plain(message) -> str:
    """A message as text that no browser reads as markup, and no API caller gets as entities:
    the three characters that make HTML are swapped for look-alikes (toasts render HTML)."""
    return str(message).replace("&", "＆").replace("<", "‹").replace(">", "›")


def person_error(error: Exception) -> gr.Error:
    """The sentence as Gradio's error toast, which stays until the visitor closes it (by default it
    goes after seconds, leaving only "Error" on the outputs)."""
    return gr.Error(plain(error), duration=None, print_exception=False)


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
    table, and a test (``test_listening_reads_how_many_updates_a_session_left_unread``) fails
    the day that table changes."""
    messages = demo._queue.pending_messages_per_session.get(session_of(request))
    return messages is None or messages.qsize() <= UNREAD_LIMIT


class RefuseMissingInputs:
    """An ASGI middleware: a plain HTTP call (``POST /gradio_api/call/NAME`` or the queue's
    ``join``) that leaves inputs out gets a sentence with HTTP 422, where Gradio would log a
    traceback and answer ``{"error": null}``. Everything else passes through untouched."""

    def __init__(self, app, demo: gr.Blocks):
        self.app, self.demo = app, demo

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "")
        if (
            scope["type"] != "http"
            or scope.get("method") != "POST"
            or not ("/gradio_api/call/" in path or path.endswith("/gradio_api/queue/join"))
        ):
            return await self.app(scope, receive, send)
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        sentence = self._missing(path, body)
        if sentence is not None:
            from starlette.responses import JSONResponse

            return await JSONResponse({"error": sentence}, status_code=422)(scope, receive, send)
        replayed = False

        async def replay():
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        return await self.app(scope, replay, send)

    def _missing(self, path: str, body: bytes) -> str | None:
        """A sentence when the call names an event but sends fewer inputs than it takes."""
        import json

        try:
            request = json.loads(body)
        except ValueError:
            return None  # Gradio refuses what is not JSON itself, in words.
        if not isinstance(request, dict) or not isinstance(request.get("data"), list):
            return None
        # Blocks.fns (each event by its index, with its inputs) is public but undocumented; the
        # hostile-call tests in tests/app/test_service.py fail the day it changes.
        if "/gradio_api/call/" in path:
            name = path.rsplit("/", 1)[-1]
            event = next((fn for fn in self.demo.fns.values() if fn.api_name == name), None)
        else:
            event = self.demo.fns.get(request.get("fn_index")) if isinstance(request.get("fn_index"), int) else None
        if event is None or len(request["data"]) >= len(event.inputs):
            return None
        wanted = ", ".join(getattr(block, "label", None) or type(block).__name__ for block in event.inputs)
        return (
            f"/{event.api_name or 'this event'} takes {len(event.inputs)} inputs in this order: {wanted}; "
            f"the call sent {len(request['data'])}."
        )
