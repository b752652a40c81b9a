"""``python app.py``: the arguments, the app's parts, and serving until Ctrl-C or SIGTERM.

Gradio and TensorFlow are imported only once the arguments are good and the model is found, so
that ``--help``, a mistyped flag and a model that is not there answer at once.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from addition.cli import OneLineErrorParser, fail, import_tensorflow

USAGE = """The addition LSTM demo: type a sum, see each digit's probabilities, train a network of your own.

    python app.py                              # the bundled models (3 digits first), http://127.0.0.1:7860
    python app.py --model runs/addition-3digit # a folder written by train.py, shown first
    python app.py --model user/addition-lstm   # a Hugging Face Hub repo (also: ADDITION_MODEL=...)
    python app.py --port 8080 --host 0.0.0.0   # also: GRADIO_SERVER_PORT, GRADIO_SERVER_NAME

A dropdown switches between that model and the bundled ones (models/: 2 to 5 digits, the 3-digit
one's early snapshots and the column network).
"""
MODELS_FOLDER = Path(__file__).resolve().parents[1] / "models"  # The bundled model folders.
FIRST_MODEL = MODELS_FOLDER / "addition-3digit"  # The one shown first, unless another is named.
STYLE = Path(__file__).with_name("style.css")
HEAD = Path(__file__).with_name("head.html")
TRAIN_SECONDS = 180  # The longest a visitor's run may take, unless $ADDITION_TRAIN_SECONDS says.
IDLE_MINUTES = 30  # A visitor's trained models are freed after this long unused (or when they leave).
WAITING_PER_TRAINER = 4  # Trainings waiting for their turn, per slot; past that a newcomer is asked to come back.
MODELS_PER_VISITOR, MODELS_IN_ALL = 3, 60
GONE_AFTER = 10.0  # Seconds without a reader before a visitor's training counts as abandoned.
# Gradio 6 takes page styling at launch; the public endpoints are also MCP tools (add_numbers
# is the one for agents: typed, JSON). The rest closes what the app does not use: it takes no
# files (uploads capped at 1 KB), has no public traffic dashboard, and keeps per-session state
# for at most 1,000 sessions (Gradio's default is 10,000).
LAUNCH_OPTIONS = {
    "css_paths": [STYLE],
    "head_paths": [HEAD],
    "max_file_size": "1kb",
    "enable_monitoring": False,
    "state_session_capacity": 1_000,
    "mcp_server": True,
}


def launch_options(demo) -> dict:
    """``LAUNCH_OPTIONS`` with the middleware that answers a plain HTTP call missing an input in
    words (Gradio would log a traceback)."""
    from starlette.middleware import Middleware

    from .callbacks import RefuseMissingInputs

    return {**LAUNCH_OPTIONS, "app_kwargs": {"middleware": [Middleware(RefuseMissingInputs, demo=demo)]}}


def parse_arguments(argv):
    parser = OneLineErrorParser(prog="app.py", description=USAGE, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--model",
        default=os.environ.get("ADDITION_MODEL") or None,
        help="model folder or Hugging Face repo id shown first (default: $ADDITION_MODEL, "
        "else the bundled 3-digit model)",
    )
    parser.add_argument(
        "--revision",
        default=os.environ.get("ADDITION_MODEL_REVISION") or None,
        help="Hub branch, tag or commit (Hub repos only; default: $ADDITION_MODEL_REVISION)",
    )
    parser.add_argument(
        "--host", default=None, help="address to serve on (default: $GRADIO_SERVER_NAME, else 127.0.0.1)"
    )
    parser.add_argument(
        "--port", type=port_number, default=None, help="port to serve on (default: $GRADIO_SERVER_PORT, else 7860)"
    )
    return parser.parse_args(argv)


def port_number(text: str) -> int:
    """A TCP port, 1 to 65535 (argparse's ``type``)."""
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"a port is a whole number from 1 to 65535, got {text[:20]!r}")
    return int(text)


def check_address(host: str | None, port: int | None) -> None:
    """Stop in one line, before anything is loaded, unless this machine can serve on ``host``
    and ``port`` (as Gradio picks them: the arguments, else its variables, else its defaults;
    with no port named, Gradio tries the next ones itself, so only the host is tried)."""
    import socket

    host = host or os.environ.get("GRADIO_SERVER_NAME") or "127.0.0.1"
    port_text = str(port) if port is not None else os.environ.get("GRADIO_SERVER_PORT")
    try:
        port = port_number(port_text) if port_text else 0
    except argparse.ArgumentTypeError as error:
        fail(f"GRADIO_SERVER_PORT: {error}")
    try:
        family, kind, protocol, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, protocol) as trial:
            trial.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # As the server will.
            trial.bind(address)
    except OSError as error:
        where = f"{host}:{port}" if port else host
        fail(f"cannot serve on {where} ({error.strerror or error}): name another --host or --port")


def whole_number_setting(name: str, default: int, low: int) -> int:
    """The environment variable ``name`` as a whole number of at least ``low`` (unset or empty:
    ``default``); anything else stops the app in one line."""
    value = os.environ.get(name) or str(default)
    if not (value.isascii() and value.isdigit()) or int(value) < low:
        fail(f"{name} must be a whole number of at least {low}, got {value[:20]!r}")
    return int(value)


def training_settings() -> tuple[int, int, int]:
    """(trainings at once, workers kept ready, the longest run in seconds) from the environment:
    $ADDITION_TRAINERS, else one per two cores (each trains on one thread, and answering sums keeps
    the rest); $ADDITION_READY_WORKERS, else one per training slot (0 starts each worker when its
    run does: less memory, a slower start, benchmarks.train_start's baseline);
    $ADDITION_TRAIN_SECONDS, else ``TRAIN_SECONDS``."""
    slots = whole_number_setting("ADDITION_TRAINERS", max(1, (os.cpu_count() or 1) // 2), low=1)
    ready = whole_number_setting("ADDITION_READY_WORKERS", slots, low=0)
    return slots, ready, whole_number_setting("ADDITION_TRAIN_SECONDS", TRAIN_SECONDS, low=1)


def default_parts(model: str | None = None, revision: str | None = None):
    """The app's parts as `python app.py` and a Space run them. Nothing is loaded; the training
    workers start importing TensorFlow in their own processes."""
    from gradio.utils import get_upload_folder

    from .layout import Parts
    from .models import Catalog, Entry, Models, bundled_entries, entry_for
    from .training_queue import TrainingQueue
    from .training_workers import TrainingWorkers
    from .visitor_models import SessionModels

    slots, ready, seconds = training_settings()
    on_a_space = bool(os.environ.get("SPACE_ID"))
    catalog = Catalog(
        entry_for(model, revision) if model else None, bundled_entries(MODELS_FOLDER), preferred=str(FIRST_MODEL)
    )
    visitors = SessionModels(per_session=MODELS_PER_VISITOR, total=MODELS_IN_ALL, idle_seconds=60 * IDLE_MINUTES)
    # Inside Gradio's own cache folder, so that the zips are served from where they are made
    # (not copied to where freeing a model would not reach them).
    workspace = Path(get_upload_folder()) / f"addition-lstm-{os.getpid()}"
    workers = TrainingWorkers(ready=ready, max_seconds=seconds)
    training_queue = TrainingQueue(
        workers.start,
        workspace,
        trainers=slots,
        max_waiting=WAITING_PER_TRAINER * slots,
        gone_after=GONE_AFTER,
        admit=visitors.check_room,
        sign_in=on_a_space,
    )
    # Not in the menu: models the Inside tab compares with (the reading-order 3-digit one).
    illustrations = Catalog(
        None,
        [
            Entry(Path(entry.spec).name, entry.spec, digits=entry.digits)
            for entry in bundled_entries(MODELS_FOLDER / "illustrations")
        ],
    )
    # On a Space, visitors reach the app through its proxy; ADDITION_BEHIND_PROXY=1 says the same
    # elsewhere (the crowd benchmark's visitors come from addresses it writes there).
    behind_proxy = on_a_space or os.environ.get("ADDITION_BEHIND_PROXY") == "1"
    return Parts(
        Models(catalog, visitors, illustrations),
        training_queue,
        seconds,
        on_a_space=on_a_space,
        behind_proxy=behind_proxy,
        workers=workers,
    )


def interrupt(signal_number, frame):
    """SIGTERM as the KeyboardInterrupt that launch() closes on; a second one (a supervisor and
    its child both signalled) is ignored, so as not to interrupt the closing itself."""
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


def quiet_library_notes() -> None:
    """Keep the server's log for what concerns the app. At the first request to some of Gradio's
    own routes (which one varies from run to run) pydantic notes that an alias on one of their
    parameters has no effect: nothing the app or a visitor can act on."""
    import warnings

    try:
        from pydantic.warnings import UnsupportedFieldAttributeWarning
    except ImportError:  # A pydantic that never says it.
        return
    warnings.filterwarnings(
        "ignore", message="The 'alias' attribute with value", category=UnsupportedFieldAttributeWarning
    )


def main(settings) -> None:
    import atexit
    import signal
    import threading

    from addition.errors import ModelFolderError
    from addition.loading import find_model_folder

    check_address(settings.host, settings.port)
    training_settings()  # A bad variable stops the app here, before anything loads.
    if settings.model:
        try:  # A model that is not there (a typo, a repo neither reachable nor cached) fails at once.
            find_model_folder(settings.model, settings.revision)
        except ModelFolderError as error:
            fail(str(error))
    import_tensorflow()

    from .layout import build_demo

    parts = default_parts(settings.model, settings.revision)
    try:
        parts.models.catalog.load_default()  # A bad --model fails here, in one line, before serving.
    except ModelFolderError as error:
        fail(str(error))
    parts.workers.prepare()  # Each imports TensorFlow in its own process while the page is built.
    demo = build_demo(parts, first_page=True)
    # Stopped by Ctrl-C or SIGTERM (a Space restarting), the app ends its trainings and deletes
    # every visitor's files.
    atexit.register(parts.shutdown)
    if not parts.behind_proxy:
        # A visitor is the connection's own address: uvicorn would otherwise take a local
        # connection's X-Forwarded-For, which any local script can write, for its address.
        os.environ.setdefault("FORWARDED_ALLOW_IPS", "")
    quiet_library_notes()
    # The other models load in the background, so that no visitor's click waits for a first load.
    stopping = threading.Event()
    preload = threading.Thread(target=parts.models.catalog.load_all, args=(stopping,), name="preload-models")
    try:
        # SIGTERM becomes the KeyboardInterrupt that launch() closes on once it waits for Ctrl-C,
        # and this function before then.
        signal.signal(signal.SIGTERM, interrupt)
        preload.start()
        demo.launch(server_name=settings.host, server_port=settings.port, **launch_options(demo))
    except KeyboardInterrupt:  # Stopped before Gradio's own wait for Ctrl-C had begun.
        demo.close()
    finally:
        # A model half loaded is let finish (the thread is no daemon): TensorFlow aborts a
        # process that exits in the middle of building one ("terminate called ...").
        stopping.set()
        if preload.ident is not None:
            preload.join()
