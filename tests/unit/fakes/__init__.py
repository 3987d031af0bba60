"""In-memory stand-ins for the ports of the application code (its store, the registry)."""
