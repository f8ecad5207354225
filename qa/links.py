"""Links to passages for readers outside the web app: a base address checked, passages named.

What it does: tells why a base address cannot stand before '/reports/...' in a link (no scheme,
no host, a query, a password, white space), names the passages of a set of hits as a reader does
with their ordinals in their reports ("improvement point 3"), and writes a hit or a citation as
JSON with that name and its link under the base.

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


def reader_labels(index, hits) -> dict[str, str]:
    """Each passage's name for a reader, with its ordinal in its report ("improvement point 3")."""
    from .labels import report_labels

    return report_labels(p for doc_id in dict.fromkeys(h.passage.doc_id for h in hits) for p in index.passages_of(doc_id))


def hit_json(hit, labels: dict[str, str], base: str, data: dict | None = None) -> dict:
    """A hit as JSON (or `data`, a citation made from it) named for a reader, its link under `base`."""
    from .retrieve import citation_name, passage_url

    data = hit.to_dict(labels.get(hit.passage.id)) if data is None else data
    label = labels.get(hit.passage.id) or data.get("display_label")
    if label:
        data["display_label"] = label
        data["citation"] = citation_name(hit.report, hit.passage, label)
    data["url"] = passage_url(hit.passage, base)
    return data
