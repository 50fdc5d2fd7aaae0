"""Settings for OrderDesk Admin, read top to bottom.

Everything comes from the environment (see `.env.example`); nothing is required in development.
Development defaults: SQLite under `var/`, in-memory cache and channel layer, console e-mail, a
generated secret key and encryption key kept under `var/`. Production is switched on explicitly:
`DEBUG=false` demands `SECRET_KEY` and `ENCRYPTION_KEYS`, `DATABASE_URL` selects PostgreSQL with
Django's connection pool, and `REDIS_URL` moves the cache, rate limits and channel layer to Redis.
"""

import os
import re
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from kernel.keyring_config import load_encryption_keys

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    """A string setting; `NAME_FILE` (a path) wins over `NAME`, for secrets mounted as files."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text().strip()
    return os.environ.get(name) or default


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    if raw.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.strip().lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None


def env_rate(name: str, default: str) -> str:
    """A django-ratelimit rate such as "20/h" or "5/15m", checked now: a bad one would otherwise be a
    500 on every request that it limits."""
    value = env_str(name, default).strip()
    if not re.fullmatch(r"[0-9]+/[0-9]*[smhd]?", value):
        raise ImproperlyConfigured(f'{name} must be a rate such as "20/h" or "5/15m", not {value!r}.')
    return value


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (os.environ.get(name) or default).split(",") if item.strip()]


def _secret_from_var_file(path: Path, generate) -> str:
    """Development only: a secret generated on first start and kept under var/ (never committed)."""
    if not path.exists():
        path.write_text(generate())
        path.chmod(0o600)
    return path.read_text().strip()


# --- Where things live ----------------------------------------------------------------------------
VAR_DIR = BASE_DIR / env_str("VAR_DIR", "var")  # a relative path is relative to the project
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", True)

# --- Secrets ------------------------------------------------------------------------------------------
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false (50+ random characters).")
    SECRET_KEY = _secret_from_var_file(VAR_DIR / "secret_key", lambda: secrets.token_urlsafe(50))
# Django's own rule for a weak key (check --deploy's security.W009), enforced at start-up: a warning
# nobody reads would leave sessions and signed values forgeable.
if not DEBUG and (
    len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH
    or len(set(SECRET_KEY)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
    or SECRET_KEY.startswith(SECRET_KEY_INSECURE_PREFIX)
):
    raise ImproperlyConfigured(
        f"SECRET_KEY is too weak for DEBUG=false: use {SECRET_KEY_MIN_LENGTH}+ random characters, "
        'e.g. python -c "import secrets; print(secrets.token_urlsafe(50))".'
    )

# The keyring for secrets at rest: "v2:<base64 32 bytes>,v1:<...>", newest first.
ENCRYPTION_KEYS = load_encryption_keys(env_str("ENCRYPTION_KEYS"), debug=DEBUG, var_dir=VAR_DIR)

# --- Hosts and the public origin -------------------------------------------------------------------
# SITE_URL is the origin put into e-mailed links and client configuration; the Host header never is.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
_site = urlsplit(SITE_URL)
if _site.scheme not in {"http", "https"} or not _site.hostname:
    raise ImproperlyConfigured(
        f"SITE_URL must be an http(s) origin such as https://admin.example.com, not {SITE_URL!r}."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]" if DEBUG else "")
if _site.hostname not in ALLOWED_HOSTS:
    ALLOWED_HOSTS.append(_site.hostname)
CSRF_TRUSTED_ORIGINS = [f"{_site.scheme}://{_site.netloc}"]

# Addresses of reverse proxies whose X-Forwarded-For we believe (comma list of IPs or CIDRs).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")

# --- Applications ----------------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_filters",
    "oauth2_provider",
    # Bottom to top (docs/architecture.md): accounts, the operation core, stores, agent keys, the
    # OrderDesk record kit and services, the sandbox, then the faces and the project itself.
    "tenants",
    "operations",
    "stores",
    "api_keys",
    "records",
    "orders",
    "products",
    "sandbox",
    "oauth",
    "mcp_bridge",
    "orderdesk_admin",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "orderdesk_admin.static.WhiteNoiseMiddleware",  # WhiteNoise, streaming under ASGI
    "kernel.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tenants.middleware.SessionLifetimeMiddleware",
    "tenants.middleware.TenantMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "orderdesk_admin.urls"
ASGI_APPLICATION = "orderdesk_admin.asgi.application"
AUTH_USER_MODEL = "tenants.User"
LOGIN_URL = "tenants:login"
LOGIN_REDIRECT_URL = "dashboard"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tenants.context_processors.tenant",
            ],
        },
    },
]

# --- Database ----------------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
# IMMEDIATE takes the write lock when a transaction starts, so two writers queue on the busy timeout
# (20 s) instead of failing with "database is locked" halfway through; WAL lets readers go on while one
# writes and keeps every committed transaction through a crash of the process.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
if DATABASE_URL:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=0)
    if _db["ENGINE"] == "django.db.backends.postgresql":
        # Django's pool (psycopg_pool) instead of persistent connections: each process keeps at most
        # DB_POOL_MAX_SIZE connections (so PostgreSQL's max_connections must exceed workers times that),
        # and a request waits at most DB_POOL_TIMEOUT s for one, then gets 503 + Retry-After.
        _db.setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("DB_POOL_MIN_SIZE", 2),
            "max_size": env_int("DB_POOL_MAX_SIZE", 20),
            "timeout": env_int("DB_POOL_TIMEOUT", 10),
        }
    elif _db["ENGINE"] == "django.db.backends.sqlite3":
        _db["OPTIONS"] = {**SQLITE_OPTIONS, **_db.get("OPTIONS", {})}
        _db["TEST"] = {"NAME": f"{_db['NAME']}.test-{os.getpid()}"}
    _db.setdefault("TEST", {"NAME": f"test_{_db['NAME']}_{os.getpid()}"})  # parallel runs never collide
    DATABASES = {"default": _db}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "db.sqlite3"),
            "OPTIONS": SQLITE_OPTIONS,
            # Tests use a file too: concurrency tests need real locking, which :memory: lacks.
            # One file per test run, so parallel runs on one machine never share a database.
            "TEST": {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, rate limits, channel layer --------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
# Every key this app writes to Redis starts with it: deployments (or test runs) sharing one Redis
# database keep apart by choosing different prefixes.
REDIS_KEY_PREFIX = env_str("REDIS_KEY_PREFIX", "oda")
if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", REDIS_KEY_PREFIX):
    raise ImproperlyConfigured("REDIS_KEY_PREFIX must be 1-64 letters, digits, hyphens or underscores.")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "kernel.redis_cache.SharedClientRedisCache",  # one connection pool per process
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_KEY_PREFIX,
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": f"{REDIS_KEY_PREFIX}.asgi"},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "oda"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

RATELIMIT_USE_CACHE = "default"
RATELIMIT_IP_META_KEY = "kernel.middleware.client_ip"
# django-ratelimit only lists django-redis and memcached as "supported" (W001), although Django's own
# RedisCache increments atomically too. Without REDIS_URL it also objects that LocMemCache is not
# shared between processes (E003): that is the one-process development default, and the README says
# to set REDIS_URL before running several workers.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"] + ([] if REDIS_URL else ["django_ratelimit.E003"])
# django-oauth-toolkit objects to http redirect URIs (W008): native MCP clients (Claude Code, the MCP
# Inspector) receive their code on http://127.0.0.1:<port>, as RFC 8252 §7.3 prescribes, and client
# registration (oauth.registration) accepts http for loopback hosts only.
SILENCED_SYSTEM_CHECKS += ["oauth2_provider.W008"]

# --- Sessions and sign-in ------------------------------------------------------------------------------
SESSION_COOKIE_AGE = 12 * 60 * 60  # absolute lifetime; SessionLifetimeMiddleware enforces it server-side too
SESSION_IDLE_TIMEOUT = 30 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True  # htmx gets the token from the page (hx-headers), not from the cookie
MAGIC_LINK_TTL = env_int("MAGIC_LINK_TTL", 600)
if not 60 <= MAGIC_LINK_TTL <= 600:
    raise ImproperlyConfigured("MAGIC_LINK_TTL must be between 60 and 600 seconds.")
SIGNUP_OPEN = env_bool("SIGNUP_OPEN", True)
# Rate limits (django-ratelimit syntax, on the shared cache).
RATE_MAGIC_LINK_PER_EMAIL = env_rate("RATE_MAGIC_LINK_PER_EMAIL", "5/15m")
RATE_MAGIC_LINK_PER_IP = env_rate("RATE_MAGIC_LINK_PER_IP", "20/h")
RATE_MAGIC_REDEEM_FAILURES_PER_IP = env_rate("RATE_MAGIC_REDEEM_FAILURES_PER_IP", "20/h")
# Failed password sign-ins (the Django admin), per account from one IP, and per IP across accounts.
RATE_PASSWORD_FAILURES = env_rate("RATE_PASSWORD_FAILURES", "10/h")
RATE_PASSWORD_FAILURES_PER_IP = env_rate("RATE_PASSWORD_FAILURES_PER_IP", "20/h")
RATE_MCP_AUTH_FAILURES_PER_IP = env_rate("RATE_MCP_AUTH_FAILURES_PER_IP", "10/m")
MCP_TOOL_CALLS_PER_MINUTE = env_int("MCP_TOOL_CALLS_PER_MINUTE", 120)
RATE_OAUTH_REGISTER_PER_IP = env_rate("RATE_OAUTH_REGISTER_PER_IP", "10/h")
RATE_OAUTH_AUTHORIZE_PER_IP = env_rate("RATE_OAUTH_AUTHORIZE_PER_IP", "60/m")
RATE_OAUTH_TOKEN_PER_IP = env_rate("RATE_OAUTH_TOKEN_PER_IP", "60/m")

# --- API keys for agents ---------------------------------------------------------------------------------
API_KEY_BCRYPT_ROUNDS = env_int("API_KEY_BCRYPT_ROUNDS", 12)
API_KEY_VERIFY_CACHE_SECONDS = env_int("API_KEY_VERIFY_CACHE_SECONDS", 300)

# --- OrderDesk upstream ------------------------------------------------------------------------------------
ORDERDESK_DEFAULT_BASE_URL = "https://app.orderdesk.me/api/v2"
# Hosts a store's base URL may point at (plus SITE_URL's host for the sandbox): no SSRF into the LAN.
ORDERDESK_ALLOWED_HOSTS = env_list("ORDERDESK_ALLOWED_HOSTS", "app.orderdesk.me")
SANDBOX_BASE_URL = (env_str("SANDBOX_BASE_URL") or f"{SITE_URL}/sandbox/api/v2").rstrip("/")
ORDERDESK_CONNECT_TIMEOUT = 5.0
ORDERDESK_READ_TIMEOUT = 15.0
ORDERDESK_OPERATION_DEADLINE = 30.0
# The most of one answer that is read, once decoded (a gzip bomb stops here, not in memory).
ORDERDESK_MAX_RESPONSE_BYTES = env_int("ORDERDESK_MAX_RESPONSE_BYTES", 5 * 1024 * 1024)
TRACE_BODY_LIMIT = 64 * 1024
TRACE_RETENTION_DAYS = env_int("TRACE_RETENTION_DAYS", 30)

# --- MCP -----------------------------------------------------------------------------------------------
MCP_ALLOWED_ORIGINS = env_list("MCP_ALLOWED_ORIGINS")
MCP_RESPONSE_LIMIT = 100 * 1024

# --- E-mail ------------------------------------------------------------------------------------------
# The environment uses Django's classic names (EMAIL_BACKEND, EMAIL_HOST, …); Django 6.1 configures
# mail through MAILERS, so they are translated here, passing each backend only the options it takes.
# Console mail is the development default only (kernel.mail.ConsoleEmailBackend: Django's console
# backend that keeps long link lines clickable): with DEBUG=false the default is SMTP (Django's own
# default), because `check --deploy` rightly refuses a development backend in production (mail.E001).
_email_backend = env_str(
    "EMAIL_BACKEND",
    "kernel.mail.ConsoleEmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
if _email_backend.endswith("smtp.EmailBackend"):
    _email_options = {
        "host": env_str("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 25),
        "username": env_str("EMAIL_HOST_USER"),
        "password": env_str("EMAIL_HOST_PASSWORD"),
        "use_tls": env_bool("EMAIL_USE_TLS", False),
        "use_ssl": env_bool("EMAIL_USE_SSL", False),
        "timeout": 10,
    }
elif _email_backend.endswith("filebased.EmailBackend"):
    _email_options = {"file_path": env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))}
else:
    _email_options = {}
MAILERS = {"default": {"BACKEND": _email_backend, "OPTIONS": _email_options}}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "OrderDesk Admin <noreply@localhost>")

# Background work goes through django.tasks; the immediate backend runs it in-process.
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}

# --- Static files -----------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = DEBUG  # serve straight from app directories in development
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- OAuth 2.1 for MCP clients (django-oauth-toolkit) -----------------------------------------------
# This app is the authorization server for its own /mcp: authorization code with PKCE S256 only,
# public and confidential clients, refresh tokens rotated on every use (a replayed one revokes its
# family), short access tokens, and tokens kept only as SHA-256 checksums (RFC 9700 token storage).
# The grants an owner chooses on the consent page live on a connected app (api_keys), not in scopes.
# The toolkit's own models (its swappable-model settings, which migrations referring to them need).
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "oauth2_provider.RefreshToken"
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "oauth2_provider.IDToken"
OAUTH2_PROVIDER_GRANT_MODEL = "oauth2_provider.Grant"
OAUTH_RESOURCE = f"{SITE_URL}/mcp"  # RFC 8707/9728: the one audience tokens are issued for
OAUTH2_PROVIDER = {
    "SCOPES": {"read": "Read orders, shipments and inventory", "read_write": "Also change them"},
    "DEFAULT_SCOPES": ["read", "read_write"],  # no scope asked: the owner chooses on the consent page
    "PKCE_REQUIRED": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"],  # http only for loopback (oauth.registration)
    "ALLOW_LOCALHOST_LOOPBACK": True,  # RFC 8252: any port on localhost too, for native clients
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": env_int("OAUTH_ACCESS_TOKEN_SECONDS", 3600),
    "REFRESH_TOKEN_EXPIRE_SECONDS": env_int("OAUTH_REFRESH_TOKEN_SECONDS", 30 * 24 * 3600),
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    "OAUTH2_VALIDATOR_CLASS": "oauth.validator.ConnectedAppValidator",
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": False,  # http is allowed, for loopback only
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
    "OIDC_ISS_ENDPOINT": SITE_URL,  # the issuer is SITE_URL, never the Host header
    # Client ID Metadata Documents: a client may name itself by an https URL publishing its metadata.
    "CIMD_ENABLED": env_bool("OAUTH_CLIENT_METADATA_DOCUMENTS", True),
    "CIMD_METADATA_FETCHER": "oauth.registration.MetadataDocumentFetcher",
}

# --- Internationalisation ---------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- HTTP hardening --------------------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host- cookies are only sent over https, to this exact host, for every path.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Probes often call the app directly over plain http (TLS ends at the proxy): they must get the
    # answer, not a redirect that hides a failing database. Neither page carries anything private.
    # The same holds for a Prometheus scraper calling each worker on the private network; /metrics
    # still demands its bearer token.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    if env_bool("SECURE_PROXY_SSL_HEADER", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Logging ---------------------------------------------------------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
# plain: one readable line per record, for a terminal. json: one JSON object per line with the request
# id, tenant, operation and duration, for a log collector.
LOG_FORMAT = env_str("LOG_FORMAT", "plain").strip().lower()
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be plain or json, not {LOG_FORMAT!r}.")
# The app logs one "request finished" line per HTTP request (kernel.access) and one per operation run
# (operations.calls), with the request id, tenant, operation and duration; uvicorn's access line says
# less and would repeat the first. So json shows the app's lines and plain keeps uvicorn's, the
# familiar development terminal.
_ACCESS_LEVEL = LOG_LEVEL if LOG_FORMAT == "json" else "WARNING"
_UVICORN_ACCESS_LEVEL = "WARNING" if LOG_FORMAT == "json" else LOG_LEVEL
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "refusal_without_traceback": {"()": "kernel.logging.RefusalWithoutTracebackFilter"},
        "log_context": {"()": "kernel.logging.ContextFilter"},
        "redact_secrets": {"()": "kernel.logging.RedactSecretsFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "kernel.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["refusal_without_traceback", "log_context", "redact_secrets"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "kernel.access": {"handlers": ["console"], "level": _ACCESS_LEVEL, "propagate": False},
        "operations.calls": {"handlers": ["console"], "level": _ACCESS_LEVEL, "propagate": False},
        "uvicorn.access": {"handlers": ["console"], "level": _UVICORN_ACCESS_LEVEL, "propagate": False},
        "uvicorn.error": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "httpx": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

# --- Metrics and tracing -----------------------------------------------------------------------------------
# /metrics (Prometheus) answers only a scraper sending `Authorization: Bearer <METRICS_TOKEN>`; without
# a token it is not served at all (404).
METRICS_TOKEN = env_str("METRICS_TOKEN")
# Several worker processes each count their own requests: prometheus_client's multiprocess mode keeps
# every process's counters as files in this directory (emptied before the app starts) and /metrics
# adds them up. prometheus_client reads the variable itself; the view only needs to know it is set.
PROMETHEUS_MULTIPROC_DIR = env_str("PROMETHEUS_MULTIPROC_DIR")
# Spans of operations and OrderDesk calls go to this OTLP/HTTP collector when the optional `otel`
# packages are installed (kernel.telemetry); the exporter reads the OTEL_* variables itself.
OTEL_EXPORTER_OTLP_ENDPOINT = env_str("OTEL_EXPORTER_OTLP_ENDPOINT")
