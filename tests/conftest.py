import pytest

from benchmarks.serve import start_app, stop_app
from tests.helpers import BUNDLED_MODEL, TINY_CONFIG


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory):
    """A 2-digit model trained for seconds (far from accurate: for plumbing, not quality)."""
    from addition.config import TrainConfig
    from addition.training import train_and_save

    folder = tmp_path_factory.mktemp("tiny") / "model"
    config = TrainConfig().replace(**TINY_CONFIG)
    result, saved, _ = train_and_save(config, folder, command="pytest tiny", whole_space_sample=1000)
    return result, saved


@pytest.fixture(scope="session")
def bundled():
    from addition.loading import load_model_folder

    return load_model_folder(BUNDLED_MODEL)


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    """One launched ``python app.py`` for the whole run, shared by the test processes (xdist):
    the first to ask starts it; the run's main process stops it at the end (``pytest_sessionfinish``).

    No training worker waits ready in it: most tests here never train, and the idle worker's
    import of TensorFlow would take a core from the tests beside it. The app as it ships (a worker
    started ahead) is tested by tests/served/test_train_tab.py."""
    import fcntl
    import json
    import os

    env = {"ADDITION_READY_WORKERS": "0"}
    if "PYTEST_XDIST_WORKER" not in os.environ:  # One test process: the fixture's own server.
        process, url = start_app(env=env, log_path=tmp_path_factory.mktemp("app") / "app.log")
        yield url
        stop_app(process)
        return
    shared = shared_folder(os.getppid())  # The workers' parent is the run's main process.
    shared.mkdir(exist_ok=True)
    with open(shared / "app.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # Until the first one has started it.
        if not (shared / "app.json").exists():
            process, url = start_app(env=env, log_path=shared / "app.log")
            (shared / "app.json").write_text(json.dumps({"pid": process.pid, "url": url}))
        url = json.loads((shared / "app.json").read_text())["url"]
    yield url


def shared_folder(main_pid: int):
    import tempfile
    from pathlib import Path

    return Path(tempfile.gettempdir()) / f"addition-tests-{main_pid}"


def pytest_sessionfinish(session):
    """In the run's main process, after every test process has ended: stop the shared app."""
    import json
    import os
    import shutil
    import signal

    if hasattr(session.config, "workerinput"):  # A test process, not the main one.
        return
    shared = shared_folder(os.getpid())
    if (shared / "app.json").exists():
        pid = json.loads((shared / "app.json").read_text())["pid"]
        try:
            os.kill(pid, signal.SIGTERM)
            for _ in range(200):  # Up to 20 s for its own clean-up, as stop_app allows.
                if ended(pid):
                    break
                __import__("time").sleep(0.1)
            else:
                os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    shutil.rmtree(shared, ignore_errors=True)


def ended(pid: int) -> bool:
    """Whether the process has exited. By the run's end the test process that started the shared
    app has exited, and PID 1 (on some machines) reaps the orphaned app only later: until then it
    is a zombie, which a signal 0 still finds (Linux's /proc says Z)."""
    import os

    if os.path.isdir("/proc/self"):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
        except FileNotFoundError:
            return True
    try:
        os.kill(pid, 0)
        return False
    except ProcessLookupError:
        return True


# The fast tier (`scripts/test --fast`) leaves out what trains a model, starts the app, drives a
# browser or runs a script through to TensorFlow in a new interpreter: every launched server and
# browser (tests/served), these, and the tests marked slow themselves. (A script refused before
# TensorFlow loads is fast.)
SLOW_FIXTURES = {"tiny_model", "app_url", "server", "browser", "page", "client", "stage"}
SLOW_MODULES = {
    "test_benchmarks",
    "test_bundled_model",
    "test_column_training",
    "test_hostile_folders",
    "test_notebook",
    "test_package",
    "test_service",
    "test_train_cli",
    "test_training",
}


def pytest_collection_modifyitems(items):
    for item in items:
        module = item.module.__name__
        if (
            SLOW_FIXTURES & set(getattr(item, "fixturenames", ()))
            or module.startswith("tests.served.")
            or module.split(".")[-1] in SLOW_MODULES
        ):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def fast_tests_never_train(request, monkeypatch):
    """Keeps the fast tier what the README says: a test not marked slow that trains fails here."""
    if request.node.get_closest_marker("slow") is None:
        import keras

        def fit(*args, **kwargs):
            raise AssertionError("This test trains: mark it slow (tests/conftest.py).")

        monkeypatch.setattr(keras.Model, "fit", fit)


@pytest.fixture(scope="session")
def column():
    """The bundled column network, which reads sums of any length."""
    from addition.loading import load_model_folder
    from tests.helpers import COLUMN_MODEL

    return load_model_folder(COLUMN_MODEL)
