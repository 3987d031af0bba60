"""Which differences between two versions of an event's schema would break a consumer.

Schemas are OpenAPI 3.0 schema objects (plumbing/asyncapi.py). A consumer written against the
old schema breaks when a field it reads disappears or stops being required, changes type or
format, may now be null, or takes a value it has not seen (a new enum value). New optional or
required fields do not break it: consumers ignore what they do not know.
"""

COMPARED = ("type", "format", "oneOf")


def breaking_changes(old, new, path="data"):
    """Human-readable reasons why ``new`` breaks consumers of ``old``; empty when it does not."""
    problems = []
    for key in COMPARED:
        if old.get(key) != new.get(key):
            problems.append(f"{path}: {key} {old.get(key)!r} → {new.get(key)!r}")
    if new.get("nullable") and not old.get("nullable"):
        problems.append(f"{path}: may now be null")
    old_values, new_values = old.get("enum"), new.get("enum")
    if old_values is not None and new_values is None:
        problems.append(f"{path}: any value now, not only {old_values}")
    elif old_values is not None and set(new_values) - set(old_values):
        problems.append(f"{path}: new values {sorted(set(new_values) - set(old_values), key=str)}")
    if "items" in old:
        problems += breaking_changes(old["items"], new.get("items", {}), f"{path}[]")
    old_fields, new_fields = old.get("properties", {}), new.get("properties", {})
    required_before, required_now = set(old.get("required", ())), set(new.get("required", ()))
    for name, schema in old_fields.items():
        where = f"{path}.{name}"
        if name not in new_fields:
            problems.append(f"{where}: removed")
            continue
        if name in required_before and name not in required_now:
            problems.append(f"{where}: no longer always present")
        problems += breaking_changes(schema, new_fields[name], where)
    return problems
