"""Reads a process's /metrics into {(name, sorted label pairs): value}."""
import requests
from prometheus_client.parser import text_string_to_metric_families


def samples(base_url):
    text = requests.get(f"{base_url}/metrics", timeout=5).text
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}
