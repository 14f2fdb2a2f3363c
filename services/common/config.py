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
