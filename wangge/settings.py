"""Django settings for wangge, read from the environment through strict helpers.

Defaults give a working development set-up: SQLite (WAL) under var/, debug off unless
WANGGE_DEBUG is set. Production sets WANGGE_SECRET_KEY, the personal-data keys (WANGGE_DATA_KEYS
and WANGGE_INDEX_KEYS, or WANGGE_KEY_FILE; see docs/privacy.md) and DATABASE_URL.
"""

from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from wangge.lib import error_reports
from wangge.lib.env import (
    env_bool,
    env_int,
    env_key_list,
    env_list,
    env_optional_key,
    env_rate,
    env_secret,
    env_str,
)
from wangge.lib.files import private_directory

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(env_str("WANGGE_VAR_DIR", str(BASE_DIR.parent / "var")))

DEBUG = env_bool("WANGGE_DEBUG", False)
_DEV_SECRET = "dev-only-secret-key-change-me-in-every-deployment-0123456789"  # noqa: S105
SECRET_KEY = env_str("WANGGE_SECRET_KEY", _DEV_SECRET)
PRODUCTION = env_bool("WANGGE_PRODUCTION", False)
if PRODUCTION and SECRET_KEY == _DEV_SECRET:
    raise ImproperlyConfigured("WANGGE_SECRET_KEY must be set when WANGGE_PRODUCTION is true.")

ALLOWED_HOSTS = env_list("WANGGE_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("WANGGE_ALLOWED_HOSTS must name the site's host names when WANGGE_PRODUCTION is true.")
CSRF_TRUSTED_ORIGINS = env_list("WANGGE_CSRF_TRUSTED_ORIGINS", [])

# A public deployment (docs/deploy.md, "Production settings"). Reverse proxies in front of the
# servers, each appending the address it received the request from to X-Forwarded-For: with
# N of them the client's address is the N-th from the right (`accounts.audit.client_ip`, used
# by rate limits, the login lockout and audit rows), and X-Forwarded-Proto says whether the
# client used HTTPS. With 0 (the default) both headers are ignored: anyone could send them.
TRUSTED_PROXIES = env_int("WANGGE_TRUSTED_PROXIES", 0, minimum=0, maximum=10)
if TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# In production every plain HTTP request is redirected to HTTPS, except the probes of a load
# balancer or a monitor that ask a server directly; browsers remember for a year (HSTS) to use
# HTTPS only, for this host and its subdomains. Preloading (a list built into browsers, hard
# to leave) is the domain owner's choice: WANGGE_HSTS_PRELOAD=true, then submit the domain.
SECURE_SSL_REDIRECT = env_bool("WANGGE_HTTPS_REDIRECT", PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env_int("WANGGE_HSTS_SECONDS", 365 * 86400 if PRODUCTION else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("WANGGE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("WANGGE_HSTS_PRELOAD", False)
# security.W021 asks for preloading: silenced, since that is not ours to decide (above).
SILENCED_SYSTEM_CHECKS = ["security.W021"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # the API's interactive page from its own static files, never a CDN
    "wangge.lib.third_party_apps.LoginProtectionConfig",  # django-axes, its name translated
    "wangge.lib.third_party_apps.BackgroundTasksConfig",  # django-tasks-db, its name translated
    "django_otp",  # two-factor login: the verified device in the session
    "django_otp.plugins.otp_totp",  # authenticator apps (TOTP)
    "django_otp.plugins.otp_static",  # recovery codes
    "wangge.accounts",
    "wangge.areas",
    "wangge.orgs",
    "wangge.people",
    "wangge.calendars",
    "wangge.cases",
    "wangge.fieldwork",
    "wangge.assistance",
    "wangge.resources",
    "wangge.volunteers",
    "wangge.team",
    "wangge.ledgers",
    "wangge.onboarding",
    "wangge.open311",
    "wangge.api",
    "wangge.dashboard",
    "wangge.demo",
    "wangge.operations",
    "wangge.web",
]

MIDDLEWARE = [
    # Outermost: times every answer, static files and refusals included (metrics, request log).
    "wangge.operations.middleware.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Reads of marked read-only views from the standby, unless this browser wrote a moment ago.
    "wangge.lib.replicas.ReplicaPinMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Every request's text checked once, before any view (control characters, bidi controls, size).
    "wangge.web.edge.EdgeMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.otp_device: the second factor this session has verified (django-otp).
    "django_otp.middleware.OTPMiddleware",
    # WANGGE_REQUIRE_2FA=login: a user with a personal-data role verifies before any page.
    "wangge.web.second_factor.SecondFactorMiddleware",
    # A user whose password an administrator set is sent to /password/ until they choose their own.
    "wangge.web.password.MustChangePasswordMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",  # request.htmx: the page or the fragment htmx asked for
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "wangge.urls"
WSGI_APPLICATION = "wangge.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "wangge.web.context.site",
            ],
        },
    },
]

_SQLITE_PATH = VAR_DIR / "wangge.sqlite3"
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{_SQLITE_PATH}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("WANGGE_DB_CONN_MAX_AGE", 0))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
# A streaming standby of the PostgreSQL primary (docs/deploy.md, "Read replicas"): the read-only
# work marked for it (`lib.replicas`: the public board, coverage, compliance, exports) reads there,
# everything else from the primary; a browser that wrote reads from the primary for
# WANGGE_REPLICA_PIN_SECONDS afterwards. Tests use the primary under that alias (MIRROR).
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=env_int("WANGGE_DB_CONN_MAX_AGE", 0)
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    if not DATABASES["default"]["ENGINE"] == DATABASES["replica"]["ENGINE"] == "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL must name a standby of DATABASE_URL's PostgreSQL server.")
REPLICA_PIN_SECONDS = env_int("WANGGE_REPLICA_PIN_SECONDS", 10, minimum=0, maximum=3600)
DATABASE_ROUTERS = ["wangge.lib.replicas.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AXES_FAILURE_LIMIT = env_int("WANGGE_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("WANGGE_LOGIN_COOLOFF_HOURS", 1)
# Locked per user name *and* address together: five failures from a community office's shared
# address lock that one account there, not every account behind the address (docs/security.md).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# The client's address behind the configured proxies, the same one audit rows record.
AXES_CLIENT_IP_CALLABLE = "wangge.accounts.audit.client_ip"

# Two-factor login (docs/deploy.md, "Two-factor login"): authenticator codes (TOTP, django-otp)
# with recovery codes. `reveal`: a reveal of personal data in clear needs a second factor
# verified in this session (step-up); `login`: besides, a user holding a personal-data role
# verifies right after the password, before any page; `off`: never asked. Production defaults to
# `reveal`; development, the demo and the tests to `off`.
REQUIRE_2FA = env_str("WANGGE_REQUIRE_2FA", "reveal" if PRODUCTION else "off")
if REQUIRE_2FA not in {"reveal", "login", "off"}:
    raise ImproperlyConfigured(f"WANGGE_REQUIRE_2FA={REQUIRE_2FA!r} must be reveal, login or off.")
# The name authenticator apps show beside the user name.
OTP_TOTP_ISSUER = env_str("WANGGE_2FA_ISSUER", "wangge")
# After a wrong code, the device refuses every code for 1 s, then 2, 4, 8 … (doubling each time)
# until a right one: ten wrong codes in a row wait 8.5 minutes.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

MEDIA_ROOT = Path(env_str("WANGGE_MEDIA_ROOT", str(VAR_DIR / "media")))
# Uploaded files are served only through views that check scope, never under a public URL.
MEDIA_URL = "/media/"

# Ledger imports read a spreadsheet in a child process with this much address space (MB), after
# refusing one whose worksheet declares more cells (rows × columns) or whose parts unpack to
# more (MB) than this (docs/import.md, "Limits"). A 200,000-row ledger of 24 columns (4.8 million
# cells, 220 MB unpacked) imports within 768 MB.
IMPORT_READER_MEMORY_MB = env_int("WANGGE_IMPORT_READER_MEMORY_MB", 1536, minimum=256)
IMPORT_MAX_CELLS = env_int("WANGGE_IMPORT_MAX_CELLS", 10_000_000, minimum=1000)
IMPORT_MAX_UNPACKED_MB = env_int("WANGGE_IMPORT_MAX_UNPACKED_MB", 512, minimum=1)

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Site-wide static files (stylesheet, vendored Leaflet and htmx); apps add their own static/.
STATICFILES_DIRS = [BASE_DIR / "static"]
private_directory(VAR_DIR)  # the database, uploads and the key file: for this account only
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

DEFAULT_FROM_EMAIL = env_str("WANGGE_FROM_EMAIL", "wangge@localhost")
EMAIL_BACKEND = env_str("WANGGE_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
CASE_DUE_SOON_HOURS = env_int("WANGGE_CASE_DUE_SOON_HOURS", 24)
CASE_DUPLICATE_RADIUS_M = env_int("WANGGE_CASE_DUPLICATE_RADIUS_M", 50)
# `wangge worker` enqueues the overdue sweep this often (seconds); 0 turns the sweep off.
CASE_SWEEP_INTERVAL_SECONDS = env_int("WANGGE_CASE_SWEEP_INTERVAL_SECONDS", 60)
if CASE_SWEEP_INTERVAL_SECONDS < 0:
    raise ImproperlyConfigured(
        f"WANGGE_CASE_SWEEP_INTERVAL_SECONDS={CASE_SWEEP_INTERVAL_SECONDS} must be 0 (off) or a number of seconds."
    )

# Rate limits of intake (see docs/api.md): cases filed by users whose only role is resident
# (REST and web form), per user; anonymous intake (Open311), per client address and API key.
# `N/s|m|h|d`, or `off`. Counted in fixed windows in the database, so every worker process
# of a deployment shares them.
RATE_LIMITS = {
    "resident": env_rate("WANGGE_RATE_RESIDENT", "10/h"),
    "anonymous": env_rate("WANGGE_RATE_ANONYMOUS", "30/h"),
}
# The REST API's interactive page (Swagger UI at /api/v1/docs); `off` answers 404 there.
API_DOCS = env_bool("WANGGE_API_DOCS", True)
# A POST with an `Idempotency-Key` header is answered from its stored result for this long.
IDEMPOTENCY_KEY_HOURS = env_int("WANGGE_IDEMPOTENCY_KEY_HOURS", 24)
if IDEMPOTENCY_KEY_HOURS < 1:
    raise ImproperlyConfigured(f"WANGGE_IDEMPOTENCY_KEY_HOURS={IDEMPOTENCY_KEY_HOURS} must be at least 1.")

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# /healthz answers 503 when a task ready to run has waited longer than this (minutes): no worker
# runs, or the workers cannot keep up (docs/deploy.md, "Health").
HEALTH_TASKS_STALE_MINUTES = env_int("WANGGE_HEALTH_TASKS_STALE_MINUTES", 15, minimum=1)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
LANGUAGE_COOKIE_SECURE = PRODUCTION
X_FRAME_OPTIONS = "DENY"

# Personal data: AES-GCM keys and HMAC keys for the blind index (32 bytes each, base64), as a
# key ring (wangge.lib.crypto; docs/privacy.md). Named keys come from the environment
# (WANGGE_DATA_KEYS="id:base64,…" + WANGGE_DATA_KEY_CURRENT, WANGGE_INDEX_KEYS + …_CURRENT and,
# while an index rotation runs, …_PREVIOUS) or, when the environment names none, from the key
# file (default var/keys.json, generated on first use outside production, mode 0600, never
# committed; in production only a file named by WANGGE_KEY_FILE, never generated).
# WANGGE_DATA_KEY / WANGGE_INDEX_KEY are the original single keys, key id "legacy": they read
# version-1 ciphertexts and the original blind index; outside production they default to keys
# derived from the secret key.
KEY_FILE = Path(env_str("WANGGE_KEY_FILE", str(VAR_DIR / "keys.json")))
DATA_KEYS = env_key_list("WANGGE_DATA_KEYS")
DATA_KEY_CURRENT = env_str("WANGGE_DATA_KEY_CURRENT", "")
INDEX_KEYS = env_key_list("WANGGE_INDEX_KEYS")
INDEX_KEY_CURRENT = env_str("WANGGE_INDEX_KEY_CURRENT", "")
INDEX_KEY_PREVIOUS = env_str("WANGGE_INDEX_KEY_PREVIOUS", "")
# Values not bound to their table, column and row (ciphertext versions 1 and 2) are refused:
# set once `wangge keys reencrypt` has bound every stored value (a key file records it itself).
REFUSE_UNBOUND = env_bool("WANGGE_REFUSE_UNBOUND", False)
DATA_KEY = env_optional_key("WANGGE_DATA_KEY", None if PRODUCTION else SECRET_KEY)
INDEX_KEY = env_optional_key("WANGGE_INDEX_KEY", None if PRODUCTION else SECRET_KEY)
KEY_SOURCE = "env" if DATA_KEYS or (PRODUCTION and not env_str("WANGGE_KEY_FILE", "")) else "file"
if KEY_SOURCE == "env" and not (DATA_KEYS or DATA_KEY):
    raise ImproperlyConfigured(
        "Set WANGGE_DATA_KEYS (with WANGGE_DATA_KEY_CURRENT), WANGGE_DATA_KEY or WANGGE_KEY_FILE in production."
    )
if KEY_SOURCE == "env" and not (INDEX_KEYS or INDEX_KEY):
    raise ImproperlyConfigured("Set WANGGE_INDEX_KEYS (with WANGGE_INDEX_KEY_CURRENT) or WANGGE_INDEX_KEY.")
# A reveal of personal data stays valid this long for the user who gave the reason.
REVEAL_MINUTES = env_int("WANGGE_REVEAL_MINUTES", 15)
if not 1 <= REVEAL_MINUTES <= 24 * 60:
    raise ImproperlyConfigured(f"WANGGE_REVEAL_MINUTES={REVEAL_MINUTES} must be between 1 and 1440.")
# Persons who moved away or died are anonymised this many days after the change of status.
RETENTION_DAYS = env_int("WANGGE_RETENTION_DAYS", 3 * 365)
if RETENTION_DAYS < 1:
    raise ImproperlyConfigured(f"WANGGE_RETENTION_DAYS={RETENTION_DAYS} must be a positive number of days.")

# Map tiles: an XYZ template such as https://tiles.example/{z}/{x}/{y}.png; empty = no base map.
MAP_TILE_URL = env_str("WANGGE_MAP_TILE_URL", "")
MAP_TILE_CRS = env_str("WANGGE_MAP_TILE_CRS", "wgs84")
if MAP_TILE_CRS not in {"wgs84", "gcj02", "bd09"}:
    raise ImproperlyConfigured(f"WANGGE_MAP_TILE_CRS={MAP_TILE_CRS!r} must be wgs84, gcj02 or bd09.")
MAP_TILE_ATTRIBUTION = env_str("WANGGE_MAP_TILE_ATTRIBUTION", "")

# Content Security Policy (Django's own, django.middleware.csp): scripts, styles, fonts and
# connections from this site only — no inline script, no inline style, no eval (every page's
# script is a static file; configuration travels in `<script type="application/json">` blocks,
# which are data, not script) — images from this site, data: URLs (Leaflet) and the map tiles'
# server; nothing may frame the site, no plug-ins, forms post to this site only. The nonce is
# there for a page that would need an inline script: `<script nonce="{{ csp_nonce }}">`.
_TILE_ORIGIN = ""
if MAP_TILE_URL:
    _tile = urlsplit(MAP_TILE_URL.replace("{s}", "*"))
    _TILE_ORIGIN = f"{_tile.scheme}://{_tile.netloc}"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", "blob:", *([_TILE_ORIGIN] if _TILE_ORIGIN else [])],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "worker-src": [CSP.SELF],
    "manifest-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# Permissions-Policy (django-permissions-policy): the case form and the field pages ask for the
# phone's position, and a photo may be taken with its camera — for this site only; every other
# powerful feature is off, for this site and anything it might embed.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    "geolocation": ["self"],
    "camera": ["self"],
    **{
        feature: []
        for feature in (
            "accelerometer",
            "autoplay",
            "browsing-topics",
            "display-capture",
            "encrypted-media",
            "gyroscope",
            "hid",
            "magnetometer",
            "microphone",
            "midi",
            "payment",
            "publickey-credentials-get",
            "screen-wake-lock",
            "serial",
            "usb",
            "xr-spatial-tracking",
        )
    },
}

# Gaps and overlaps between grid polygons below this area are rounding noise, not findings.
GRID_TOPOLOGY_TOLERANCE_M2 = env_int("WANGGE_GRID_TOPOLOGY_TOLERANCE_M2", 1)

# /metrics in the Prometheus text format (docs/deploy.md, "Metrics"): off (404) unless
# WANGGE_METRICS is true, and then answered only to a scraper on this machine (the loopback,
# not through a proxy) or one that sends `Authorization: Bearer <WANGGE_METRICS_TOKEN>` (or the
# token read from WANGGE_METRICS_TOKEN_FILE). Under gunicorn every worker writes its figures
# into PROMETHEUS_MULTIPROC_DIR, which `wangge serve` sets up (default var/metrics).
METRICS = env_bool("WANGGE_METRICS", False)
METRICS_TOKEN = env_secret("WANGGE_METRICS_TOKEN")
METRICS_DIR = Path(env_str("PROMETHEUS_MULTIPROC_DIR", str(VAR_DIR / "metrics")))
# One JSON line per request on standard output (logger `wangge.request`): time, method, path
# without its query string, view, status, size, milliseconds, worker process — no user, no
# query, no address unless WANGGE_LOG_CLIENT_ADDRESS is true. With it on, `wangge serve`
# leaves gunicorn's own access log out.
# Error reports to a self-hosted Sentry-compatible collector, personal data scrubbed
# (`lib.error_reports`): off unless a DSN is given.
SENTRY_DSN = env_str("WANGGE_SENTRY_DSN", "")
if SENTRY_DSN:
    error_reports.init(SENTRY_DSN, environment=env_str("WANGGE_SENTRY_ENVIRONMENT", "production"))
REQUEST_LOG = env_bool("WANGGE_REQUEST_LOG", False)
LOG_CLIENT_ADDRESS = env_bool("WANGGE_LOG_CLIENT_ADDRESS", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "pythonjsonlogger.json.JsonFormatter", "fmt": "%(message)s", "timestamp": True},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "requests": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "json"},
    },
    "root": {"handlers": ["console"], "level": env_str("WANGGE_LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # WeasyPrint reports each rendering step (even its own stylesheets at import) at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "wangge.request": {"handlers": ["requests"], "level": "INFO", "propagate": False},
    },
}
