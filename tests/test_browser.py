"""One real user in a real headless browser: Debian's chromium driven by Playwright."""

import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from addition.saving import load_model_folder

from .conftest import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = ROOT / "test-artifacts"


@pytest.fixture(scope="module")
def page(app_url):
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: .ci/run installs it with apt-get")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 1400})
        page.goto(app_url, wait_until="networkidle")
        yield page
        browser.close()


def test_typing_a_sum_shows_the_answer_and_the_digit_table(page):
    box = page.get_by_label("Your sum")
    box.fill("535+61")
    box.press("Enter")
    answer = page.locator("#answer")
    answer.get_by_text(re.compile(r"535 \+ 61 = ")).wait_for(timeout=30_000)
    text = answer.inner_text()
    assert "True sum: 596" in text
    assert ("☑" in text) == ("= 596 ☑" in text)  # The mark agrees with the oracle.
    table = page.locator("#probabilities table.digit-probabilities")
    table.wait_for(timeout=30_000)
    assert table.locator("td.chosen").count() == 4  # One choice per answer position.


def test_sampling_shows_marked_validation_rows(page):
    page.locator("#sample-button").click()
    page.locator("#score").get_by_text(re.compile(r"\d+/10 correct")).wait_for(timeout=30_000)
    # Gradio's Dataframe is a virtual grid: a header row plus one row per sample.
    expect(page.locator("#samples [role=grid]")).to_have_attribute("aria-rowcount", "11", timeout=30_000)
    text = page.locator("#samples").inner_text()
    assert text.count("☑") + text.count("☒") == 10
    right = int(re.search(r"(\d+)/10 correct", page.locator("#score").inner_text()).group(1))
    assert text.count("☑") == right
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "app.png"), full_page=True)


def test_a_bad_sum_shows_an_error_and_the_app_still_answers(page):
    box = page.get_by_label("Your sum")
    box.fill("12+abc")
    box.press("Enter")
    page.get_by_text(re.compile("This model adds two whole numbers")).first.wait_for(timeout=30_000)
    box.fill("999+1")
    box.press("Enter")
    page.locator("#answer").get_by_text(re.compile(r"999 \+ 1 = ")).wait_for(timeout=30_000)
    assert "True sum: 1000" in page.locator("#answer").inner_text()


def test_switching_models_changes_the_page_and_the_answers(page):
    box = page.get_by_label("Your sum")
    box.fill("535+61")
    box.press("Enter")
    page.locator("#answer").get_by_text(re.compile(r"535 \+ 61 = ")).wait_for(timeout=30_000)
    page.locator("#model input").click()
    page.get_by_role("option", name="2 digits").click()
    # The sum left in the box is too long for the 2-digit model: it says so instead of answering.
    page.locator("#answer").get_by_text("up to 2 digits").wait_for(timeout=60_000)
    page.locator("#examples").get_by_text("99+1", exact=True).click()
    page.locator("#answer").get_by_text(re.compile(r"99 \+ 1 = ")).wait_for(timeout=30_000)
    assert "True sum: 100" in page.locator("#answer").inner_text()
    assert page.locator("#probabilities td.chosen").count() == 3  # 2 digits: answers of 3 characters.
    page.get_by_role("tab", name="How it learns and fails").click()
    held_out = len(load_model_folder(ROOT / "models" / "addition-2digit").validation_pairs)
    page.get_by_text(re.compile(rf"of {held_out:,} held-out validation questions wrong")).wait_for(timeout=30_000)
    page.get_by_role("tab", name="Add").click()
    page.locator("#model input").click()
    page.get_by_role("option", name="3 digits").click()
    page.locator("#answer").get_by_text(re.compile(r"99 \+ 1 = ")).wait_for(timeout=30_000)
    page.locator("#probabilities td.chosen").nth(3).wait_for(timeout=30_000)  # Back to 4 positions.
