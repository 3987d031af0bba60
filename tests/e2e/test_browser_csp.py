"""The store pages and /docs under their Content-Security-Policy in a real browser (headless
Chromium): nothing is refused (Chromium reports every violation in its console), the page's own
stylesheet applies, its icon loads, and Swagger UI still renders the API document."""
import subprocess
import tempfile

from PIL import Image

from tests.browser import FLAGS, PHONE, BrowserError, chromium
from tests.e2e.registry_steps import certify, record

SOFT = (0xF6, 0xF8, 0xFA)  # store.css's page background; without it the page is white


def console_of(url, window=PHONE, settle_ms=None, screenshot=None):
    """(the DOM, the console lines) of ``url`` as Chromium loaded it."""
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        action = (f"--screenshot={screenshot}",) if screenshot else ("--dump-dom",)
        settle = (f"--virtual-time-budget={settle_ms}",) if settle_ms else ()
        done = subprocess.run(
            [chromium(), *FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr",
             "--v=0", f"--window-size={window[0]},{window[1]}", *action, *settle, url],
            capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise BrowserError(done.stderr.decode("utf-8", "replace")[-2000:])
    console = [line for line in done.stderr.decode("utf-8", "replace").splitlines()
               if ":CONSOLE" in line]
    return done.stdout.decode("utf-8"), console


def violations(console):
    return [line for line in console if "Content Security Policy" in line]


def test_a_store_page_shows_under_its_policy_with_its_stylesheet(client, merchants, tmp_path):
    merchant_id, token, body = certify(client, merchants, region="330106")
    url = client.url(f"/s/{record(client, token, merchant_id)['store_code']}")
    dom, console = console_of(url)
    assert body["name"] in dom and "放心消费单位" in dom
    assert violations(console) == [], "\n".join(console)
    assert not [line for line in console if "Failed to load" in line], "\n".join(console)

    shot = tmp_path / "page.png"
    _, console = console_of(url, screenshot=shot)
    assert violations(console) == []
    with Image.open(shot) as image:
        assert image.convert("RGB").getpixel((2, PHONE[1] - 2)) == SOFT  # store.css applied


def test_the_not_found_page_shows_under_its_policy(client):
    dom, console = console_of(client.url("/s/NoSuchStore0000"))
    assert "未找到该商户" in dom
    assert violations(console) == [], "\n".join(console)


def test_docs_render_under_their_own_policy(client):
    dom, console = console_of(client.url("/docs"), window=(1280, 2000), settle_ms=15000)
    assert "/api/v1/public/stores/{code}" in dom  # Swagger UI ran and read /openapi.json
    assert violations(console) == [], "\n".join(console)
