"""Settings shared by every deployment; each value comes from the environment."""
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")  # optional file; real environment variables win

# --- Core -------------------------------------------------------------------
SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-development-key-do-not-use-in-production")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "claims.admin_config.AmoAdminConfig",  # django.contrib.admin with the back office's site (2FA)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",  # one-time recovery codes of staff accounts
    "mutuelles",
    "tariffs",
    "beneficiaries",
    "approvals",
    "claims",
    "payments",
    "portal",
]

MIDDLEWARE = [
    "amo_portal.proxy.TrustedProxyMiddleware",  # first: everything after it reads the real client address
    "django.middleware.security.SecurityMiddleware",
    "amo_portal.middleware.refuse_nul_in_path",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "mutuelles.middleware.StaffSecondFactorMiddleware",  # staff: nothing without a verified second factor
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "amo_portal.urls"
WSGI_APPLICATION = "amo_portal.wsgi.application"
AUTH_USER_MODEL = "mutuelles.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
def database(url: str) -> dict:
    """The connection settings for DATABASE_URL (production requires it; elsewhere SQLite is the default)."""
    settings = environ.Env.db_url_config(url)
    settings["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
    settings["CONN_HEALTH_CHECKS"] = True
    if settings["ENGINE"] == "django.db.backends.postgresql":
        # Parameters sent apart from the SQL, and a statement run often (the token lookup, the
        # filing) prepared once per connection: PostgreSQL then neither parses nor plans it again,
        # which halves its processor time per filed claim. Behind a pooler in transaction mode that
        # does not keep prepared statements (PgBouncer before 1.21), set DJANGO_DB_PREPARE_THRESHOLD=0.
        prepare_after = env.int("DJANGO_DB_PREPARE_THRESHOLD", default=5)
        settings.setdefault("OPTIONS", {}).update(
            {"server_side_binding": True, "prepare_threshold": prepare_after or None})
    elif settings["ENGINE"] == "django.db.backends.sqlite3":
        # SQLite is the single-process embedded default: wait on a lock rather than fail.
        settings["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    return settings


# Embedded default: SQLite in the project folder. DATABASE_URL points at PostgreSQL.
DATABASES = {"default": database(env("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"))}

# --- Authentication ---------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "portal.throttle.AddressLockoutBackend",  # refuses a client address that failed too often (spraying)
    "axes.backends.AxesStandaloneBackend",  # refuses locked-out credentials
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/connexion/"
LOGIN_REDIRECT_URL = "/espace/"
LOGOUT_REDIRECT_URL = "/"
#: Address of the portal in the links of the emails sent to insured persons.
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000")
# Lock an account after repeated failed logins (django-axes).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
# Failures count per account AND client address: an attacker elsewhere cannot lock an officer out of
# their own office. Spraying many accounts from one address is stopped by the address's own, higher
# limit (portal.throttle.AddressLockoutBackend): a whole mutuelle office shares one public IP.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "amo_portal.proxy.client_address"
#: Failed sign-ins (all accounts together) from one client address before it is refused for a while.
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=30)
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Staff accounts must use an authenticator app (TOTP) and get recovery codes (mutuelles.second_factor).
OTP_TOTP_ISSUER = "Portail AMO"

# Addresses (or networks, CIDR) of the reverse proxies in front of the app: only a request coming from one
# of them has its client address read from X-Forwarded-For (amo_portal.proxy). Empty: the header is ignored.
TRUSTED_PROXIES = env.list("DJANGO_TRUSTED_PROXIES", default=[])
#: An API token unused this many days is refused (each use pushes the deadline back).
API_TOKEN_IDLE_DAYS = env.int("API_TOKEN_IDLE_DAYS", default=30)
#: Live API tokens per account (one per device): the oldest is revoked beyond this.
API_TOKENS_PER_ACCOUNT = env.int("API_TOKENS_PER_ACCOUNT", default=10)
#: A link confirming a new e-mail address is valid this long.
EMAIL_CHANGE_LINK_HOURS = env.int("EMAIL_CHANGE_LINK_HOURS", default=24)
#: A RIB change is also notified to the address replaced this many days before.
PREVIOUS_EMAIL_NOTICE_DAYS = env.int("PREVIOUS_EMAIL_NOTICE_DAYS", default=30)
#: Claims one insured person may file online per day, and documents they may upload per day.
CLAIMS_PER_DAY = env.int("CLAIMS_PER_DAY", default=20)
DOCUMENTS_PER_DAY = env.int("DOCUMENTS_PER_DAY", default=100)
#: The draft of a claim being typed online is deleted, with its documents, after this many days unchanged.
CLAIM_DRAFT_MAX_AGE_DAYS = env.int("CLAIM_DRAFT_MAX_AGE_DAYS", default=30)
#: Password-reset requests per e-mail address and per client address, within an hour.
PASSWORD_RESETS_PER_EMAIL = env.int("PASSWORD_RESETS_PER_EMAIL", default=3)
PASSWORD_RESETS_PER_ADDRESS = env.int("PASSWORD_RESETS_PER_ADDRESS", default=20)

SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_COOKIE_AGE", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- Internationalisation ---------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("ar", "العربية")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Africa/Casablanca"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ----------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Supporting documents live outside the static tree and are served only through
# views that check access to the claim (never by the web server directly).
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "/media-non-servi/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Uploads: a request's form fields (not its files) may take 12 MB; a request of at most 2 MB is kept
# in memory, a larger one goes to temporary files as it arrives, each cut one byte past the 10 MB a
# document may weigh (its real size still refuses it); more than 10 files (a claim's maximum) and
# the request is refused while it is read.
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 10
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "claims.uploads.CappedTemporaryFileUploadHandler",
]

# --- Email ------------------------------------------------------------------
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("DJANGO_EMAIL_HOST", default="localhost")
# Who receives the nightly payment reconciliation's alerts (and Django's error mails): "a@x,b@y".
ADMINS = [(address, address) for address in env.list("DJANGO_ADMINS", default=[])]
EMAIL_PORT = env.int("DJANGO_EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("DJANGO_EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("DJANGO_EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("DJANGO_EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="portail-amo@localhost")

# --- Celery -----------------------------------------------------------------
# With REDIS_URL set, tasks go to Redis and a real worker runs them; without it
# (the embedded default) they run in-process, right after the commit that queued them.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL and not env("CELERY_BROKER_URL", default="")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = 10 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 9 * 60
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_ON_FAILURE_OR_TIMEOUT = False
CELERY_TASK_REJECT_ON_WORKER_LOST = True  # a killed worker's task goes back to the queue
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=300)}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- Cache ------------------------------------------------------------------
#: Redis down, the cache degrades (amo_portal/cache.py); a silent Redis is given up on within a second.
REDIS_CACHE_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 1.0}
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "amo_portal.cache.DegradingRedisCache", "LOCATION": REDIS_URL,
                          "OPTIONS": REDIS_CACHE_OPTIONS}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- REST framework ---------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.api.authentication.InsuredTokenAuthentication",  # expiring, revocable tokens; 401 when refused
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated",
                                   "mutuelles.middleware.SecondFactorForStaff"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "amo_portal.exceptions.api_exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "amo_portal.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_RATES": {"simulation": env("SIMULATION_THROTTLE_RATE", default="60/min")},
    # Throttles key on REMOTE_ADDR, which amo_portal.proxy sets from a trusted proxy's X-Forwarded-For:
    # never on the header itself, which any client can write.
    "NUM_PROXIES": 0,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Portail AMO – API",
    "DESCRIPTION": "API du portail des dossiers de maladie de l'AMO du secteur public.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "DocumentKindEnum": "claims.models.DocumentKind",
        "ClaimStatusEnum": "claims.models.ClaimStatus",
        "LineKindEnum": "claims.models.LineKind",
    },
}

# --- Demonstration ----------------------------------------------------------
# The simulated bank (payments/services/demo_bank.py, `simulate_bank_return`): answers a transfer
# order as a bank would and marks claims paid. Off unless a settings file turns it on (local.py).
AMO_DEMO_BANK = env.bool("AMO_DEMO_BANK", default=False)

# --- Security ---------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"  # no page of ours is framed, not even by our own (documents are links)
# Content-Security-Policy (django-csp 4): the same policy in development, tests and production, so
# that a page breaking it breaks in the browser tests. Scripts and styles come from our origin
# only (an inline <script> needs {{ request.csp_nonce }}; style attributes are refused: use classes).
CONTENT_SECURITY_POLICY = {"DIRECTIVES": {
    "default-src": [SELF], "script-src": [SELF, NONCE], "style-src": [SELF], "img-src": [SELF, "data:"],
    "font-src": [SELF], "connect-src": [SELF], "object-src": [NONE], "base-uri": [SELF], "form-action": [SELF],
    "frame-ancestors": [NONE],
}}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- Logging ----------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
