"""Who may import whom: contracts/ imports nothing of ours, no service imports another
service's modules, and the gateway imports nothing of the services."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("registry", "complaints", "coupons", "notifications")


def imports_of(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
             for alias in node.names}
    return names | {node.module for node in ast.walk(tree)
                    if isinstance(node, ast.ImportFrom) and node.module}


def ours(names, *tops):
    return {name for name in names if name.split(".")[0] in tops}


def test_the_contracts_package_imports_nothing_of_ours():
    for path in (ROOT / "contracts").rglob("*.py"):
        assert ours(imports_of(path), "services", "gateway", "plumbing", "devtools") == set(), path


def test_no_service_imports_another_services_modules():
    for service in SERVICES:
        for path in (ROOT / "services" / service).rglob("*.py"):
            others = {name for name in ours(imports_of(path), "services")
                      if name.split(".")[1] != service}
            assert others == set(), path


def test_the_gateway_imports_nothing_of_the_services():
    """A deploy of the gateway needs no service's code: what both share is in contracts/."""
    for path in (ROOT / "gateway").rglob("*.py"):
        assert ours(imports_of(path), "services") == set(), path
