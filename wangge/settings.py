"""Django settings for wangge, read from the environment through strict helpers.

Defaults give a working development set-up: SQLite (WAL) under var/, debug off unless
WANGGE_DEBUG is set. Production sets WANGGE_SECRET_KEY, WANGGE_DATA_KEY, WANGGE_INDEX_KEY
and DATABASE_URL.
"""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from wangge.lib.env import env_bool, env_int, env_key, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(env_str("WANGGE_VAR_DIR", str(BASE_DIR.parent / "var")))

DEBUG = env_bool("WANGGE_DEBUG", False)
_DEV_SECRET = "dev-only-secret-key-change-me-in-every-deployment-0123456789"  # noqa: S105
SECRET_KEY = env_str("WANGGE_SECRET_KEY", _DEV_SECRET)
PRODUCTION = env_bool("WANGGE_PRODUCTION", False)
if PRODUCTION and SECRET_KEY == _DEV_SECRET:
    raise ImproperlyConfigured("WANGGE_SECRET_KEY must be set when WANGGE_PRODUCTION is true.")

ALLOWED_HOSTS = env_list("WANGGE_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("WANGGE_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "django_tasks_db",
    "wangge.accounts",
    "wangge.areas",
    "wangge.orgs",
    "wangge.people",
    "wangge.calendars",
    "wangge.cases",
    "wangge.api",
    "wangge.demo",
    "wangge.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
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
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

MEDIA_ROOT = Path(env_str("WANGGE_MEDIA_ROOT", str(VAR_DIR / "media")))
# Uploaded files are served only through views that check scope, never under a public URL.
MEDIA_URL = "/media/"

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Site-wide static files (stylesheet, vendored Leaflet and htmx); apps add their own static/.
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # also creates var/ for the SQLite database
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

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
X_FRAME_OPTIONS = "DENY"

# Personal data: AES-GCM key and HMAC key for the blind index (base64, 32 bytes each).
DATA_KEY = env_key("WANGGE_DATA_KEY", SECRET_KEY, required=PRODUCTION)
INDEX_KEY = env_key("WANGGE_INDEX_KEY", SECRET_KEY, required=PRODUCTION)

# Map tiles: an XYZ template such as https://tiles.example/{z}/{x}/{y}.png; empty = no base map.
MAP_TILE_URL = env_str("WANGGE_MAP_TILE_URL", "")
MAP_TILE_CRS = env_str("WANGGE_MAP_TILE_CRS", "wgs84")
if MAP_TILE_CRS not in {"wgs84", "gcj02", "bd09"}:
    raise ImproperlyConfigured(f"WANGGE_MAP_TILE_CRS={MAP_TILE_CRS!r} must be wgs84, gcj02 or bd09.")
MAP_TILE_ATTRIBUTION = env_str("WANGGE_MAP_TILE_ATTRIBUTION", "")

# Gaps and overlaps between grid polygons below this area are rounding noise, not findings.
GRID_TOPOLOGY_TOLERANCE_M2 = env_int("WANGGE_GRID_TOPOLOGY_TOLERANCE_M2", 1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("WANGGE_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
