"""Shared by the slide and browser tests: slides/build.py, imported from its file (slides/ is not a
package), and one offline Chromium (see browsing.py)."""

import importlib.util
from pathlib import Path

import pytest
from browsing import CHROMIUM, FLAGS, watch
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def slides_build():
    spec = importlib.util.spec_from_file_location("slides_build", ROOT / "slides" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} not found: install Debian's Chromium with `sudo apt-get install -y chromium` "
            "(`make test` does it when run as root)"
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def watched(browser, request):
    """A page (``VIEWPORT`` of the test module, else 1280x720) that records outside requests and errors."""
    seen = watch(browser, getattr(request.module, "VIEWPORT", {"width": 1280, "height": 720}))
    yield seen
    seen.context.close()
