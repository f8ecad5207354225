"""Response headers every answer carries, whoever produced it (Flask or the WSGI server).

What it does: a Content-Security-Policy that allows only the app's own scripts, styles and API
(the templates have no inline script or style, so none is allowed), forbids framing
(`frame-ancestors 'none'` and the older `X-Frame-Options: DENY`), turns off MIME sniffing and
keeps the page address out of the Referer sent to other sites.

What it does not do: TLS or HSTS; a reverse proxy in front terminates TLS and should add
`Strict-Transport-Security` (see the README's deployment section).
"""

from __future__ import annotations

CSP = "; ".join((
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))

HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
)


def add_security_headers(response):
    """Flask after_request hook: set the headers, replacing any a view set itself."""
    for name, value in HEADERS:
        response.headers[name] = value
    return response
