"""The health endpoint and the production settings' refusal to start without secrets."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_health_reports_the_database_and_in_process_tasks(client):
    # when
    response = client.get("/sante/")
    # then
    body = response.json()
    assert response.status_code == 200
    assert body["statut"] == "ok"
    assert body["base_de_donnees"]["ok"] is True
    assert body["courtier"]["ok"] is True


@pytest.mark.django_db
def test_health_is_503_when_the_broker_is_unreachable(client, settings):
    # given: tasks go to a broker that does not answer
    from amo_portal.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    previous = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        # when
        response = client.get("/sante/")
    finally:
        app.conf.broker_url = previous
    # then
    assert response.status_code == 503
    assert response.json()["courtier"]["ok"] is False


def _import_production(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT, env={**clean, "DJANGO_SETTINGS_MODULE": "amo_portal.settings.production", **env},
        capture_output=True, text=True, timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key():
    # when
    result = _import_production({"DJANGO_ALLOWED_HOSTS": "example.ma", "DATABASE_URL": "sqlite:///x.db"})
    # then
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_starts_with_secrets_and_keeps_debug_off():
    # when
    result = subprocess.run(
        [sys.executable, "-c",
         "import django; django.setup(); from django.conf import settings as s; "
         "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT)"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
             "DJANGO_SETTINGS_MODULE": "amo_portal.settings.production", "DJANGO_SECRET_KEY": "x" * 50,
             "DJANGO_ALLOWED_HOSTS": "example.ma", "DATABASE_URL": "sqlite:///x.db"},
    )
    # then
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True", "True"]
