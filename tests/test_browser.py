"""One real user in a real headless browser: Debian's chromium driven by Playwright."""

import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

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
