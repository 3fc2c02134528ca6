"""One settings file, driven by environment variables (see docs/operations.md).

SQLite under ``CIFTA_DATA_DIR`` is the embedded default; ``DATABASE_URL`` switches to PostgreSQL.
Secrets may be given as ``NAME_FILE`` pointing at a file (container and systemd secrets).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent


def env(name: str, default: str = "") -> str:
    """Read NAME, or the content of the file named by NAME_FILE."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name, "1" if default else "0").strip().lower()
    return value in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    return int(env(name, str(default)))


DATA_DIR = Path(env("CIFTA_DATA_DIR", str(Path.cwd() / "data"))).resolve()

DEBUG = env_bool("CIFTA_DEBUG", False)
# Without a configured key we derive one per data folder, kept beside the database, so a demo
# works out of the box; `cifta check --deploy` warns when CIFTA_SECRET_KEY is not set.
SECRET_KEY_CONFIGURED = bool(env("CIFTA_SECRET_KEY"))
SECRET_KEY = env("CIFTA_SECRET_KEY")
if not SECRET_KEY:
    _key_file = DATA_DIR / "secret_key"
    if _key_file.exists():
        SECRET_KEY = _key_file.read_text(encoding="utf-8").strip()
    else:
        import secrets

        SECRET_KEY = secrets.token_urlsafe(50)
        try:
            DATA_DIR.mkdir(parents=True, exist_ok=True)
            _key_file.write_text(SECRET_KEY, encoding="utf-8")
            _key_file.chmod(0o600)
        except OSError:  # read-only checkout: the key lives for this process only
            pass

ALLOWED_HOSTS = [h for h in env("CIFTA_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in env("CIFTA_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_htmx",
    "cifta.core",
    "cifta.accounts",
    "cifta.directory",
    "cifta.reference",
    "cifta.registry",
    "cifta.tracing",
    "cifta.stockpile",
    "cifta.destruction",
    "cifta.reporting",
    "cifta.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    # Our two: request context (actor, request id, scope) and the second-factor gate.
    "cifta.core.middleware.RequestContextMiddleware",
    "cifta.accounts.middleware.SecondFactorRequiredMiddleware",
]

ROOT_URLCONF = "cifta.urls"
WSGI_APPLICATION = "cifta.wsgi.application"

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
                "cifta.core.context_processors.navigation",
                "cifta.accounts.context_processors.account",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        # No JIT: the serial search's probe statements carry high cost estimates, and compiling
        # them took ten times longer than running them. Short queries never gain from it.
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "cifta.sqlite3"),
            "OPTIONS": {
                # IMMEDIATE takes the write lock when a transaction starts, so two writers never
                # read the same audit-chain head; WAL lets readers go on meanwhile.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                # A 64 MB page cache (SQLite's default is 2 MB) keeps the indexes of a large
                # registry in memory: bulk imports and list pages at a million records need it.
                "init_command": ("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                                 "PRAGMA cache_size=-65536;"),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and authentication -----------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses locked-out credentials before checking them
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
SESSION_COOKIE_AGE = env_int("CIFTA_SESSION_SECONDS", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("CIFTA_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
# Behind a TLS-terminating proxy: trust its X-Forwarded-Proto and X-Forwarded-For (one hop), so
# links are https and login throttling sees the client's address, not the proxy's.
BEHIND_PROXY = env_bool("CIFTA_BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    AXES_IPWARE_PROXY_COUNT = 1
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
SECURE_HSTS_SECONDS = env_int("CIFTA_HSTS_SECONDS", 0)
SECURE_SSL_REDIRECT = env_bool("CIFTA_SSL_REDIRECT", False)
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Login throttling (django-axes): lock a username+address pair after repeated failures.
AXES_FAILURE_LIMIT = env_int("CIFTA_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("CIFTA_LOGIN_COOLOFF_MINUTES", 30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_ENABLED = env_bool("CIFTA_LOGIN_THROTTLING", True)

OTP_TOTP_ISSUER = env("CIFTA_TOTP_ISSUER", "cifta")

# --- Mail -----------------------------------------------------------------------------------
EMAIL_BACKEND = env("CIFTA_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = str(DATA_DIR / "mail")
EMAIL_HOST = env("CIFTA_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("CIFTA_EMAIL_PORT", 25)
EMAIL_HOST_USER = env("CIFTA_EMAIL_USER")
EMAIL_HOST_PASSWORD = env("CIFTA_EMAIL_PASSWORD")
EMAIL_USE_TLS = env_bool("CIFTA_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = env("CIFTA_FROM_EMAIL", "cifta@localhost")

# --- Languages ------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish")), ("fr", _("French")), ("pt", _("Portuguese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env("CIFTA_TIME_ZONE", "UTC")
USE_THOUSAND_SEPARATOR = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = DATA_DIR / "media"  # photos: served only through views that check the scope
MEDIA_URL = "/media/"
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "cifta.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "cifta.core.api.pagination.CappedLimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "cifta.core.api.exceptions.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "cifta API",
    "DESCRIPTION": "Records of the States Parties to CIFTA. Every endpoint answers within the caller's country.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("CIFTA_LOG_LEVEL", "WARNING")},
}


def _lookalikes(text: str) -> dict[str, list[str]]:
    """``CO:0O,1I;MX:0ODQ,1IL`` -> {"CO": ["0O", "1I"], "MX": ["0ODQ", "1IL"]} (checked at start)."""
    out: dict[str, list[str]] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        code, _, groups = part.partition(":")
        out[code.strip().upper()] = [g.strip().upper() for g in groups.split(",") if g.strip()]
    return out


# Passphrase that encrypts the authorities' private signing keys (destruction certificates) in
# the database (PKCS#8, PBES2 with AES-256). Set it from a secret store and keep it apart from database
# backups: whoever holds both can sign certificates. Without it, one is derived from SECRET_KEY,
# so changing SECRET_KEY then makes the stored keys unreadable (docs/operations.md, "Signing keys").
CIFTA_KEY_ENCRYPTION_SECRET = env("CIFTA_KEY_ENCRYPTION_SECRET") or hashlib.sha256(
    b"cifta-signing-keys:" + SECRET_KEY.encode("utf-8")).hexdigest()

# Registry lists count at most this many rows (beyond: "more than ..."; see core/paging.py).
CIFTA_LIST_COUNT_CAP = env_int("CIFTA_LIST_COUNT_CAP", 10_000)
# Look-alike groups of the serial search per State; default 0ODQ, 1IL, 2Z, 5S, 6G, 8B for all.
CIFTA_SERIAL_LOOKALIKES = _lookalikes(env("CIFTA_SERIAL_LOOKALIKES"))

# Trace request deadlines of this hub (ITI §V fixes none; research note 01 §2.3). A State may set
# its own on its tracing deadlines page; these apply where it has not.
CIFTA_TRACE_DEADLINES = {
    "acknowledge_working_days": env_int("CIFTA_TRACE_ACKNOWLEDGE_WORKING_DAYS", 5),
    "urgent_hours": env_int("CIFTA_TRACE_URGENT_HOURS", 72),
    "routine_days": env_int("CIFTA_TRACE_ROUTINE_DAYS", 30),
}
# Days a step may be overdue before the reminder goes to the requested State's national point of contact.
CIFTA_TRACE_ESCALATE_AFTER_DAYS = env_int("CIFTA_TRACE_ESCALATE_AFTER_DAYS", 3)

# Public certificate checks (page and API) one client address may make per minute.
CIFTA_PUBLIC_VERIFY_PER_MINUTE = env_int("CIFTA_PUBLIC_VERIFY_PER_MINUTE", 30)
