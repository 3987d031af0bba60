"""A consumer's complaint pages for a phone's browser: the form a store page's 我要投诉 opens
(the shop filled in from its code, a preview of exactly the text that would be published when
the consumer consents), and their complaints with status and deadline. Strangers are sent to
sign in first and come back."""
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

from marshmallow import Schema, fields, validate

from contracts.catalogue import COMPLAINT_CATEGORIES as CATEGORIES
from contracts.due_times import due_time
from contracts.labels import LABELS
from gateway.pages import form_number, html_page, refusal, step_then, to_sign_in
from gateway.routes.store_pages import html_error
from gateway.web import api
from plumbing.clock import local_time
from plumbing.errors import DomainError

TAGS = ["pages"]
TEXT = {
    "zh-CN": {
        "title": "我要投诉", "shop": "投诉商户：", "consent": "同意公示（隐去个人信息）",
        "preview": "预览公示内容", "file": "提交投诉", "preview_title": "将公示的内容",
        "preview_note": "同意公示时，以下内容（已隐去姓名、电话等个人信息）"
                        "会出现在商户的公示页上。",
        "mine": "我的投诉", "none": "还没有投诉。", "filed": "投诉已提交，商户须在期限内答复。",
        "deadline": "答复期限 ", "filed_on": "提交于 ", "bad_amount": "请填写金额（元），如 25.50",
        "fields": {"category": "问题类别", "title": "标题", "description": "经过",
                   "amount_fen": "涉及金额（元）", "occurred_on": "发生日期",
                   "evidence_urls": "凭证链接（每行一个）", "contact_phone": "联系电话",
                   "store_code": "商户"},
        "statuses": {"forwarded": "待商户答复", "responded": "商户已答复", "mediation": "调解中",
                     "closed": "已办结", "flagged": "审核中"},
        "proposal": "商户的处理方案", "comment": "说明（可选）", "accept": "接受方案",
        "reject": "不接受，申请调解",
        "rate": "对处理结果的满意度（5 为非常满意）", "send_rating": "提交评价",
        "rated": "您的满意度：%d 分", "timeline": "办理进程", "steps": {
            "submitted": "提交投诉", "flagged": "待审核", "forwarded": "转交商户",
            "responded": "商户答复", "accepted": "接受方案", "rejected_proposal": "不接受方案",
            "escalated": "转入调解", "closed": "办结", "rated": "评价",
            "deadline_passed": "期限届满", "screening_escalated": "移交上级审核",
            "deadline_computed": "期限已确定", "screened_forward": "审核通过，转交商户",
            "screened_reject": "不予受理"},
        "deadline_kinds": {"screening": "审核期限", "response": "答复期限",
                           "decision": "选择期限", "mediation": "调解期限"},
        # the rule as the service words it, its basis included
        "deadline_due": "{kind}：{written}，至 {due}",
        "deadline_pending": "{kind}：{written}，待 {year} 年官方日历发布后计算",
        "working_days": "{count} 个工作日", "seconds": "{count} 秒",
    },
    "en": {
        "title": "Complain", "shop": "About: ", "consent": "Publish it (personal data hidden)",
        "preview": "Preview what is published", "file": "Send the complaint",
        "preview_title": "What would be published",
        "preview_note": "With your consent, this text (names, phones and other personal data "
                        "hidden) appears on the shop's public record.",
        "mine": "My complaints", "none": "No complaints yet.",
        "filed": "Complaint sent: the shop must answer within its deadline.",
        "deadline": "answer due ", "filed_on": "sent ", "bad_amount": "Give the amount in "
                                                                     "yuan, e.g. 25.50",
        "fields": {"category": "Problem", "title": "Title", "description": "What happened",
                   "amount_fen": "Amount (yuan)", "occurred_on": "Date",
                   "evidence_urls": "Evidence links (one a line)",
                   "contact_phone": "Phone", "store_code": "Shop"},
        "statuses": {"forwarded": "Waiting for the shop", "responded": "The shop answered",
                     "mediation": "In mediation", "closed": "Closed", "flagged": "Under review"},
        "proposal": "The shop's proposal", "comment": "Comment (optional)", "accept": "Accept",
        "reject": "Reject: ask for mediation",
        "rate": "How satisfied are you with the outcome (5: very)?", "send_rating": "Rate",
        "rated": "Your rating: %d", "timeline": "Progress", "steps": {
            "submitted": "sent", "flagged": "under review", "forwarded": "passed to the shop",
            "responded": "the shop answered", "accepted": "proposal accepted",
            "rejected_proposal": "proposal rejected", "escalated": "to mediation",
            "closed": "closed", "rated": "rated", "deadline_passed": "deadline passed",
            "screening_escalated": "up one level for screening",
            "deadline_computed": "deadline set", "screened_forward": "screened: passed on",
            "screened_reject": "screened: rejected"},
        "deadline_kinds": {"screening": "screening deadline", "response": "answer deadline",
                           "decision": "deadline to accept or reject",
                           "mediation": "mediation deadline"},
        "deadline_due": "{kind}: {rule}, due {due} (UTC+8)",
        "deadline_pending": "{kind}: {rule}, pending the official calendar for {year}",
        "working_days": "{count} working days", "seconds": "{count} seconds",
    },
}
FORM_FIELDS = ("category", "title", "description", "amount_yuan", "occurred_on", "evidence",
               "contact_phone")


class NewComplaintQuerySchema(Schema):
    store_code = fields.String(required=True, validate=validate.Length(1, 64))


class MyComplaintsQuerySchema(Schema):
    filed = fields.Boolean(load_default=False)


# the label set that names a timeline step's note, by the step; other notes are shown as written
STEP_NOTE_LABELS = {"responded": "proposal", "escalated": "escalation"}


def timeline_rows(complaint, labels, text):
    """(when, what, note, deadline) of each step of ``complaint``'s timeline, in the consumer's
    words: codes named, times in China, a rating as its score, the deadline a step set."""
    return [(local_time(step["at"]), text["steps"].get(step["event"], step["event"]),
             step_note(step, complaint, labels, text), deadline_words(step.get("deadline"), text))
            for step in complaint.get("timeline") or ()]


def step_note(step, complaint, labels, text):
    """A step's note in the page's words (its deadline is shown on its own)."""
    event, note, record = step["event"], step.get("note"), step.get("deadline")
    if event in STEP_NOTE_LABELS and note:
        return labels[STEP_NOTE_LABELS[event]].get(note, note)
    if event == "closed" and note:
        return closing_name(note, labels)
    if event == "forwarded" and not record and complaint.get("deadline_at"):
        return text["deadline"] + local_time(complaint["deadline_at"])
    if event == "rated" and note:
        return text["rated"] % int(note)
    return note


def deadline_words(record, text):
    """A step's deadline record as the page says it: the rule counted and when it is due, or
    the year of the official calendar it waits for; None without one."""
    if not record:
        return None
    count = f"{record['count']:g}"
    words = {"kind": text["deadline_kinds"].get(record["kind"], record["kind"]),
             "rule": text[record["unit"]].format(count=count), "written": record["rule"]}
    if record["due_at"] is None:
        return text["deadline_pending"].format(**words, year=record["pending_year"])
    return text["deadline_due"].format(**words, due=due_time(record["due_at"]))


def closing_name(code, labels):
    """How the complaint ended, in the consumer's words; KeyError for a code that is no closing
    (``labels["closing"]`` names every closing of contracts/closings.py)."""
    return labels["closing"][code]


def fen_of(yuan):
    """Fen of an amount in yuan as people write it ("25", "25.5", "¥25.50"), or None."""
    try:
        amount = Decimal((yuan or "0").strip().lstrip("¥￥") or "0")
    except InvalidOperation:
        return None
    fen = amount * 100
    return int(fen) if amount >= 0 and fen == fen.to_integral_value() else None


def filing_of(form, store_code):
    """The complaint a form files (the service validates it)."""
    return {"store_code": store_code, "category": form.get("category", ""),
            "title": form.get("title", ""), "description": form.get("description", ""),
            "amount_fen": fen_of(form.get("amount_yuan")),
            "occurred_on": form.get("occurred_on", ""),
            "evidence_urls": [line.strip() for line in form.get("evidence", "").splitlines()
                              if line.strip()],
            "contact_phone": form.get("contact_phone", "").strip(),
            "public_consent": form.get("public_consent") == "yes"}


class ComplaintPageRoutes:
    @api("GET", "/m/complaints/new", query=NewComplaintQuerySchema, page=True, tags=TAGS,
         errors=(404,), summary="The complaint form a store page's 我要投诉 opens")
    def new_complaint_page(self, call):
        code = call.query["store_code"]
        if call.actor is None:
            return to_sign_in(f"/m/complaints/new?store_code={quote(code)}")
        return self._complaint_form(call, code, {"contact_phone": ""})

    @api("POST", "/m/complaints/preview", page=True, csrf=True, tags=TAGS, errors=(403, 404),
         summary="The complaint form again, with exactly the text that would be published")
    def complaint_preview(self, call):
        form, code = call.form, call.form.get("store_code", "")
        if call.actor is None:
            return to_sign_in(f"/m/complaints/new?store_code={quote(code)}")
        preview = self.complaints.preview_publication(form.get("title", ""),
                                                      form.get("description", ""))
        return self._complaint_form(call, code, form, preview=preview)

    @api("POST", "/m/complaints/new", page=True, csrf=True, rate_limit="complaints", tags=TAGS,
         status=303,
         errors=(403, 404, 422), summary="The complaint form sent: the complaint filed")
    def new_complaint_sent(self, call):
        form, code = call.form, call.form.get("store_code", "")
        if call.actor is None:
            return to_sign_in(f"/m/complaints/new?store_code={quote(code)}")
        filing = filing_of(form, code)
        if filing["amount_fen"] is None:
            return self._complaint_form(call, code, form, status=422, errors={
                "amount_fen": [TEXT[call.locale]["bad_amount"]]})
        return step_then(
            lambda: self.complaints.file_complaint(call.actor.to_dict(), filing),
            "/m/complaints?filed=true",
            lambda exc: self._complaint_form(
                call, code, form, status=exc.status,
                errors=exc.details or {"": [refusal(exc, call.locale)]}),
            passed_on=())

    @api("GET", "/m/complaints", query=MyComplaintsQuerySchema, page=True, tags=TAGS,
         summary="A consumer's complaints with their status and deadline")
    def my_complaints_page(self, call):
        if call.actor is None:
            return to_sign_in("/m/complaints")
        mine = self.complaints.list_complaints(call.actor.to_dict(), {"limit": 50})["items"]
        return html_page(call, self.settings, "my_complaints.html", TEXT, complaints=mine,
                         filed=call.query["filed"], due_time=due_time)

    @api("GET", "/m/complaints/<complaint_id>", page=True, tags=TAGS, errors=(404,),
         summary="A consumer's complaint: status, deadline, the shop's proposal, the timeline")
    def my_complaint_page(self, call):
        return self._my_complaint(call)

    @api("POST", "/m/complaints/<complaint_id>/decision", page=True, csrf=True, tags=TAGS,
         status=303, errors=(403, 404, 409), summary="Accept or reject the shop's proposal")
    def my_complaint_decision(self, call):
        return self._my_complaint_step(call, lambda actor, complaint_id: self.complaints.decide(
            actor, complaint_id, {"accept": call.form.get("accept") == "yes",
                                  "comment": call.form.get("comment", "")[:500]}))

    @api("POST", "/m/complaints/<complaint_id>/rating", page=True, csrf=True, tags=TAGS,
         status=303, errors=(403, 404, 409, 422), summary="Rate how the complaint was handled")
    def my_complaint_rating(self, call):
        satisfaction = form_number(call.form, "satisfaction")
        return self._my_complaint_step(call, lambda actor, complaint_id: self.complaints.rate(
            actor, complaint_id, {"satisfaction": satisfaction}))

    def _my_complaint(self, call, error=None, status=200):
        complaint_id = call.path["complaint_id"]
        if call.actor is None:
            return to_sign_in(f"/m/complaints/{quote(complaint_id)}")
        complaint = self.complaints.get_complaint(call.actor.to_dict(), complaint_id)
        labels = LABELS[call.locale]
        closing = complaint.get("closing")
        return html_page(call, self.settings, "my_complaint.html", TEXT, status, c=complaint,
                         labels=labels, error=error,
                         closing=closing and closing_name(closing, labels),
                         due_time=due_time,
                         timeline=timeline_rows(complaint, labels, TEXT[call.locale]))

    def _my_complaint_step(self, call, step):
        """A step the complaint's page asks for, then the page again (its error said on it)."""
        complaint_id = call.path["complaint_id"]
        if call.actor is None:
            return to_sign_in(f"/m/complaints/{quote(complaint_id)}")
        return step_then(lambda: step(call.actor.to_dict(), complaint_id),
                         f"/m/complaints/{quote(complaint_id)}",
                         lambda exc: self._my_complaint(call, error=refusal(exc, call.locale),
                                                        status=exc.status))

    def _complaint_form(self, call, code, form, status=200, errors=None, preview=None):
        try:
            shop = self.registry.public_store(code)
        except DomainError as exc:
            return html_error(exc, code, call.locale)
        labels = LABELS[call.locale]["category"]
        return html_page(call, self.settings, "complaint_new.html", TEXT, status,
                         store_code=code, shop_name=shop["name"],
                         categories=[(c, labels[c]) for c in CATEGORIES],
                         form={name: form.get(name, "") for name in FORM_FIELDS} | {
                             "public_consent": form.get("public_consent") == "yes"},
                         errors=errors, preview=preview)
