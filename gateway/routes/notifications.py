"""Inbox, preferences and consumer warnings routes."""
from contracts.schemas.notifications import (
    DeliveryPageSchema,
    NotificationPageSchema,
    NotificationSchema,
    PreferencesSchema,
    WarningDraftSchema,
    WarningPageSchema,
    WarningQuerySchema,
    WarningSchema,
)
from gateway.schemas import InboxQuerySchema, PageQuerySchema
from gateway.web import SIGNED_IN, api

TAGS = ["notifications"]


class NotificationRoutes:
    @api("GET", "/api/v1/me/notifications", roles=SIGNED_IN, query=InboxQuerySchema,
         response=NotificationPageSchema, tags=TAGS,
         summary="Own inbox, newest first (a regulator's includes its region's)")
    def inbox(self, call):
        return self.notifications.inbox(call.actor.to_dict(), unread_only=call.query["unread"],
                                        cursor=call.query.get("cursor"),
                                        limit=call.query["limit"])

    @api("POST", "/api/v1/me/notifications/<notification_id>/read", roles=SIGNED_IN,
         response=NotificationSchema, tags=TAGS, errors=(404,), summary="Mark one read")
    def mark_read(self, call):
        return self.notifications.mark_read(call.actor.to_dict(), call.path["notification_id"])

    @api("GET", "/api/v1/me/deliveries", roles=SIGNED_IN, query=PageQuerySchema, tags=TAGS,
         response=DeliveryPageSchema,
         summary="Own messages on e-mail, SMS and WeChat with their delivery status")
    def deliveries(self, call):
        return self.notifications.deliveries(call.actor.to_dict(), call.query.get("cursor"),
                                             call.query["limit"])

    @api("GET", "/api/v1/me/preferences", roles=SIGNED_IN, response=PreferencesSchema,
         tags=TAGS, summary="Locale, region, contact addresses and opt-outs per topic")
    def get_preferences(self, call):
        return self.notifications.get_preferences(call.actor.to_dict())

    @api("PUT", "/api/v1/me/preferences", roles=SIGNED_IN, body=PreferencesSchema,
         response=PreferencesSchema, tags=TAGS,
         summary="Replace preferences; critical messages ignore opt-outs")
    def set_preferences(self, call):
        return self.notifications.set_preferences(call.actor.to_dict(), call.body)

    @api("POST", "/api/v1/warnings", roles=("regulator",), body=WarningDraftSchema,
         response=WarningSchema, status=201, tags=TAGS, summary="Draft a consumer warning")
    def draft_warning(self, call):
        return self.notifications.draft_warning(call.actor.to_dict(), call.body)

    @api("GET", "/api/v1/warnings/<warning_id>", roles=("regulator",), response=WarningSchema,
         tags=TAGS, errors=(404,), summary="A warning with its fan-out figures")
    def get_warning(self, call):
        return self.notifications.get_warning(call.actor.to_dict(), call.path["warning_id"])

    @api("POST", "/api/v1/warnings/<warning_id>/publish", roles=("regulator",),
         response=WarningSchema, tags=TAGS, errors=(404, 409),
         summary="Publish: fans out to the consumers of the region, throttled per day")
    def publish_warning(self, call):
        return self.notifications.publish_warning(call.actor.to_dict(), call.path["warning_id"])

    @api("GET", "/api/v1/public/warnings", query=WarningQuerySchema, tags=TAGS,
         response=WarningPageSchema,
         summary="Published consumer warnings; region")
    def public_warnings(self, call):
        return self.notifications.public_warnings(call.query)
