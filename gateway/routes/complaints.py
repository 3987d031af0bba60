"""Complaints routes."""
from werkzeug.wrappers import Response

from contracts import open_data
from contracts.schemas.complaints import (
    ComplaintFilingSchema,
    ComplaintListSchema,
    ComplaintPageSchema,
    ComplaintSchema,
    ConsentSchema,
    DecisionSchema,
    HotspotPageSchema,
    MediationSchema,
    MerchantAnswerSchema,
    OpenDataQuerySchema,
    PublicDisclosureSchema,
    PublicReplySchema,
    SatisfactionSchema,
    ScreeningSchema,
    StatisticsSchema,
    StatsQuerySchema,
)
from gateway.schemas import PageQuerySchema
from gateway.web import api
from plumbing.errors import invalid

TAGS = ["complaints"]
COMPLAINT = "/api/v1/complaints/<complaint_id>"


class ComplaintRoutes:
    @api("POST", "/api/v1/complaints", roles=("consumer",), body=ComplaintFilingSchema,
         response=ComplaintSchema, status=201, tags=TAGS, errors=(404, 409),
         rate_limit="complaints",
         summary="File a complaint against a merchant (by id or store code)")
    def file_complaint(self, call):
        return self.complaints.file_complaint(call.actor.to_dict(), call.body)

    @api("GET", "/api/v1/complaints", roles=("consumer", "merchant", "regulator"),
         query=ComplaintListSchema, response=ComplaintPageSchema, tags=TAGS,
         summary="Complaints you may see: your own, against you, or in your region")
    def list_complaints(self, call):
        return self.complaints.list_complaints(call.actor.to_dict(), call.query)

    @api("GET", COMPLAINT, roles=("consumer", "merchant", "regulator"), response=ComplaintSchema,
         tags=TAGS, errors=(404,), summary="A complaint with its timeline and deadline")
    def get_complaint(self, call):
        return self.complaints.get_complaint(call.actor.to_dict(), call.path["complaint_id"])

    @api("POST", COMPLAINT + "/responses", roles=("merchant",), body=MerchantAnswerSchema,
         response=ComplaintSchema, tags=TAGS, errors=(404, 409),
         summary="The merchant proposes a remedy or disputes")
    def respond(self, call):
        return self.complaints.respond(call.actor.to_dict(), call.path["complaint_id"], call.body)

    @api("POST", COMPLAINT + "/decision", roles=("consumer",), body=DecisionSchema,
         response=ComplaintSchema, tags=TAGS, errors=(404, 409),
         summary="The consumer accepts (closed) or rejects (mediation) the answer")
    def decide(self, call):
        return self.complaints.decide(call.actor.to_dict(), call.path["complaint_id"], call.body)

    @api("POST", COMPLAINT + "/mediation", roles=("regulator",), body=MediationSchema,
         response=ComplaintSchema, tags=TAGS, errors=(404, 409),
         summary="The regulator's mediation outcome")
    def mediate(self, call):
        return self.complaints.mediate(call.actor.to_dict(), call.path["complaint_id"], call.body)

    @api("POST", COMPLAINT + "/withdraw", roles=("consumer",), response=ComplaintSchema,
         tags=TAGS, errors=(404, 409), summary="Withdraw a complaint")
    def withdraw(self, call):
        return self.complaints.withdraw(call.actor.to_dict(), call.path["complaint_id"])

    @api("POST", COMPLAINT + "/rating", roles=("consumer",), body=SatisfactionSchema,
         response=ComplaintSchema, tags=TAGS, errors=(404, 409),
         summary="Rate satisfaction after closing")
    def rate_complaint(self, call):
        return self.complaints.rate(call.actor.to_dict(), call.path["complaint_id"], call.body)

    @api("POST", COMPLAINT + "/consent", roles=("consumer",), body=ConsentSchema,
         response=ComplaintSchema, tags=TAGS, errors=(404,),
         summary="Give or withdraw consent to publish the summary, at any time")
    def set_consent(self, call):
        return self.complaints.set_consent(call.actor.to_dict(), call.path["complaint_id"],
                                           call.body)

    @api("POST", COMPLAINT + "/public-reply", roles=("merchant",), body=PublicReplySchema,
         response=ComplaintSchema, tags=TAGS, errors=(404, 409),
         summary="The merchant's one public reply beside the published summary")
    def reply_publicly(self, call):
        return self.complaints.reply_publicly(call.actor.to_dict(), call.path["complaint_id"],
                                              call.body)

    @api("POST", COMPLAINT + "/screening", roles=("regulator",), body=ScreeningSchema,
         response=ComplaintSchema, tags=TAGS, errors=(404, 409),
         summary="Release a flagged complaint to the merchant, or reject it")
    def screen(self, call):
        return self.complaints.screen(call.actor.to_dict(), call.path["complaint_id"], call.body)

    @api("GET", "/api/v1/public/merchants/<merchant_id>/complaints", tags=TAGS,
         response=PublicDisclosureSchema,
         summary="A merchant's complaint figures and consented summaries, no personal data")
    def public_complaints(self, call):
        return self.complaints.public_disclosure(call.path["merchant_id"])

    @api("GET", "/api/v1/public/open-data/complaints", query=OpenDataQuerySchema, tags=TAGS,
         cacheable=True, summary="Open data: the complaints a region closed on a day in China, "
                                 "CSV or NDJSON, no personal data (docs/open-data.md)")
    def open_data_complaints(self, call):
        region, day, format_name = (call.query[name] for name in ("region", "day", "format"))
        written = open_data.FORMATS[format_name]
        body = "".join(written.text(rows, header=first)
                       for first, rows in self._open_data_pages(region, day))
        name = open_data.file_name(region, day, format_name)
        return Response(body.encode("utf-8"), content_type=written.media_type,
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    def _open_data_pages(self, region, day):
        """(first?, rows) of each page the complaints service gives, up to MAX_ROWS rows in
        all: the file is whole before it is sent, so that it has an ETag like every public
        answer, and a refusal is an error, not a truncated file."""
        cursor, count = None, 0
        while True:
            page = self.complaints.open_data(region, day, cursor, open_data.PAGE_ROWS)
            count += len(page["rows"])
            if count > open_data.MAX_ROWS:
                raise invalid({"region": [
                    f"more than {open_data.MAX_ROWS} complaints closed that day: ask for "
                    "each of its cities or counties"]})
            yield cursor is None, page["rows"]
            cursor = page["next_cursor"]
            if cursor is None:
                return

    @api("GET", "/api/v1/stats/complaints", roles=("regulator",), query=StatsQuerySchema,
         tags=TAGS, response=StatisticsSchema,
         summary="Rates, money recovered and response time by region and period")
    def complaint_statistics(self, call):
        return self.complaints.statistics(call.actor.to_dict(), call.query)

    @api("GET", "/api/v1/hotspots", roles=("regulator",), query=PageQuerySchema, tags=TAGS,
         response=HotspotPageSchema,
         summary="Detected complaint hot spots in your region")
    def hotspots(self, call):
        return self.complaints.hotspots(call.actor.to_dict(), call.query)
