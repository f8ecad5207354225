"""One request model per API endpoint (pydantic v2): the validation and the OpenAPI schema both
come from it, so the two cannot disagree.

What it does: builds, for the reports the served index holds, the model of `POST /api/ask`'s
body and of `GET /api/search`'s query; validates a request against it; and turns the first
validation error into one precise reason for the caller ("no report with id 'x'", "'history'
item 2 is too long", "k must be a whole number from 1 to 100, not '+5'"). It also parses the JSON
body itself, so that invalid JSON, an over-long number, a body nested too deeply and a body that is
not an object are told apart.

Why pydantic and not spectree or flask-openapi3: those take over routing and answer validation
errors in their own format (a 422 with a list of pydantic errors); this API promises
`{"error": "<reason>"}` with 400, and pydantic alone gives JSON Schema 2020-12, which is what
OpenAPI 3.1 uses, with no framework in between.

One rule JSON Schema leaves implicit: a string must be valid Unicode. JSON can carry a lone
surrogate escape such as "\\ud800", which no UTF-8 text holds; pydantic refuses it, and the reason
names the field that holds it.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Annotated, Any, ClassVar, Literal, get_origin

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from qa.corpus.catalogue import KINDS

# The largest valid /api/ask body, written compactly with every character escaped (\uXXXX, 12
# bytes for one outside the BMP), is about 250 KB: the body limit must not refuse a valid request.
MAX_BODY = 256 * 1024
MAX_QUESTION = 1000
MAX_HISTORY = 20
MAX_FILTER_VALUES = 20
# A question must hold something other than white space: any character Python's str.split()
# (which the answer stage uses) does not split on. Written out literally, so that ECMA, Python
# and Rust regular expressions all read the class the same way.
SPACES = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
NOT_BLANK = f"[^{SPACES}]"


class BadRequest(Exception):
    """A request the API refuses; the message is shown to the caller."""


def _whole_number(value: Any) -> Any:
    """JSON Schema counts 2014.0 as an integer; so does the API."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


Question = Annotated[str, Field(min_length=1, max_length=MAX_QUESTION, pattern=NOT_BLANK)]
Earlier = Annotated[str, Field(max_length=MAX_QUESTION)]
# The constraint before the validator: pydantic then checks it natively and writes it into the
# schema as minimum/maximum (one placed after a validator is checked but misdescribed).
Year = Annotated[int, Field(ge=1000, le=9999), BeforeValidator(_whole_number)]
Kind = Literal[KINDS]  # type: ignore[valid-type]
Council = Annotated[str, Field(min_length=1, max_length=100, pattern=NOT_BLANK)]  # "Dorset", "Leeds City Council"


@lru_cache(maxsize=8)
def models(report_ids: tuple[str, ...]) -> tuple[type[BaseModel], type[BaseModel]]:
    """(ask body model, search query model) for a collection of reports."""
    ids = report_ids
    DocId = Literal[report_ids]  # type: ignore[valid-type]

    class Filters(BaseModel):
        """Narrow the answer to some reports; a year range that holds no year matches nothing."""

        model_config = ConfigDict(strict=True, extra="forbid", title="Filters")
        doc: DocId | Annotated[list[DocId], Field(max_length=MAX_FILTER_VALUES)] | None = None
        kind: Kind | Annotated[list[Kind], Field(max_length=MAX_FILTER_VALUES)] | None = None
        year_from: Year | None = None
        year_to: Year | None = None
        authority: Council | Annotated[list[Council], Field(max_length=MAX_FILTER_VALUES)] | None = None

    class AskRequest(BaseModel):
        """A question, the earlier questions of the conversation (oldest first) and filters."""

        model_config = ConfigDict(strict=True, extra="forbid", title="AskRequest")
        report_ids: ClassVar[tuple[str, ...]] = ids
        question: Question
        history: Annotated[list[Earlier], Field(max_length=MAX_HISTORY)] = []
        filters: Filters = Filters()

    class SearchQuery(BaseModel):
        model_config = ConfigDict(strict=True, extra="ignore", title="SearchQuery")
        report_ids: ClassVar[tuple[str, ...]] = ids
        q: Annotated[Question, Field(description="what to search for")]
        k: Annotated[int, Field(ge=1, le=100, description="how many passages")] = 10
        doc: Annotated[list[DocId], Field(max_length=MAX_FILTER_VALUES, description="only these reports")] = []
        kind: Annotated[list[Kind], Field(max_length=MAX_FILTER_VALUES, description="only these kinds")] = []
        year_from: Annotated[Year, Field(description="only reports from this year on")] = None
        year_to: Annotated[Year, Field(description="only reports up to this year")] = None
        authority: Annotated[list[Council], Field(max_length=MAX_FILTER_VALUES,
                                                  description="only reports about these councils")] = []

    return AskRequest, SearchQuery


class JudgementsQuery(BaseModel):
    """`GET /api/judgements`: each inspection's grades, for some councils and years."""

    model_config = ConfigDict(strict=True, extra="ignore", title="JudgementsQuery")
    authority: Annotated[list[Council], Field(max_length=MAX_FILTER_VALUES, description=(
        "a council, however written (repeatable); one the collection holds nothing about matches nothing"))] = []
    year_from: Annotated[Year, Field(description="inspections whose last day on site is in this year or later")] = None
    year_to: Annotated[Year, Field(description="inspections whose last day on site is in this year or earlier")] = None


# ---------------------------------------------------------------------------- parsing


def parse_json_body(data: bytes) -> dict:
    """The body as a JSON object, or BadRequest naming what is wrong with it."""
    if not data.strip():
        raise BadRequest('the body is empty: send a JSON object such as {"question": "..."}')
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"the body is not UTF-8 text (byte {exc.start + 1})") from None

    try:  # NaN and Infinity are read (as Python does) and then refused by the field that holds them
        body = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadRequest(f"the body is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise BadRequest("the JSON body is nested too deeply") from None
    except ValueError as exc:  # Python refuses integers of more than 4300 digits
        if "digits" in str(exc):
            raise BadRequest("the body holds a number with too many digits (at most 4300)") from None
        raise BadRequest(f"the body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise BadRequest('the body must be a JSON object such as {"question": "..."}, '
                         f"not {_json_type(body)}")
    return body


def query_values(model: type[BaseModel], args) -> dict:
    """A query string as the model's input: lists for list fields, ASCII whole numbers as ints
    (so '+5', '5.0' and fullwidth digits stay strings and are refused as not integers)."""
    out: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        values = args.getlist(name)
        if not values:
            continue
        if get_origin(field.annotation) is list:
            out[name] = values
            continue
        value = values[0]
        if name != "q" and re.fullmatch(r"[0-9]{1,9}", value):
            value = int(value)
        out[name] = value
    return out


def validate(model: type[BaseModel], data: dict, *, query: bool = False) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise BadRequest(reason(exc.errors()[0], data, model, query=query)) from None


# ---------------------------------------------------------------------------- reasons


def _json_type(value: Any) -> str:
    for kind, name in ((bool, "a boolean"), (str, "a string"), (int, "a number"), (float, "a number"),
                       (list, "an array"), (dict, "an object")):
        if isinstance(value, kind):
            return name
    return "null"


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def reason(error: dict, data: dict, model: type[BaseModel], *, query: bool) -> str:
    """One sentence for the first validation error, naming the field and what it must be."""
    loc, kind = error["loc"], error["type"]
    field = loc[0] if loc else ""
    if kind == "extra_forbidden":
        if field == "filters":
            return f"unknown filter(s): {', '.join(sorted(set(data['filters']) - set(_FILTER_KEYS)))}"
        return f"unknown field(s): {', '.join(sorted(set(data) - set(model.model_fields)))}"
    if kind == "string_unicode":  # pydantic refuses a lone surrogate ("\ud800") as not a valid string
        what = {"question": "the question", "q": "the query"}.get(field) or f"'history' item {loc[1] + 1}"
        return f"{what} contains characters that are not valid text (a lone surrogate; check its encoding)"
    if field in ("question", "q"):
        noun = "question" if field == "question" else "query"
        if kind == "string_too_long":
            return f"the {noun} is too long (at most {MAX_QUESTION} characters)"
        if query:
            return "the query parameter q is required" if not data.get("q") else \
                "the query parameter q must hold more than white space"
        return "'question' must be a non-empty string"
    if field == "history":
        if len(loc) > 1 and kind == "string_too_long":
            return f"'history' item {loc[1] + 1} is too long (at most {MAX_QUESTION} characters)"
        if kind == "too_long":
            return f"'history' holds at most {MAX_HISTORY} questions of {MAX_QUESTION} characters"
        return "'history' must be a list of earlier questions (strings)"
    if field == "filters" and len(loc) == 1:
        return 'filters must be an object such as {"doc": "ofsted-ilacs-2024"}, not ' + _json_type(data.get("filters"))
    filters = data.get("filters") if field == "filters" else data
    name = loc[1] if field == "filters" else field
    value = filters.get(name) if isinstance(filters, dict) else None
    prefix = f"filter '{name}'" if field == "filters" else name
    if name == "k":
        return f"k must be a whole number from 1 to 100, not {_show(value)}"
    if name in ("year_from", "year_to"):
        return f"{prefix} must be a year such as 2014, not {_show(value)}"
    ids = getattr(model, "report_ids", ())
    choices = {  # field: (what one value is, whether a value is allowed, why a string is refused)
        "doc": ("report id", lambda v: v in ids, lambda bad: f"no report with id {bad!r}; known ids: {', '.join(ids)}"),
        "kind": ("kind", lambda v: v in KINDS, lambda bad: f"unknown kind {bad!r}; kinds are: {', '.join(KINDS)}"),
        "authority": ("council", lambda v: isinstance(v, str) and v.strip() and len(v) <= 100,
                      lambda bad: f"{prefix} must name a council (1 to 100 characters, not blank), not {_show(bad)}"),
    }
    if name in choices:
        return _choice_reason(prefix, value, *choices[name])
    return f"{'.'.join(map(str, loc))}: {error['msg']}"  # pragma: no cover - every field is named above


def _choice_reason(prefix: str, value: Any, what: str, allowed, refused) -> str:
    """Why a value (or list of values) of a field that takes one or more strings was refused."""
    values = value if isinstance(value, list) else [value]
    if isinstance(value, list) and len(value) > MAX_FILTER_VALUES:
        return f"{prefix} takes at most {MAX_FILTER_VALUES} {what}s"
    bad = next((v for v in values if not allowed(v)), value)
    if isinstance(bad, str):
        return refused(bad)
    return f"{prefix} must be a {what} or a list of {what}s, not {_json_type(bad)}"


_FILTER_KEYS = ("doc", "kind", "year_from", "year_to", "authority")
