"""The repo deploys unchanged as a Gradio Space: front matter and requirements agree, and the
Space's numeric variables are checked."""

import re

import pytest
import yaml

from tests.helpers import MODELS_FOLDER, ROOT


def front_matter():
    text = (ROOT / "README.md").read_text()
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n")[1])


def pinned(name):
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        match = re.fullmatch(rf"{name}(\[[\w,]+\])?==(\S+)", line.split("#")[0].strip())
        if match:
            return match.group(2)
    raise AssertionError(f"{name} is not pinned in requirements.txt")


def test_front_matter_describes_a_gradio_space():
    meta = front_matter()
    assert meta["sdk"] == "gradio"
    assert meta["sdk_version"] == pinned("gradio")
    assert (ROOT / meta["app_file"]).is_file()
    assert meta["title"] and meta["short_description"] and len(meta["short_description"]) <= 60
    assert isinstance(meta["models"], list)
    assert {"keras", "lstm", "mcp-server"} <= set(meta["tags"])  # What the Hub lists the Space under.


def test_the_space_python_satisfies_every_pinned_package():
    # A Space builds on Python 3.10 unless python_version says otherwise, and then fails to
    # install keras 3.15 and numpy 2.4. Each installed distribution's own metadata says what it needs.
    from importlib.metadata import PackageNotFoundError, metadata, requires

    from packaging.requirements import Requirement
    from packaging.specifiers import SpecifierSet
    from packaging.version import Version

    python = Version(str(front_matter()["python_version"]))
    names = [
        Requirement(line.split("#")[0]).name
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if "==" in line.split("#")[0]
    ]
    checked, queue = set(), list(names)
    while queue:  # The pins and everything they pull in, as installed here.
        name = queue.pop()
        if name.lower() in checked:
            continue
        checked.add(name.lower())
        try:
            needs = metadata(name).get("Requires-Python")
            dependencies = requires(name) or []
        except PackageNotFoundError:
            continue
        if needs:
            assert python in SpecifierSet(needs), f"{name} requires Python {needs}, the Space runs {python}"
        for line in dependencies:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"python_version": str(python), "extra": ""}):
                queue.append(requirement.name)
    assert {"keras", "numpy", "gradio"} <= checked


def test_requirements_pin_every_package():
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            assert "==" in line, line
    assert pinned("tensorflow-cpu") and pinned("keras") and pinned("huggingface-hub")


def test_the_bundled_models_are_small_and_complete():
    folders = sorted(path for path in MODELS_FOLDER.iterdir() if path.name != "illustrations")
    names = [folder.name for folder in folders]
    assert [name for name in names if name.endswith("digit")] == [f"addition-{digits}digit" for digits in (2, 3, 4, 5)]
    # The 3-digit training as it was after epochs 1, 2 and 4: networks still making mistakes.
    assert [name for name in names if "-epoch" in name] == [f"addition-3digit-epoch{epoch}" for epoch in (1, 2, 4)]
    assert "addition-column" in names  # The column network: any length.
    # Not in the Model menu: the Inside tab's reading-order model, for the reversal comparison.
    folders.append(MODELS_FOLDER / "illustrations" / "addition-3digit-reading-order")
    for folder in folders:
        names = {path.name for path in folder.iterdir()}
        assert {
            "config.json",
            "metadata.json",
            "model.weights.h5",
            "addition.json",
            "validation.json",
            "history.json",
        } <= names
        assert sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) < 2_000_000


@pytest.mark.parametrize(
    "name, value, low",
    [
        ("ADDITION_TRAINERS", "0", 1),
        ("ADDITION_TRAINERS", "two", 1),
        ("ADDITION_TRAIN_SECONDS", "abc", 1),
        ("ADDITION_TRAIN_SECONDS", "-5", 1),
        ("ADDITION_READY_WORKERS", "1.5", 0),
        ("ADDITION_READY_WORKERS", "٣", 0),
    ],
)
def test_a_bad_number_in_the_spaces_variables_stops_the_app_in_one_line(name, value, low, monkeypatch, capsys):
    """Each of the app's numeric variables alike: a sentence naming it, no traceback, before
    TensorFlow is imported or anything started."""
    from demo.launch import main, parse_arguments, whole_number_setting

    monkeypatch.setenv(name, value)
    monkeypatch.setattr("demo.launch.import_tensorflow", lambda: pytest.fail("TensorFlow imported"))
    with pytest.raises(SystemExit) as exit_info:
        main(parse_arguments([]))
    assert exit_info.value.code == 1
    assert capsys.readouterr().err == f"error: {name} must be a whole number of at least {low}, got {value!r}\n"
    monkeypatch.setenv(name, "7")
    assert whole_number_setting(name, 3, low) == 7
    monkeypatch.setenv(name, "")  # As unset.
    assert whole_number_setting(name, 3, low) == 3


def test_the_server_log_leaves_out_pydantics_note_on_gradios_own_route_aliases_and_nothing_else():
    """The note comes at the first request to one of Gradio's routes or another, so a launched
    app shows it on some runs only: the filter is checked here, with the note as pydantic words it."""
    import warnings

    from pydantic.warnings import UnsupportedFieldAttributeWarning

    from demo.launch import quiet_library_notes

    note = "The 'alias' attribute with value 'body' was provided to the `Field()` function, which has no effect"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        quiet_library_notes()
        for message, category in [
            (note, UnsupportedFieldAttributeWarning),
            (note.replace("'body'", "'ext'"), UnsupportedFieldAttributeWarning),
            ("The 'default' attribute with value 1 was provided", UnsupportedFieldAttributeWarning),
            (note, UserWarning),
        ]:
            warnings.warn(message, category, stacklevel=1)
    said = [(str(warning.message)[:22], warning.category.__name__) for warning in caught]
    assert said == [
        ("The 'default' attribut", "UnsupportedFieldAttributeWarning"),
        ("The 'alias' attribute ", "UserWarning"),
    ]


def test_a_stop_as_the_app_starts_closes_it_once_the_model_being_loaded_is_loaded(monkeypatch):
    """SIGTERM (a Space restarting) or Ctrl-C can come before Gradio's own wait for it has begun,
    while the models load in the background: ``main`` closes the server and returns (exit 0, no
    traceback), once the model being loaded has loaded (TensorFlow aborts a process that exits
    in the middle of one) and without starting another."""
    import atexit
    import signal
    import threading
    import time
    import warnings

    import gradio as gr

    from benchmarks.serve import free_port
    from demo.launch import main, parse_arguments
    from demo.models import Catalog

    preloading, preloaded, closed, daemon = threading.Event(), [], [], []
    get = Catalog.get

    def slow_preload(catalog, label):
        if threading.current_thread().name != "preload-models":
            return get(catalog, label)
        preloading.set()
        daemon.append(threading.current_thread().daemon)
        time.sleep(1)  # Long enough for the stop to come in the middle.
        preloaded.append(get(catalog, label))
        return preloaded[-1]

    def stopped_as_it_starts(demo, **options):
        assert preloading.wait(timeout=60)
        raise KeyboardInterrupt  # What demo.launch.interrupt raises on SIGTERM.

    monkeypatch.setattr(Catalog, "get", slow_preload)
    monkeypatch.setattr(gr.Blocks, "launch", stopped_as_it_starts)
    monkeypatch.setattr(gr.Blocks, "close", lambda demo: closed.append(demo))
    at_exit = []  # Run here, not at this test process's exit.
    monkeypatch.setattr(atexit, "register", at_exit.append)
    monkeypatch.setattr(signal, "signal", lambda number, handler: None)
    monkeypatch.setenv("ADDITION_READY_WORKERS", "0")
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "")
    with warnings.catch_warnings():
        try:
            main(parse_arguments(["--port", str(free_port())]))
        except KeyboardInterrupt:
            pytest.fail("the stop left main as a KeyboardInterrupt: a traceback, and not exit 0")
        finally:
            for function in at_exit:
                function()
    assert len(closed) == 1
    assert len(preloaded) == 1  # The one it was loading when stopped, and no other.
    assert daemon == [False]  # A daemon thread would not be waited for at exit.
    assert not [thread for thread in threading.enumerate() if thread.name == "preload-models"]
