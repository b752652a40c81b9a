import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BUNDLED_MODEL = ROOT / "models" / "addition-3digit"
TINY_CONFIG = dict(digits=2, training_size=4000, epochs=2, batch_size=128, seed=7)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory):
    """A 2-digit model trained for seconds (far from accurate: for plumbing, not quality)."""
    from addition.config import FAST_RECIPE
    from addition.pipeline import train_and_save

    folder = tmp_path_factory.mktemp("tiny") / "model"
    config = FAST_RECIPE.replace(**TINY_CONFIG)
    result, saved, _ = train_and_save(config, folder, command="pytest tiny", whole_space_sample=1000)
    return result, saved


@pytest.fixture(scope="session")
def bundled():
    from addition.saving import load_model_folder

    return load_model_folder(BUNDLED_MODEL)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_app(args=(), env=None, log_path=None, timeout=180):
    """``python app.py`` as a user runs it, on a free port; returns (process, url) once it serves."""
    import subprocess
    import time
    import urllib.request

    port = free_port()
    environment = {**os.environ, "GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_SERVER_PORT": str(port),
                   "GRADIO_ANALYTICS_ENABLED": "False", **(env or {})}
    log = open(log_path, "w") if log_path else subprocess.DEVNULL
    process = subprocess.Popen([sys.executable, "app.py", *args], cwd=ROOT, env=environment, stdout=log,
                               stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"app.py exited with {process.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return process, url
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError(f"app.py did not serve {url} within {timeout} s")


def stop_app(process):
    process.terminate()
    try:
        process.wait(timeout=20)
    except Exception:
        process.kill()


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    process, url = start_app(log_path=tmp_path_factory.mktemp("app") / "app.log")
    yield url
    stop_app(process)
