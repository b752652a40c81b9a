"""Real users in a real headless browser (Debian's chromium driven by Playwright), at a desktop
width and at a phone's. (The README's screenshots are made by `python -m scripts.screenshots`:
no test writes into the working tree.)"""

import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from addition import CHECK, CROSS
from addition.loading import load_model_folder
from demo.train_settings import COLUMN_DEFAULTS, DEFAULTS, controls_for
from tests.helpers import MODELS_FOLDER, ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DESKTOP = {"width": 1280, "height": 1400}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: .ci/run installs it with apt-get")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                # Software compositing and rasterizing cost CPU that the test processes beside it need.
                "--disable-gpu-compositing",
                "--disable-software-rasterizer",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield browser
        browser.close()


def open_page(browser, app_url, viewport):
    page = browser.new_page(viewport=viewport, device_scale_factor=1)
    page.goto(app_url, wait_until="load")
    # The page fills on load: the model panel says what it adds.
    page.locator("#description").get_by_text("two whole numbers").wait_for(timeout=120_000)
    return page


class Pages:
    """One page per width, opened when a test first asks for it, shared by the tests of a class
    and closed after its last: a page load costs chromium seconds of CPU, and an open page keeps
    costing CPU while it stays open (docs/lab-notebook.md, "Where the suite's time goes")."""

    def __init__(self, browser, app_url):
        self.browser, self.app_url, self.opened = browser, app_url, {}

    def at(self, viewport):
        if viewport["width"] not in self.opened:
            self.opened[viewport["width"]] = open_page(self.browser, self.app_url, viewport)
        return self.opened[viewport["width"]]


@pytest.fixture(scope="class")
def pages(browser, app_url):
    pages = Pages(browser, app_url)
    yield pages
    for page in pages.opened.values():
        page.close()


def ask(page, question):
    box = page.get_by_label("Your sum")
    box.fill(question)
    box.press("Enter")


def show(page, tab, model=None):
    """Go to ``tab`` on a page worked on, with ``model`` picked in the menu."""
    page.get_by_role("tab", name="Add", exact=True).click()  # Where the menu is.
    if model is not None and page.locator("#model input").input_value() != model:
        panel = page.locator("#description")
        before = panel.inner_text()
        page.locator("#model input").click()
        page.get_by_role("option", name=model, exact=True).click()
        # Drawn for the new model (its panel, its answer to the sum left in the box): only then is
        # the page the visitor's to type on, or its late redraw would replace their new answer.
        # (While an event for it waits or runs, Gradio marks the panel "pending" and writes its
        # status into it.)
        page.wait_for_function(
            """before => { const panel = document.querySelector("#description");
                return panel.innerText !== before && !panel.querySelector(".pending"); }""",
            arg=before,
            timeout=60_000,
        )
    page.get_by_role("tab", name=tab, exact=True).click()
    # The other tabs are drawn after the Add tab: until then the tab's parts show as pending.
    page.wait_for_function("() => !document.querySelector('.pending')", timeout=60_000)


def overflow(page) -> int:
    """How far the page itself scrolls sideways (boxes that scroll inside themselves are fine)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def scrolls_sideways(page, selector) -> list[str]:
    """The boxes matching ``selector`` whose content is wider than they are (they scroll)."""
    return page.evaluate(
        "selector => [...document.querySelectorAll(selector)].filter(box => box.scrollWidth > box.clientWidth + 1)"
        ".map(box => box.closest('[id]') ? box.closest('[id]').id : box.className)",
        selector,
    )


def said_above(page, selector) -> str:
    """The line the page writes above a block whose table goes on past its right edge ("" if none)."""
    text = page.evaluate("selector => getComputedStyle(document.querySelector(selector), '::before').content", selector)
    return "" if text in ("none", "normal", "") else text


# An element's text all inside its own box (and the box inside the screen): nothing cut off.
WHOLE_IN_VIEW = "e => e.scrollWidth <= e.clientWidth + 1 && e.getBoundingClientRect().right <= window.innerWidth"


def set_training(page, questions: int, epochs: int) -> None:
    """On the Train tab: type the number of training questions and epochs, as a visitor does."""
    for field, value in (
        (page.get_by_label("Training questions"), questions),
        (page.locator("#epochs-setting input[type=number]"), epochs),
    ):
        field.fill(str(value))
        field.press("Tab")


TABS = ("Add", "How it learns", "Inside", "Train")


def test_the_first_html_already_holds_the_default_models_page(app_url):
    import urllib.request

    with urllib.request.urlopen(app_url, timeout=30) as response:
        first = response.read().decode()
    # The examples, the sum box's hint and the model panel, before any request from the page.
    assert "999+999" in first and "This model adds two whole numbers of up to 3 digits" in first
    assert "Mistakes gallery" in first
    # The Train tab states how long its defaults took when measured, with where and how.
    from demo.train_settings import measured_time

    assert measured_time() and measured_time().split(" (")[0] in first and "benchmarks.train_tab_defaults" in first


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_visitor_can_press_an_example_the_moment_the_page_shows(browser, app_url, viewport, capsys):
    import time

    page = browser.new_page(viewport=viewport, device_scale_factor=1)
    try:
        started = time.perf_counter()
        page.goto(app_url, wait_until="commit")
        example = page.locator("#examples").get_by_text("999+1", exact=True)
        example.wait_for(timeout=60_000)
        shown = time.perf_counter() - started
        example.click()
        page.locator("#answer").get_by_text(re.compile(r"999 \+ 1 = 1000")).wait_for(timeout=60_000)
        answered = time.perf_counter() - started
        with capsys.disabled():  # The README's figures (they vary with the machine: no bound here).
            print(
                f"\n{viewport['width']} px: examples visible after {shown:.2f} s, first answer after {answered:.2f} s"
            )
    finally:
        page.close()


def test_a_shared_link_opens_its_sum_and_model_and_a_hostile_one_is_ignored(browser, app_url):
    from urllib.parse import quote

    page = browser.new_page(viewport=DESKTOP)
    try:
        page.goto(app_url + "?sum=99%2B1&model=2+digits")
        page.locator("#answer").get_by_text(re.compile(r"99 \+ 1 = 100")).wait_for(timeout=60_000)
        assert page.locator("#model input").input_value() == "2 digits"
        assert page.get_by_label("Your sum").input_value() == "99+1"
        share = page.locator("#answer a", has_text="Share this sum")
        assert share.get_attribute("href") == "?sum=99%2B1&model=2+digits"
        page.goto(app_url + "?sum=98+2&model=2+digits")  # Typed by hand: the address reads its + as a space.
        page.locator("#answer").get_by_text(re.compile(r"98 \+ 2 = 100")).wait_for(timeout=60_000)
        assert page.get_by_label("Your sum").input_value() == "98+2"
        hostile = "<img src=x onerror=alert(1)>"
        page.goto(app_url + f"?sum={quote(hostile)}&model={quote('<b>5 digits</b>')}")
        page.locator("#description").get_by_text("two whole numbers").wait_for(timeout=60_000)
        page.wait_for_timeout(1_000)
        assert page.locator("#model input").input_value() == "3 digits"  # As usual.
        assert page.get_by_label("Your sum").input_value() == ""
        assert "onerror" not in page.content() and page.locator("img[src=x]").count() == 0
    finally:
        page.close()


def test_a_share_link_with_a_bad_sum_or_an_unknown_model_says_so_on_the_page(browser, app_url):
    page = browser.new_page(viewport=DESKTOP)
    try:
        page.goto(app_url + "?sum=12%2Babc&model=7+digits")
        refusal = page.locator("#answer .refusal")
        refusal.first.wait_for(timeout=60_000)
        text = page.locator("#answer").inner_text()
        assert "does not have" in text and "3 digits instead" in text and "could not be read" in text
        assert "7 digits" not in text and "abc" not in text  # Said, never echoed.
        page.goto(app_url + "?sum=12%2B34&model=7+digits")  # A good sum: answered below the warning.
        page.locator("#answer").get_by_text(f"12 + 34 = {12 + 34}").wait_for(timeout=60_000)
        assert "does not have" in page.locator("#answer").inner_text()
        page.goto(app_url + "?sum=12345%2B1&model=3+digits")  # A sum, too long for the model named.
        page.locator("#answer .refusal").get_by_text("12345 is too large").wait_for(timeout=60_000)
        assert "5 digits" in page.locator("#answer").inner_text()
        page.goto(app_url + "?sum=" + "9" * 3_000 + "%2B1")  # Too long for every model.
        page.locator("#answer .refusal").get_by_text("This link's sum is too long").wait_for(timeout=60_000)
        assert "more than 1,000 digits" in page.locator("#answer").inner_text()
    finally:
        page.close()


class TestPagesWorkedOn:
    """Tests that type sums and pick models, on one page per width: the desktop page's first tests
    run in the file's order from its load on; the others first pick the tab and model they need."""

    @pytest.fixture
    def page(self, pages):
        return pages.at(DESKTOP)

    def test_a_plain_page_load_shows_no_error(self, page):
        # The desktop page, the first test to use it: as loaded, nothing done on it yet.
        page.wait_for_timeout(2_000)  # The load event has run by then.
        # A failed load marks every component it feeds "Error" (no toast).
        assert page.get_by_text("Error", exact=True).count() == 0
        assert page.locator("[data-testid=toast-text]").count() == 0

    def test_the_examples_are_there_before_any_switch(self, page):
        examples = page.locator("#examples")
        for question in ("555+66", "999+1", "1+999", "999+999"):
            expect(examples.get_by_text(question, exact=True)).to_be_visible(timeout=30_000)

    def test_typing_a_sum_shows_the_answer_and_the_digit_table(self, page):
        ask(page, "535+61")
        answer = page.locator("#answer")
        answer.get_by_text(re.compile(r"535 \+ 61 = ")).wait_for(timeout=30_000)
        text = answer.inner_text()
        assert f"535 + 61 = {535 + 61} {CHECK}" in text and f"True sum: {535 + 61}" in text
        table = page.locator("#probabilities table.digit-probabilities")
        table.wait_for(timeout=30_000)
        assert table.locator("td.chosen").count() == len(str(999 + 999))  # One choice per answer position.
        # In reading order, left to right, as a person reads it: the chosen characters spell the answer.
        chosen = [cell.get_attribute("title").split(":")[0] for cell in table.locator("td.chosen").all()]
        assert "".join(chosen).replace("␣", "").strip() == str(535 + 61)
        assert said_above(page, "#probabilities") == ""  # It fits: no line saying it goes on.

    def test_sampling_shows_marked_validation_rows(self, page):
        page.locator("#sample-button").click()
        page.locator("#score").get_by_text(re.compile(r"\d+/10 correct")).wait_for(timeout=30_000)
        # Gradio's Dataframe is a virtual grid: a header row plus one row per sample.
        expect(page.locator("#samples [role=grid]")).to_have_attribute("aria-rowcount", "11", timeout=30_000)
        text = page.locator("#samples").inner_text()
        assert text.count("☑") + text.count("☒") == 10
        right = int(re.search(r"(\d+)/10 correct", page.locator("#score").inner_text()).group(1))
        assert text.count("☑") == right

    def test_a_refused_sum_leaves_no_answer_on_screen_and_the_app_still_answers(self, page):
        ask(page, "999+1")
        page.locator("#answer").get_by_text(re.compile(r"999 \+ 1 = ")).wait_for(timeout=30_000)
        ask(page, "1000+1")
        page.get_by_text(re.compile("1000 is too large")).first.wait_for(timeout=30_000)
        expect(page.locator("#answer")).not_to_contain_text("999 + 1", timeout=10_000)
        assert page.locator("#probabilities table").count() == 0
        ask(page, "12+abc")
        page.get_by_text(re.compile("is not a sum of two numbers")).first.wait_for(timeout=30_000)
        ask(page, "")  # Enter on an empty box.
        page.locator("#answer .refusal").get_by_text("Please type a sum").wait_for(timeout=30_000)
        ask(page, "999+1")
        page.locator("#answer").get_by_text(re.compile(r"999 \+ 1 = ")).wait_for(timeout=30_000)
        assert f"True sum: {999 + 1}" in page.locator("#answer").inner_text()

    def test_no_server_path_on_the_page(self, page):
        assert str(ROOT) not in page.content()

    def test_switching_models_changes_the_page_and_the_answers(self, page):
        ask(page, "535+61")
        page.locator("#answer").get_by_text(re.compile(r"535 \+ 61 = ")).wait_for(timeout=30_000)
        page.locator("#model input").click()
        page.get_by_role("option", name="2 digits", exact=True).click()
        # The sum left in the box is too long for the 2-digit model: it says so instead of answering.
        page.locator("#answer").get_by_text("up to 2 digits").wait_for(timeout=60_000)
        page.locator("#examples").get_by_text("99+1", exact=True).click()
        page.locator("#answer").get_by_text(re.compile(r"99 \+ 1 = ")).wait_for(timeout=30_000)
        assert f"99 + 1 = {99 + 1} {CHECK}" in page.locator("#answer").inner_text()
        assert page.locator("#probabilities td.chosen").count() == len(str(99 + 99))
        page.get_by_role("tab", name="How it learns").click()
        held_out = len(load_model_folder(MODELS_FOLDER / "addition-2digit").validation_pairs)
        page.get_by_text(re.compile(rf"of {held_out:,} held-out validation questions wrong")).wait_for(timeout=30_000)
        # Its lesson chart too: the legend names it (Gradio kept a line plot's first series and
        # legend when new ones came with the data alone: the 3-digit model's, with no 2-digit line).
        legend = page.locator("#lesson svg g.role-legend text")
        expect(legend.filter(has_text=re.compile(r"^keras-io, 2 digits$"))).to_have_count(1, timeout=30_000)
        expect(page.locator("#lesson svg path[aria-roledescription='line mark']")).to_have_count(2)
        page.get_by_role("tab", name="Add").click()
        page.locator("#model input").click()
        page.get_by_role("option", name="3 digits", exact=True).click()
        page.locator("#answer").get_by_text(re.compile(r"99 \+ 1 = ")).wait_for(timeout=30_000)
        page.locator("#probabilities td.chosen").nth(len(str(999 + 999)) - 1).wait_for(timeout=30_000)

    def test_on_a_phone_nothing_overflows_and_the_whole_table_can_be_seen(self, pages):
        page = pages.at(PHONE)
        show(page, "Add", "3 digits")
        ask(page, "535+61")
        page.locator("#answer").get_by_text(re.compile(r"535 \+ 61 = ")).wait_for(timeout=30_000)
        assert overflow(page) <= 0
        # Nothing on a phone shows that a box scrolls: a line above the table says it goes on.
        page.wait_for_function("() => document.querySelector('#probabilities').hasAttribute('data-wide')")
        assert "goes on to the right" in said_above(page, "#probabilities")
        # The table is wider than the phone: its own box scrolls to its last column.
        box = page.locator("#probabilities .table-scroll")
        box.evaluate("element => element.scrollLeft = element.scrollWidth")
        last = page.locator("#probabilities table tr").nth(1).locator("td").last
        expect(last).to_be_in_viewport(timeout=10_000)

    @pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
    def test_inside_the_network_shows_both_grids_and_fits_the_screen(self, pages, viewport):
        page = pages.at(viewport)
        show(page, "Inside", "3 digits")
        box = page.locator("#inside-question textarea, #inside-question input").first
        box.fill("535+61")
        page.locator("#inside-button").click()
        expect(page.locator("#inside-intro")).to_contain_text("535+61", timeout=60_000)  # Not the example's.
        network = page.locator("#network-grid table.inside-grid")
        network.wait_for(timeout=60_000)
        page.locator("#addition-grid table.inside-grid").wait_for(timeout=30_000)
        page.locator("#other-grid table.inside-grid").wait_for(timeout=60_000)  # The reading-order model's.
        # Rows are the answer, columns the question as the model reads it, zero-padded, in reading
        # order; no cell disagrees (the model is right).
        headers = network.locator("thead th").all_inner_texts()
        assert [header.split()[0] for header in headers[1:]] == list("535+061")
        assert network.locator("td.disagrees").count() == 0
        page.locator("#states table.state-map").first.wait_for(timeout=30_000)
        assert overflow(page) <= 0
        if viewport is DESKTOP:  # Another model picked draws the sum in the box, to compare the two.
            box.fill("35+61")
            show(page, "Inside", "2 digits")  # Drawn earlier in this file: its pages are at hand.
            assert box.input_value() == "35+61"
            expect(page.locator("#inside-intro")).to_contain_text("35+61")
            headers = network.locator("thead th").all_inner_texts()
            assert [header.split()[0] for header in headers[1:]] == list("35+61")  # Space-padded: no 0.

    def test_a_refused_sum_stays_on_the_page_and_names_the_model_that_reads_it(self, pages):
        """And an error shown as a toast (a sample count that is not a whole number) stays too."""
        both = [pages.at(viewport) for viewport in (PHONE, DESKTOP)]
        for page in both:
            show(page, "Add", "3 digits")
            ask(page, "1234+5")
            page.locator("#answer .refusal").get_by_text("1234 is too large").wait_for(timeout=30_000)
        desktop = both[-1]
        how_many = desktop.get_by_label("How many").locator("xpath=ancestor::*[contains(@class,'block')][1]")
        how_many.locator("input[type=number]").fill("7.5")
        desktop.locator("#sample-button").click()
        toast = desktop.locator("[data-testid=toast-text]")
        toast.get_by_text("whole number from 1 to 100").wait_for(timeout=30_000)
        desktop.wait_for_timeout(11_000)  # Longer than a toast stays by default (both pages wait together).
        assert toast.all_inner_texts() == ["The number of questions must be a whole number from 1 to 100."]
        desktop.locator("[data-testid=toast-close]").click()
        how_many.locator("input[type=number]").fill("10")  # As it was, for the tests after this one.
        how_many.locator("input[type=number]").press("Tab")
        for page in both:
            refusal = page.locator("#answer .refusal")
            expect(refusal).to_be_visible()
            text = refusal.inner_text()
            assert "1234 is too large" in text and "4 digits" in text and "pick it in the Model menu" in text
            box = page.get_by_label("Your sum").bounding_box()
            assert refusal.bounding_box()["y"] > box["y"] + box["height"]  # Under the box, not over it.
            assert page.locator("[data-testid=toast-text]").count() == 0
            ask(page, "12+34")  # The next sum takes its place.
            page.locator("#answer").get_by_text(re.compile(r"12 \+ 34 = 46")).wait_for(timeout=30_000)
            assert page.locator("#answer .refusal").count() == 0

    @pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
    def test_the_column_network_adds_a_long_sum_on_the_page_without_widening_it(self, pages, viewport):
        page = pages.at(viewport)
        show(page, "Add", "Any length (column LSTM)")
        # Its long example sums wrap in their buttons, each whole in view (not cut mid-digit).
        chips = page.locator("#examples .gallery-item div")
        assert chips.count() > 3 and all(chips.nth(index).evaluate(WHOLE_IN_VIEW) for index in range(chips.count()))
        a, b = int("7" * 300 + "5"), int("2" * 250 + "5")  # Carries at the units and where 7+2+1 meets the 7s.
        ask(page, f"{a}+{b}")
        answer = page.locator("#answer")
        answer.get_by_text("A 301-digit number plus a 251-digit one").wait_for(timeout=60_000)
        # The mark and the verdict on top; the network's digits beneath, wrapped, equal to Python's sum.
        assert f"{CHECK} A 301-digit number" in answer.inner_text() and "is the true sum" in answer.inner_text()
        assert page.locator("#answer .long-number").inner_text().strip() == str(a + b)
        assert overflow(page) <= 0
        # One row per answer digit (the top one a column where only a carry writes): taller than
        # any screen, the table scrolls in its own box, down to its last row.
        rows = page.locator("#probabilities tbody tr")
        assert rows.count() == len(str(a)) + 1
        box = page.locator("#probabilities .table-scroll")
        assert box.evaluate("element => element.scrollHeight > element.clientHeight")
        box.evaluate("element => element.scrollTop = element.scrollHeight")
        last, inside = rows.last.bounding_box(), box.bounding_box()
        assert inside["y"] <= last["y"] and last["y"] + last["height"] <= inside["y"] + inside["height"] + 1
        # A pasted sum longer than any model reads reaches the app whole, and is refused as too long.
        ask(page, "9" * 10_000 + "+" + "9" * 10_000)
        refusal = page.locator("#answer .refusal")
        refusal.get_by_text("That is 20,001 characters long").wait_for(timeout=60_000)
        assert "up to 1,000 digits each" in refusal.inner_text()
        # Its held-out questions run to 1,000 digits; the ☑/☒ column stays in view beside them.
        toasts = page.locator("[data-testid=toast-text]")
        before = toasts.count()
        page.locator("#sample-button").click()
        rows = page.locator("#samples [role=grid][aria-rowcount='11']")
        rows.or_(toasts.nth(before)).first.wait_for(timeout=60_000)
        assert toasts.count() == before, toasts.all_inner_texts()  # Not refused.
        marks = page.locator("#samples span").filter(has_text=re.compile(f"^[{CHECK}{CROSS}]$")).filter(visible=True)
        marks.first.wait_for(timeout=30_000)
        assert page.locator("#samples").inner_text().count("digits)") > 0  # Long ones were drawn.
        right_edge = page.viewport_size["width"]
        for cell in [page.locator("#samples th").filter(has_text="right?").first, *marks.all()]:
            box = cell.bounding_box()
            assert box["x"] + box["width"] <= right_edge, "the ☑/☒ column is off the screen"

    @pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
    def test_an_early_snapshot_is_a_network_still_making_mistakes(self, pages, viewport):
        """ "3 digits, after 2 epochs" (the bundled training kept early): a sum it gets wrong is marked ☒
        beside the true sum, its panel says it is still learning, its gallery lists mistakes."""
        snapshot = load_model_folder(MODELS_FOLDER / "addition-3digit-epoch2")
        pairs = snapshot.validation_pairs.tolist()
        answers = snapshot.predictor.answers(pairs)
        a, b = next((a, b) for (a, b), answer in zip(pairs, answers) if answer.strip() != str(a + b))  # By the oracle.
        page = pages.at(viewport)
        show(page, "Add", "3 digits, after 2 epochs")
        page.locator("#description").get_by_text("Still learning").wait_for(timeout=60_000)
        ask(page, f"{a}+{b}")
        answer = page.locator("#answer")
        answer.get_by_text(re.compile(rf"{a} \+ {b} = ")).wait_for(timeout=30_000)
        assert CROSS in answer.inner_text() and str(a + b) in answer.inner_text()
        assert overflow(page) <= 0
        page.get_by_role("tab", name="How it learns").click()
        page.get_by_text("Pick one to see where it hesitated").wait_for(timeout=60_000)
        expect(page.get_by_text("It gets every one of them right").filter(visible=True)).to_have_count(0)
        assert overflow(page) <= 0

    def test_picking_the_column_network_greys_out_the_settings_it_ignores(self, page):
        page.get_by_role("tab", name="Train", exact=True).click()
        network, digits = page.locator("#architecture-setting"), page.locator("#digits-setting input[type=number]")
        ignored = [page.locator("#reverse-setting input"), *page.locator("#recipe-setting input").all()]
        limits = {pick: controls_for(pick)["digits"]["maximum"] for pick in ("keras-io", "column")}
        expect(digits).to_have_attribute("max", str(limits["keras-io"]))  # The page opens on keras-io's range.
        for pick, enabled, default in (("column", False, COLUMN_DEFAULTS), ("keras-io", True, DEFAULTS)):
            network.get_by_text(pick, exact=True).click()
            expect(digits).to_have_value(str(default["digits"]), timeout=30_000)  # Its own defaults.
            expect(digits).to_have_attribute("max", str(limits[pick]))  # Its own range.
            for control in ignored:
                expect(control).to_be_enabled() if enabled else expect(control).to_be_disabled()
        page.get_by_role("tab", name="Add", exact=True).click()


class TestPagesAsLoaded:
    """Tests that only look (tabs switched and folds opened, no sum typed, no model picked), on one
    page per width."""

    def test_a_command_in_a_sentence_wraps_with_the_sentence_on_a_phone(self, pages):
        """Not a box of its own on the next line, broken inside a flag (Gradio's inline code)."""
        page = pages.at(PHONE)
        page.get_by_role("tab", name="Train", exact=True).click()
        command = page.locator("#train-intro code").filter(has_text="benchmarks.train_tab_defaults")
        expect(command).to_be_visible(timeout=10_000)
        assert command.evaluate("element => getComputedStyle(element).display") == "inline"
        page.get_by_role("tab", name="Add", exact=True).click()

    @pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
    def test_every_tab_is_in_view_without_an_overflow_menu(self, pages, viewport):
        page = pages.at(viewport)
        for name in TABS:
            tab = page.get_by_role("tab", name=name, exact=True)
            expect(tab).to_be_visible(timeout=10_000)  # Not hidden behind Gradio's "⋯" menu.
            expect(tab).to_be_in_viewport()

    @pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
    def test_the_charts_tick_each_epoch_once_keep_their_legend_inside_and_say_when_there_is_nothing_wrong(
        self, pages, viewport
    ):
        page = pages.at(viewport)
        page.get_by_role("tab", name="How it learns").click()
        epochs = len(load_model_folder(MODELS_FOLDER / "addition-3digit").history)
        page.locator("#accuracy-curves").scroll_into_view_if_needed()
        curves = page.locator("#accuracy-curves svg").filter(has_text="Whole answers right per epoch").first
        # The x axis: every epoch once, in order (a numeric axis would tick 1 1.5 2 as "1 2 2").
        x_axis = curves.locator("g.role-axis[aria-label^='X-axis']")
        expect(x_axis).to_have_attribute(
            "aria-label", re.compile(f"discrete scale with {epochs} values"), timeout=30_000
        )
        ticks = [text.strip() for text in x_axis.locator("g.role-axis-label text").all_text_contents()]
        assert ticks == [str(epoch) for epoch in range(1, epochs + 1)]
        frame = page.locator("#accuracy-curves").bounding_box()
        legend = curves.locator("g.role-legend text").all()  # Its title and two entries, inside the chart.
        assert len(legend) == 3
        for entry in legend:
            box = entry.bounding_box()
            assert box["x"] >= frame["x"] - 1 and box["x"] + box["width"] <= frame["x"] + frame["width"] + 1
        # A model that makes no mistake on its held-out questions: a sentence, not an empty chart.
        page.locator("#carries-note").get_by_text("No mistakes").wait_for(timeout=30_000)
        expect(page.locator("#by-carries")).to_be_hidden()
        page.locator("#model-table").get_by_text("all 1,000,000 right").wait_for(timeout=30_000)
        page.get_by_text("Mistakes gallery").wait_for(timeout=30_000)  # The tab's last part, drawn.
        assert overflow(page) <= 0  # The whole tab fits the width.

    @pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
    def test_the_add_page_keeps_no_blank_gap_and_folds_the_models_settings(self, pages, viewport):
        page = pages.at(viewport)
        page.get_by_role("tab", name="Add", exact=True).click()
        expect(page.locator("#answer")).to_be_hidden()
        expect(page.locator("#probabilities")).to_be_hidden()
        button = page.get_by_role("button", name="Add", exact=True).bounding_box()
        details = page.get_by_text("Details (JSON)").bounding_box()
        assert details["y"] - (button["y"] + button["height"]) < 40  # Nothing empty between them.
        panel = page.locator("#description")
        assert "Network:" in panel.inner_text() and "encoder" in panel.inner_text()
        expect(panel.get_by_text("learning_rate", exact=True)).to_be_hidden()  # Folded...
        panel.get_by_text("Every training setting").click()
        expect(panel.get_by_text("learning_rate", exact=True)).to_be_visible()  # ...until opened.

    @pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
    def test_inside_opens_on_the_example_with_state_maps_you_can_read(self, pages, viewport):
        page = pages.at(viewport)
        page.get_by_role("tab", name="Inside", exact=True).click()
        network, addition = page.locator("#network-grid table"), page.locator("#addition-grid table")
        expect(network).to_be_visible(timeout=10_000)  # Before anything is asked: the example's view.
        assert page.locator("#inside-question input, #inside-question textarea").first.input_value() == "555+66"
        maps = page.locator("#states table.state-map:not(.folded)")
        expect(maps.first).to_be_visible()
        decoder = maps.nth(1)
        assert decoder.locator("thead tr").first.inner_text().split()[0] == "writes"
        assert "carry in" in decoder.inner_text() and decoder.locator("tr.carry").count() >= 1
        row = decoder.locator("tbody tr").first.bounding_box()
        assert row["height"] >= 12 and row["width"] <= viewport["width"]  # A unit is a row you can see.
        expect(page.locator("#states .state-legend")).to_be_visible()
        expect(page.locator("#carry-intro")).to_contain_text("where a carry comes in")
        expect(page.locator("#probe table.probe")).to_be_visible()
        assert scrolls_sideways(page, "#network-grid .table-scroll, #addition-grid .table-scroll, #probe") == []
        if viewport is PHONE:  # Stacked: the network's grid above addition's, each the phone's width.
            assert addition.bounding_box()["y"] >= network.bounding_box()["y"] + network.bounding_box()["height"]
        assert overflow(page) <= 0

    def test_off_a_space_the_train_tab_has_no_publish_button_and_says_how_to_publish(self, pages):
        page = pages.at(PHONE)
        page.get_by_role("tab", name="Train", exact=True).click()
        page.get_by_text("push_to_hub.py").first.wait_for(timeout=30_000)
        expect(page.locator("#publish-button")).to_be_hidden()
