"""One store, one code (一店一码): the public store page as JSON and HTML, its QR codes, and the
stylesheet and icon the HTML loads.

Pages are served from the gateway's memory (plumbing/expiring_cache.py): events of the
registry, complaints and coupons drop what they make stale, every gateway process hearing them
(broadcast queues), and scans are reported to the registry in batches."""
import logging
import re

from nameko.events import BROADCAST
from werkzeug.wrappers import Response

from contracts import coupon_kinds
from contracts.schemas.store_page import StorePageSchema
from contracts.store_page_display import coupon_of, localized
from gateway import qr
from gateway.settings import load_settings
from gateway.store_page_html import ASSETS, render_not_found, render_store_page, render_unavailable
from gateway.web import api
from plumbing.errors import DomainError, not_found
from plumbing.events import text_field
from plumbing.queues import after_missed_events, event_handler
from plumbing.schedules import every

TAGS = ["stores"]
HTML = "text/html; charset=utf-8"
# Codes are URL-safe tokens; anything else cannot be a store, so no service is asked.
_CODE_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,64}\Z")
QR_MAX_AGE = 86400  # a store's code, hence its QR image, never changes
ASSET_MAX_AGE = 86400  # the pages link each asset with ?v=<digest>: a new one is a new address
COURTESY_TIMEOUT = 1.0
PAGE_FIGURES = ("total", "resolved", "resolution_rate", "timely_response_rate")
PAGE_COUPON_FIELDS = ("campaign_id", "name", "kind", *coupon_kinds.AMOUNT_FIELDS,
                      "claim_ends_at")

log = logging.getLogger(__name__)


def forgets_the_merchant_of_the_event(source):
    """A broadcast handler of every event of ``source``: each gateway process drops the page of
    the merchant the event is about. Missed events (a gateway away from the broker) are
    bounded by the cache's time limit, so delivery need not be reliable."""
    def forget(self, payload):
        merchant_id = text_field(payload, "merchant_id")
        if merchant_id is not None:
            self.store_pages.forget(merchant_id)
    forget.__name__ = f"forget_pages_on_{source}_events"
    return event_handler(source, "#", handler_type=BROADCAST, reliable_delivery=False)(forget)


def store_not_found():
    return not_found("STORE_NOT_FOUND", "no store has this code")


class KeptPage:
    """A composed store page as the gateway keeps it, with its HTML rendered once per language
    and dropped with it."""

    def __init__(self, page):
        self.page = page
        self._html = {}  # locale -> the rendered page

    def html(self, locale):
        if locale not in self._html:
            self._html[locale] = render_store_page(self.page, locale)
        return self._html[locale]


class StorePageRoutes:
    @api("GET", "/api/v1/public/stores/<code>", response=StorePageSchema, tags=TAGS,
         errors=(404,), cacheable=True,
         summary="The public store page as JSON, labels in zh-CN or en (counts a scan)")
    def public_store(self, call):
        return localized(self._page(_checked(call.path["code"])).page, call.locale)

    def _page(self, code):
        """The ``KeptPage``, from memory when the gateway has it; each call counts one scan."""
        pages = self.store_pages
        kept = pages.get(code)
        if kept is None:
            read_at = pages.now()
            kept = KeptPage(self._composed_page(code))
            pages.put(code, kept, kept.page["merchant_id"], read_at)
        self.scans.add(kept.page["merchant_id"])
        return kept

    def _composed_page(self, code):
        """The registry's page, with the complaints service's figures (a total of 0 too: the
        page says the unit had none) and the active coupon campaigns when there are any. Those
        are a courtesy: a slow or absent service leaves its section out."""
        page = self.registry.public_store(code)
        merchant_id = page["merchant_id"]
        try:
            disclosure = self.complaints.within(COURTESY_TIMEOUT).public_disclosure(
                merchant_id, with_summaries=False)
            page["complaints"] = {key: disclosure[key] for key in PAGE_FIGURES}
        except DomainError:
            pass
        try:
            campaigns = self.coupons.within(COURTESY_TIMEOUT).public_campaigns(
                {"merchant_id": merchant_id})["items"]
            if campaigns:
                page["coupons"] = [coupon_of({key: c.get(key) for key in PAGE_COUPON_FIELDS},
                                             page["store_code"], self.settings.store_links)
                                   for c in campaigns]
        except DomainError:
            pass
        return page

    @api("GET", "/s/<code>", tags=TAGS, errors=(404,), cacheable=True,
         summary="The public store page as HTML (zh-CN, or en), where the QR code leads")
    def store_page_html(self, call):
        code = call.path["code"]
        try:
            kept = self._page(_checked(code))
        except DomainError as exc:
            return html_error(exc, code, call.locale)
        return Response(kept.html(call.locale), content_type=HTML)

    # --- keeping the memory true ----------------------------------------------------------------

    forget_pages_on_registry_events = forgets_the_merchant_of_the_event("registry")
    forget_pages_on_complaints_events = forgets_the_merchant_of_the_event("complaints")

    @event_handler("coupons", "campaign_status_changed", handler_type=BROADCAST,
                   reliable_delivery=False)
    def forget_pages_on_campaign_changes(self, payload):
        self.store_pages.forget_all()  # a campaign may show on any number of pages

    @after_missed_events
    def forget_pages_after_missed_events(self):
        self.store_pages.forget_all()

    @every(interval=lambda: load_settings().scan_report_seconds)
    def report_scans(self):
        scans = self.scans
        counts = scans.take()
        if not counts:
            return
        try:
            self.registry.record_scans(counts)
        except Exception:  # the registry is away: the next report carries these scans
            scans.give_back(counts)
            log.warning("store page scans not reported yet", extra={"merchants": len(counts)})

    @api("GET", "/s/<code>/qr.svg", tags=TAGS, errors=(404,),
         summary="The store's QR code (SVG), encoding PUBLIC_BASE_URL/s/{code}")
    def store_qr_svg(self, call):
        return self._qr(call.path["code"], qr.svg, "image/svg+xml")

    @api("GET", "/s/<code>/qr.png", tags=TAGS, errors=(404,),
         summary="The store's QR code (PNG), encoding PUBLIC_BASE_URL/s/{code}")
    def store_qr_png(self, call):
        return self._qr(call.path["code"], qr.png, "image/png")

    @api("GET", "/static/store.css", tags=TAGS, cacheable=True,
         summary="The store pages' stylesheet (their policy allows no inline style)")
    def store_stylesheet(self, call_):
        return asset_response("store.css")

    @api("GET", "/favicon.ico", tags=TAGS, cacheable=True, summary="The site's icon")
    def favicon(self, call_):
        return asset_response("favicon.ico")

    def _qr(self, code, draw, content_type):
        # store_exists, not public_store: drawing the code is not a scan
        if not self.registry.store_exists(_checked(code)):
            raise store_not_found()
        image = draw(qr.store_url(self.settings.public_base_url, code))
        return Response(image, content_type=content_type,
                        headers={"Cache-Control": f"public, max-age={QR_MAX_AGE}"})


def _checked(code):
    if not _CODE_SHAPE.match(code):
        raise store_not_found()
    return code


def asset_response(name):
    """A file the pages load, cacheable for ``ASSET_MAX_AGE`` (headers.revalidate adds its ETag
    and answers a matching If-None-Match with 304)."""
    asset = ASSETS[name]
    response = Response(asset.content, content_type=asset.content_type)
    response.cache_control.public = True
    response.cache_control.max_age = ASSET_MAX_AGE
    return response


def html_error(exc, code, locale="zh-CN"):
    """A person holding a phone gets a page, not JSON, when the store is unknown or we are down."""
    if exc.status == 404:
        return Response(render_not_found(code, locale), status=404, content_type=HTML)
    if exc.status == 503:
        return Response(render_unavailable(locale), status=503, content_type=HTML,
                        headers={"Retry-After": "1"})
    raise exc
