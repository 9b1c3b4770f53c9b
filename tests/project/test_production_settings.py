"""Production settings: `check --deploy` clean, the security headers on every page, the scheme
header of a proxy trusted only behind one, and /sante/ detailed only for staff or local callers."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories.mutuelles import StaffFactory

ROOT = Path(__file__).resolve().parents[2]
#: What production reads from its environment (no secret of the project: made up for the test).
PRODUCTION = {"DJANGO_SETTINGS_MODULE": "amo_portal.settings.production",
              "DJANGO_SECRET_KEY": "k3q9-Zt1vB7yW2mN5xR8cE4uJ6hL0pA3sD9fG2jK5lQ8wE1rT4yU7iO0pZ3xC6vB9n",
              "DJANGO_ALLOWED_HOSTS": "portail-amo.example.ma"}


def run_production(code_or_args: list[str], tmp_path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "CELERY_"))}
    return subprocess.run([sys.executable, *code_or_args], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**clean, **PRODUCTION, "DATABASE_URL": f"sqlite:///{tmp_path / 'check.sqlite3'}",
                               **env})


def test_check_deploy_prints_no_warning(tmp_path):
    # when
    result = run_production(["manage.py", "check", "--deploy"], tmp_path)
    # then
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr
    assert "?: (" not in result.stdout + result.stderr  # no check id printed, silenced or not shown


HEADERS = """
import django, json
django.setup()
from django.test import Client
response = Client().get("/", secure={secure}, headers={{"host": "portail-amo.example.ma"{forwarded}}})
print(json.dumps({{"status": response.status_code, **dict(response.headers)}}))
"""


def production_response(tmp_path, *, secure: bool = True, forwarded: bool = False, **env: str) -> dict:
    code = HEADERS.format(secure=secure, forwarded=', "x-forwarded-proto": "https"' if forwarded else "")
    result = run_production(["-c", code], tmp_path, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_production_page_carries_the_policy_the_frame_ban_and_hsts_with_preload(tmp_path):
    # when
    headers = production_response(tmp_path)
    # then
    assert headers["status"] == 200
    policy = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'self'"
    assert policy["script-src"].startswith("'self'")
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_the_proxy_scheme_header_is_trusted_only_behind_the_proxy(tmp_path):
    # when: plain HTTP claiming to have been HTTPS at a proxy
    direct = production_response(tmp_path, secure=False, forwarded=True)
    behind = production_response(tmp_path, secure=False, forwarded=True, DJANGO_BEHIND_PROXY="true")
    # then: without the proxy flag the claim is ignored (redirect to HTTPS); with it, believed
    assert direct["status"] == 301
    assert direct["Location"] == "https://portail-amo.example.ma/"
    assert behind["status"] == 200


@pytest.mark.django_db
@pytest.mark.parametrize(("address", "detailed"), [("203.0.113.9", False), ("10.0.0.7", False),
                                                   ("127.0.0.1", True), ("::1", True)])
def test_health_details_only_for_local_callers(client, address, detailed):
    # when
    response = client.get("/sante/", REMOTE_ADDR=address)
    # then
    body = response.json()
    assert body["statut"] == "ok"
    assert ("base_de_donnees" in body) is detailed
    assert ("courtier" in body) is detailed
    assert ("workers" in body) is detailed


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "detailed"), [("agent", True), ("assure", False)])
def test_health_details_for_staff_from_anywhere(client, mgpap, role, detailed):
    # given
    client.force_login(StaffFactory(role=role, mutuelle=mgpap if role != "assure" else None))
    # when
    body = client.get("/sante/", REMOTE_ADDR="203.0.113.9").json()
    # then
    assert ("base_de_donnees" in body) is detailed
