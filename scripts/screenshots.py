"""The README's screenshots, from the current models: `python -m scripts.screenshots`.

Starts `python app.py`, opens it in Debian's headless chromium (Playwright) at a desktop's
width and a phone's, and writes docs/app.png, docs/app-phone.png, docs/insight.png and
docs/inside.png. (Tests never write into the working tree; this script is the one that does.)
"""

import re
import shutil

from benchmarks.serve import ROOT, start_app, stop_app

DOCS = ROOT / "docs"
DESKTOP, PHONE = {"width": 1280, "height": 1400}, {"width": 390, "height": 844}


def main():
    from playwright.sync_api import sync_playwright

    process, url = start_app()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
            )
            for viewport, name in ((DESKTOP, "app.png"), (PHONE, "app-phone.png")):
                page = browser.new_page(viewport=viewport)
                page.goto(url)
                page.locator("#description").get_by_text("two whole numbers").wait_for(timeout=120_000)
                box = page.get_by_label("Your sum")
                box.fill("535+61")
                box.press("Enter")
                page.locator("#answer").get_by_text(re.compile(r"535 \+ 61 = ")).wait_for(timeout=30_000)
                if viewport is DESKTOP:
                    page.locator("#sample-button").click()
                    page.locator("#score").get_by_text(re.compile(r"\d+/10 correct")).wait_for(timeout=30_000)
                page.screenshot(path=str(DOCS / name), full_page=viewport is DESKTOP)
                if viewport is DESKTOP:
                    page.get_by_role("tab", name="How it learns").click()
                    page.get_by_text("Mistakes gallery").wait_for(timeout=60_000)
                    page.screenshot(path=str(DOCS / "insight.png"), full_page=True)
                    page.get_by_role("tab", name="Inside", exact=True).click()
                    page.locator("#inside-question textarea, #inside-question input").first.fill("999+1")
                    page.locator("#inside-button").click()
                    page.locator("#inside-intro").get_by_text("999+1").wait_for(timeout=60_000)
                    page.locator("#other-grid table").wait_for(timeout=60_000)
                    page.screenshot(path=str(DOCS / "inside.png"), full_page=True)
                page.close()
            browser.close()
    finally:
        stop_app(process)
    print("wrote", ", ".join(f"docs/{name}" for name in ("app.png", "app-phone.png", "insight.png", "inside.png")))


if __name__ == "__main__":
    main()
