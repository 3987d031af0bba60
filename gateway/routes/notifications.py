"""Inbox routes."""
from gateway.schemas import InboxQuerySchema
from gateway.web import SIGNED_IN, api
from services.notifications.schemas import NotificationPageSchema, NotificationSchema

TAGS = ["notifications"]


class NotificationRoutes:
    @api("GET", "/api/v1/me/notifications", roles=SIGNED_IN, query=InboxQuerySchema,
         response=NotificationPageSchema, tags=TAGS, summary="Own inbox, newest first")
    def inbox(self, call):
        return self.notifications.inbox(call.actor.to_dict(), unread_only=call.query["unread"],
                                        cursor=call.query.get("cursor"),
                                        limit=call.query["limit"])

    @api("POST", "/api/v1/me/notifications/<notification_id>/read", roles=SIGNED_IN,
         response=NotificationSchema, tags=TAGS, errors=(404,), summary="Mark one read")
    def mark_read(self, call):
        return self.notifications.mark_read(call.actor.to_dict(), call.path["notification_id"])
