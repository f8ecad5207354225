"""Waitress's own answers in JSON: the errors it sends before the app ever sees a request.

What it does: a waitress channel whose error responses (malformed request line or URI, bad
Content-Length, a NUL or other invalid byte in a header, headers over the size limit (431), a
body over it (413), an unsupported Transfer-Encoding (501), and a failure inside waitress after
the app) are `{"error": "..."}` with the app's security headers, like every other error; and
whose parser refuses a request whose lines end in a bare LF at once with 400, where waitress
would wait for a CRLF CRLF that never comes until the connection times out, and answers a
request target urlsplit() cannot read with 400, where waitress drops the connection unanswered.

What it does not do: answer what never becomes a request: a connection waitress does not accept
(at its connection limit it stops accepting; the client waits in the listen backlog), one it
closes as idle, or bytes after an error (the connection is closed). Those have no HTTP response
to make JSON.
"""

from __future__ import annotations

import json
import re

from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser, ParsingError
from waitress.task import ErrorTask
from waitress.utilities import (
    BadRequest,
    RequestEntityTooLarge,
    RequestHeaderFieldsTooLarge,
)

from web.security import HEADERS

_BARE_LF = re.compile(rb"(?<!\r)\n")


class JsonErrorTask(ErrorTask):
    """Waitress's error response, as JSON with the security headers."""

    def execute(self):
        error = self.request.error
        if isinstance(error, RequestHeaderFieldsTooLarge):
            message = f"request headers too large (at most {self.channel.adj.max_request_header_size // 1024} KB)"
        elif isinstance(error, RequestEntityTooLarge):
            message = f"request body too large (at most {(self.channel.adj.max_request_body_size - 1) // 1024} KB)"
        else:
            message = f"{error.reason.lower()}: {error.body}"
        body = json.dumps({"error": message}).encode("utf-8")
        self.status = f"{error.code} {error.reason}"
        self.response_headers.append(("Content-Type", "application/json"))
        self.response_headers.extend(HEADERS)
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class StrictParser(HTTPRequestParser):
    """Waitress's parser, refusing header lines that end in a bare LF as soon as one arrives."""

    def received(self, data):
        if self.completed or self.body_rcv is not None or self.headers_finished:
            return super().received(data)
        head = (self.header_plus + data).lstrip(b"\r\n")  # blank lines before a request are allowed
        end = head.find(b"\r\n\r\n")
        if _BARE_LF.search(head if end < 0 else head[:end]):
            self.parse_header(b"GET / HTTP/1.0\r\n")  # a minimal request for the error response
            self.error = BadRequest("lines must end with CRLF; a bare LF was received")
            self.completed = True
            return len(data)
        return super().received(data)

    def parse_header(self, header_plus):
        try:
            return super().parse_header(header_plus)
        except ValueError as exc:  # urlsplit() on a target such as "http://[::1/"; waitress lets it escape
            raise ParsingError(f"the request target is not a valid URI ({exc})") from None


class JsonChannel(HTTPChannel):
    parser_class = StrictParser
    error_task_class = JsonErrorTask
