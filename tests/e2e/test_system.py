"""The running system: readiness, metrics, the API document."""
import time

import requests


def test_readyz_answers_200_when_the_broker_and_every_service_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["services"] == {
        "registry": "ok", "complaints": "ok", "coupons": "ok", "notifications": "ok"}


def test_healthz_and_the_request_id_header(client):
    response = client.get("/healthz", headers={"X-Request-ID": "probe-42"})
    assert response.json() == {"status": "ok"}
    assert response.headers["X-Request-ID"] == "probe-42"
    generated = client.get("/healthz").headers["X-Request-ID"]
    assert len(generated) == 32


def test_echoz_is_one_rpc_answered_by_the_named_service(stack, client):
    for name in ("registry", "complaints", "coupons", "notifications"):
        assert client.get(f"/echoz/{name}").json() == {"status": "ok", "service": name}
        metrics = requests.get(f"{stack.url_of(name)}/metrics", timeout=5).text
        assert f'entrypoint="echo",kind="rpc",outcome="ok",service="{name}"' in metrics
    unknown = client.get("/echoz/nobody")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "NOT_FOUND"


def test_every_process_serves_prometheus_metrics(stack, client):
    client.get("/readyz")
    gateway = client.get("/metrics")
    assert gateway.status_code == 200
    assert "fangxin_http_requests_total" in gateway.text
    for name in ("registry", "complaints", "coupons", "notifications"):
        metrics = requests.get(f"{stack.url_of(name)}/metrics", timeout=5)
        assert metrics.status_code == 200, name
        assert f'entrypoint="health",kind="rpc",outcome="ok",service="{name}"' in metrics.text


def test_openapi_describes_the_routes_from_the_schemas(client):
    document = client.get("/openapi.json").json()
    assert document["openapi"].startswith("3.")
    apply = document["paths"]["/api/v1/merchants"]["post"]
    assert apply["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "MerchantApplication")
    assert {"201", "400", "401", "403", "409", "413", "422", "503"} <= set(apply["responses"])
    assert "credit_code" in document["components"]["schemas"]["MerchantApplication"][
        "properties"]
    assert "/api/v1/me/notifications" in document["paths"]
    assert "/api/v1/merchants/{merchant_id}" in document["paths"]


def test_docs_render_from_local_assets(client):
    page = client.get("/docs")
    assert page.status_code == 200 and "/openapi.json" in page.text
    assert client.get("/docs/static/swagger-ui-bundle.js").status_code == 200
    assert client.get("/docs/static/..%2Fsecret").status_code == 404


def test_readyz_answers_503_while_a_service_is_down(stack, client):
    stack.stop("coupons")
    try:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "UNAVAILABLE"
        assert response.json()["error"]["details"]["services"]["coupons"] != "ok"
        assert response.json()["error"]["details"]["services"]["registry"] == "ok"
    finally:
        stack.start_process("coupons")
    assert stack.wait_ready(30)


def test_a_route_whose_service_is_down_answers_503_without_hanging(stack, client, system_env):
    token = client.token(role="consumer", sub="c-503")
    stack.stop("notifications")
    try:
        started = time.monotonic()
        response = client.get("/api/v1/me/notifications", token)
        waited = time.monotonic() - started
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "UNAVAILABLE"
        assert response.headers["Retry-After"] == "1"
        assert waited < float(system_env["RPC_TIMEOUT_SECONDS"]) + 2
    finally:
        stack.start_process("notifications")
    assert stack.wait_ready(30)
    assert client.get("/api/v1/me/notifications", token).status_code == 200
