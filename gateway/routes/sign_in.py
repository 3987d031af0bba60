"""A consumer signs in with a phone and the code sent to it by SMS (the notifications service
keeps the codes); the answer is the same kind of token every other route accepts."""
from gateway.auth import issue_token
from gateway.schemas import (SignedInSchema, SignInCodeRequestSchema, SignInCodeSchema,
                             SignInRequestSchema)
from gateway.web import api, json_response
from plumbing.errors import validated

TAGS = ["auth"]


class SignInRoutes:
    @api("POST", "/api/v1/auth/sign-in/code", body=SignInCodeRequestSchema,
         response=SignInCodeSchema, status=202, tags=TAGS, rate_limit="sign_in",
         errors=(422, 429, 503),
         summary="Send a six-digit sign-in code to a phone by SMS (a few per phone an hour)")
    def send_sign_in_code(self, call):
        request = validated(SignInCodeRequestSchema(), call.body)
        return json_response(202, self.notifications.send_sign_in_code(request["phone"],
                                                                        call.locale))

    @api("POST", "/api/v1/auth/sign-in", body=SignInRequestSchema, response=SignedInSchema,
         tags=TAGS, rate_limit="sign_in", errors=(401, 422, 429),
         summary="A consumer's token for a phone and its live code (spent by the sign-in)")
    def sign_in(self, call):
        request = validated(SignInRequestSchema(), call.body)
        subject = self.notifications.sign_in_with_code(request["phone"], request["code"])["sub"]
        ttl = self.settings.sign_in_token_ttl_seconds
        return {"token": issue_token(self.settings, {"sub": subject, "role": "consumer"}, ttl),
                "sub": subject, "expires_in_seconds": ttl}
