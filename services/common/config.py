"""Configuration from the environment, with defaults that work on a developer's machine."""
import os

DEFAULT_AMQP_URI = "amqp://guest:guest@localhost:5672/"
DEFAULT_DATABASE_URL_TEMPLATE = "postgresql://postgres@localhost:5432/kontakt_{service}"


def amqp_uri() -> str:
    return os.environ.get("AMQP_URI", DEFAULT_AMQP_URI)


def database_url(service: str) -> str:
    """`<SERVICE>_DATABASE_URL` wins; otherwise KONTAKT_DATABASE_URL_TEMPLATE with {service} filled in."""
    explicit = os.environ.get(f"{service.upper()}_DATABASE_URL")
    if explicit:
        return explicit
    return os.environ.get("KONTAKT_DATABASE_URL_TEMPLATE", DEFAULT_DATABASE_URL_TEMPLATE).format(service=service)


def env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


# --- timeouts, in seconds (docs/kernel.md, "Timeouts": what waits for what, and why in this order) -----------------

def db_connect_timeout() -> float:
    """How long opening a database connection may take (libpq counts whole seconds, at least 2)."""
    return env_float("KONTAKT_DB_CONNECT_TIMEOUT", 3.0)


def db_statement_timeout() -> float:
    """How long one SQL statement may run before PostgreSQL cancels it (0: no limit)."""
    return env_float("KONTAKT_DB_STATEMENT_TIMEOUT", 5.0)


def db_pool_timeout() -> float:
    """How long a request waits for a pooled connection; with the database gone, how long until it fails."""
    return env_float("KONTAKT_DB_POOL_TIMEOUT", 3.0)


def rpc_timeout() -> float:
    """How long the gateway waits for a service's answer: longer than a service waits for its database, so that
    a service whose database is gone still answers (503) before the gateway gives up on it."""
    return env_float("GATEWAY_RPC_TIMEOUT", 4.0)


def retry_after() -> int:
    """The Retry-After of a 503: when a client may try again."""
    return env_int("GATEWAY_RETRY_AFTER", 5)


# --- secrets: fail closed outside development (docs/security.md) ---------------------------------------------

DEVELOPMENT, PRODUCTION = "development", "production"
MIN_SECRET_BYTES = 32


class NotConfigured(RuntimeError):
    """A process was started without a key or setting it needs. The text names the variable, never a value."""


def mode() -> str:
    """"development" only when KONTAKT_ENV says so; anything else, unset included, is production: a deployment
    that forgets the variable gets no development key."""
    return DEVELOPMENT if os.environ.get("KONTAKT_ENV", "").strip() == DEVELOPMENT else PRODUCTION


def is_development() -> bool:
    return mode() == DEVELOPMENT


def require_secret(name: str, development_default: str | None = None, min_bytes: int = MIN_SECRET_BYTES) -> str:
    """The secret in `name`. Unset, it is `development_default` under KONTAKT_ENV=development and NotConfigured
    otherwise; set but shorter than `min_bytes`, NotConfigured in production (a guessable key is no key)."""
    value = os.environ.get(name, "").strip()
    if not value:
        if development_default is not None and is_development():
            return development_default
        raise NotConfigured(f"{name} is not set: outside KONTAKT_ENV=development this process needs its real key "
                            f"(see docs/security.md)")
    if len(value.encode("utf-8")) < min_bytes and not is_development():
        raise NotConfigured(f"{name} is shorter than {min_bytes} bytes: use a random key (see docs/security.md)")
    return value


def require_setting(name: str, development_default: str) -> str:
    """A setting that is not secret but that production must state (a token issuer, an audience)."""
    value = os.environ.get(name, "").strip()
    if value:
        return value
    if is_development():
        return development_default
    raise NotConfigured(f"{name} is not set: outside KONTAKT_ENV=development it must be configured "
                        f"(see docs/security.md)")
