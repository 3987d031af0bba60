"""Who is told what about which event; no I/O."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Intent:
    """One message to send: the recipient's inbox address, its topic and template."""
    recipient: str
    topic: str
    template: str
    context: dict
    critical: bool = False


def for_merchant_applied(envelope):
    data = envelope["data"]
    return [Intent(recipient=f"merchant:{data['merchant_id']}", topic="certification",
                   template="merchant_applied", context=data)]


def message_id(event_id, recipient, channel):
    """Exactly one message per (event, recipient, channel): the id is derived from them."""
    return f"{event_id}:{recipient}:{channel}"
