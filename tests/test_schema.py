"""The API against its own OpenAPI description, with schemathesis, in-process (WSGI).

Each operation gets schema-valid and schema-violating requests: the boundary values of the
coverage phase (with methods the description does not list) and random ones (fuzzing), a bounded
number per operation, derandomized so that a run is repeatable. Every check schemathesis has runs
on each response (the CLI's `--checks all`): no 5xx, documented status codes, content types and
headers, responses matching their schemas, valid data accepted, invalid data refused, 405 with
`Allow`. Schemathesis's own pytest plugin is not used: its lazy fixtures do not run on pytest 9.
"""

from __future__ import annotations

import pytest

@pytest.fixture(scope="module")
def run(app):
    from tools.probe import schemathesis_run

    return schemathesis_run(app)  # 100 random requests per operation as well as the coverage phase


def test_schemathesis_finds_no_disagreement_between_the_api_and_its_description(run):
    assert not run["errors"], run["errors"]
    assert not run["failures"], "\n".join(f"{n} x {key}" for key, n in run["failures"].items())


def test_schemathesis_ran_every_operation_and_every_check(run):
    assert run["operations"] >= {"POST /api/ask", "GET /api/search", "GET /api/passages/{id}", "GET /api/reports",
                                 "GET /healthz"}
    assert run["requests"] > 500
    assert {"not_a_server_error", "status_code_conformance", "content_type_conformance", "response_headers_conformance",
            "response_schema_conformance", "negative_data_rejection", "positive_data_acceptance",
            "unsupported_method", "missing_required_header"} <= set(run["checks"])
