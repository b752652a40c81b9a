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
    # No training worker waiting ready: most tests here never train, and the idle worker's import
    # of TensorFlow would take a core from the tests beside it. The app as it ships (a worker
    # started ahead) is tested by tests/served/test_train_tab.py and test_signin.py.
    process, url = start_app(env={"ADDITION_READY_WORKERS": "0"}, log_path=tmp_path_factory.mktemp("app") / "app.log")
    yield url
    stop_app(process)


# The fast tier (`scripts/test --fast`) leaves out what trains a model, starts the app, drives a
# browser or runs a script in a new interpreter: every launched server and browser (tests/served),
# and these.
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


@pytest.fixture(scope="session")
def column():
    """The bundled column network, which reads sums of any length."""
    from addition.loading import load_model_folder
    from tests.helpers import MODELS_FOLDER

    return load_model_folder(MODELS_FOLDER / "addition-column")
