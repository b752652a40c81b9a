"""Start ``python app.py`` as a user does, on a free port: for the load benchmark and the tests."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_app(args=(), env=None, log_path=None, timeout=180, command=None):
    """``python app.py`` as a user runs it, on a free port; returns (process, url) once it serves.
    ``command`` replaces ``[python, app.py]`` (e.g. to run it behind a stand-in)."""
    import subprocess
    import time
    import urllib.request

    port = free_port()
    environment = {
        **os.environ,
        "GRADIO_SERVER_NAME": "127.0.0.1",
        "GRADIO_SERVER_PORT": str(port),
        "GRADIO_ANALYTICS_ENABLED": "False",
        **(env or {}),
    }
    log = open(log_path, "w") if log_path else subprocess.DEVNULL
    process = subprocess.Popen(
        [*(command or [sys.executable, "app.py"]), *args],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
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
