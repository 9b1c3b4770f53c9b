"""AMO claims portal: project wiring (settings, Celery app, URLs) and a small shared kernel."""
from .celery import app as celery_app

__all__ = ("celery_app",)
