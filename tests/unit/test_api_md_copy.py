"""docs/API.md is the HTTP contract as the repository carries it (CI sees only the repository);
it must stay the same as the shared original next to the repository, when that is present."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "API.md"


@pytest.mark.skipif(not SHARED.exists(), reason="no ../shared/API.md next to this clone")
def test_the_copy_of_api_md_is_the_shared_contract():
    assert (ROOT / "docs" / "API.md").read_text(encoding="utf-8") == \
        SHARED.read_text(encoding="utf-8"), "copy ../shared/API.md to docs/API.md"
