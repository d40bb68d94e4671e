"""What the browser tests share: Debian's Chromium offline, the page watcher, a JupyterLab server.

The ``browser`` and ``watched`` fixtures in ``conftest.py`` use these; a test module may set
``VIEWPORT`` (default 1280x720, the projector's size).
"""

import re
import socket
import time
from pathlib import Path
from types import SimpleNamespace

CHROMIUM = Path("/usr/bin/chromium")

# Without the background-networking flags Chromium calls Google's servers at start.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
]
LOCAL = re.compile(r"(file:|data:|blob:|(http|ws)://127\.0\.0\.1[:/])")
REVEAL = "new Promise(done => require(['reveal.js/dist/reveal.js'], done))"
KERNEL_IDLE = """() => document.querySelector('.jp-Notebook-ExecutionIndicator')?.dataset.status === 'idle'
    && [...document.querySelectorAll('.jp-StatusBar-TextItem')].some(item => item.textContent.includes('| Idle'))"""
NEWS = '{"fetchNews": "false", "checkForUpdates": false}'


def watch(browser, viewport):
    """A page whose outside requests are aborted and recorded, with its console errors and failed
    requests: ``SimpleNamespace(page, outside, errors, context)``."""
    context = browser.new_context(viewport=viewport)
    seen = SimpleNamespace(outside=[], errors=[], context=context)

    def route(request_route):
        if LOCAL.match(request_route.request.url):
            request_route.continue_()
        else:
            seen.outside.append(request_route.request.url)
            request_route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda message: message.type == "error" and seen.errors.append(message.text))
    page.on("pageerror", lambda error: seen.errors.append(str(error)))
    page.on("requestfailed", lambda request: seen.errors.append(f"{request.url}: {request.failure}"))
    seen.page = page
    return seen


def free_port():
    """A free TCP port on the loopback address."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, seconds, what):
    """Poll ``check()`` every 0.5 s until it is true; ``TimeoutError`` naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"waited {seconds} s for {what}")
