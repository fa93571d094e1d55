"""Settings for Open Policing: one module, every deployment difference read from the environment.

Laptop defaults (SQLite, local-memory cache, DEBUG on) need no configuration. Production sets
DEBUG=false and must provide SECRET_KEY and ALLOWED_HOSTS, or the process refuses to start.
"""

import os
import sys
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

TESTING = "pytest" in sys.modules or (len(sys.argv) > 1 and sys.argv[1] == "test")

DEBUG = env.bool("DEBUG", default=True)

# The laptop key is public on purpose: it only ever signs a local demo. Production refuses it.
DEV_SECRET_KEY = "dev-only-insecure-key-0penpolicing-never-use-in-production-7c1f"  # noqa: S105 - public on purpose, refused when DEBUG is off


def _raw_env(name: str, default: str = "") -> str:
    # Secrets are read without django-environ's "$VAR" proxy expansion: a random key may begin
    # with "$", and must be taken literally (SECURITY.md 2).
    return os.environ.get(name, default)


SECRET_KEY = _raw_env("SECRET_KEY") or (DEV_SECRET_KEY if DEBUG else "")
if not DEBUG and (len(SECRET_KEY) < 50 or SECRET_KEY == DEV_SECRET_KEY):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a long random value (50+ characters) when DEBUG is off."
    )

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "agencies.site_views.csrf_failure"  # friendly, translated 403

# Number of reverse proxies in front of gunicorn whose X-Forwarded-For entries we trust.
# 0 means the client address is REMOTE_ADDR and any X-Forwarded-For header is ignored.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Unset on a laptop: cards follow the address the server is reached at, in DEBUG only
# (agencies/siteurl.py); production prints exactly this.
SITE_URL = env.str("SITE_URL", default="")

INSTALLED_APPS = [
    "agencies.admin_apps.StaffAdminConfig",  # django.contrib.admin with the staff site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "csp",
    "django_recaptcha",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "agencies",
    "surveys",
    "feedback",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads the input: 400 for NUL bytes and huge numbers, 503 for a cache outage.
    "agencies.hostile_input.HostileInputMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Demo logins' guard, required two-step sign-in for agency admins, known-device cookie.
    "agencies.staff_login.StaffAccountMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # turns a lockout into the friendly 429 page
    # Last, so it sees a view's database error first: 503 page instead of a 500 (SECURITY.md 25).
    "openpolicing.availability.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "openpolicing.urls"
WSGI_APPLICATION = "openpolicing.wsgi.application"

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
                "agencies.context_processors.site",
            ],
        },
    },
]

# --- Data stores -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Persistent connections, checked before reuse so a restarted PostgreSQL is noticed at once.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # One test database per checkout, so parallel work trees (and CI) on one server never collide.
    _checkout = "".join(c if c.isalnum() else "_" for c in BASE_DIR.name.lower())
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{_checkout}"[:63]}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://openpolicing")}
if CACHES["default"]["BACKEND"].endswith("RedisCache"):
    # Django's built-in Redis backend; short timeouts so a Redis outage degrades instead of hanging.
    CACHES["default"]["BACKEND"] = "django.core.cache.backends.redis.RedisCache"
    CACHES["default"].setdefault("OPTIONS", {})
    CACHES["default"]["OPTIONS"].update({"socket_connect_timeout": 1, "socket_timeout": 1})
    CACHES["default"]["OPTIONS"].pop("CLIENT_CLASS", None)
    CACHES["default"]["KEY_PREFIX"] = env.str("CACHE_KEY_PREFIX", default="op")
    if TESTING:
        # Test runs of different checkouts share one Redis: keep their keys apart.
        CACHES["default"]["KEY_PREFIX"] += "-test-" + BASE_DIR.name.lower()
# The survey's empty-form markup ({% cache %} in templates/feedback/survey.html): the same for every
# code, so each worker keeps its own copy; nothing personal is ever in it.
CACHES["template_fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "template-fragments",
    "OPTIONS": {"MAX_ENTRIES": 100},
}

# Sessions exist only for staff who log in to the admin; anonymous visitors never get one.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 60 * 60 * 8

# --- Auth --------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
# Axes first (it refuses locked-out logins), then the per-username back-off, then passwords, then
# agency roles (agencies/roles.py).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesBackend",  # first: force_login() and sessions name the first backend
    # Refuses a username in back-off before any password is checked (agencies/staff_login.py).
    "agencies.staff_login.UsernameBackoffBackend",
    "django.contrib.auth.backends.ModelBackend",
    "agencies.roles.RoleBackend",
]
# Staff login lockout (SECURITY.md 13): counted per username AND client address together, so a
# guessing attacker locks out one account from one address, never every staff member behind one
# proxy or office NAT. The address comes from the same trusted-proxy rule as everything else.
# Off by default under pytest only: Django's test Client.login() passes no request, which axes
# needs; the lockout tests switch it on with override_settings.
AXES_ENABLED = env.bool("AXES_ENABLED", default=not TESTING)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "agencies.staff_login.lockout_response"
# Sign-in records keep a daily pseudonym of the address (the public rate limits' HMAC) and no
# user agent; usernames are cut to the longest that can exist (SECURITY.md 33).
AXES_CLIENT_IP_CALLABLE = "agencies.clientkey.address_pseudonym"
AXES_USERNAME_CALLABLE = "agencies.staff_login.axes_username"
AXES_HANDLER = "agencies.staff_login.PrivateAxesHandler"
AXES_VERBOSE = False
# Per-username back-off, whatever the address (SECURITY.md 31; trade-off in agencies/staff_login.py):
# this many failures are free, then waits of 30 s doubling up to the maximum.
STAFF_LOGIN_FREE_FAILURES = env.int("STAFF_LOGIN_FREE_FAILURES", default=10)
STAFF_LOGIN_BACKOFF_MAX_SECONDS = env.int("STAFF_LOGIN_BACKOFF_MAX_SECONDS", default=900)
# Two-step sign-in is offered to every staff member at sign-in; agency admins must turn it on
# before they can work when this is on (the default in production).
STAFF_TOTP_REQUIRED_FOR_ADMINS = env.bool("STAFF_TOTP_REQUIRED_FOR_ADMINS", default=not DEBUG)
# The admin never shows a device's secret or QR code again after enrolment (and django-otp's
# config view would answer 500 to an unknown id).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# The TOTP issuer shown in authenticator apps.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Open Policing")

# --- Internationalisation ----------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FIXTURE_DIRS = [BASE_DIR / "fixtures"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Security ----------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if not DEBUG and TRUSTED_PROXY_COUNT:
    # TLS ends at the proxy; only trust its header when we were told a proxy exists.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Django's check security.W021 (HSTS preload) is silenced on purpose: preloading is an
# irreversible, per-domain operator decision, enabled with SECURE_HSTS_PRELOAD=true.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200

CAPTCHA_BACKEND = env.str("CAPTCHA_BACKEND", default="altcha")  # altcha | recaptcha | none
RECAPTCHA_VERSION = env.str("RECAPTCHA_VERSION", default="v2")  # v2 (checkbox) | v3 (score)
RECAPTCHA_MIN_SCORE = env.float("RECAPTCHA_MIN_SCORE", default=0.5)
RECAPTCHA_PUBLIC_KEY = _raw_env("RECAPTCHA_PUBLIC_KEY")
RECAPTCHA_PRIVATE_KEY = _raw_env("RECAPTCHA_PRIVATE_KEY")
if not (RECAPTCHA_PUBLIC_KEY and RECAPTCHA_PRIVATE_KEY):
    if not DEBUG and CAPTCHA_BACKEND == "recaptcha":
        raise ImproperlyConfigured(
            "Set RECAPTCHA_PUBLIC_KEY and RECAPTCHA_PRIVATE_KEY, or CAPTCHA_BACKEND=altcha/none."
        )
    # Google's published test keys: always pass, only ever used with DEBUG on.
    RECAPTCHA_PUBLIC_KEY = "6LeIxAcTAAAAAJcZVRqyHh71UMIEGNQ_MXjiZKhI"
    RECAPTCHA_PRIVATE_KEY = "6LeIxAcTAAAAAGG-vFI1TnRWxMZNFuojJ4WifJWe"
    SILENCED_SYSTEM_CHECKS.append("django_recaptcha.recaptcha_test_key_error")
RECAPTCHA_DOMAIN = env.str("RECAPTCHA_DOMAIN", default="www.google.com")

_captcha_hosts = ["https://www.google.com", "https://www.gstatic.com", "https://www.recaptcha.net"]
_use_google = CAPTCHA_BACKEND == "recaptcha"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE] + (_captcha_hosts if _use_google else []),
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF] + (_captcha_hosts if _use_google else []),
        "frame-src": _captcha_hosts if _use_google else [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

# --- Product settings ---------------------------------------------------------------------------
# k of the k-rule (PRIVACY.md): no figure is shown that rests on fewer responses.
MIN_PUBLIC_RESPONSES = env.int("MIN_PUBLIC_RESPONSES", default=10)
# Key for the HMAC digests of feedback codes. Changing it invalidates every unredeemed code.
FEEDBACK_CODE_KEY = (_raw_env("FEEDBACK_CODE_KEY") or f"codes:{SECRET_KEY}").encode()
FEEDBACK_CODE_DAYS = env.int("FEEDBACK_CODE_DAYS", default=60)
# "hosted": run by a party other than the agencies; "self-hosted": run by the agency itself.
OPERATOR_MODE = env.str("OPERATOR_MODE", default="hosted")
OPERATOR_NAME = env.str("OPERATOR_NAME", default="Open Policing")
DEMO_ENABLED = env.bool("DEMO_ENABLED", default=True)
DEMO_STAFF_USERNAME = env.str("DEMO_STAFF_USERNAME", default="trustville-moderator")
DEMO_STAFF_PASSWORD = _raw_env("DEMO_STAFF_PASSWORD", "trustville-demo-2026")
# A second public demo login with the analyst role, so an evaluator can see staff results.
DEMO_ANALYST_USERNAME = env.str("DEMO_ANALYST_USERNAME", default="trustville-analyst")
DEMO_ANALYST_PASSWORD = _raw_env("DEMO_ANALYST_PASSWORD", "trustville-data-2026")
RETENTION_DAYS = env.int("RETENTION_DAYS", default=180)

# Anonymous feedback flow: rate limits (django-ratelimit syntax, counted on the shared cache),
# the minimum seconds between showing the survey and accepting it, and the ALTCHA work factor.
FEEDBACK_RATE_CLIENT = env.str("FEEDBACK_RATE_CLIENT", default="30/h")
FEEDBACK_RATE_CODE = env.str("FEEDBACK_RATE_CODE", default="20/h")
FEEDBACK_RATE_AGENCY = env.str("FEEDBACK_RATE_AGENCY", default="600/h")
FEEDBACK_MIN_SECONDS = env.int("FEEDBACK_MIN_SECONDS", default=3)
# Forms sent without ALTCHA's proof of work (no JavaScript): longer on the page, tighter limits.
FEEDBACK_MIN_SECONDS_UNPROVEN = env.int("FEEDBACK_MIN_SECONDS_UNPROVEN", default=20)
FEEDBACK_RATE_UNPROVEN_CLIENT = env.str("FEEDBACK_RATE_UNPROVEN_CLIENT", default="5/h")
FEEDBACK_RATE_UNPROVEN_AGENCY = env.str("FEEDBACK_RATE_UNPROVEN_AGENCY", default="120/h")
ALTCHA_MAX_NUMBER = env.int("ALTCHA_MAX_NUMBER", default=50000)

# --- E-mail ------------------------------------------------------------------------------------
EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
globals().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Open Policing <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ADMINS = [("Operators", a) for a in env.list("ADMIN_EMAILS", default=[])]

# --- Logging -----------------------------------------------------------------------------------
# Plain lines on stdout. Request logs never carry client addresses, user agents or query strings;
# the feedback app adds a filter that masks codes in paths.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)s %(name)s %(message)s"}},
    "filters": {"mask_codes": {"()": "feedback.logfilters.MaskCodesFilter"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["mask_codes"],
        }
    },
    "root": {"handlers": ["stdout"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # django.request/server log the path; its full request object goes only to mail_admins,
        # which we do not configure, so addresses never reach a log sink.
        "django.server": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        # Replaces Django's default "console" (DEBUG) and "mail_admins" handlers: both would
        # bypass the code mask, and error e-mails would carry the client address and user agent.
        "django": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
    },
}
