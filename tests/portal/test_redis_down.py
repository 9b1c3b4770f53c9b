"""Redis down: a claim committed is answered 201 (its liquidation left to the periodic sweep), and
what does not need Redis (the simulator, sign-up) answers as it does with Redis up.

The test starts a redis-server of its own on a free loopback port, points the cache and the Celery
broker at it, checks it serves, then stops it.
"""
import logging
import shutil
import socket
import subprocess
import time
from datetime import date

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from rest_framework.test import APIClient

from claims.models import Claim, ClaimStatus
from tests.factories.beneficiaries import InsuredFactory
from tests.portal.conftest import claim_payload

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")]

PASSWORD = "Tisane-de-Menthe-2026"
SIMULATION = {"mutuelle": "MGPAP", "care_date": "2025-12-15", "filing_date": "2025-12-15",
              "beneficiary": {"relationship": "assure", "birth_date": "1980-04-12"},
              "lines": [{"kind": "acte", "cotation": "Cs", "paid": "250.00"}]}
SIMULATOR_FORM = {"mutuelle": "MGPAP", "care_date": "2025-03-10", "filing_date": "2025-03-20",
                  "relationship": "assure", "birth_date": "1980-01-01", "l0_kind": "acte", "l0_cotation": "Cs",
                  "l0_quantity": "1", "l0_paid": "250,00"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class OwnRedis:
    """A redis-server of this test's own, on a free loopback port, without persistence."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._wait(up=True)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def _wait(self, *, up: bool) -> None:
        for _ in range(100):  # 10 s at most
            if self._answers() == up:
                return
            time.sleep(0.1)
        raise RuntimeError(f"redis-server on port {self.port} did not {'start' if up else 'stop'}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self._wait(up=False)


@pytest.fixture
def redis_of_our_own():
    """Cache and broker on our own Redis (the app's broker settings restored afterwards)."""
    from amo_portal.celery import app

    server = OwnRedis()
    saved = (app.conf.task_always_eager, app.conf.broker_url)
    caches = {"default": {"BACKEND": "amo_portal.cache.DegradingRedisCache", "LOCATION": server.url,
                          "OPTIONS": settings.REDIS_CACHE_OPTIONS}}
    try:
        with override_settings(CACHES=caches):
            app.conf.task_always_eager, app.conf.broker_url = False, server.url
            app._pool = app.amqp._producer_pool = None  # forget connections made for another broker
            yield server
    finally:
        app.conf.task_always_eager, app.conf.broker_url = saved
        app._pool = app.amqp._producer_pool = None
        server.stop()


def sign_up(client, person) -> int:
    response = client.post("/inscription/", {
        "registration_number": person.registration_number, "cnie": person.cnie,
        "birth_date": person.birth_date.isoformat(), "email": f"{person.registration_number.lower()}@exemple.ma",
        "password1": PASSWORD, "password2": PASSWORD})
    return response.status_code


def test_with_redis_down_filing_answers_201_and_the_rest_answers_as_with_redis_up(
        redis_of_our_own, api, member, mgpap, client, caplog, django_capture_on_commit_callbacks):
    # given: the cache really is our Redis, and what answers with it up
    cache.set("amo:sonde", "ok", 60)
    assert cache.get("amo:sonde") == "ok"
    public = APIClient()
    simulation_up = public.post("/api/v1/simulations/", SIMULATION, format="json")
    simulator_up = client.post("/simulateur/", SIMULATOR_FORM)
    signup_up = sign_up(client, InsuredFactory(mutuelle=mgpap, registration_number="CN100000001",
                                               cnie="BK100001", birth_date=date(1979, 8, 30), email=""))
    client.logout()
    newcomer = InsuredFactory(mutuelle=mgpap, registration_number="CN100000002", cnie="BK100002",
                              birth_date=date(1981, 3, 14), email="")
    # when: Redis stops
    redis_of_our_own.stop()
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        filed = api.post("/api/v1/dossiers/", claim_payload(), format="json")
    simulation_down = public.post("/api/v1/simulations/", SIMULATION, format="json")
    simulator_down = client.post("/simulateur/", SIMULATOR_FORM)
    signup_down = sign_up(client, newcomer)
    # then: the claim is filed, stored and answered 201; its message is logged as not sent
    assert filed.status_code == 201, filed.content
    claim = Claim.objects.get(number=filed.json()["number"])
    assert (claim.insured, claim.status) == (member, ClaimStatus.SUBMITTED)
    assert "Courtier injoignable : claims.tasks.liquidate_claim_task" in caplog.text
    # the simulator and sign-up answer as they did with Redis up
    assert simulation_up.status_code == simulation_down.status_code == 200
    assert simulation_down.json() == simulation_up.json()
    assert simulator_up.status_code == simulator_down.status_code == 200
    assert "120,00" in simulator_down.content.decode()
    assert signup_up in (200, 302)
    assert signup_down == signup_up
    # and the periodic sweep liquidates the claim whose message was not sent
    from claims.tasks import sweep_submitted_claims_task

    sweep_submitted_claims_task.apply()
    claim.refresh_from_db()
    assert claim.status != ClaimStatus.SUBMITTED
