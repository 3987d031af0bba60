"""Steps through the registry's API that many end-to-end tests take."""

REVIEWERS = {"onsite": dict(region="330106", level="station"),
             "county": dict(region="330106", level="county"),
             "final": dict(region="330100", level="city")}


def record(client, token, merchant_id):
    return client.get(f"/api/v1/merchants/{merchant_id}", token).json()


def review(client, regulators, merchant_id, stage, decision="pass", as_=None):
    return client.post(f"/api/v1/merchants/{merchant_id}/reviews", regulators[as_ or stage],
                       json={"stage": stage, "decision": decision, "notes": f"{stage} {decision}"})


def certify(client, merchants, region="330106", licence_until=None, **overrides):
    """A certified unit in ``region`` (a county of Hangzhou, 3301xx), its second licence valid
    until ``licence_until`` when given."""
    merchant_id, token, body = merchants.new(region=region, **overrides)
    if licence_until is not None:
        body["licences"][1]["valid_until"] = licence_until
    applied = client.post("/api/v1/merchants", token, json=body)
    assert applied.status_code == 201, applied.text
    local = {stage: client.token(role="regulator", sub=f"reg-{stage}",
                                 **{**claims, "region": region if stage != "final" else "330100"})
             for stage, claims in REVIEWERS.items()}
    for stage in ("onsite", "county", "final"):
        assert review(client, local, merchant_id, stage).status_code == 200
    return merchant_id, token, body


def act(client, token, merchant_id, action, reason="检查"):
    return client.post(f"/api/v1/merchants/{merchant_id}/actions", token,
                       json={"action": action, "reason": reason})
