"""Fixtures for the end-to-end tests: synthetic logs, a real ``tensorboard`` and headless Chromium.

The logs are written without TensorFlow (TensorBoard's own event writer and histogram protos), served by a real
``tensorboard`` subprocess with the plugin installed, and looked at in Debian's Chromium through Playwright.
"""

import os
import shutil
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import e2e_logs  # noqa: E402
from support import TensorBoardServer  # noqa: E402
from e2e_page import READY  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _chromium_path():
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


@pytest.fixture(scope="session")
def e2e_logdir(tmp_path_factory):
    logdir = str(tmp_path_factory.mktemp("e2e_logs"))
    runs = e2e_logs.write_logs(logdir)
    return logdir, runs


@pytest.fixture(scope="session")
def e2e_server(e2e_logdir, tmp_path_factory):
    """A real tensorboard serving the e2e logs (tests/support.py); yields its base URL."""
    logdir, runs = e2e_logdir
    log_path = str(tmp_path_factory.mktemp("e2e_tb") / "tensorboard.log")
    with TensorBoardServer(logdir, log_path=log_path) as server:
        try:
            # every run analysed, so the tab's first listing already names the worst run
            server.wait_for_runs(runs, timeout=180, complete=lambda r: r.get("status", "done") == "done")
        except TimeoutError as e:
            raise TimeoutError("%s (is the plugin installed? pip install -e %s)\n%s" % (e, REPO, server.log_tail()))
        yield server.url


@pytest.fixture(scope="session")
def e2e_browser():
    from playwright.sync_api import sync_playwright

    path = _chromium_path()
    if path is None:
        pytest.fail("no Chromium found (apt-get install chromium, or set CHROMIUM=/path/to/chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Tab:
    """One browser page on the histdiag tab, recording console errors, page errors and dialogs."""

    def __init__(self, context, base_url):
        self.context = context
        self.base_url = base_url
        self.page = context.new_page()
        self.errors = []
        self.dialogs = []
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda e: self.errors.append("pageerror: %s" % e))
        self.page.on("dialog", self._on_dialog)

    def _on_console(self, msg):
        if msg.type != "error":
            return
        url = (msg.location or {}).get("url", "")
        if url.endswith("/favicon.ico"):  # the browser's own request; TensorBoard has none at the root
            return
        self.errors.append("console: %s (%s)" % (msg.text, url))

    def _on_dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def entry_url(self, hash_=""):
        return self.base_url + "/data/plugin_entry.html?name=histdiag" + (("#" + hash_) if hash_ else "")

    def open(self, hash_="", state="ready"):
        """Open the plugin's entry page directly (as TensorBoard's iframe does) and wait for ``state``."""
        if self.page.url.startswith(self.base_url):
            self.page.goto("about:blank")  # a hash-only change would not reload the page
        self.page.goto(self.entry_url(hash_))
        if state:
            self.page.wait_for_selector(READY if state == "ready" else "#histdiag[data-state=%s]" % state, timeout=30000)
        return self.page

    def wait_idle(self, root=None):
        (root or self.page).locator("#histdiag[data-busy=false]").wait_for(timeout=30000)

    def assert_clean(self):
        assert not self.errors, self.errors
        assert not self.dialogs, self.dialogs


@pytest.fixture
def e2e_tab(e2e_browser, e2e_server):
    context = e2e_browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    tab = Tab(context, e2e_server)
    yield tab
    context.close()
