"""A phone's browser for the tests: Debian's Chromium driven through its ChromeDriver
(Selenium), in a phone's viewport and zh-CN. Each page it is asked to ``look`` at is checked the
way a person with a phone meets it, by tools nobody here wrote:

- nothing refused by the page's Content-Security-Policy (Chromium says so in its console);
- no WCAG 2.1 A or AA violation that axe-core finds;
- its heading drawn in a CJK font (the fonts Chromium really used, asked over CDP), not boxes;

and a full-page screenshot of it kept under ``SCREENSHOTS_DIR`` (build/screenshots).
"""
import base64
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser import PHONE, chromium

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "devtools" / "node" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SCREENSHOTS = Path(os.environ.get("SCREENSHOTS_DIR", ROOT / "build" / "screenshots"))
WAIT_SECONDS = 15


class PageProblems(AssertionError):
    pass


@contextmanager
def phone(language="zh-CN"):
    """A fresh phone (no cookies, its own profile) set to ``language`` (zh-CN or en) for the
    length of the block."""
    if not AXE.is_file():
        raise PageProblems(f"{AXE} is missing: run `make tools`")
    driver_path = shutil.which("chromedriver")
    if driver_path is None:
        raise PageProblems("chromedriver is not installed: run `make tools`")
    with tempfile.TemporaryDirectory(prefix="phone-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = chromium()
        for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--hide-scrollbars", f"--lang={language}",
                     f"--user-data-dir={profile}"):
            options.add_argument(flag)
        options.add_experimental_option("prefs", {"intl.accept_languages": language})
        options.add_experimental_option("mobileEmulation", {"deviceMetrics": {
            "width": PHONE[0], "height": PHONE[1], "pixelRatio": 2, "touch": True}})
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        browser = webdriver.Chrome(options=options, service=Service(driver_path))
        try:
            browser.set_page_load_timeout(WAIT_SECONDS)
            yield Phone(browser, language)
        finally:
            browser.quit()


class Phone:
    def __init__(self, browser, language):
        self.browser = browser
        self.language = language

    # --- doing what a person does -----------------------------------------------------------

    def open(self, url):
        self.browser.get(url)

    def find(self, selector):
        return WebDriverWait(self.browser, WAIT_SECONDS).until(
            lambda b: b.find_element(By.CSS_SELECTOR, selector))

    def text(self, selector):
        return self.find(selector).text

    def type(self, selector, text):
        field = self.find(selector)
        field.clear()
        field.send_keys(text)

    def tap(self, selector):
        self.find(selector).click()

    def choose(self, selector, value):
        """Picks the option of a <select> whose value is ``value``."""
        self.find(f"{selector} option[value='{value}']").click()

    def pick_date(self, selector, day):
        """What a phone's date picker does (typed keys follow the desktop's locale instead)."""
        self.browser.execute_script(
            "arguments[0].value = arguments[1];"
            "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
            self.find(selector), day)

    def wait_for_url(self, predicate):
        WebDriverWait(self.browser, WAIT_SECONDS).until(lambda b: predicate(b.current_url))
        return self.browser.current_url

    # --- checking what it shows -------------------------------------------------------------

    def look(self, name):
        """Check the page shown now (see the module) and keep its screenshot as ``name``."""
        problems = [*self.refusals(), *self.accessibility_problems(), *self.language_problems()]
        self.screenshot(SCREENSHOTS / f"{name}.png")
        if problems:
            raise PageProblems(f"{name} ({self.browser.current_url}):\n" + "\n".join(problems))

    def refusals(self):
        """What the page's policy refused since the last look, as Chromium logged it."""
        return [entry["message"] for entry in self.browser.get_log("browser")
                if "Content Security Policy" in entry["message"]]

    def accessibility_problems(self):
        """axe-core's WCAG 2.1 A/AA violations (WebDriver's scripts are not the page's, so
        its script policy does not stop them)."""
        if not self.browser.execute_script("return typeof window.axe === 'object'"):
            self.browser.execute_script(AXE.read_text(encoding="utf-8"))
        found = self.browser.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
            ".then(r => done(r.violations), e => done([{id: 'axe failed', impact: String(e),"
            " help: '', nodes: []}]));", WCAG_21_AA)
        return [f"axe {v['id']} ({v['impact']}): {v['help']} at "
                f"{[node['target'] for node in v['nodes']]}" for v in found]

    def language_problems(self):
        """A Chinese page's heading in CJK glyphs; any page in the phone's language."""
        shown = self.browser.execute_script("return document.documentElement.lang")
        if shown.split("-")[0] != self.language.split("-")[0]:
            return [f"the page is in {shown!r}, the phone asked for {self.language!r}"]
        return self.glyph_problems() if self.language.startswith("zh") else []

    def glyph_problems(self, selector="h1"):
        fonts = self.fonts_of(selector)
        if not any("CJK" in font["familyName"] for font in fonts):
            return [f"{selector} was not drawn in a CJK font: {fonts}"]
        return []

    def fonts_of(self, selector):
        """The platform fonts Chromium drew the text of ``selector`` in, with glyph counts."""
        cdp = self.browser.execute_cdp_cmd
        cdp("DOM.enable", {})
        cdp("CSS.enable", {})
        root = cdp("DOM.getDocument", {})["root"]["nodeId"]
        node = cdp("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        return cdp("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]

    def screenshot(self, path):
        """The whole page, not only the part in the viewport, as PNG at ``path``."""
        shot = self.browser.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True})
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))

    def element_png(self, selector):
        return self.find(selector).screenshot_as_png
