"""Signing in and publishing end to end, in a real browser, offline: `python app.py` started as a
Hugging Face Space starts it (SYSTEM=spaces, SPACE_ID, the OAUTH_* variables), with its OpenID
Connect provider and its Hub both stand-ins on 127.0.0.1 (tests/oidc_provider.py,
tests/hub_server.py). The visitor signs in, trains (watching the curves, the watched held-out sums
and the new model's first answer), publishes to their own account with exactly
the token the provider issued, logs out, and is then refused with nothing sent."""

import hashlib
import re
import secrets
import time

import pytest
from playwright.sync_api import expect

from addition import CHECK, CROSS
from tests.helpers import ROOT, start_app, stop_app
from tests.served.test_browser import ask, browser, set_training  # noqa: F401 (the module's headless chromium)
from tests.standins.hub_server import HubStandIn
from tests.standins.oidc_provider import OpenIDProvider

REPO = "my-adder"
HUB_CALLS = [
    "GET /api/whoami-v2",
    "POST /api/repos/create",
    "POST /api/validate-yaml",
    f"POST /api/models/visitor/{REPO}/preupload/main",
    f"POST /api/models/visitor/{REPO}/commit/main",
]


@pytest.fixture(scope="module")
def space(tmp_path_factory):
    """The provider, the Hub and the app, as a Space runs it; yields them and the app's files."""
    folder = tmp_path_factory.mktemp("signin")
    client_id, client_secret = "stand-in-client", secrets.token_urlsafe(16)
    provider = OpenIDProvider(client_id, client_secret)
    hub = HubStandIn(provider.user_for)
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
            process, url = start_app(env=env, log_path=folder / "app.log")
        try:
            yield {"url": url, "provider": provider, "hub": hub, "folder": folder, "started": started}
        finally:
            stop_app(process)
    finally:
        hub.stop()
        provider.stop()


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
    page.locator("#train-status").get_by_text("Finished").wait_for(timeout=120_000)
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


def test_pressing_train_shows_the_curves_grow_and_the_watched_answers_change(published):
    seen = published["training"]
    assert "Finished" in seen["status"]
    assert seen["watch"].count(CHECK) + seen["watch"].count(CROSS) == 10  # Ten watched held-out sums, each marked.
    assert len(seen["marks_seen"]) >= 2  # They changed as it learned (from blank to marks, at least).
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
    assert [f"{call['method']} {call['path']}" for call in calls] == HUB_CALLS
    assert {call["token_sha256"] for call in calls} == {hashlib.sha256(issued.encode()).hexdigest()}
    assert list(hub.repos) == [f"visitor/{REPO}"]
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


def test_the_token_is_in_no_log_and_no_file(space, published):
    issued = space["provider"].issued[0].encode()
    written = [path for path in space["folder"].rglob("*") if path.is_file()]
    # The working tree too: anything the app wrote there since it started.
    written += [
        path
        for path in ROOT.rglob("*")
        if path.is_file() and ".git" not in path.parts and path.stat().st_mtime >= space["started"]
    ]
    assert (space["folder"] / "app.log") in written
    assert [path for path in written if issued in path.read_bytes()] == []
