"""Property-based fuzz of the whole API schema with schemathesis, as anonymous and as each role
(with a personal token): every check schemathesis has (no server error; status, content type,
headers and body as the schema describes them; schema-violating data refused; schema-valid data
accepted; authentication not ignored; unsupported methods refused...).

The generated data is derandomised, so a failure repeats on the next run."""

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings

from tests import test_authorization_matrix as page_matrix
from tests.factories import api_key_for

world = page_matrix.world  # rounds in every state, evidence in several, documents

FUZZ_ROLES = ("anonymous", "registered_user", "focal_point", "analyst", "reviewer", "round_admin")


def _schema() -> dict:
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(json.dumps(generated, default=str))


# The coverage phase enumerates every boundary case of every operation: thorough, but several
# minutes of the suite's budget; the fuzzing phase below samples the same space. (Run with the
# coverage phase and hundreds of examples, schemathesis reports nothing either: see the README.)
CONFIG = schemathesis.Config.from_dict(
    {
        "phases": {"coverage": {"enabled": False}},
        # A NUL anywhere in a query is a 400 before any view (readiness/input_guard.py, tested
        # by tests/test_hostile_urls.py), which an OpenAPI string cannot say.
        "generation": {"allow-x00": False},
        "operations": [
            {
                # A draft names its round, Party and sub-pillar by code: a string the schema
                # allows but no such object exists is a 400 naming the field, not an acceptance.
                "include-path": "/api/v1/evidence/",
                "include-method": "POST",
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": ["2xx", "400", "401", "403", "404", "409"]
                    }
                },
            }
        ],
    }
)
schema = schemathesis.openapi.from_dict(_schema(), config=CONFIG)
schema.app = get_wsgi_application()


@pytest.fixture
def keep_the_test_connection():
    """Like Django's test client: the end of each request must not close the connection that
    holds the test's transaction (on PostgreSQL it would)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def role_headers(request, settings, world, keep_the_test_connection) -> dict[str, dict]:
    """Request headers per role: a personal token for each signed-in role."""
    settings.ALLOWED_HOSTS = ["*"]
    # The in-process client does not undo the GZip middleware's compression.
    headers = {role: {"Accept-Encoding": "identity"} for role in FUZZ_ROLES}
    for role in FUZZ_ROLES[1:]:
        headers[role]["Authorization"] = f"Token {api_key_for(request.getfixturevalue(role))}"
    return headers


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_to_its_schema_for_every_role(role_headers, case):
    for role, headers in role_headers.items():  # one world per operation: it is costly to build
        try:
            case.call_and_validate(headers=headers)  # every check enabled by default
        except Exception as failure:
            failure.add_note(f"Calling as: {role}")
            raise
