"""The HTTP gateway: every route of API.md, composed from one mixin per area."""
from gateway.routes.complaints import ComplaintRoutes
from gateway.routes.coupons import CouponRoutes
from gateway.routes.notifications import NotificationRoutes
from gateway.routes.registry import RegistryRoutes
from gateway.routes.store_pages import StorePageRoutes
from gateway.routes.system import SystemRoutes
from gateway.rpc import GatewaySettings, StorePageMemory
from plumbing.rpc import BoundedRpcProxy
from plumbing.service import RequestContext
from plumbing.metrics import EntrypointMetrics


class GatewayService(SystemRoutes, RegistryRoutes, StorePageRoutes, ComplaintRoutes,
                     CouponRoutes, NotificationRoutes):
    name = "gateway"

    entrypoint_metrics = EntrypointMetrics()
    request_context = RequestContext()
    settings = GatewaySettings()
    store_pages = StorePageMemory()

    registry = BoundedRpcProxy("registry")
    complaints = BoundedRpcProxy("complaints")
    coupons = BoundedRpcProxy("coupons")
    notifications = BoundedRpcProxy("notifications")
