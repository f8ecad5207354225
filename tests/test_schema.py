"""The API against its own OpenAPI description, with schemathesis, in-process (WSGI).

Each operation gets schema-valid and schema-violating requests: the boundary values of the
coverage phase (with methods the description does not list) and random ones (fuzzing), a bounded
number per operation, derandomized so that a run is repeatable. Every check schemathesis has runs
on each response (the CLI's `--checks all`): no 5xx, documented status codes, content types and
headers, responses matching their schemas, valid data accepted, invalid data refused, 405 with
`Allow`. Schemathesis's own pytest plugin is not used: its lazy fixtures do not run on pytest 9.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest

MAX_EXAMPLES = 40  # per operation in the fuzzing phase; about 30 s in all on 2 cores


@pytest.fixture(scope="module")
def run(app):
    import schemathesis
    from schemathesis.config import SchemathesisConfig
    from schemathesis.engine import Status, events, from_schema

    config = SchemathesisConfig.from_dict({
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True},
        "checks": {"enabled": True},
        "continue-on-failure": True,
    })
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app, config=config)
    started = time.perf_counter()
    requests, checks, failures, errors, operations = 0, Counter(), Counter(), [], set()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            operations.add(event.label)
            requests += len(event.recorder.cases)
            for case_id, nodes in event.recorder.checks.items():
                for node in nodes:
                    checks[node.name] += 1
                    if node.status == Status.FAILURE:
                        case = event.recorder.cases[case_id].value
                        failures[(event.label, node.name, str(node.failure_info.failure).strip()[:300],
                                  f"{case.method} {case.path} query={case.query} body={str(case.body)[:200]}")] += 1
        elif isinstance(event, (events.NonFatalError, events.FatalError)):
            errors.append(repr(event.__dict__ if hasattr(event, "__dict__") else event))
    return {"requests": requests, "checks": checks, "failures": failures, "errors": errors,
            "operations": operations, "seconds": time.perf_counter() - started}


def test_schemathesis_finds_no_disagreement_between_the_api_and_its_description(run):
    assert not run["errors"], run["errors"]
    assert not run["failures"], "\n".join(f"{n} x {key}" for key, n in run["failures"].items())


def test_schemathesis_ran_every_operation_and_every_check(run):
    assert run["operations"] >= {"POST /api/ask", "GET /api/search", "GET /api/passages/{id}", "GET /api/reports",
                                 "GET /healthz"}
    assert run["requests"] > 300
    assert {"not_a_server_error", "status_code_conformance", "content_type_conformance", "response_headers_conformance",
            "response_schema_conformance", "negative_data_rejection", "positive_data_acceptance",
            "unsupported_method", "missing_required_header"} <= set(run["checks"])
