"""Every relative link of the README and docs/ leads to a file that exists."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_relative_link_leads_somewhere(page):
    targets = LINK.findall(page.read_text(encoding="utf-8"))
    broken = [target for target in targets if "://" not in target
              and not target.startswith("mailto:") and not (page.parent / target).exists()]
    assert broken == []
