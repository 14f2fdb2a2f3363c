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
