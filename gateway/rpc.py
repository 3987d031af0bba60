"""The gateway's own dependencies: its settings, and what it keeps of store pages."""
from nameko.extensions import DependencyProvider

from gateway.scans import ScanTally
from gateway.web import Edge
from plumbing.expiring_cache import ExpiringCache


class GatewaySettings(DependencyProvider):
    edge = Edge()

    def get_dependency(self, worker_ctx):
        return self.edge.settings


class StorePageMemory(DependencyProvider):
    """One page cache and one scan tally per gateway process, shared by its workers."""

    edge = Edge()

    def start(self):  # after every setup, the Edge's (which reads the settings) included
        settings = self.edge.settings
        self.pages = ExpiringCache(settings.store_page_cache_seconds,
                                   settings.store_page_cache_entries)
        self.scans = ScanTally()

    def get_dependency(self, worker_ctx):
        return self
