from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Dossiers de maladie"

    def ready(self) -> None:
        # The services queue the claims' tasks by name (claims.queueing): every process that may
        # queue them (web, worker, commands) registers them with Celery here, not only the worker.
        from claims import tasks  # noqa: F401
