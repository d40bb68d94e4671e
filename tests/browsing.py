"""What the browser tests share: Debian's Chromium offline, the page watcher, a JupyterLab server.

The ``browser`` and ``watched`` fixtures in ``conftest.py`` use these; a test module may set
``VIEWPORT`` (default 1280x720, the projector's size).
"""

import contextlib
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
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
SETTINGS = {  # no news pop-up, no update check, every cell kept in the page
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": NEWS,
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": '{"windowingMode": "none"}',
}


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


@contextlib.contextmanager
def jupyter_lab(root, tmp_path):
    """JupyterLab on a free 127.0.0.1 port with a token, serving the folder ``root``, with
    ``SETTINGS`` and its own config and runtime folders under ``tmp_path``; yields
    ``(base URL, token)`` once it answers, and shuts it (and its kernels) down after."""
    for name, text in SETTINGS.items():
        (tmp_path / "settings" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "settings" / name).write_text(text)
    port, token = free_port(), secrets.token_hex(16)
    base = f"http://127.0.0.1:{port}"
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.user_settings_dir={tmp_path / 'settings'}",
        f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path / "config"), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    with open(tmp_path / "jupyter.log", "w") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        wait_for(lambda: urllib.request.urlopen(f"{base}/api/status?token={token}").status == 200, 60, "JupyterLab")
        yield base, token
    finally:
        try:  # stops the kernels too
            urllib.request.urlopen(urllib.request.Request(f"{base}/api/shutdown?token={token}", method="POST"))
            server.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            server.kill()
            server.wait()
