"""Complaints entrypoints: each decodes its input (schemas), checks who acts (actors) and hands
over to the application code: filing.py (filing and its screening), handling.py (the steps of a
complaint's life, and reading), disclosure.py (public figures and summaries, statistics, hot
spots) and timers.py (the schedules' passes)."""
from functools import cached_property

from contracts.open_data import PAGE_ROWS
from contracts.schemas.complaints import (
    ComplaintFilingSchema,
    ConsentSchema,
    DecisionSchema,
    MediationSchema,
    MerchantAnswerSchema,
    OpenDataPageSchema,
    OpenDataQuerySchema,
    PublicReplySchema,
    SatisfactionSchema,
    ScreeningSchema,
)
from plumbing.actors import Actor, jurisdiction_of
from plumbing.clock import ClockProvider
from plumbing.config import PerProcess
from plumbing.errors import forbidden, invalid, validated
from plumbing.mongo import Mongo
from plumbing.rpc import BoundedRpcProxy
from plumbing.schedules import schedule
from plumbing.service import FangxinService, rpc
from services.complaints import masking
from services.complaints.calendar_watch import CalendarCoverage
from services.complaints.disclosure import Disclosure
from services.complaints.events import CONTRACTS as EVENT_CONTRACTS
from services.complaints.filing import Filing
from services.complaints.handling import Handling
from services.complaints.settings import load_settings
from services.complaints.store import ComplaintsStore
from services.complaints.timers import Timers


class ComplaintsService(FangxinService):
    name = "complaints"
    event_contracts = EVENT_CONTRACTS
    schedules = (*FangxinService.schedules, "watch_deadlines", "find_hotspots")

    store = Mongo(ComplaintsStore)
    clock = ClockProvider()
    registry = BoundedRpcProxy("registry")
    settings = PerProcess(load_settings)
    # masking names in public summaries needs jieba's tagger: 1-2 s to load, at start rather
    # than in the first request (whose store page waits 1 s for the figures)
    names_tagger = PerProcess(masking.load_segmenter)
    calendar_coverage = CalendarCoverage()

    # --- the application, made for each worker from its dependencies ---------------------------

    @cached_property
    def filing(self):
        return Filing(self.store, self.clock, self.settings, self.registry)

    @cached_property
    def handling(self):
        return Handling(self.store, self.clock, self.settings)

    @cached_property
    def disclosure(self):
        return Disclosure(self.store, self.clock)

    @cached_property
    def timers(self):
        return Timers(self.store, self.clock, self.settings, self.handling)

    # --- filing and reading --------------------------------------------------------------------

    @rpc
    def file_complaint(self, actor, payload):
        actor = Actor.from_dict(actor)
        if actor.role != "consumer":
            raise forbidden(message="consumers file complaints")
        return self.filing.file(actor, validated(ComplaintFilingSchema(), payload))

    @rpc
    def get_complaint(self, actor, complaint_id):
        return self.handling.view(Actor.from_dict(actor), complaint_id)

    @rpc
    def list_complaints(self, actor, query):
        return self.handling.page(Actor.from_dict(actor), query)

    # --- the lifecycle (each step checks its actor against the complaint: lifecycle.py) -------

    @rpc
    def respond(self, actor, complaint_id, payload):
        actor = Actor.from_dict(actor)
        return self.handling.respond(actor, complaint_id,
                                     validated(MerchantAnswerSchema(), payload))

    @rpc
    def decide(self, actor, complaint_id, payload):
        actor = Actor.from_dict(actor)
        body = validated(DecisionSchema(), payload)
        return self.handling.decide(actor, complaint_id, body["accept"], body["comment"])

    @rpc
    def mediate(self, actor, complaint_id, payload):
        actor = Actor.from_dict(actor)
        return self.handling.mediate(actor, complaint_id, validated(MediationSchema(), payload))

    @rpc
    def withdraw(self, actor, complaint_id):
        return self.handling.withdraw(Actor.from_dict(actor), complaint_id)

    @rpc
    def rate(self, actor, complaint_id, payload):
        actor = Actor.from_dict(actor)
        body = validated(SatisfactionSchema(), payload)
        return self.handling.rate(actor, complaint_id, body["satisfaction"])

    @rpc
    def set_consent(self, actor, complaint_id, payload):
        actor = Actor.from_dict(actor)
        body = validated(ConsentSchema(), payload)
        return self.handling.set_consent(actor, complaint_id, body["public_consent"])

    @rpc
    def reply_publicly(self, actor, complaint_id, payload):
        actor = Actor.from_dict(actor)
        body = validated(PublicReplySchema(), payload)
        return self.handling.reply_publicly(actor, complaint_id, body["text"])

    @rpc
    def screen(self, actor, complaint_id, payload):
        actor = Actor.from_dict(actor)
        body = validated(ScreeningSchema(), payload)
        return self.handling.screen(actor, complaint_id, body["decision"], body["notes"])

    # --- disclosure, statistics, hot spots ---------------------------------------------------

    @rpc
    def preview_publication(self, title, description):
        """What a complaint with this title and description would be published as, if its
        consumer consents: exactly what ``public_disclosure`` shows of it."""
        if not isinstance(title, str) or not isinstance(description, str):
            raise invalid({"title": ["text"], "description": ["text"]})
        return self.disclosure.preview(title, description)

    @rpc
    def public_disclosure(self, merchant_id, with_summaries=True):
        """The unit's public figures and, unless ``with_summaries`` is false (the store page
        shows only the figures), its latest published summaries."""
        return self.disclosure.public(merchant_id, with_summaries)

    @rpc
    def open_data(self, region, day, cursor=None, limit=PAGE_ROWS):
        """A page of the open-data rows of a region's complaints closed on a day in China
        (docs/open-data.md): ``{"rows": [...], "next_cursor": ...}``."""
        query = validated(OpenDataQuerySchema(), {"region": region, "day": day})
        page = validated(OpenDataPageSchema(), {"cursor": cursor, "limit": limit})
        return self.disclosure.open_data(query["region"], query["day"].isoformat(),
                                         page["cursor"], page["limit"])

    @rpc
    def statistics(self, actor, query):
        actor = Actor.from_dict(actor)
        region = query.get("region") or actor.region
        return self.disclosure.statistics(region, jurisdiction_of(actor, region), query)

    @rpc
    def hotspots(self, actor, query):
        return self.disclosure.hotspots(jurisdiction_of(Actor.from_dict(actor)), query)

    # --- schedules -----------------------------------------------------------------------------

    @schedule(interval=lambda: load_settings().sla_scan_seconds)
    def watch_deadlines(self):
        self.timers.watch_deadlines()

    @schedule(interval=lambda: load_settings().hotspot_scan_seconds)
    def find_hotspots(self):
        self.timers.find_hotspots()
