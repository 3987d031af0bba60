"""docs/configuration.md's table names every environment variable the code reads."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READ = re.compile(r'env_(?:str|int|float|bool)\("([A-Z_]+)"')
RETAINED = re.compile(r'Retention\([^,]+, "([A-Z_]+)"')  # plumbing.retention: the ages


def variables_read_by_the_code():
    names = set()
    for folder in ("plumbing", "services", "gateway", "devtools"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            names |= set(READ.findall(text)) | set(RETAINED.findall(text))
    return names


def test_every_variable_the_code_reads_is_in_the_configuration_table():
    documented = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    table = {line.split("|")[1].strip().strip("`")
             for line in documented.splitlines() if line.startswith("| `")}
    read = variables_read_by_the_code()
    assert read, "the scan found no variables; the pattern is wrong"
    assert read - table == set()
