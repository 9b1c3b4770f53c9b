"""Celery application, task discovery, queues, the periodic schedule, and coalesced messages."""
import gc
import logging
import os
from functools import cache

from celery import Celery
from celery.schedules import crontab
from celery.signals import task_prerun, worker_process_init
from kombu import Exchange, Queue
from kombu.exceptions import OperationalError as KombuOperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amo_portal.settings.local")
logger = logging.getLogger(__name__)

app = Celery("amo_portal", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

#: Two queues. Status emails go to "notifications": a burst of them (a bordereau of 100,000 claims
#: paid, a day of liquidations) never waits in front of liquidations and payments, and
#: docker-compose gives them a worker of their own. A worker started without -Q consumes both.
#: Each queue has its own exchange and routing key: queues declared by name alone would all be
#: bound to the default key, and a message would reach both.
NOTIFICATIONS_QUEUE = "notifications"
app.conf.task_default_queue = "celery"
app.conf.task_queues = tuple(Queue(name, Exchange(name), routing_key=name) for name in ("celery", NOTIFICATIONS_QUEUE))
app.conf.task_routes = {"claims.tasks.notify_status_change_task": {"queue": NOTIFICATIONS_QUEUE}}


@worker_process_init.connect
def _freeze_startup_objects(**_kwargs) -> None:
    """A pool process starts: what it loaded lives as long as it does, out of the collector's sight
    (each full collection during a task then walks only the task's own objects)."""
    gc.freeze()


app.conf.beat_schedule = {
    # every minute: pick up submitted claims whose liquidation message was lost
    "sweep-submitted-claims": {
        "task": "claims.tasks.sweep_submitted_claims_task",
        "schedule": 60.0,
    },
    # every minute: e-mail the status changes whose message after commit was lost (claims.outbox)
    "notify-status-changes": {
        "task": "claims.tasks.notify_status_change_task",
        "schedule": 60.0,
    },
    # every day at 01:30: put liquidated claims of every mutuelle into payment batches
    "build-payment-batches": {
        "task": "payments.tasks.build_all_batches_task",
        "schedule": crontab(hour=1, minute=30),
    },
    # every day at 02:15: renew the accords that renew themselves, close ended ones, remind before the end
    "accords-daily": {
        "task": "approvals.tasks.accords_daily_task",
        "schedule": crontab(hour=2, minute=15),
    },
    # every day at 05:00: check that no claim was paid more (or other) than it was liquidated
    "reconcile-payments": {
        "task": "payments.tasks.report_payment_breaches_task",
        "schedule": crontab(hour=5, minute=0),
    },
    # every day at 07:00: alert the supervisors of claims that risk passing 60 days unpaid
    "escalate-late-claims": {
        "task": "claims.tasks.escalate_late_claims_task",
        "schedule": crontab(hour=7, minute=0),
    },
    # every day at 03:15: delete the drafts of claims left unchanged for CLAIM_DRAFT_MAX_AGE_DAYS
    "remove-old-claim-drafts": {
        "task": "portal.tasks.remove_old_claim_drafts_task",
        "schedule": crontab(hour=3, minute=15),
    },
}


# --- Coalesced messages -------------------------------------------------------------------------
#: Tasks that work on every pending row, not only on the one their message names (the liquidation
#: takes all submitted claims, oldest first; the status e-mails, every change not yet told): while
#: one of their messages waits in the broker, not yet started, a second one would add nothing.
#: Filing 300 claims a second then costs the web a Redis SET per claim instead of a message each,
#: and the workers a chunk per message they get; an agent's decisions, or the chunks of a
#: liquidation or a settlement, queue one run of the e-mails while it waits, not one each.
COALESCED_TASKS = frozenset({"claims.tasks.liquidate_claim_task", "claims.tasks.notify_status_change_task"})
#: How long a waiting message's mark lives: were that message lost, the rows filed meanwhile would
#: wait at most this long for the next message (and the periodic sweep comes by every minute).
COALESCE_SECONDS = 60


def waiting_key(task_name: str) -> str:
    return f"amo:message-en-attente:{task_name}"


@cache
def _redis(url: str):
    import redis

    return redis.Redis.from_url(url)


def _broker_redis():
    """The broker's Redis (None in eager mode or with another broker): the mark lives beside the messages."""
    url = app.conf.broker_url or ""
    if app.conf.task_always_eager or not url.startswith(("redis://", "rediss://")):
        return None
    return _redis(url)


def send_unless_waiting(task, *args) -> bool:
    """Send `task(*args)`, unless it is a coalesced task with a message already waiting. Call it
    once the rows it is about are committed: the waiting message starts later, so it sees them.

    Returns whether a message was sent. The mark is set before the message and removed when a
    worker starts the task (below): a mark present means a start still to come.
    """
    client = _broker_redis() if task.name in COALESCED_TASKS else None
    if client is None:
        task.delay(*args)
        return True
    key = waiting_key(task.name)
    if not client.set(key, 1, nx=True, ex=COALESCE_SECONDS):
        return False
    try:
        task.delay(*args)
    except Exception:
        client.delete(key)  # no message: let the next row send one
        raise
    return True


#: What sending a message raises while the broker (or the Redis beside it) cannot be reached.
BROKER_DOWN = (KombuOperationalError, OSError)


def send_or_log(task, *args, fallback: str) -> bool:
    """send_unless_waiting, called once the rows are committed, where a broker out of reach must
    not turn a done request into an error (a client told 500 would do it again): the failure is
    logged, with `fallback`, what picks the rows up later."""
    try:
        return send_unless_waiting(task, *args)
    except BROKER_DOWN + _redis_errors():
        logger.exception("Courtier injoignable : %s(%s) non envoyée ; %s", task.name, ", ".join(map(str, args)),
                         fallback)
        return False


@cache
def _redis_errors() -> tuple[type[Exception], ...]:
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return (RedisConnectionError, RedisTimeoutError)


@task_prerun.connect
def _coalesced_task_started(sender=None, **_kwargs) -> None:
    """A worker starts a coalesced task: rows committed from now on need a message of their own.
    (The mark goes before the task reads its rows, so none falls between the two.)"""
    if sender is not None and sender.name in COALESCED_TASKS:
        client = _broker_redis()
        if client is not None:
            client.delete(waiting_key(sender.name))
