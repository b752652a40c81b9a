"""The Train tab of a launched `python app.py`, with real training processes, through its HTTP
API: the /train stream, the model it makes (for that session only), Stop, another cell,
publishing, and nothing left behind when the app is stopped. (The line's order and limits, and
visitors who leave, are tested in-process in test_app_service.py.)"""

import hashlib
import json
import sys
import time
import zipfile

import numpy as np
import pytest
from gradio_client import Client

from addition import CHECK, CROSS
from addition.loading import load_model_folder
from benchmarks import alive, ready_workers, running_trainers, starting_workers
from tests.helpers import start_app, stop_app
from tests.standins.scripted import wait_until

FAKE_TOKEN = "hf_" + "VisitorTokenThatMustNeverLeak" * 2
SMALL = dict(digits=2, training_size=600, cell="LSTM", hidden_size=16, layers=1, reverse=True, epochs=2, batch_size=64)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("train-tab")
    record = folder / "hub.jsonl"
    log = folder / "app.log"
    cache = folder / "gradio"  # Where the app keeps its visitors' folders: GRADIO_TEMP_DIR/addition-lstm-PID.
    process, url = start_app(
        env={"HUB_RECORD": str(record), "ADDITION_TRAIN_SECONDS": "120", "GRADIO_TEMP_DIR": str(cache)},
        log_path=log,
        # Every DeprecationWarning and FutureWarning an error, in the app and its training workers
        # alike: at start-up it stops the app, in a request it fails the call, and any other
        # reaches the log as a traceback (checked by the last test). Except the one TensorFlow
        # raises in its own code when a model is saved, which pyproject.toml lets pass too.
        command=[
            sys.executable,
            *("-W", "error::DeprecationWarning", "-W", "error::FutureWarning"),
            *("-W", "ignore:__array__ implementation:DeprecationWarning"),
            *("-c", "import tests.standins.hub_standin as s; s.run_app()"),
        ],
    )
    SERVER[:] = [process, cache / f"addition-lstm-{process.pid}"]
    yield url, record, log
    stop_app(process)


SERVER = []  # The module's app process and its workspace, for the last test, which stops it.


@pytest.fixture(scope="module")
def trained(server, tmp_path_factory):
    """One visitor (with a Hub token, as after signing in) who trained a small model: (client, updates)."""
    url, _, _ = server
    client = Client(url, verbose=False, oauth_token=FAKE_TOKEN, download_files=str(tmp_path_factory.mktemp("dl")))
    updates, _ = train(client, epochs=3)
    return client, updates


def train(client, **settings):
    """Run /train to the end; returns every update."""
    job = client.submit(**{**SMALL, **settings}, api_name="/train")
    updates = list(job)
    return updates, job


def final_result(updates) -> dict:
    return next(update[4] for update in reversed(updates) if update[4])


def test_train_streams_progress_and_its_model_answers_in_that_session_only(server, trained):
    url, _, _ = server
    client, updates = trained
    assert len(updates) >= 4  # Starting, at least one per epoch, the end.
    statuses = [update[0] for update in updates]
    assert any("Epoch" in status for status in statuses) and "Finished" in statuses[-1]
    result = final_result(updates)
    assert result["epochs_run"] == 3 and 0 <= result["validation_exact_match"] <= 1 and result["seconds"] > 0
    watched = updates[-1][3]["data"]
    assert len(watched) == 10
    for question, true_answer, model_answer, mark in watched:
        a, b = map(int, question.split("+"))
        assert int(true_answer) == a + b and mark == (CHECK if model_answer == str(a + b) else CROSS)
    # The first watched sum's dependency grid, redrawn after every epoch, beside addition's.
    first = watched[0][0]
    assert '<table class="inside-grid">' in updates[-1][7] and f"the network now, on {first}" in updates[-1][7]
    assert f"addition itself, on {first}" in updates[-1][8]
    label = result["model"]
    # The model answers /add in this session, with its per-digit probabilities...
    summary, table, details = client.predict("12+34", model=label, api_name="/add")
    assert details["true_answer"] == 46 and "<table" in table and len(details["probabilities"]) == 3
    # Another visitor cannot pick it.
    stranger = Client(url, verbose=False)
    with pytest.raises(Exception, match="not in the list of choices|no model called"):
        stranger.predict("12+34", model=label, api_name="/add")


def test_stop_keeps_the_best_epoch_frees_the_slot_and_its_worker_waits_for_the_next_run(server):
    url, _, _ = server
    client = Client(url, verbose=False)
    job = client.submit(**{**SMALL, "epochs": 100}, api_name="/train")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not any("held-out whole answers" in (u[0] or "") for u in job.outputs()):
        time.sleep(0.5)
    app = SERVER[0].pid
    trainer = running_trainers(app)
    assert len(trainer) == 1
    client.predict(api_name="/stop_training")
    updates = list(job)
    result = final_result(updates)
    # Stopped by the button, not by the wall-time cap (which would also say "stopped").
    assert result["stopped"] and not result["capped"] and 1 <= result["epochs_run"] < 100 and result["best_epoch"] >= 1
    assert "Stopped" in updates[-1][0]
    # The process ends after it has saved and said so: give a busy machine time to get there.
    assert wait_until(lambda: running_trainers(app) == [], timeout=30), running_trainers(app)
    # The same worker, its run forgotten, waits for the next run (none other was started).
    assert wait_until(lambda: ready_workers(app) == trainer, timeout=60), (ready_workers(app), trainer)
    assert starting_workers(app) == []


def test_another_cell_trains_and_answers_and_without_signing_in_publishing_sends_nothing(server, cell="GRU"):
    url, record, _ = server
    before = record.read_text().splitlines() if record.exists() else []
    anonymous = Client(url, verbose=False)
    updates, _ = train(anonymous, cell=cell, epochs=1)
    result = final_result(updates)
    assert result["settings"]["cell"] == cell.lower()
    for a, b in [(12, 34), (99, 99), (0, 7)]:
        _, _, details = anonymous.predict(f"{a}+{b}", model=result["model"], api_name="/add")
        assert details["true_answer"] == a + b and details["correct"] == (details["model_answer"] == str(a + b))
    with pytest.raises(Exception, match="sign-in, which this app offers when it runs as a Space.*push_to_hub.py"):
        anonymous.predict(result["model"], "my-adder", api_name="/publish")
    assert (record.read_text().splitlines() if record.exists() else []) == before


def test_impossible_settings_get_a_sentence(server):
    url, _, _ = server
    client = Client(url, verbose=False)
    with pytest.raises(Exception, match="only 55 different sums"):
        client.predict(**{**SMALL, "digits": 1, "training_size": 1000}, api_name="/train")
    with pytest.raises(Exception, match="Cell must be one of LSTM, GRU, SimpleRNN"):
        client.predict(**{**SMALL, "cell": "Transformer"}, api_name="/train")
    with pytest.raises(Exception, match="Epochs must be a whole number"):
        client.predict(**{**SMALL, "epochs": True}, api_name="/train")


def test_publish_uses_the_visitors_token_for_their_own_model_only(server, trained):
    url, record, log = server
    client, updates = trained
    result = final_result(updates)
    with pytest.raises(Exception, match="Only a model you trained here"):
        client.predict("3 digits", "my-adder", api_name="/publish")
    message = client.predict(result["model"], "my-adder", api_name="/publish")
    assert "huggingface.co" in message and "visitor" in message
    calls = [json.loads(line) for line in record.read_text().splitlines()]
    assert [call["call"] for call in calls] == ["whoami", "create_repo", "upload_folder"]
    assert all(call["token_sha256"] == hashlib.sha256(FAKE_TOKEN.encode()).hexdigest() for call in calls)
    upload = calls[-1]
    assert upload["repo_id"] == "visitor/my-adder"
    assert {"config.json", "model.weights.h5", "addition.json", "validation.json", "README.md"} <= set(upload["files"])
    assert "library_name: keras" in upload["files"]["README.md"]
    assert FAKE_TOKEN not in record.read_text() and FAKE_TOKEN not in log.read_text()


@pytest.mark.parametrize("name", ["a模型", "café", "a.git", "a--b", "a..b", "-a", "a/b", ""])
def test_a_repo_name_the_hub_refuses_is_refused_before_the_token_is_used(server, trained, name):
    url, record, _ = server
    client, updates = trained
    before = record.read_text().splitlines() if record.exists() else []
    with pytest.raises(Exception, match="repo name"):
        client.predict(final_result(updates)["model"], name, api_name="/publish")
    assert (record.read_text().splitlines() if record.exists() else []) == before  # Not even whoami.


def test_the_downloaded_zip_is_a_model_folder_the_scripts_accept(trained, tmp_path, capsys):
    from tests.helpers import run_script

    client, updates = trained
    download = updates[-1][5]
    path = download if isinstance(download, str) else download.get("value")
    with zipfile.ZipFile(path) as archive:
        archive.extractall(tmp_path / "unzipped")
    (folder,) = list((tmp_path / "unzipped").iterdir())
    loaded = load_model_folder(folder)
    assert loaded.codec.digits == 2
    code, out, _ = run_script("evaluate", [str(folder)], capsys)
    assert code == 0 and "all 10,000 sums" in out
    # Its answers are Keras's own, and the app gave the same in the session that trained it.
    pairs = np.array([[12, 34], [99, 1], [5, 5]])
    keras_answers = loaded.codec.decode_answers(
        loaded.model.predict_on_batch(loaded.codec.encode_questions(pairs)).argmax(-1)
    )
    for (a, b), expected in zip(pairs.tolist(), keras_answers):
        _, _, details = client.predict(f"{a}+{b}", model=final_result(updates)["model"], api_name="/add")
        assert details["model_answer"] == expected.strip()


def test_every_other_endpoint_answers_without_a_deprecation_warning(server):
    url, _, _ = server
    client = Client(url, verbose=False)
    _, _, details = client.predict("535+61", api_name="/add")
    assert details["true_answer"] == 596
    assert "/10 correct" in client.predict(10, api_name="/sample")[0]
    assert client.predict("999+1", api_name="/explain")["true_answer"] == 1000
    assert json.loads(client.predict(12, 34, api_name="/add_numbers"))["true_answer"] == 46


def test_sigterm_ends_the_training_and_deletes_every_visitors_file(server):
    # The last test here: it stops the module's app, with a visitor's training under way (and
    # whatever models the visitors before kept).
    import signal

    from gradio_client import Client

    url, _, log = server
    process, workspace = SERVER
    Client(url, verbose=False).submit(**{**SMALL, "epochs": 100}, api_name="/train")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not running_trainers(process.pid):
        time.sleep(0.5)
    assert running_trainers(process.pid) and list(workspace.iterdir())  # The run under way has its folder.
    workers = running_trainers(process.pid) + ready_workers(process.pid) + starting_workers(process.pid)
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)
    assert wait_until(lambda: not any(alive(pid) for pid in workers), timeout=20)  # Training and waiting alike.
    assert not workspace.exists()
    assert "Traceback" not in log.read_text() and "Warning" not in log.read_text()
