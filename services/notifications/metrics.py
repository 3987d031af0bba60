"""The notifications service's figures."""

from prometheus_client import Counter, Histogram

from plumbing.clock import from_rfc3339

MESSAGES = Counter("fangxin_notifications_total", "Messages by channel and outcome",
                   ["channel", "outcome"])
RETRIES = Counter("fangxin_notification_retries_total", "Delivery retries scheduled",
                  ["channel"])
PROVIDER_FAILURES = Counter("fangxin_notification_provider_failures_total",
                            "Sends a provider failed (the channel's next provider is tried)",
                            ["channel", "provider"])
LATENCY = Histogram("fangxin_notification_delivery_seconds",
                    "From the event to the delivery on a channel", ["channel"],
                    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600))
FANOUT = Histogram("fangxin_warning_fanout_size", "Consumers a published warning reached for",
                   buckets=(0, 10, 100, 1000, 10_000, 100_000, 1_000_000))


def observe_latency(channel, occurred_at, sent_at):
    occurred = from_rfc3339(occurred_at)
    LATENCY.labels(channel).observe(max((sent_at - occurred).total_seconds(), 0))
