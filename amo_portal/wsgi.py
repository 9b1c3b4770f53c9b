"""WSGI entry point (gunicorn)."""
import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amo_portal.settings.production")
application = get_wsgi_application()
# Everything loaded so far (Django, the apps, the URL conf) lives as long as the process: out of
# the collector's sight, each full collection during a request walks far fewer objects.
gc.freeze()
