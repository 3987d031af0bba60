"""Composite keys: the values a list filters and sorts by, joined into one indexed string.

The embedded store answers a query from an index only when it names one indexed field, and a
range on one such string, sorted by it, costs about a millisecond at any collection size; on
MongoDB the same single-field index serves it as well. So every list of the services is a
range of one key field: ``tag|part|part|...``, compared as text (RFC 3339 times are fixed-width,
so their text order is time order).

- Parts are escaped, so a value holding ``|`` cannot end its part early (``%`` → ``%25``,
  ``|`` → ``%7C``): a prefix ending in ``|`` matches exactly the keys whose parts begin with it.
- Every key begins with a tag (letters naming the list it serves). Besides naming the key, the
  tag keeps its text from starting like a date: the embedded store rewrites a comparison with a
  value that starts like ``2026-05-01`` into SQLite ``datetime()``, which has second precision
  and reads every document.
"""
SEP = "|"


def escaped(value):
    return str(value).replace("%", "%25").replace(SEP, "%7C")


def key(tag, *parts):
    """``tag|part|part…`` with every part escaped."""
    if not tag or not tag[0].isalpha():
        raise ValueError(f"a key's tag starts with a letter: {tag!r}")
    return SEP.join([tag, *(escaped(part) for part in parts)])


def prefix(tag, *parts, partial=None):
    """The text every key of ``tag`` with these first parts starts with. ``partial`` is the
    beginning of the next part (a region code's first digits), not escaped further."""
    text = key(tag, *parts) + SEP
    return text + partial if partial else text


def upper_bound(text):
    """The least string above every string that starts with ``text``."""
    return text[:-1] + chr(ord(text[-1]) + 1)


def text_part(value, length=24):
    """A free text (a name) as a sort part: its first ``length`` characters, case-folded.
    Short parts keep keys and cursors small; ties are broken by the id that follows."""
    return " ".join(str(value).split()).casefold()[:length]


REGION_LEVELS = (2, 4, 6)  # province, city, county digits of a region code


def region_keys(tag, region, *rest, lead=()):
    """One key per level of a region code, in fields ``<tag>2``, ``<tag>4`` and ``<tag>6``:
    ``<tag>4`` of ``330106`` holds ``3301``, so a city's list is one range of one field, in
    the order of ``rest`` (newest first across its counties, say), not county by county."""
    return {f"{tag}{level}": key(f"{tag}{level}", *lead, region[:level], *rest)
            for level in REGION_LEVELS}


def region_field(tag, region_prefix):
    """The field of ``region_keys`` that holds prefixes as long as ``region_prefix``."""
    if len(region_prefix) not in REGION_LEVELS:
        raise ValueError(f"not a province, city or county prefix: {region_prefix!r}")
    return f"{tag}{len(region_prefix)}"


def region_prefix(tag, region_prefix, *lead):
    """The prefix of the keys of ``region_keys(tag, …, lead=lead)`` within ``region_prefix``."""
    field = region_field(tag, region_prefix)
    return field, prefix(field, *lead, region_prefix)
