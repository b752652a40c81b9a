"""The Train tab of a launched `python app.py`, started as a Hugging Face Space starts it
(SYSTEM=spaces, SPACE_ID, the OAUTH_* variables) with its OpenID Connect provider and its Hub both
stand-ins on 127.0.0.1 (tests/standins/oidc_provider.py, hub_server.py), real training workers,
and every DeprecationWarning and FutureWarning an error.

In a browser, a visitor signs in, trains (watching the curves, the watched held-out sums and the
new model's first answer), publishes to their own account with exactly the token the provider
issued, logs out, and is then refused with nothing sent. Through the HTTP API: the /train stream,
the model it makes (for that session only), Stop, another cell, publishing with a token a client
passes, and nothing left behind when the app is stopped (the last test). The tests run in file
order: the browser's first (their Hub counts assume no API publish yet), SIGTERM's last. (The
line's order and limits, visitors who leave, and publishing off a Space are tested in-process in
tests/app/test_service.py.)"""

import hashlib
import json
import re
import secrets
import sys
import time
import zipfile

import numpy as np
import pytest
from gradio_client import Client
from playwright.sync_api import expect

from addition import CHECK, CROSS
from addition.loading import load_model_folder
from benchmarks import alive, ready_workers, running_trainers, starting_workers
from tests.helpers import ROOT, start_app, stop_app
from tests.served.test_browser import ask, browser, set_training  # noqa: F401 (the module's headless chromium)
from tests.standins.hub_server import HubStandIn
from tests.standins.oidc_provider import OpenIDProvider
from tests.standins.scripted import wait_until

REPO = "my-adder"
HUB_CALLS = [
    "GET /api/whoami-v2",
    "POST /api/repos/create",
    "POST /api/validate-yaml",
    "POST /api/models/{user}/{repo}/preupload/main",
    "POST /api/models/{user}/{repo}/commit/main",
]
# A Hub token an API client passes (gradio_client's oauth_token), which the Hub stand-in takes
# for the account API_USER's; the browser's visitor gets theirs from the provider.
API_TOKEN, API_USER = "hf_" + "VisitorTokenThatMustNeverLeak" * 2, "api-visitor"
SMALL = dict(digits=2, training_size=600, cell="LSTM", hidden_size=16, layers=1, reverse=True, epochs=2, batch_size=64)


def hub_calls(user, repo=REPO):
    return [call.format(user=user, repo=repo) for call in HUB_CALLS]


@pytest.fixture(scope="module")
def space(tmp_path_factory):
    """The provider, the Hub and the app, as a Space runs it; yields them, the app's process and
    files (its visitors' folders are in GRADIO_TEMP_DIR/addition-lstm-PID)."""
    folder = tmp_path_factory.mktemp("space")
    client_id, client_secret = "stand-in-client", secrets.token_urlsafe(16)
    provider = OpenIDProvider(client_id, client_secret)
    hub = HubStandIn(lambda token: provider.user_for(token) or (API_USER if token == API_TOKEN else None))
    env = {
        "SYSTEM": "spaces",
        "SPACE_ID": "me/addition-demo",
        "OAUTH_CLIENT_ID": client_id,
        "OAUTH_CLIENT_SECRET": client_secret,
        "OAUTH_SCOPES": "openid profile contribute-repos",
        "OPENID_PROVIDER_URL": provider.url,
        "HF_ENDPOINT": hub.url,
        "HF_HOME": str(folder / "hf-home"),
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "GRADIO_TEMP_DIR": str(folder / "gradio"),
        "ADDITION_TRAIN_SECONDS": "120",
    }
    try:
        # SPACE_HOST would send the sign-in back to https://SPACE_HOST; no token but the visitor's.
        with pytest.MonkeyPatch.context() as unset:
            for name in ("SPACE_HOST", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"):
                unset.delenv(name, raising=False)
            started = time.time()
            process, url = start_app(
                env=env,
                log_path=folder / "app.log",
                # Every DeprecationWarning and FutureWarning an error, in the app and its training
                # workers alike: at start-up it stops the app, in a request it fails the call, and
                # any other reaches the log as a traceback (checked by the last test). Except the one
                # TensorFlow raises in its own code when a model is saved, which pyproject.toml lets
                # pass too.
                command=[
                    sys.executable,
                    *("-W", "error::DeprecationWarning", "-W", "error::FutureWarning"),
                    *("-W", "ignore:__array__ implementation:DeprecationWarning"),
                    "app.py",
                ],
            )
        workspace = folder / "gradio" / f"addition-lstm-{process.pid}"
        try:
            yield {
                "url": url,
                "provider": provider,
                "hub": hub,
                "folder": folder,
                "started": started,
                "process": process,
                "workspace": workspace,
                "log": folder / "app.log",
            }
        finally:
            stop_app(process)
    finally:
        hub.stop()
        provider.stop()


# In a browser: signing in, training, publishing, logging out.
def sign_in_button(page):
    return page.get_by_role("button", name=re.compile("Sign in with Hugging Face"))


def logout_button(page):
    return page.get_by_role("button", name="Logout (visitor)")


def to_train_tab(page):
    """The Train tab, where the sign-in button is (each sign-in and logout reloads the page)."""
    page.get_by_role("tab", name="Train", exact=True).click()


def open_app(browser, url):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 1400})
    page.goto(url, wait_until="load")
    page.locator("#description").get_by_text("two whole numbers").wait_for(timeout=120_000)
    return page


def watch_a_training(page) -> dict:
    """On the Train tab, as a visitor watching it: 600 questions, 3 epochs; what the tab showed
    as it went and at the end, and the new model's answer on the Add tab (then back to Train)."""
    set_training(page, questions=600, epochs=3)
    page.locator("#train-button").click()
    status, watch = page.locator("#train-status"), page.locator("#watch")
    status.get_by_text(re.compile(r"Starting|Epoch \d+ of 3")).wait_for(timeout=120_000)
    marks_seen = set()
    for _ in range(600):  # Until the run ends (at most ~5 minutes), noting each epoch's marks.
        text = watch.inner_text()
        marks_seen.add((text.count(CHECK), text.count(CROSS)))
        if re.search("Finished|Stopped", status.inner_text()):
            break
        page.wait_for_timeout(500)
    seen = {"status": status.inner_text(), "watch": watch.inner_text(), "marks_seen": marks_seen}
    page.locator("#watched-grid table.inside-grid").wait_for(timeout=30_000)  # Redrawn each epoch.
    page.locator("#train-accuracy svg, #train-accuracy canvas").first.wait_for(timeout=30_000)
    page.locator("#download").wait_for(timeout=30_000)
    page.set_viewport_size({"width": 390, "height": 900})  # The same page on a phone.
    watch.scroll_into_view_if_needed()
    marks = watch.locator("span").filter(has_text=re.compile(f"^[{CHECK}{CROSS}]$")).filter(visible=True)
    cells = [watch.locator("th").filter(has_text="right?").first, *marks.all()]
    seen["phone_marks"] = [box["x"] + box["width"] <= 390 for box in (cell.bounding_box() for cell in cells)]
    network, addition = (
        page.locator(f"#{name} table").first.bounding_box() for name in ("watched-grid", "watched-addition")
    )
    seen["phone_grids_stacked"] = addition["y"] >= network["y"] + network["height"] - 1
    page.set_viewport_size({"width": 1280, "height": 1400})
    # The new model is chosen at once (the page redrawn for it) and answers on the Add tab.
    expect(page.locator("#model input")).to_have_value(re.compile("Your model"), timeout=30_000)
    page.get_by_role("tab", name="Add").click()
    page.locator("#description").get_by_text("your model").wait_for(timeout=60_000)
    ask(page, "12+34")
    page.locator("#answer").get_by_text(re.compile(r"12 \+ 34 = ")).wait_for(timeout=30_000)
    seen["answer"] = page.locator("#answer").inner_text()
    seen["chosen_digits"] = page.locator("#probabilities td.chosen").count()
    to_train_tab(page)
    return seen


def train_tiny_model(page):
    """On the Train tab: 600 questions, 2 epochs; returns the Model menu's label once it ends."""
    set_training(page, questions=600, epochs=2)
    page.locator("#train-button").click()
    page.locator("#train-status").get_by_text("Finished").wait_for(timeout=240_000)
    menu = page.locator("#model input")
    expect(menu).to_have_value(re.compile("Your model"), timeout=30_000)  # Chosen when training ends.
    return menu.input_value()


def publish(page, repo=REPO):
    page.get_by_label("Repo name").fill(repo)
    page.locator("#publish-button").click()


@pytest.fixture(scope="module")
def published(browser, space):  # noqa: F811
    """One visitor signs in, trains and publishes; yields the page and what the stand-ins saw."""
    page = open_app(browser, space["url"])
    to_train_tab(page)
    # Out to the provider, which approves at once, and back to the app (a new page), signed in.
    with page.expect_navigation(wait_until="load", timeout=60_000):
        sign_in_button(page).click()
    page.locator("#description").get_by_text("two whole numbers").wait_for(timeout=60_000)
    to_train_tab(page)
    logout_button(page).wait_for(timeout=30_000)
    assert space["hub"].requests == []  # Signing in asks the provider only.
    training = watch_a_training(page)
    publish(page)
    done, refused = page.get_by_text(f"Published to visitor/{REPO}"), page.locator(".toast-body")
    done.or_(refused).first.wait_for(timeout=60_000)
    assert done.is_visible(), f"Publishing was refused: {refused.all_inner_texts()}"
    try:
        yield {"page": page, "hub_calls": list(space["hub"].requests), "training": training}
    finally:
        page.close()


def test_pressing_train_shows_the_curves_and_the_watched_answers_marked_once_answered(published):
    """In the browser: the chart drawn, the ten watched sums blank until the network has answered
    them and then each marked. (That the curves grow epoch by epoch: the /train stream's test.)"""
    seen = published["training"]
    assert "Finished" in seen["status"]
    assert seen["watch"].count(CHECK) + seen["watch"].count(CROSS) == 10  # Ten watched held-out sums, each marked.
    assert (0, 0) in seen["marks_seen"]  # Blank before the first epoch had answered them.
    # On a phone: the ☑/☒ column in view (its header and ten marks), the two grids one above the other.
    assert len(seen["phone_marks"]) == 11 and all(seen["phone_marks"]) and seen["phone_grids_stacked"]
    assert seen["chosen_digits"] == len(str(99 + 99))  # The new model's digit table for 12+34.
    shown = re.search(rf"12 \+ 34 = *(\d*) *([{CHECK}{CROSS}])", seen["answer"])
    assert shown and shown.group(2) == (CHECK if shown.group(1) == str(12 + 34) else CROSS)


def test_signing_in_goes_through_the_provider_once(space, published):
    provider = space["provider"]
    assert len(provider.issued) == 1
    assert provider.requests.count(("GET", "/oauth/authorize")) == 1
    assert provider.requests.count(("POST", "/oauth/token")) == 1
    assert ("GET", "/oauth/jwks") in provider.requests  # The id_token's signature was checked.


def test_publishing_creates_the_repo_under_the_visitor_with_the_issued_token_only(space, published):
    hub, issued = space["hub"], space["provider"].issued[0]
    calls = published["hub_calls"]
    assert [f"{call['method']} {call['path']}" for call in calls] == hub_calls("visitor")
    assert {call["token_sha256"] for call in calls} == {hashlib.sha256(issued.encode()).hexdigest()}
    assert [repo for repo in hub.repos if repo.startswith("visitor/")] == [f"visitor/{REPO}"]
    files = hub.repos[f"visitor/{REPO}"]["files"]
    assert {"config.json", "model.weights.h5", "addition.json", "validation.json", "README.md"} <= set(files)
    assert b"library_name: keras" in files["README.md"] and f"visitor/{REPO}".encode() in files["README.md"]


def test_after_logout_publishing_is_refused_and_nothing_reaches_the_hub(space, published):
    page, hub = published["page"], space["hub"]
    # Back, signed out, on a new page (the model went with the old one).
    with page.expect_navigation(wait_until="load", timeout=60_000):
        logout_button(page).click()
    page.locator("#description").get_by_text("two whole numbers").wait_for(timeout=60_000)
    to_train_tab(page)
    sign_in_button(page).wait_for(timeout=30_000)
    expect(page.get_by_role("button", name=re.compile("Logout"))).to_have_count(0)
    train_tiny_model(page)
    publish(page)
    page.get_by_text(re.compile("Sign in with Hugging Face first")).first.wait_for(timeout=30_000)
    page.wait_for_timeout(1000)  # Room for a request that should not come.
    assert len(hub.requests) == len(published["hub_calls"])
    assert len(space["provider"].issued) == 1
    page.close()  # The browser's part is over (an open Gradio page keeps drawing).


# Through the HTTP API, as a script calls it.


@pytest.fixture(scope="module")
def trained(space, tmp_path_factory):
    """One visitor (a script passing a Hub token) who trained a small model: (client, updates)."""
    download = str(tmp_path_factory.mktemp("dl"))
    client = Client(space["url"], verbose=False, oauth_token=API_TOKEN, download_files=download)
    updates, _ = train(client, epochs=3)
    return client, updates


def train(client, **settings):
    """Run /train to the end; returns every update."""
    job = client.submit(**{**SMALL, **settings}, api_name="/train")
    updates = list(job)
    return updates, job


def final_result(updates) -> dict:
    return next(update[4] for update in reversed(updates) if update[4])


def test_train_streams_progress_and_its_model_answers_in_that_session_only(space, trained):
    client, updates = trained
    assert len(updates) >= 4  # Starting, at least one per epoch, the end.
    statuses = [update[0] for update in updates]
    assert any("Epoch" in status for status in statuses) and "Finished" in statuses[-1]
    result = final_result(updates)
    assert result["epochs_run"] == 3 and 0 <= result["validation_exact_match"] <= 1 and result["seconds"] > 0
    # The accuracy curve grows by one point per line after each epoch, and only then.
    points = [len(update[1]["data"]) for update in updates if "data" in (update[1] or {})]  # Else unchanged.
    per_epoch = points[-1] // 3
    assert per_epoch >= 1 and sorted(set(points)) == [per_epoch, 2 * per_epoch, 3 * per_epoch]
    watched = updates[-1][3]["data"]
    assert len(watched) == 10
    for question, true_answer, model_answer, mark in watched:
        a, b = map(int, question.split("+"))
        assert int(true_answer) == a + b and mark == (CHECK if model_answer == str(a + b) else CROSS)
    # The first watched sum's dependency grid, redrawn after every epoch, beside addition's.
    first = watched[0][0].replace(" ", "")  # The table spaces the sum out: the grids name it as typed.
    assert '<table class="inside-grid">' in updates[-1][7] and f"the network now, on {first}" in updates[-1][7]
    assert f"addition itself, on {first}" in updates[-1][8]
    label = result["model"]
    # The model answers /add in this session, with its per-digit probabilities...
    summary, table, details = client.predict("12+34", model=label, api_name="/add")
    assert details["true_answer"] == 46 and "<table" in table and len(details["probabilities"]) == 3
    # Another visitor cannot pick it.
    stranger = Client(space["url"], verbose=False)
    with pytest.raises(Exception, match="not in the list of choices|no model called"):
        stranger.predict("12+34", model=label, api_name="/add")


def test_stop_keeps_the_best_epoch_of_another_cell_which_answers_and_without_signing_in_publishes_nothing(space):
    """An anonymous visitor's GRU run, stopped after its first epoch: the model it keeps answers,
    publishing it is refused with nothing sent, and its worker waits for the next run."""
    hub, app = space["hub"], space["process"].pid
    before = len(hub.requests)
    anonymous = Client(space["url"], verbose=False)
    job = anonymous.submit(**{**SMALL, "cell": "GRU", "epochs": 100}, api_name="/train")
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and not any("held-out whole answers" in (u[0] or "") for u in job.outputs()):
        time.sleep(0.5)
    trainer = running_trainers(app)
    assert len(trainer) == 1
    anonymous.predict(api_name="/stop_training")
    updates = list(job)
    result = final_result(updates)
    # Stopped by the button, not by the wall-time cap (which would also say "stopped").
    assert result["stopped"] and not result["capped"] and 1 <= result["epochs_run"] < 100 and result["best_epoch"] >= 1
    assert "Stopped" in updates[-1][0] and result["settings"]["cell"] == "gru"
    for a, b in [(12, 34), (99, 99), (0, 7)]:
        _, _, details = anonymous.predict(f"{a}+{b}", model=result["model"], api_name="/add")
        assert details["true_answer"] == a + b and details["correct"] == (details["model_answer"] == str(a + b))
    with pytest.raises(Exception, match="Sign in with Hugging Face first"):
        anonymous.predict(result["model"], "my-adder", api_name="/publish")
    assert len(hub.requests) == before
    # The run is over once it has saved and said so; the same worker, its run forgotten and the
    # default run made ahead again (at low priority: give a busy machine time), waits for the next
    # run, and none other was started.
    assert wait_until(lambda: running_trainers(app) == [], timeout=30), running_trainers(app)
    assert wait_until(lambda: ready_workers(app) == trainer, timeout=120), (ready_workers(app), trainer)
    assert starting_workers(app) == []


def test_impossible_settings_get_a_sentence(space):
    client = Client(space["url"], verbose=False)
    with pytest.raises(Exception, match="only 55 different sums"):
        client.predict(**{**SMALL, "digits": 1, "training_size": 1000}, api_name="/train")
    with pytest.raises(Exception, match="Cell must be one of LSTM, GRU, SimpleRNN"):
        client.predict(**{**SMALL, "cell": "Transformer"}, api_name="/train")
    with pytest.raises(Exception, match="Epochs must be a whole number"):
        client.predict(**{**SMALL, "epochs": True}, api_name="/train")


def test_publish_uses_the_callers_token_for_their_own_model_only(space, trained):
    hub = space["hub"]
    client, updates = trained
    result = final_result(updates)
    with pytest.raises(Exception, match="Only a model you trained here"):
        client.predict("3 digits", "my-adder", api_name="/publish")
    before = len(hub.requests)
    message = client.predict(result["model"], "my-adder", api_name="/publish")
    assert f"[{API_USER}/my-adder](https://huggingface.co/{API_USER}/my-adder)" in message
    calls = hub.requests[before:]
    assert [f"{call['method']} {call['path']}" for call in calls] == hub_calls(API_USER)
    assert {call["token_sha256"] for call in calls} == {hashlib.sha256(API_TOKEN.encode()).hexdigest()}
    files = hub.repos[f"{API_USER}/my-adder"]["files"]
    assert {"config.json", "model.weights.h5", "addition.json", "validation.json", "README.md"} <= set(files)
    assert b"library_name: keras" in files["README.md"]
    assert API_TOKEN not in space["log"].read_text()


@pytest.mark.parametrize("name", ["a模型", "café", "a.git", "a--b", "a..b", "-a", "a/b", ""])
def test_a_repo_name_the_hub_refuses_is_refused_before_the_token_is_used(space, trained, name):
    hub = space["hub"]
    client, updates = trained
    before = len(hub.requests)
    with pytest.raises(Exception, match="repo name"):
        client.predict(final_result(updates)["model"], name, api_name="/publish")
    assert len(hub.requests) == before  # Not even whoami.


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


def test_every_other_endpoint_answers_without_a_deprecation_warning(space):
    client = Client(space["url"], verbose=False)
    _, _, details = client.predict("535+61", api_name="/add")
    assert details["true_answer"] == 596
    assert "/10 correct" in client.predict(10, api_name="/sample")[0]
    assert client.predict("999+1", api_name="/explain")["true_answer"] == 1000
    assert json.loads(client.predict(12, 34, api_name="/add_numbers"))["true_answer"] == "46"


def test_no_token_is_in_a_log_or_a_file(space, published, trained):
    # The one the provider issued to the browser's visitor and the one the script passed.
    tokens = [space["provider"].issued[0].encode(), API_TOKEN.encode()]
    written = [path for path in space["folder"].rglob("*") if path.is_file()]
    # The working tree too: anything the app wrote there since it started.
    written += [
        path
        for path in ROOT.rglob("*")
        if path.is_file() and ".git" not in path.parts and modified(path) >= space["started"]
    ]
    assert (space["folder"] / "app.log") in written
    assert [path for path in written if any(token in contents(path) for token in tokens)] == []


def modified(path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def contents(path) -> bytes:
    """A file's bytes; nothing for one that another test process removed since it was listed."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""


def test_sigterm_ends_the_training_and_deletes_every_visitors_file(space):
    # The last test here: it stops the module's app, with a visitor's training under way (and
    # whatever models the visitors before kept).
    import signal

    process, workspace, log = space["process"], space["workspace"], space["log"]
    before = {path.name for path in workspace.iterdir()}  # The folders of the models visitors kept.
    Client(space["url"], verbose=False).submit(**{**SMALL, "epochs": 100}, api_name="/train")
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and not running_trainers(process.pid):
        time.sleep(0.5)
    assert running_trainers(process.pid) and {path.name for path in workspace.iterdir()} - before  # Its own folder.
    workers = running_trainers(process.pid) + ready_workers(process.pid) + starting_workers(process.pid)
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)
    assert wait_until(lambda: not any(alive(pid) for pid in workers), timeout=20)  # Training and waiting alike.
    assert not workspace.exists()
    # Gradio starts its Spaces hot-reloader on any Space (SPACE_ID set), and that thread ends at
    # once with a traceback where the `spaces` package is not installed, as here and in a Space
    # built from requirements.txt alone; the app serves on. That one traceback, and nothing else.
    text = re.sub(SPACES_RELOADER, "", log.read_text())
    assert "Traceback" not in text and "Warning" not in text


SPACES_RELOADER = re.compile(
    r"Exception in thread [^\n]+:\nTraceback \(most recent call last\):\n(?:  [^\n]*\n)+"
    r"RuntimeError: `spaces` package is required to run hot-reloading in Spaces\n"
)
