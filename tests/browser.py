"""Headless Chromium for the tests: a page's DOM after its scripts ran, and screenshots.

Debian's ``chromium`` package (``make browser`` installs it). Each call uses a fresh profile
and nothing phones home, so runs are repeatable and offline.
"""
import shutil
import subprocess
import tempfile
from pathlib import Path

PHONE = (390, 844)  # a common phone viewport, CSS pixels
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--lang=zh-CN", "--accept-lang=zh-CN,zh")


class BrowserError(RuntimeError):
    pass


def chromium():
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        raise BrowserError("chromium is not installed: run `make browser`")
    return found


def _run(url, *extra, timeout):
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        command = [chromium(), *FLAGS, f"--user-data-dir={profile}", *extra, url]
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise BrowserError(f"chromium did not finish {url} in {timeout}s") from None
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace")[-2000:]
        raise BrowserError(f"chromium exited {done.returncode} on {url}:\n{tail}")
    return done.stdout.decode("utf-8")


def dump_dom(url, window=PHONE, timeout=60, settle_ms=None):
    """The serialised DOM of ``url`` once it has loaded, as the browser built it; with
    ``settle_ms``, also after the page's own requests and timers of that much virtual time."""
    settle = (f"--virtual-time-budget={settle_ms}",) if settle_ms else ()
    return _run(url, f"--window-size={window[0]},{window[1]}", "--dump-dom", *settle,
                timeout=timeout)


def screenshot(url, path, window=PHONE, timeout=60):
    """A PNG of ``url`` in a ``window``-sized viewport, written to ``path``."""
    path = Path(path)
    _run(url, f"--window-size={window[0]},{window[1]}", f"--screenshot={path}",
         timeout=timeout)
    if not path.is_file():
        raise BrowserError(f"chromium wrote no screenshot of {url}")
    return path
