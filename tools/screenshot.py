"""Take the README's screenshot: the chat page with an answered question and an open source.

Run: .venv/bin/python tools/screenshot.py [web/screenshot.png]
Needs Debian's chromium (/usr/bin/chromium); serves the app on a free local port meanwhile.
"""

from __future__ import annotations

import socket
import sys
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from waitress.server import create_server

from web.app import create_app

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main(out: str) -> None:
    app = create_app()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = create_server(app, host="127.0.0.1", port=port, threads=2)
    threading.Thread(target=server.run, daemon=True).start()
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
    server.close()
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "web/screenshot.png")
