"""Regular expressions of the documents (/openapi.json, /asyncapi.json) for the tools that read
them: both formats say a schema's ``pattern`` is ECMA-262, and JavaScript has no ``\\Z``."""


def ecma_patterns(node):
    """``node`` (a schema or a whole document) with our validators' end anchor ``\\Z``
    (Python) written ``$``: in ECMA-262 ``$`` without the multiline flag matches only at the
    very end, as ``\\Z`` does in Python (Python's ``$`` would also match before a final
    newline, hence ``\\Z`` in the validators themselves)."""
    if isinstance(node, dict):
        return {key: (value[:-2] + "$" if key == "pattern" and isinstance(value, str)
                      and value.endswith("\\Z") else ecma_patterns(value))
                for key, value in node.items()}
    if isinstance(node, list):
        return [ecma_patterns(item) for item in node]
    return node
