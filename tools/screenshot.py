"""Take the README's screenshot: the chat page with an answered question and an open source.

Run: .venv/bin/python tools/screenshot.py [web/screenshot.png]
Needs Debian's chromium (/usr/bin/chromium); serves the app on a free local port meanwhile.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright
from web.app import create_app
from web.server import ThreadedServer

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main(out: str) -> None:
    server = ThreadedServer(create_app()).start()
    port = server.port
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"http://127.0.0.1:{port}/")
        page.fill("#question", "What did inspectors say about care leavers?")
        page.keyboard.press("Enter")
        page.wait_for_selector(".answer .cite")
        page.locator(".answer li", has_text="too late").locator(".cite").first.click()
        page.wait_for_selector("#source:not([hidden]) mark")
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=out, full_page=False)
        browser.close()
    server.stop()
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "web/screenshot.png")
