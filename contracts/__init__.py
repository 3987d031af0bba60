"""The vocabulary the services and the gateway share (issue 19): pure definitions with no I/O,
importing nothing of ``services`` or ``gateway``, so that any process may import them without
pulling in another service's modules."""
