"""Property-based check of the whole API v1 against its own OpenAPI schema: no request, valid or
not, may make it answer a server error. Runs in-process against the WSGI application, signed in
with the API token of a demo insured person."""
import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation.modes import GenerationMode

from beneficiaries.models import Insured
from portal.services.tokens import issue_token

#: Cases per operation and generation mode: about 15 operations × (12 + 8) ≈ 300 requests.
EXAMPLES = {GenerationMode.POSITIVE: 12, GenerationMode.NEGATIVE: 8}


@pytest.fixture
def wsgi_app():
    """The real WSGI handler, minus the connection recycling that Django's own test client also turns
    off: closing the connection at the end of a request would end the test's transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def demo_token(db):
    call_command("load_demo_data", verbosity=0)
    karim = Insured.objects.get(cnie="BE100001")
    return issue_token(user=karim.user)[1]


def _exercise(operation, mode, headers, failures: list, counter: list) -> None:
    @settings(max_examples=EXAMPLES[mode], deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        counter[0] += 1
        response = case.call(headers=headers)
        if response.status_code >= 500:
            failures.append(f"{response.status_code} {case.method} {case.formatted_path} "
                            f"query={case.query} body={case.body!r:.300}")

    try:
        run()
    except Unsatisfiable:  # nothing in the operation can be made invalid (no parameters, no body)
        assert mode == GenerationMode.NEGATIVE


def test_no_api_request_makes_the_server_fail(wsgi_app, demo_token):
    # given
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", wsgi_app)
    headers = {"Authorization": f"Token {demo_token}", "Accept-Language": "fr"}
    # token revocations are sent as another insured person, so that they never revoke the token of the run
    other = Insured.objects.exclude(user=None).exclude(user__api_tokens__isnull=False).first()
    revoking = {**headers, "Authorization": f"Token {issue_token(user=other.user)[1]}"}
    failures: list[str] = []
    counter = [0]
    operations = [result.ok() for result in schema.get_all_operations()]
    # when
    for operation in operations:
        revokes = operation.method.upper() == "DELETE" and "/jetons/" in operation.path
        for mode in EXAMPLES:
            _exercise(operation, mode, revoking if revokes else headers, failures, counter)
    # then
    print(f"schemathesis: {len(operations)} opérations, {counter[0]} requêtes")
    assert len(operations) >= 15
    assert counter[0] >= 200
    assert failures == []
