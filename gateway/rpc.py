"""The gateway's settings as a dependency of its routes."""
from nameko.extensions import DependencyProvider

from gateway.web import Edge


class GatewaySettings(DependencyProvider):
    edge = Edge()

    def get_dependency(self, worker_ctx):
        return self.edge.settings
