"""What a refused write means."""
DUPLICATE_KEY = 11000


def refused_as_duplicates(error):
    """The indexes of a bulk write's operations refused because a unique key was taken; raises
    ``error`` again when any operation failed for another reason."""
    failures = error.details.get("writeErrors", [])
    if any(failure.get("code") != DUPLICATE_KEY for failure in failures):
        raise error
    return {failure["index"] for failure in failures}
