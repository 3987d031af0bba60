"""What of a stored document is the store's bookkeeping rather than its content: its id, its
pending events (``outbox``), its version, its composite keys (``k_…``, ``plumbing.keys``) and
what its derived data was made from (``plumbing.derived``). Views show the rest."""
from plumbing.derived import BOOKKEEPING_FIELDS

BOOKKEEPING = frozenset({"_id", "outbox", "outbox_count", "version", *BOOKKEEPING_FIELDS})


def is_bookkeeping(field):
    return field in BOOKKEEPING or field.startswith("k_")


def visible(document, *hidden):
    """The fields of ``document`` a view may show, less ``hidden``."""
    return {k: v for k, v in document.items() if not is_bookkeeping(k) and k not in hidden}
