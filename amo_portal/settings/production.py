"""Production settings: no default secret, secure cookies, HTTPS."""
from .base import *  # noqa: F403
from .base import database, env

SECRET_KEY = env("DJANGO_SECRET_KEY")  # no default: refuse to start without one
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
DATABASES = {"default": database(env("DATABASE_URL"))}

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# The container's own health check asks http://127.0.0.1:8000/sante/ (no proxy, no TLS): not redirected.
SECURE_REDIRECT_EXEMPT = [r"^sante/$"]
# Behind the compose proxy (TLS ends there), the proxy says which scheme the client used. Trusted
# only then: without a proxy that sets it, any client could claim "https".
if env.bool("DJANGO_BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# A year, subdomains included, and a request to be preloaded in browsers (hstspreload.org's terms).
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
X_FRAME_OPTIONS = "DENY"
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
AMO_DEMO_BANK = False  # a simulated bank return would mark claims paid that no bank paid
