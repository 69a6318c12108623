"""ServiceScore settings: one module, every knob from the environment (see .env.example)."""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = Path(environ.Env().str("SERVICESCORE_HOME", default=str(Path.cwd())))

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# Sessions, CSRF tokens and password-reset links are signed with SECRET_KEY: whoever knows it
# can forge a log-in. So a known key is refused unless DEBUG marks a developer's machine.
SECRET_KEY = env.str("SECRET_KEY", default="")
_PLACEHOLDER_SECRET_KEYS = {"change-me", "dev-insecure-change-me-in-production"}
_GENERATE_A_KEY = (
    "Generate one with `python3 -c 'import secrets; print(secrets.token_urlsafe(50))'` and set it "
    "as SECRET_KEY in the environment or in .env (see docs/operations.md)."
)
if not SECRET_KEY or SECRET_KEY in _PLACEHOLDER_SECRET_KEYS:
    if not DEBUG:
        if SECRET_KEY:
            raise ImproperlyConfigured(
                f"SECRET_KEY is the placeholder {SECRET_KEY!r} from .env.example; with DEBUG off "
                f"ServiceScore refuses a key that anyone can read. {_GENERATE_A_KEY}"
            )
        raise ImproperlyConfigured(f"SECRET_KEY is not set and DEBUG is off. {_GENERATE_A_KEY}")
    SECRET_KEY = "django-insecure-servicescore-development-only-key-3b8f1d6e0a9c"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# HTTPS. HTTPS=true (production behind nginx, docs/operations.md) turns on the redirect, a year
# of HSTS and https-only cookies; each can still be set on its own. Off by default because
# `make demo` serves plain http on 127.0.0.1, where secure cookies would never come back.
HTTPS = env.bool("HTTPS", default=False)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=HTTPS)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=HTTPS)
# The preload directive is inert until the domain's owner submits the domain to the browsers'
# list, a decision for the whole registrable domain; so it is off unless asked for.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=HTTPS)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=HTTPS)
SECURE_REFERRER_POLICY = env.str("SECURE_REFERRER_POLICY", default="same-origin")
# Behind a reverse proxy every request comes from the proxy: trust the headers it sets
# (nginx: `proxy_set_header X-Forwarded-Proto $scheme; proxy_set_header X-Real-IP $remote_addr;`)
# for the scheme and for the client address that log-in throttling counts by (core/client_ip.py).
# Never set this when clients reach the server directly: they could send the headers themselves.
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
CLIENT_IP_HEADER = "HTTP_X_REAL_IP" if BEHIND_PROXY else ""

# A session lasts one shift, and on shared workshop PCs and tablets it ends when the browser
# closes, so that the next person does not act as the last. Browsers that restore tabs on
# start-up may keep it; SESSION_COOKIE_AGE still ends it on the server.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=True)
# A password-reset link works this long (seconds) and only once.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3600)
# Reset e-mails one client address may ask for in an hour (counted in the cache).
PASSWORD_RESET_LIMIT_PER_HOUR = env.int("PASSWORD_RESET_LIMIT_PER_HOUR", default=5)

# Content-Security-Policy (django-csp): scripts and styles from our own static files only, so
# injected markup cannot run. Style attributes stay allowed (style-src-attr): ECharts' tooltips
# and Swagger UI write them, and an attribute cannot read the page the way a <style> can.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

VAR_DIR = BASE_DIR / env.str("VAR_DIR", default="var")
VAR_DIR.mkdir(parents=True, exist_ok=True)

DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'servicescore.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while an import or the demo builder writes.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
elif DATABASES["default"]["ENGINE"].endswith("postgresql") and not env.bool("PG_JIT", default=False):
    # PostgreSQL's JIT compiles plans it believes expensive; for a page's queries the
    # compiling (~100 ms) costs more than it saves. KPI batch jobs may turn it on (PG_JIT=true).
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering indexes (INCLUDE) exist on PostgreSQL only; SQLite builds the plain index.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_fsm",
    "axes",
    "csp",
    "ninja",  # serves /api/docs with its bundled Swagger UI files instead of a CDN
    "servicescore.core",
    "servicescore.org",
    "servicescore.customers",
    "servicescore.workorders",
    "servicescore.voice",
    "servicescore.kpi",
    "servicescore.appraisal",
    "servicescore.exchange",
    "servicescore.api",
    "servicescore.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "servicescore.core.middleware.RequestIdMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "servicescore.core.devices.UserDeviceMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "servicescore.api.middleware.ApiRequestLogMiddleware",
]

ROOT_URLCONF = "servicescore.urls"
WSGI_APPLICATION = "servicescore.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "servicescore.core.context_processors.navigation",
            ],
        },
    },
]

AUTH_USER_MODEL = "core.User"
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

# Login throttling (django-axes): lock a user name + address after AXES_FAILURE_LIMIT failures,
# and an address after AXES_IP_FAILURE_LIMIT failures across accounts (0: no address limit),
# for AXES_COOLOFF_HOURS. core/login_throttle.py applies the two limits.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_IP_FAILURE_LIMIT = env.int("AXES_IP_FAILURE_LIMIT", default=30)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "servicescore.core.login_throttle.AddressLimitAxesHandler"
# While locked out, attempts are refused without being recorded: otherwise every new user name
# tried from a locked address would add a row. The lock-out then ends AXES_COOLOFF_HOURS after
# the last failure that counted, not after the last attempt.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "servicescore.core.client_ip.client_ip"
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
# The lock-out page says, in the user's language, how long until the next try.
AXES_LOCKOUT_CALLABLE = "servicescore.core.views.lockout"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
# The company zone that periods (months, quarters) are cut in; see core/periods.py.
COMPANY_TIME_ZONE = env.str("COMPANY_TIME_ZONE", default=TIME_ZONE)
# Public holidays (ISO dates) left out of working-day windows: appraisal confirmation and
# appeal deadlines (core/periods.py add_working_days).
COMPANY_HOLIDAYS = env.list("COMPANY_HOLIDAYS", default=[])

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise serves from here (collectstatic)
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = BASE_DIR / env.str("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# Import limits (exchange/limits.py), for the upload page and the API; the command line is the
# operator's tool and has none. Files above this size are refused (bytes).
IMPORT_MAX_UPLOAD_BYTES = env.int("IMPORT_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)
# An XLSX is a zip: checked before openpyxl opens it. What its parts unpack to in all (real
# sheets compress 10-20 to 1, so a 20 MB workbook unpacks to at most about 250 MB; the first
# sheet is streamed, so this bounds time, not memory).
IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES = env.int("IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES", default=256 * 1024 * 1024)
# Any part openpyxl reads whole into memory (shared strings, styles, workbook, relations):
# about twice this much memory while it is parsed.
IMPORT_XLSX_MAX_PART_BYTES = env.int("IMPORT_XLSX_MAX_PART_BYTES", default=32 * 1024 * 1024)
# Distinct texts in the shared-strings part, which openpyxl holds as one list while the
# sheet is read (about 100 bytes each).
IMPORT_XLSX_MAX_SHARED_STRINGS = env.int("IMPORT_XLSX_MAX_SHARED_STRINGS", default=1_000_000)
# Problems a report lists (the first by row; the total is always given). The command line's
# --max-errors overrides it.
IMPORT_MAX_REPORTED_ERRORS = env.int("IMPORT_MAX_REPORTED_ERRORS", default=200)
# Whether a labour_lines import may give standard hours other than the catalogue's for its
# operation_code (an override, recorded with the file's name as its reason); off, such a
# row is refused and overrides are made on the work order's page, with a reason.
LABOUR_IMPORT_OVERRIDES = env.bool("LABOUR_IMPORT_OVERRIDES", default=False)
# On SQLite one writer locks the whole database, and other requests give up after the 20 s
# "timeout" above. An import holds the lock while it writes: about 4 s for 10,000 work orders
# on a busy 2-core machine, 16-22 s for 50,000. The upload page and the API refuse files of more
# rows on SQLite (the command line does not); PostgreSQL locks rows and has no such limit.
SQLITE_IMPORT_MAX_ROWS = env.int("SQLITE_IMPORT_MAX_ROWS", default=10_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Customer-voice settings used by the KPI engine.
COMEBACK_WINDOW_DAYS = env.int("COMEBACK_WINDOW_DAYS", default=30)
# Recompute indicator results when the records behind them change (a Celery task; inline
# at commit when there is no broker). Tests switch it off except where they test it.
KPI_AUTO_RECOMPUTE = env.bool("KPI_AUTO_RECOMPUTE", default=True)
# Record where signed-in users work from (core/devices.py), for the survey fraud checks.
RECORD_USER_DEVICES = env.bool("RECORD_USER_DEVICES", default=True)
# On PostgreSQL a recompute reads what it does not change on a second connection while
# its own writes (core/second_connection.py): one more connection per running recompute.
KPI_SECOND_CONNECTION = env.bool("KPI_SECOND_CONNECTION", default=True)
# Rate limits (the API's per token and per session, password resets per address; core/rate_limits.py)
# are counted in the cache: set CACHE_URL (e.g. redis://127.0.0.1:6379/1) when several server
# processes share the limits.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
# Requests a minute per API token (unless the token sets its own) and per user's browser session.
API_RATE_LIMIT_PER_MINUTE = env.int("API_RATE_LIMIT_PER_MINUTE", default=600)
# Rejected API calls (401, 429) logged per client address a minute; the rest are counted only.
API_REJECTED_LOG_PER_MINUTE = env.int("API_REJECTED_LOG_PER_MINUTE", default=20)

# Work-order photos (check-in, notes): larger uploads are refused with a message.
PHOTO_MAX_BYTES = env.int("PHOTO_MAX_BYTES", default=10 * 1024 * 1024)
# Uploaded images with more pixels are refused from their header, before any decoding
# (a decompression bomb claims billions); re-encoding a 40-megapixel photo takes ~120 MB.
UPLOAD_MAX_PIXELS = env.int("UPLOAD_MAX_PIXELS", default=40_000_000)

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if CELERY_TASK_ALWAYS_EAGER:
    # Eager tasks still take a producer from the broker pool; kombu's in-memory transport
    # gives one without warning "No hostname was supplied" on every inline task.
    CELERY_BROKER_URL = "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
# Beat's crontab hours (the nightly recompute) are company time, as the months are.
CELERY_TIMEZONE = COMPANY_TIME_ZONE

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="servicescore@localhost")

# Notifications (core/notify/, docs/operations.md "Notifications"): seconds to wait before
# each retry of a failed e-mail or robot message (three retries: 1, 5 and 30 minutes; then
# it is given up and logged), the time an SMTP server or a robot webhook may take to answer,
# the site's address for links in e-mails and robot messages, and whether a robot webhook may
# be plain http on this machine (127.0.0.1, localhost: tests, a local relay).
NOTIFY_RETRY_DELAYS = env.list("NOTIFY_RETRY_DELAYS", cast=int, default=[60, 300, 1800])
NOTIFY_TIMEOUT_SECONDS = env.float("NOTIFY_TIMEOUT_SECONDS", default=10.0)
NOTIFY_SITE_URL = env.str("NOTIFY_SITE_URL", default="")
NOTIFY_ALLOW_HTTP_LOOPBACK = env.bool("NOTIFY_ALLOW_HTTP_LOOPBACK", default=DEBUG)
# Text messages to customers (survey invitations): the dotted path of a class with
# send(phone, text) (core/notify/sms.py). The default only logs each message.
SMS_GATEWAY = env.str("SMS_GATEWAY", default="servicescore.core.notify.sms.LoggingSmsGateway")
# `celery -A servicescore beat` hands due retries to the workers every minute; without a
# broker run `servicescore retry_due_deliveries` from cron instead.
# The months whose records may still change ("open"): the running month and the ones before
# it, while late records still arrive (work orders closed late, surveys answered weeks later).
# The nightly run recomputes them in full (kpi/services/jobs.py), at this local time
# (HH:MM, COMPANY_TIME_ZONE); between nights the queue of records changed is drained every
# few minutes (and, without a broker, at once when the change commits).
KPI_OPEN_MONTHS = env.int("KPI_OPEN_MONTHS", default=2)
KPI_NIGHTLY_RECOMPUTE_AT = env.str("KPI_NIGHTLY_RECOMPUTE_AT", default="02:30")
KPI_RECOMPUTE_QUEUE_MINUTES = env.int("KPI_RECOMPUTE_QUEUE_MINUTES", default=5)
# A recompute job queued or running longer than this is taken as lost (its worker stopped)
# and marked failed when the next one starts, so "one at a time" never blocks for good.
KPI_RECOMPUTE_JOB_TIMEOUT_MINUTES = env.int("KPI_RECOMPUTE_JOB_TIMEOUT_MINUTES", default=120)
try:
    _nightly_hour, _nightly_minute = (int(part) for part in KPI_NIGHTLY_RECOMPUTE_AT.split(":"))
    if not (0 <= _nightly_hour < 24 and 0 <= _nightly_minute < 60):
        raise ValueError
except ValueError:
    raise ImproperlyConfigured(
        f"KPI_NIGHTLY_RECOMPUTE_AT is {KPI_NIGHTLY_RECOMPUTE_AT!r}: write a local time as HH:MM, e.g. 02:30."
    ) from None
for _name in ("KPI_OPEN_MONTHS", "KPI_RECOMPUTE_QUEUE_MINUTES"):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} is {globals()[_name]}: it must be at least 1.")

CELERY_BEAT_SCHEDULE = {
    "retry-due-deliveries": {"task": "core.retry_due_deliveries", "schedule": 60.0},
    # `servicescore kpi recompute-open` from cron does the same without a broker.
    "kpi-recompute-open-months": {
        "task": "kpi.recompute_open_months",
        "schedule": crontab(hour=_nightly_hour, minute=_nightly_minute),
    },
    "kpi-process-recompute-requests": {
        "task": "kpi.process_recompute_requests",
        "schedule": KPI_RECOMPUTE_QUEUE_MINUTES * 60.0,
    },
    # Background exports are kept a day (core/export_jobs.py); each new export also purges.
    "core-purge-old-exports": {"task": "core.purge_old_exports", "schedule": 3600.0},
    # Survey invitations due, reminders and expiry (voice/services/invitations.py);
    # `servicescore send_survey_invitations` from cron does the same without a broker.
    "voice-send-survey-invitations": {"task": "voice.send_survey_invitations", "schedule": 300.0},
    # Complaints past their deadline, one escalation level at a time (voice/services/complaints.py).
    "voice-escalate-overdue-complaints": {"task": "voice.escalate_overdue_complaints", "schedule": 600.0},
    # Appraisal cycles' due and late reminders (appraisal/services/cycle_notices.py);
    # `servicescore cycle_reminders` from cron does the same without a broker.
    "appraisal-send-cycle-reminders": {"task": "appraisal.send_cycle_reminders", "schedule": 3600.0},
    # Results past their window to confirm or appeal become final; appeals past their
    # deadline are escalated once (appraisal/services/appeals.py).
    "appraisal-finalise-due-evaluations": {"task": "appraisal.finalise_due_evaluations", "schedule": 3600.0},
    "appraisal-escalate-overdue-appeals": {"task": "appraisal.escalate_overdue_appeals", "schedule": 3600.0},
    # 360° feedback answered in full or past its deadline goes on to calibration.
    "appraisal-close-due-feedback": {"task": "appraisal.close_due_feedback", "schedule": 3600.0},
    # The overview's stored figures of this month and the last (voice/services/overview_summary.py);
    # `servicescore voice_summary` from cron does the same without a broker.
    "voice-build-voice-months": {"task": "voice.build_voice_months", "schedule": 3600.0},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}
