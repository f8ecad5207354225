"""Links to passages for readers outside the web app: the base address they are made under.

What it does: tells why a base address cannot stand before '/reports/...' in a link (no scheme,
no host, a query, a password, white space). The links themselves are made with the records they
name (`qa.output.contract`).

    base_url_problem("reportqa.example.org") -> "it does not start with http:// or https://"

What it does not do: read options or the environment (that is `qa.cli`), or serve pages.
"""

from __future__ import annotations

import re


def base_url_problem(value: str) -> str | None:
    """Why `value` cannot stand before '/reports/...' in a link, or None."""
    from urllib.parse import urlsplit

    if re.search(r"[\s\x00-\x1f\x7f]", value):
        return "it contains white space or control characters"
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises on a port that is not a number from 0 to 65535)
    except ValueError:
        return "its host or port is malformed (a port is a number from 0 to 65535)"
    if not parts.scheme or "://" not in value:
        return "it does not start with http:// or https://"
    if parts.scheme.lower() not in ("http", "https"):
        return f"its scheme is {parts.scheme!r}"
    if not parts.netloc or not parts.hostname:
        return "it has no host"
    if parts.username is not None or parts.password is not None:
        return "it holds a user name or password"
    if parts.query or parts.fragment or value.endswith(("?", "#")):
        return "it has a query or fragment, which the links' own would be joined to"
    return None
