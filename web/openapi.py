"""`/api/openapi.json`: the OpenAPI 3.1 description of the API.

What it does: takes the request schemas from the same pydantic models that validate requests
(`web.models`), so the description and the validation cannot disagree, and adds the response
shapes, every error status each operation can answer with (all `{"error": "..."}`), and the
`Retry-After` header of a 429.

What it does not do: validate responses at run time (the schemathesis tests check them).
"""

from __future__ import annotations

from pydantic import BaseModel, TypeAdapter

from qa.output.contract import AnswerOut, JudgementRowOut, PassageOut, SearchOut
from web.models import MAX_QUESTION, JudgementsQuery

REF = "#/components/schemas/{model}"
_STR = {"type": "string"}
CONTRACT = (AnswerOut, SearchOut, PassageOut)  # the output contract's models (qa.output.contract)
REPORTS = {"type": "object", "required": ["reports"], "properties": {"reports": {"type": "array", "items": {
    "type": "object", "required": ["id", "title", "kind", "date", "passages", "url"],
    "properties": {"id": _STR, "title": _STR, "kind": _STR, "date": _STR, "passages": {"type": "integer"},
                   "url": _STR}}}}}
HEALTH = {"type": "object", "required": ["status", "index_loaded", "passages", "reports", "model", "built_at", "index"],
          "properties": {"status": {"const": "ok"}, "index_loaded": {"type": "boolean"},
                         "passages": {"type": "integer"}, "reports": {"type": "integer"}, "model": _STR,
                         "built_at": _STR, "index": _STR, "loaded_at": _STR,
                         "worker": {"type": "integer", "description": "the serving process's id"}}}
ERROR = {"type": "object", "required": ["error"], "properties": {"error": _STR}}
WHY = {
    "400": "bad input; `error` gives the reason",
    "404": "no such thing",
    "405": "method not allowed; the `Allow` header lists the ones that are",
    "413": "request body too large",
    "429": "too many requests from this client; retry after `Retry-After` seconds",
    "500": "internal error",
}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: str) -> dict:
    out = {}
    for code in codes:
        out[code] = _json({"$ref": REF.format(model="Error")}, WHY[code])
        if code == "429":
            out[code]["headers"] = {"Retry-After": {"required": True, "description": "seconds to wait",
                                                    "schema": {"type": "string", "pattern": "^[0-9]+$"}}}
        if code == "405":
            out[code]["headers"] = {"Allow": {"required": True, "schema": _STR}}
    return out


def _parameters(model: type[BaseModel], components: dict) -> list[dict]:
    schema = model.model_json_schema(ref_template=REF)
    components.update(schema.pop("$defs", {}))
    out = []
    for name, prop in schema["properties"].items():
        param = {"name": name, "in": "query", "required": name in schema.get("required", ()), "schema": prop}
        if "description" in prop:
            param["description"] = prop["description"]
        if prop.get("type") == "array":
            param |= {"style": "form", "explode": True}
        out.append(param)
    return out


def openapi(ask_model: type[BaseModel], search_model: type[BaseModel]) -> dict:
    components: dict = {"Error": ERROR}
    for model in CONTRACT:
        schema = model.model_json_schema(ref_template=REF)
        components.update(schema.pop("$defs", {}))
        components[model.__name__] = schema
    rows = TypeAdapter(list[JudgementRowOut]).json_schema(ref_template=REF)
    components.update(rows.pop("$defs", {}))
    ask = ask_model.model_json_schema(ref_template=REF)
    components.update(ask.pop("$defs", {}))
    search_params = _parameters(search_model, components)
    judgements_params = _parameters(JudgementsQuery, components)
    return {
        "openapi": "3.1.0",
        "info": {"title": "reportqa", "version": "0.1.0",
                 "description": "Answers questions about public reports, citing the paragraph of every statement. "
                                "Every error is JSON {\"error\": \"<reason>\"}."},
        "paths": {
            "/api/ask": {"post": {
                "summary": "Answer a question from the reports, with citations",
                "description": f"The question holds 1 to {MAX_QUESTION} characters, not all white space. "
                               "A year range that runs backwards matches no report (the answer abstains).",
                "requestBody": {"required": True, "content": {"application/json": {"schema": ask}}},
                "responses": {"200": _json({"$ref": REF.format(model="AnswerOut")}, "the answer")}
                | _errors("400", "405", "413", "429", "500")}},
            "/api/search": {"get": {
                "summary": "Rank passages for a query",
                "parameters": search_params,
                "responses": {"200": _json({"$ref": REF.format(model="SearchOut")}, "ranked passages")}
                | _errors("400", "405", "429", "500")}},
            "/api/passages/{id}": {"get": {
                "summary": "One passage by id (e.g. ofsted-ilacs-2024%2341)",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}],
                "responses": {"200": _json({"$ref": REF.format(model="PassageOut")}, "the passage")} | _errors("404", "405")}},
            "/api/judgements": {"get": {
                "summary": "Each inspection's judgements (grades), oldest first, each linked to its report's judgement table",
                "description": "A year range that runs backwards, or a council not held, matches no inspection.",
                "parameters": judgements_params,
                "responses": {"200": _json(rows, "one row per inspection report with judgements")}
                | _errors("400", "405")}},
            "/api/reports": {"get": {"summary": "The reports of the corpus with their metadata",
                                     "responses": {"200": _json(REPORTS, "reports")} | _errors("405")}},
            "/healthz": {"get": {"summary": "Whether the index is loaded, its size, model and the build serving",
                                 "responses": {"200": _json(HEALTH, "status")} | _errors("405")}},
            "/api/openapi.json": {"get": {"summary": "This description",
                                          "responses": {"200": _json({"type": "object"}, "OpenAPI document")}
                                          | _errors("405")}},
        },
        "components": {"schemas": components},
    }
