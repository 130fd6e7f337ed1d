"""Property-based fuzz of the whole API schema with schemathesis, as anonymous and as each role:
no server error, and every response (status, content type, body) as the schema describes it.

The generated data is derandomised, so a failure repeats on the next run."""

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis import checks

from tests import test_authorization_matrix as page_matrix
from tests.factories import api_key_for

world = page_matrix.world  # rounds in every state, evidence in several, documents

FUZZ_ROLES = ("anonymous", "registered_user", "focal_point", "analyst", "reviewer", "round_admin")
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]


def _schema() -> dict:
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(json.dumps(generated, default=str))


# The coverage phase enumerates every boundary case of every operation: thorough, but several
# minutes of the suite's budget; the fuzzing phase below samples the same space.
CONFIG = schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": False}}})
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
            case.call_and_validate(headers=headers, checks=CHECKS)
        except Exception as failure:
            failure.add_note(f"Calling as: {role}")
            raise
