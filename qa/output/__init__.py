"""The output contract: one JSON shape for hits, citations, answers and judgement rows (`contract`),
and links to passages for readers outside the web app (`links`). The CLI's `--json`, the JSON API
and `/api/openapi.json` all come from here, so they cannot differ.
"""
