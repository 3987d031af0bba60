"""How the gateway's HTTP connections end when a request's body was left unread (a 413, or a
refusal answered before the body was needed).

Closing a socket with unread data in it makes the kernel send a reset, and a client still
sending its body then loses the answer, which was already on its way, with the connection. So:
what is left of such a body is read and dropped when it is short (the connection then carries
the next request, as eventlet would do for any length); a longer one closes the connection
after the answer, gracefully (a "lingering close"): the answer, then a FIN, then whatever the
client still sends read and dropped until it closes its side, for at most ``LINGER_SECONDS`` and
``LINGER_BYTES``.
"""
import socket
import time

from nameko.web.server import HttpOnlyProtocol

DISCARD_BYTES = 64 * 1024  # the longest rest of a body read to keep its connection
LINGER_SECONDS = 5.0
LINGER_BYTES = 64 * 1024 * 1024
READ_BYTES = 64 * 1024


class LingeringProtocol(HttpOnlyProtocol):
    def get_environ(self):
        env = super().get_environ()
        body = env["eventlet.input"]
        # eventlet reads an unread body to its end to keep the connection, however long
        body.discard = lambda *_: self._discard_or_close(body)
        return env

    def _discard_or_close(self, body):
        left = DISCARD_BYTES
        while left > 0:
            data = body.read(min(left, READ_BYTES))
            if not data:
                return
            left -= len(data)
        self.close_connection = 1

    def finish(self):
        if self._body_left_unread():
            self._linger()
        super().finish()

    def _body_left_unread(self):
        body = getattr(self, "environ", {}).get("eventlet.input")
        if body is None:
            return False
        if body.chunked_input:
            return body.chunk_length != 0  # 0 once the last chunk has been read
        return body.position < (body.content_length or 0)

    def _linger(self):
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            deadline, left = time.monotonic() + LINGER_SECONDS, LINGER_BYTES
            while left > 0 and time.monotonic() < deadline:
                self.connection.settimeout(max(0.01, deadline - time.monotonic()))
                data = self.connection.recv(min(left, READ_BYTES))
                if not data:
                    return
                left -= len(data)
        except OSError:  # the client is gone, or the time is up (socket.timeout)
            pass
