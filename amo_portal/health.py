"""Health endpoint: the database, the broker and the Celery workers.

Anyone gets the status (what a load balancer needs); the details (database engine, broker address,
worker names, error texts) only a staff member or a caller on this machine (the container's own
health check) gets."""
import ipaddress

from django.conf import settings
from django.db import connection
from django.http import JsonResponse


def _database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "moteur": connection.vendor}
    except Exception as exc:  # noqa: BLE001 - the health page reports, it never raises
        return {"ok": False, "erreur": str(exc)[:200]}


def _broker_and_workers() -> tuple[dict, dict]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "mode": "tâches exécutées dans le processus web"}, {"ok": True, "nombre": 0}
    from amo_portal.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        broker = {"ok": True, "url": conn.as_uri()}
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "erreur": str(exc)[:200]}, {"ok": False, "nombre": 0}
    replies = app.control.ping(timeout=1.0) or []
    return broker, {"ok": bool(replies), "nombre": len(replies), "noms": sorted(n for r in replies for n in r)}


def _may_see_details(request) -> bool:
    """A local caller (REMOTE_ADDR on the loopback: behind a proxy, that is the proxy's own
    address, never a client's) or a signed-in staff member."""
    try:
        local = ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        local = False
    user = getattr(request, "user", None)
    return local or bool(user is not None and user.is_authenticated and user.is_staff)


def health(request):
    database = _database()
    broker, workers = _broker_and_workers()
    ok = database["ok"] and broker["ok"] and workers["ok"]
    body = {"statut": "ok" if ok else "degrade"}
    if _may_see_details(request):
        body.update({"base_de_donnees": database, "courtier": broker, "workers": workers})
    response = JsonResponse(body, status=200 if ok else 503, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response
