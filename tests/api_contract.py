"""Reading docs/API.md's tables and checking answers against /openapi.json, for the contract
tests (tests/unit/test_openapi_document.py, tests/e2e/test_openapi_contract.py); and the
documents' patterns (/asyncapi.json's too, tests/unit/test_event_contracts.py)."""
import re
from pathlib import Path

from openapi_schema_validator import OAS30Validator

ROOT = Path(__file__).resolve().parents[1]
API_MD = ROOT / "docs" / "API.md"
_ROUTE = re.compile(r"`(?:(GET|POST|PUT|PATCH|DELETE) )?(/[^`\s]*)`")
_BODY_KEY = re.compile(r'(?:[{,]\s*|\bor\s+)"(\w+)"\??\s*(?=[:,}?])')
_NAME = re.compile(r"`([a-z_]+)(?:=[^`]*)?`")
ERROR_CODE = re.compile(r"\b([1-5]\d\d) `([A-Z][A-Z_]+)`")


def api_md():
    return API_MD.read_text(encoding="utf-8")


def table_rows(text):
    """(routes, what) of each table row: routes are (method, path) pairs of its first cell;
    a bare `/suffix` replaces the last segment of the path before it (`/pause` after
    `…/activate`)."""
    for line in text.splitlines():
        if not line.startswith("| `"):
            continue
        cells = line.split(" | ")
        routes, method, previous = [], None, None
        for found in _ROUTE.finditer(cells[0]):
            method = found.group(1) or method
            path = found.group(2)
            if not found.group(1):
                path = previous.rsplit("/", 1)[0] + path
            routes.append((method, path))
            previous = path
        yield routes, cells[-1] if len(cells) > 2 else ""


def system_routes(text):
    section = text.split("## System", 1)[1].split("\n## ", 1)[0]
    return [(method, path) for method, path in _ROUTE.findall(section) if method]


def documented_routes(text=None):
    text = text or api_md()
    routes = [route for row, _ in table_rows(text) for route in row]
    return sorted(set(routes + system_routes(text)))


def body_keys(what):
    """Field names of the JSON objects a table row's "what" cell writes out."""
    return set(_BODY_KEY.findall(what))


def named_fields(what):
    """Bare `names` in a "what" cell: query parameters or fields of the answer."""
    return set(_NAME.findall(what))


def error_codes(text=None):
    return set(ERROR_CODE.findall(text or api_md()))


# --- the OpenAPI document --------------------------------------------------------------------

def _segments(path):
    return ["{}" if part.startswith("{") else part for part in path.strip("/").split("/")]


def operation_for(spec, method, path):
    """(template, operation) of the documented route that serves ``method path``: a template's
    {parameter} matches any segment, and API.md's {id} only a template's parameter."""
    wanted = _segments(path)
    for template, operations in spec["paths"].items():
        parts = _segments(template)
        if len(parts) == len(wanted) and method.lower() in operations and all(
                p == "{}" or (p == w and w != "{}") for p, w in zip(parts, wanted)):
            return template, operations[method.lower()]
    return None, None


def resolved(node, spec, seen=()):
    """``node`` with every ``$ref`` to the document's components replaced by its target."""
    if isinstance(node, dict):
        if "$ref" in node:
            ref = node["$ref"]
            if ref in seen:
                return {}
            target = spec
            for part in ref.lstrip("#/").split("/"):
                target = target[part]
            return resolved(target, spec, (*seen, ref))
        return {key: resolved(value, spec, seen) for key, value in node.items()}
    if isinstance(node, list):
        return [resolved(item, spec, seen) for item in node]
    return node


def properties_of(schema):
    """Every property name in a resolved schema, nested ones and list items included."""
    names = set()
    if isinstance(schema, dict):
        for name, sub in schema.get("properties", {}).items():
            names.add(name)
            names |= properties_of(sub)
        names |= properties_of(schema.get("items"))
        for alternative in (*schema.get("oneOf", ()), *schema.get("allOf", ())):
            names |= properties_of(alternative)
    return names


def enum_values_of(schema):
    """Every enum value in a resolved schema (``draft`` of a ``status``)."""
    values = set()
    if isinstance(schema, dict):
        values |= {v for v in schema.get("enum", ()) if isinstance(v, str)}
        for sub in (*schema.get("properties", {}).values(), schema.get("items"),
                    *schema.get("oneOf", ()), *schema.get("allOf", ())):
            values |= enum_values_of(sub)
    return values


def json_schema(operation, status, spec):
    content = operation["responses"].get(str(status), {}).get("content", {})
    media = content.get("application/json")
    return resolved(media["schema"], spec) if media and "schema" in media else None


def problems_with(spec, method, path, status, content_type, body):
    """Why an answer to ``method path`` is not what the document describes; [] when it is."""
    template, operation = operation_for(spec, method, path)
    if operation is None:
        return [f"{method} {path} is not in the document"]
    response = operation["responses"].get(str(status))
    if response is None:
        return [f"{method} {template} answered {status}, which the document does not list"]
    media = (content_type or "").split(";")[0].strip()
    if status == 304 or not media:
        return []
    if media not in response.get("content", {}):
        return [f"{method} {template} {status} answered {media}, not "
                f"{sorted(response.get('content', {}))}"]
    problems = []
    if media == "application/json":
        schema = json_schema(operation, status, spec)
        if schema is None:
            return [f"{method} {template} {status} has no schema for its JSON"]
        errors = sorted(OAS30Validator(schema).iter_errors(body), key=str)
        problems += [f"{method} {template} {status}: {error.message} at "
                     f"{'/'.join(map(str, error.absolute_path))}" for error in errors[:5]]
        examples = response["content"][media].get("examples", {})
        code = body.get("error", {}).get("code") if isinstance(body, dict) and status >= 400 \
            else None
        if code and code not in examples:
            problems.append(f"{method} {template} {status}: {code} is not among {sorted(examples)}")
    return problems


# --- patterns --------------------------------------------------------------------------------

def patterns_in(node):
    """Every schema ``pattern`` in a document or schema."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield value
            else:
                yield from patterns_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from patterns_in(item)


def python_only(patterns):
    """The patterns written in Python's dialect, which ECMA-262 (JavaScript) does not read."""
    return [p for p in patterns if any(token in p for token in ("\\Z", "\\A", "(?P<"))]
