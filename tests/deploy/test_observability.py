"""Alert rules and the dashboard: valid, and about metrics the code really exports."""
import json
import re
import shutil
import subprocess

import pytest
import yaml

from tests.deploy.conftest import K8S, ROOT, by_kind, named

DASHBOARD = K8S / "dashboards" / "fangxin-campaign-day.json"
# exported by others: RabbitMQ's prometheus plugin, and Prometheus itself
EXTERNAL_METRICS = {"rabbitmq_queue_messages_ready", "up"}
PROMQL_WORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or",
                "unless", "bool", "offset", "inf", "nan"}


def exported_metrics():
    """Series names the code's prometheus_client collectors expose."""
    sources = [ROOT / "plumbing" / "metrics.py", ROOT / "gateway" / "web.py",
               *sorted((ROOT / "services").glob("*/metrics.py"))]
    names = set()
    for source in sources:
        for kind, name in re.findall(r'\b(Counter|Gauge|Histogram)\(\s*"([a-z_:][a-z0-9_:]*)"',
                                     source.read_text()):
            if kind == "Counter":
                base = name[:-len("_total")] if name.endswith("_total") else name
                names |= {base + "_total", base + "_created"}
            elif kind == "Histogram":
                names |= {name + "_bucket", name + "_sum", name + "_count"}
            else:
                names.add(name)
    return names


def metric_names(expr):
    """The metric names a PromQL expression refers to (not functions, labels or keywords)."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)          # strings
    expr = re.sub(r"\{[^}]*\}", "", expr)                     # label matchers
    expr = re.sub(r"\[[^\]]*\]", "", expr)                    # ranges
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
    names = set()
    for match in re.finditer(r"(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)\b(\s*\()?", expr):
        word, call = match.group(1), match.group(2)
        if not call and word.lower() not in PROMQL_WORDS:
            names.add(word)
    return names


def balanced(expr):
    pairs, stack = {")": "(", "]": "[", "}": "{"}, []
    for char in re.sub(r'"(?:[^"\\]|\\.)*"', "", expr):
        if char in "([{":
            stack.append(char)
        elif char in pairs and (not stack or stack.pop() != pairs[char]):
            return False
    return not stack


def test_the_extractor():
    assert metric_names('histogram_quantile(0.99, sum by (service, le) (rate('
                        'fangxin_entrypoint_latency_seconds_bucket{kind="rpc"}[5m]))) > 1') == {
        "fangxin_entrypoint_latency_seconds_bucket"}
    assert metric_names('sum(rate(a_total{x="b(c)"}[1m])) / sum(rate(b_total[1m]))') == {
        "a_total", "b_total"}
    assert "fangxin_coupon_claims_total" in exported_metrics()
    assert "fangxin_http_request_latency_seconds_bucket" in exported_metrics()


def rules():
    source = yaml.safe_load((K8S / "base" / "monitoring" / "prometheusrule.yaml").read_text())
    return [rule for group in source["spec"]["groups"] for rule in group["rules"]]


def test_alert_rules_cover_the_campaign_day():
    exprs = " ".join(rule["expr"] for rule in rules())
    for needle in ('fangxin_entrypoint_calls_total{outcome="error"}',
                   "fangxin_entrypoint_latency_seconds_bucket", "rabbitmq_queue_messages_ready",
                   "fangxin_complaint_sla_breaches_total", "fangxin_coupon_stock_remaining",
                   'fangxin_notifications_total{outcome="failed"}'):
        assert needle in exprs, needle
    for rule in rules():
        assert re.fullmatch(r"Fangxin[A-Za-z]+", rule["alert"])
        assert rule["labels"]["severity"] in {"critical", "warning", "info"}
        assert rule["annotations"]["summary"]
        assert balanced(rule["expr"]), rule["alert"]


def test_alert_rules_refer_to_exported_metrics():
    known = exported_metrics() | EXTERNAL_METRICS
    for rule in rules():
        names = metric_names(rule["expr"])
        assert names, rule["alert"]
        assert names <= known, (rule["alert"], names - known)


def test_alert_rules_pass_promtool(tmp_path):
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed (Debian package 'prometheus'); the rules are "
                    "still checked by the metric-name and bracket tests")
    source = yaml.safe_load((K8S / "base" / "monitoring" / "prometheusrule.yaml").read_text())
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump({"groups": source["spec"]["groups"]}))
    done = subprocess.run([promtool, "check", "rules", str(path)], capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 0, done.stdout + done.stderr


def dashboard_exprs(dashboard):
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def test_dashboard_parses_and_shows_a_campaign_day():
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] and dashboard["title"]
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    exprs = " ".join(dashboard_exprs(dashboard))
    for needle in ("rate(fangxin_coupon_claims_total", "fangxin_coupon_stock_remaining",
                   "fangxin_coupon_redemptions_total",
                   "fangxin_http_request_latency_seconds_bucket",
                   'fangxin_complaints{status!="closed"}', "rate(fangxin_ballot_signups_total",
                   "fangxin_ballot_draw_progress", "fangxin_ballot_coupons_issued_total",
                   "fangxin_coupon_budget_spent_fen", "fangxin_coupon_settlement_holds_total"):
        assert needle in exprs, needle
    assert "sum by (outcome) (rate(fangxin_coupon_claims_total" in exprs


def test_dashboard_queries_refer_to_exported_metrics():
    known = exported_metrics() | EXTERNAL_METRICS
    for expr in dashboard_exprs(json.loads(DASHBOARD.read_text())):
        assert balanced(expr), expr
        assert metric_names(expr) and metric_names(expr) <= known, expr


def test_dashboard_config_map_carries_the_file(rendered):
    for objects in rendered.values():
        config_map = named(objects, "ConfigMap", "fangxin-dashboards")
        assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
        assert config_map["data"]["fangxin-campaign-day.json"] == DASHBOARD.read_text()
        rule = named(objects, "PrometheusRule", "fangxin")
        assert rule["spec"]["groups"] == yaml.safe_load(
            (K8S / "base" / "monitoring" / "prometheusrule.yaml").read_text())["spec"]["groups"]
        assert by_kind(objects, "ServiceMonitor")
