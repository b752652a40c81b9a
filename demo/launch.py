"""``python app.py``: the arguments, the app's parts, and serving until Ctrl-C or SIGTERM.

Gradio and TensorFlow are imported only once the arguments are good, so that ``--help`` and a
mistyped flag answer at once.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from addition.cli import OneLineErrorParser, fail

USAGE = """The addition LSTM demo: type a sum, see each digit's probabilities, train a network of your own.

    python app.py                              # the bundled models (3 digits first), http://127.0.0.1:7860
    python app.py --model runs/addition-3digit # a folder written by train.py, shown first
    python app.py --model user/addition-lstm   # a Hugging Face Hub repo (also: ADDITION_MODEL=...)
    python app.py --port 8080 --host 0.0.0.0   # also: GRADIO_SERVER_PORT, GRADIO_SERVER_NAME

A dropdown switches between that model and the bundled 2-, 3-, 4- and 5-digit models.
"""
MODELS_FOLDER = Path(__file__).resolve().parents[1] / "models"  # The bundled model folders.
FIRST_MODEL = MODELS_FOLDER / "addition-3digit"  # The one shown first, unless another is named.
STYLE = Path(__file__).with_name("style.css")
HEAD = Path(__file__).with_name("head.html")
IDLE_MINUTES = 30  # A visitor's trained models are freed after this long unused (or when they leave).
MAX_WAITING = 4  # Trainings waiting for their turn, at most; past that a newcomer is asked to come back.
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
        "--port", type=int, default=None, help="port to serve on (default: $GRADIO_SERVER_PORT, else 7860)"
    )
    return parser.parse_args(argv)


def default_parts(model: str | None = None, revision: str | None = None):
    """The app's parts as `python app.py` and a Space run them. Cheap: nothing is loaded."""
    import functools

    from gradio.utils import get_upload_folder

    from .layout import Parts
    from .models import Catalog, Entry, Models, SessionModels, bundled_entries, entry_for
    from .training_queue import TrainingQueue
    from .worker import start_run

    seconds = float(os.environ.get("ADDITION_TRAIN_SECONDS", 180))
    catalog = Catalog(
        entry_for(model, revision) if model else None, bundled_entries(MODELS_FOLDER), preferred=str(FIRST_MODEL)
    )
    visitors = SessionModels(per_session=MODELS_PER_VISITOR, total=MODELS_IN_ALL, idle_seconds=60 * IDLE_MINUTES)
    # Inside Gradio's own cache folder, so that the zips are served from where they are made
    # (not copied to where freeing a model would not reach them).
    workspace = Path(get_upload_folder()) / f"addition-lstm-{os.getpid()}"
    training_queue = TrainingQueue(
        functools.partial(start_run, max_seconds=seconds),
        workspace,
        max_waiting=MAX_WAITING,
        gone_after=GONE_AFTER,
        admit=visitors.check_room,
    )
    # Not in the menu: models the Inside tab compares with (the reading-order 3-digit one).
    illustrations = Catalog(
        None,
        [
            Entry(Path(entry.spec).name, entry.spec, digits=entry.digits)
            for entry in bundled_entries(MODELS_FOLDER / "illustrations")
        ],
    )
    return Parts(
        Models(catalog, visitors, illustrations), training_queue, seconds, on_a_space=bool(os.environ.get("SPACE_ID"))
    )


def interrupt(signal_number, frame):
    """SIGTERM as the KeyboardInterrupt that launch() closes on; a second one (a supervisor and
    its child both signalled) is ignored, so as not to interrupt the closing itself."""
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


def main(settings) -> None:
    import atexit
    import signal

    from addition.errors import ModelFolderError

    from .layout import build_demo

    parts = default_parts(settings.model, settings.revision)
    try:
        parts.models.catalog.load_default()  # A bad --model fails here, in one line, before serving.
    except ModelFolderError as error:
        fail(str(error))
    demo = build_demo(parts, first_page=True)
    # Stopped by Ctrl-C or SIGTERM (a Space restarting), the app ends its trainings and deletes
    # every visitor's files: SIGTERM is turned into the KeyboardInterrupt that launch() handles.
    atexit.register(parts.shutdown)
    signal.signal(signal.SIGTERM, interrupt)
    demo.launch(server_name=settings.host, server_port=settings.port, **LAUNCH_OPTIONS)
