"""A client generated from the served /openapi.json by openapi-python-client (a tool nobody here
wrote, pinned in requirements-dev.txt), used as a frontend team would use it: once per module
the document the running gateway serves is saved, `openapi-python-client generate --meta none`
writes the package into a temporary folder (no post hooks, so no ruff and nothing fetched: the
document is read from the file), the package is imported, and real calls go through its
functions with its attrs models: the public checklist, store page and campaign list
anonymously; a consumer files a complaint by store code and reads it back; the merchant lists
the complaints against it and answers; an unauthenticated call gets the typed error.

Each typed answer must carry every field its schema marks `required` (a missing one is a
KeyError in the generated `from_dict`; the walk below also finds no `UNSET` among them, nested
models included) and must turn back into exactly the JSON the gateway sent (`to_dict()`), so
no field is lost or retyped on the way.

The generator's warnings: each is printed (`-rP`); any warning or error fails the generation,
except "Unsupported content_type" for a success answer whose media is not JSON (the QR codes'
image/png and image/svg+xml, the favicon's image/x-icon, Swagger UI's application/javascript):
the generated function still returns the bytes in `Response.content`, it only has no model to
parse them into, which is all a client can do with an image. A warning about any JSON answer,
body, parameter or schema fails.

Two faults generated clients met are checked below: a nullable nested object must be parsed
into its model (gateway/openapi.py ``models_first`` puts the model before apispec's free-form
alternative), and no schema may take a name the generated package defines itself (the
merchant's answer body was once the schema `Response`, the generator's own `types.Response`)."""
import ast
import datetime
import importlib
import json
import subprocess
import sys
import uuid
from pathlib import Path

import attrs
import httpx
import pytest

from tests.e2e.coupon_steps import active_campaign, operator_token
from tests.e2e.registry_steps import certify, record

PACKAGE = "fangxin_client"
# a config of the generator's own (YAML): no post hooks (ruff over the output), models'
# attribute docs on the attributes
CONFIG = """\
post_hooks: []
docstrings_on_attributes: true
"""
# names the generated package defines itself (client.py, types.py, errors.py)
GENERATOR_NAMES = {"Client", "AuthenticatedClient", "Response", "Unset", "UNSET", "File",
                   "UnexpectedStatus", "errors", "types"}
# success media the generated client returns as bytes only (see the docstring)
NOT_JSON = ("image/png", "image/svg+xml", "image/x-icon", "application/javascript")


@pytest.fixture(scope="module")
def generated(client, tmp_path_factory):
    """The generated package, imported; the generator's findings printed."""
    folder = tmp_path_factory.mktemp("generated")
    response = client.get("/openapi.json")
    assert response.status_code == 200, response.text
    (folder / "openapi.json").write_bytes(response.content)
    (folder / "config.yaml").write_text(CONFIG)
    done = subprocess.run(
        [sys.executable, "-m", "openapi_python_client", "generate",
         "--path", str(folder / "openapi.json"), "--config", str(folder / "config.yaml"),
         "--meta", "none", "--output-path", str(folder / PACKAGE)],
        cwd=folder, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "TERM": "dumb"})
    output = done.stdout + done.stderr
    print(output)
    assert done.returncode == 0, f"openapi-python-client failed ({done.returncode}):\n{output}"
    unexplained = unexplained_findings(output)
    assert not unexplained, "the generator's findings on the document:\n" + "\n".join(unexplained)
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def unexplained_findings(output):
    """The generator's warnings and errors except a non-JSON success answer omitted.

    Its report (after the "Warning(s) encountered" banner) is, per finding, a header line, a
    detail line and the offending part of the document as indented JSON."""
    lines, findings, in_json = output.splitlines(), [], False
    for line in lines[next((i for i, line in enumerate(lines) if "encountered" in line),
                           len(lines)):]:
        if line.startswith("{"):
            in_json = True
        if in_json:
            in_json = line != "}"
            continue
        if line.strip() and not line.startswith("If you believe"):
            findings.append(line.strip())
    unexplained, index = [], 1
    while index < len(findings):
        header = findings[index]
        detail = findings[index + 1] if index + 1 < len(findings) else ""
        if (header.startswith("WARNING parsing GET ")
                and detail.startswith("Cannot parse response for status code")
                and any(f"(Unsupported content_type {media})" in detail for media in NOT_JSON)):
            index += 2
            continue
        unexplained.append(header)
        index += 1
    if findings and not findings[0].startswith("Warning(s) encountered"):
        unexplained.insert(0, findings[0])
    return unexplained


def module(generated, name):
    return importlib.import_module(f"{PACKAGE}.{name}")


def complete(model, path="answer"):
    """``model`` (an attrs model of the generated package) with every required field set,
    nested models and lists included: ``path`` names the first one that is not."""
    unset = importlib.import_module(f"{PACKAGE}.types").Unset
    for field in attrs.fields(type(model)):
        if field.name == "additional_properties":
            continue
        value = getattr(model, field.name)
        assert not (field.default is attrs.NOTHING and isinstance(value, unset)), \
            f"{path}.{field.name} is required but unset"
        for index, item in enumerate(value if isinstance(value, list) else [value]):
            if attrs.has(type(item)):
                complete(item, f"{path}.{field.name}[{index}]")
    return model


def typed(answer, model_class, status=200):
    """The parsed answer, checked: its status, its model, its required fields, and its
    ``to_dict()`` the JSON sent (times compared as instants: the model writes `+00:00`)."""
    assert answer.status_code == status, answer.content
    assert isinstance(answer.parsed, model_class), (type(answer.parsed), answer.content)
    complete(answer.parsed, model_class.__name__)
    same(answer.parsed.to_dict(), json.loads(answer.content), model_class.__name__)
    return answer.parsed


def same(mine, sent, path):
    """``mine`` (a model's to_dict()) holds what ``sent`` holds, key for key."""
    if isinstance(sent, dict):
        assert isinstance(mine, dict) and mine.keys() == sent.keys(), \
            f"{path}: {sorted(mine)} against {sorted(sent)}"
        for key in sent:
            same(mine[key], sent[key], f"{path}.{key}")
    elif isinstance(sent, list):
        assert isinstance(mine, list) and len(mine) == len(sent), path
        for index, (one, other) in enumerate(zip(mine, sent, strict=True)):
            same(one, other, f"{path}[{index}]")
    elif isinstance(sent, str) and mine != sent:
        assert _instant(mine) == _instant(sent), f"{path}: {mine!r} against {sent!r}"
    else:
        assert mine == sent and type(mine) is type(sent), f"{path}: {mine!r} against {sent!r}"


def _instant(text):
    try:
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return ("not a time", text)


@pytest.fixture(scope="module")
def callers(generated, client):
    """(anonymous client, client with a token) factories of the generated package."""
    made = []

    def anonymous():
        made.append(generated.Client(base_url=client.base_url, timeout=httpx.Timeout(15)))
        return made[-1]

    def signed(token):
        made.append(generated.AuthenticatedClient(base_url=client.base_url, token=token,
                                                  timeout=httpx.Timeout(15)))
        return made[-1]

    yield anonymous, signed
    for caller in made:
        caller.get_httpx_client().close()


@pytest.fixture(scope="module")
def shop(client, merchants):
    """A certified merchant: (merchant_id, merchant token, store code)."""
    merchant_id, token, _ = certify(client, merchants)
    return merchant_id, token, record(client, token, merchant_id)["store_code"]


def test_anonymous_reads_are_typed(generated, callers, client, shop):
    anonymous, _ = callers
    models = module(generated, "models")
    merchant_id, _, store_code = shop

    standard = typed(module(generated, "api.registry.standard").sync_detailed(
        client=anonymous()), models.Standard)
    assert standard.items and all(item.key and item.text for item in standard.items)

    page = typed(module(generated, "api.stores.public_store").sync_detailed(
        store_code, client=anonymous()), models.StorePage)
    assert (page.store_code, page.merchant_id, page.status) == (store_code, merchant_id,
                                                               "certified")
    assert page.commitments and all(isinstance(c, models.StoreCommitment)
                                    for c in page.commitments)
    assert isinstance(page.badge, models.StoreBadge)

    campaign = active_campaign(client, operator_token(client))
    listed = typed(module(generated, "api.coupons.public_campaigns").sync_detailed(
        client=anonymous(), merchant_id=merchant_id, limit=100), models.CampaignPage)
    assert campaign["campaign_id"] in [item.campaign_id for item in listed.items]
    assert all(isinstance(item, models.CampaignView) for item in listed.items)

    _, signed = callers
    refused = typed(module(generated, "api.complaints.list_complaints").sync_detailed(
        client=signed("not-a-jwt")), models.Error, status=401)
    assert refused.error.code == "UNAUTHENTICATED" and refused.error.message


def test_a_complaint_filed_read_listed_and_answered(generated, callers, client, shop):
    _, signed = callers
    models = module(generated, "models")
    merchant_id, merchant_token, store_code = shop
    consumer = signed(client.token(role="consumer", sub=f"generated-{uuid.uuid4().hex[:8]}"))
    merchant = signed(merchant_token)

    filing = models.ComplaintFiling(
        category=models.ComplaintFilingCategory.QUALITY, title="生成的客户端投诉",
        description="用 openapi-python-client 生成的客户端提交", occurred_on=datetime.date.today(),
        contact_phone="13912345678", store_code=store_code, amount_fen=1800,
        evidence_urls=["https://example.org/receipt.jpg"], public_consent=True)
    filed = typed(module(generated, "api.complaints.file_complaint").sync_detailed(
        client=consumer, body=filing), models.Complaint, status=201)
    assert (filed.merchant_id, filed.store_code, filed.status) == (merchant_id, store_code,
                                                                   "forwarded")
    assert filed.amount_fen == 1800 and filed.response is None and filed.deadline_at

    get = module(generated, "api.complaints.get_complaint")
    read = typed(get.sync_detailed(filed.complaint_id, client=consumer), models.Complaint)
    assert read.complaint_id == filed.complaint_id and read.title == filing.title
    assert [entry.event for entry in read.timeline][:2] == ["submitted", "forwarded"]

    listed = typed(module(generated, "api.complaints.list_complaints").sync_detailed(
        client=merchant, status=models.ListComplaintsStatus.FORWARDED, limit=100),
        models.ComplaintPage)
    assert filed.complaint_id in [item.complaint_id for item in listed.items]
    assert all(item.merchant_id == merchant_id for item in listed.items)

    body = models.MerchantAnswer(
        proposal=models.MerchantAnswerProposal.REFUND,
        message="全额退款", amount_fen=1800)
    answered = typed(module(generated, "api.complaints.respond").sync_detailed(
        filed.complaint_id, client=merchant, body=body), models.Complaint)
    assert answered.status == "responded" and answered.timely is True
    assert answered.response is not None
    assert answered.response.to_dict()["proposal"] == "refund"


def test_nullable_nested_answers_are_parsed_into_their_models(generated, callers, shop):
    anonymous, _ = callers
    models = module(generated, "models")
    page = module(generated, "api.stores.public_store").sync_detailed(
        shop[2], client=anonymous()).parsed
    assert isinstance(page.location, models.Location), type(page.location)


def test_no_schema_takes_a_name_of_the_generated_package(client):
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert not GENERATOR_NAMES & set(schemas), sorted(GENERATOR_NAMES & set(schemas))


def test_no_generated_module_imports_two_things_under_one_name(generated):
    clashes = []
    for path in sorted(Path(generated.__file__).parent.rglob("*.py")):
        names = {}
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    name = alias.asname or alias.name
                    where = f"{'.' * node.level}{node.module}"
                    if names.setdefault(name, where) != where:
                        clashes.append(f"{path.name}: {name} from {names[name]} and {where}")
    assert not clashes, "\n".join(clashes)
