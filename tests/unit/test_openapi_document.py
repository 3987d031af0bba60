"""/openapi.json holds every route, parameter, body field, answer and error code of docs/API.md,
with examples that its schemas accept, and is a valid OpenAPI 3.0 document.
(tests/e2e/test_openapi_contract.py holds the running gateway's real answers to it.)"""
import pytest
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from openapi_spec_validator import validate as validate_openapi

from gateway import openapi_docs as docs
from gateway.openapi import build_spec, routes_of
from gateway.service import GatewayService
from tests.api_contract import (
    api_md,
    body_keys,
    documented_routes,
    enum_values_of,
    error_codes,
    named_fields,
    operation_for,
    patterns_in,
    properties_of,
    python_only,
    resolved,
    table_rows,
)

SPEC = build_spec(GatewayService)
WRITES = ("POST", "PUT", "PATCH")
# a row naming reads and writes (`GET …` / `POST …/result`) describes the writes' body
ROWS = [(route, what, any(m in WRITES for m, _ in routes))
        for routes, what in table_rows(api_md()) for route in routes]

def ids(row):
    return " ".join(row[0]) if isinstance(row, tuple) and isinstance(row[0], tuple) else str(row)


def test_the_document_is_valid_openapi():
    validate_openapi(SPEC)


def test_patterns_are_written_for_ecma_262_as_openapi_says():
    patterns = list(patterns_in(SPEC))
    assert patterns, "the document has patterns to check"
    assert python_only(patterns) == []
    assert "^[0-9]{6}$" in patterns  # a region code, anchored at the end the ECMA way


def test_the_tables_were_read():
    routes = documented_routes()
    assert len(routes) > 50, routes
    assert ("POST", "/api/v1/campaigns/{id}/cancel") in routes
    assert ("GET", "/api/v1/public/lists/black") in routes
    assert ("GET", "/docs") in routes


@pytest.mark.parametrize("method, path", documented_routes())
def test_every_route_of_api_md_is_in_the_document_with_its_answer(method, path):
    template, operation = operation_for(SPEC, method, path)
    assert operation is not None, f"{method} {path} is missing from /openapi.json"
    success = [status for status in operation["responses"] if status.startswith("2")]
    assert success, f"{method} {template} has no successful answer"
    assert all(operation["responses"][status].get("content") for status in success), \
        f"{method} {template}: the successful answer's content is not described"
    parameters = {p["name"] for p in operation.get("parameters", ()) if p["in"] == "path"}
    assert parameters == {part[1:-1] for part in template.split("/") if part.startswith("{")}


def request_schema(operation):
    content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    return resolved(content.get("schema", {}), SPEC)


def answer_schema(operation):
    for status, response in operation["responses"].items():
        if status.startswith("2"):
            return resolved(response.get("content", {}).get("application/json", {})
                            .get("schema", {}), SPEC)
    return {}


@pytest.mark.parametrize("route, what, has_writes", ROWS, ids=[" ".join(r) for r, _, _ in ROWS])
def test_every_field_and_parameter_a_row_names_is_described(route, what, has_writes):
    method, path = route
    _, operation = operation_for(SPEC, method, path)
    body, _, answer = what.partition("→")
    queries = {p["name"] for p in operation.get("parameters", ()) if p["in"] == "query"}
    answers = properties_of(answer_schema(operation)) | enum_values_of(answer_schema(operation))
    if method in WRITES:
        missing = body_keys(body) - properties_of(request_schema(operation))
        assert not missing, f"{method} {path}: body fields not in the document: {missing}"
        missing = (body_keys(answer) | named_fields(answer)) - answers
    elif has_writes:
        missing = set()
    else:
        missing = (body_keys(what) | named_fields(what)) - queries - answers
    assert not missing, f"{method} {path}: not in the document: {missing}"


def test_the_merchant_fields_api_md_lists_are_described():
    text = api_md()
    body = text.split("Merchant body fields:", 1)[1].split("Merchant read fields add:", 1)[0]
    read = text.split("Merchant read fields add:", 1)[1].split("`status` values", 1)[0]
    _, apply = operation_for(SPEC, "POST", "/api/v1/merchants")
    _, record = operation_for(SPEC, "GET", "/api/v1/merchants/{id}")
    assert named_fields(body) - properties_of(request_schema(apply)) == set()
    assert named_fields(read) - properties_of(answer_schema(record)) == set()


def documented_error_codes():
    found = set()
    for operations in SPEC["paths"].values():
        for operation in operations.values():
            for status, response in operation["responses"].items():
                examples = response.get("content", {}).get("application/json", {}) \
                    .get("examples", {})
                found |= {(status, code) for code in examples}
    return found


@pytest.mark.parametrize("status, code", sorted(error_codes()))
def test_every_error_code_of_api_md_is_documented_at_its_status(status, code):
    assert (status, code) in documented_error_codes()


def operations():
    return [(method.upper(), path, operation) for path, methods in SPEC["paths"].items()
            for method, operation in methods.items()]


@pytest.mark.parametrize("method, path, operation", operations(),
                         ids=[f"{m} {p}" for m, p, _ in operations()])
def test_every_operation_has_examples(method, path, operation):
    if "requestBody" in operation:
        assert "example" in operation["requestBody"]["content"]["application/json"], \
            f"{method} {path}: no request example"
    for status, response in operation["responses"].items():
        if int(status) >= 400:
            assert response["content"]["application/json"].get("examples"), \
                f"{method} {path} {status}: no error example"


def test_every_tag_is_declared_with_a_description_and_every_operation_says_who_may_call():
    declared = {tag["name"]: tag["description"] for tag in SPEC["tags"]}
    assert {tag for _, _, operation in operations() for tag in operation["tags"]} \
        == set(declared) and all(declared.values())
    assert all("security" in operation and operation["description"]
               for _, _, operation in operations())


ROUTES = dict(routes_of(GatewayService))


def test_what_openapi_docs_says_is_about_routes_that_exist():
    named = set(docs.ERRORS) | docs.IDEMPOTENT | set(docs.MEDIA) | set(docs.REQUEST_EXAMPLES) \
        | docs.HTML_ERRORS | set(docs.DOCUMENTS) | set(docs.ALSO_SUCCEEDS)
    assert named - set(ROUTES) == set()
    assert {code for codes in docs.ERRORS.values() for code in codes} - set(docs.CODE_STATUS) \
        == set()


@pytest.mark.parametrize("name", sorted(docs.REQUEST_EXAMPLES))
def test_every_request_example_is_a_body_the_route_accepts(name):
    route = ROUTES[name]
    schema = route.body_schema(partial=route.method == "PATCH")  # a PATCH sends some fields
    assert schema.load(docs.REQUEST_EXAMPLES[name])


def test_every_route_with_a_body_has_an_example():
    assert {name for name, route in ROUTES.items() if route.body_schema is not None} \
        - set(docs.REQUEST_EXAMPLES) == set()


# --- every example keeps its own schema -----------------------------------------------------

def examples_in(node, where="#"):
    """(where, example, schema) of every example in the document: a request body's, a
    parameter's or an answer's (``example`` or ``examples``) and a schema's own."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from examples_in(item, f"{where}/{index}")
        return
    if not isinstance(node, dict):
        return
    schema = node.get("schema", node)  # a media type or parameter has one; a schema is one
    if "example" in node:
        yield where, node["example"], schema
    if "schema" in node:
        for name, example in node.get("examples", {}).items():
            yield f"{where}/examples/{name}", example["value"], schema
    for key, value in node.items():
        if key not in ("example", "examples"):
            yield from examples_in(value, f"{where}/{key}")


EXAMPLES = list(examples_in(SPEC))


def test_the_examples_were_found():
    wheres = [where for where, _, _ in EXAMPLES]
    assert len(wheres) > 200
    assert any(where.endswith("/patch/requestBody/content/application/json") for where in wheres)
    assert any("/components/schemas/" in where for where in wheres)


def test_every_example_in_the_document_is_valid_against_its_schema():
    problems = [f"{where}: {error.message}" for where, example, schema in EXAMPLES
                for error in OAS30Validator(resolved(schema, SPEC),
                                            format_checker=oas30_format_checker)
                .iter_errors(example)]
    assert not problems, "\n".join(problems)
