"""The HTTP gateway: every route of API.md, composed from one mixin per area."""
from gateway.routes.complaint_pages import ComplaintPageRoutes
from gateway.routes.complaints import ComplaintRoutes
from gateway.routes.coupon_pages import CouponPageRoutes
from gateway.routes.coupons import CouponRoutes
from gateway.routes.notifications import NotificationRoutes
from gateway.routes.rating_pages import RatingPageRoutes
from gateway.routes.registry import RegistryRoutes
from gateway.routes.sign_in import SignInRoutes
from gateway.routes.store_pages import StorePageRoutes
from gateway.routes.system import SystemRoutes
from gateway.rpc import GatewaySettings
from gateway.scans import ScanTally
from gateway.settings import load_settings
from plumbing.config import PerProcess
from plumbing.expiring_cache import ExpiringCache
from plumbing.metrics import EntrypointMetrics
from plumbing.rpc import BoundedRpcProxy
from plumbing.service import RequestContext


class GatewayService(SystemRoutes, SignInRoutes, RegistryRoutes, StorePageRoutes,
                     ComplaintRoutes, ComplaintPageRoutes, CouponRoutes, CouponPageRoutes,
                     RatingPageRoutes, NotificationRoutes):
    name = "gateway"

    entrypoint_metrics = EntrypointMetrics()
    request_context = RequestContext()
    settings = GatewaySettings()
    # one memory of store pages and one tally of their scans per process (routes/store_pages)
    store_pages = PerProcess(lambda: ExpiringCache(load_settings().store_page_cache_seconds,
                                                   load_settings().store_page_cache_entries))
    scans = PerProcess(ScanTally)

    registry = BoundedRpcProxy("registry")
    complaints = BoundedRpcProxy("complaints")
    coupons = BoundedRpcProxy("coupons")
    notifications = BoundedRpcProxy("notifications")
