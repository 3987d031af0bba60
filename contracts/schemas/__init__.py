"""The HTTP API's request and answer shapes (marshmallow), one module per area: the services
load and dump with them and the gateway builds /openapi.json from them."""
