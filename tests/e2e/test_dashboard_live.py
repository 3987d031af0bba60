"""The campaign-day dashboard's queries and the alert rules name metrics the running
processes really export."""
import json

import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.deploy.test_observability import (
    DASHBOARD,
    EXTERNAL_METRICS,
    dashboard_exprs,
    metric_names,
    rules,
)

PROCESSES = ("gateway", "registry", "complaints", "coupons", "notifications")


def exported_families(stack):
    """Every metric family the processes declare (also those without samples yet), by the
    names PromQL may use: the family's and its series' (_total, _bucket, _count, _sum)."""
    names = set()
    for process in PROCESSES:
        text = requests.get(f"{stack.url_of(process)}/metrics", timeout=5).text
        for family in text_string_to_metric_families(text):
            names |= {family.name, f"{family.name}_total", f"{family.name}_bucket",
                      f"{family.name}_count", f"{family.name}_sum"}
    return names


def test_every_dashboard_query_is_backed_by_a_live_metric(stack, client):
    client.get("/healthz")  # at least one gateway request has been measured
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    wanted = set()
    for expr in dashboard_exprs(dashboard):
        wanted |= metric_names(expr)
    exported = exported_families(stack)
    missing = wanted - EXTERNAL_METRICS - exported
    assert wanted and missing == set()


def test_every_alert_rule_is_backed_by_a_live_metric(stack):
    wanted = set()
    for rule in rules():
        wanted |= metric_names(rule["expr"])
    assert wanted and wanted - EXTERNAL_METRICS - exported_families(stack) == set()
