"""What a deployment sets for registry_checks, read from the environment:

    REGISTRY_CHECKS_KEYS     {"<register id>": "<secret>", ...}: the key each register signs its results with;
                             required outside KONTAKT_ENV=development (DEV_KEYS are published in this file)
    REGISTRY_CHECKS_CONFIG   the registers per municipality and the validity per register and role (ChecksConfig)

Both are read on every use (and parsed once per value), so a test may set them; `check_settings` reads both at
the service's start, so that bad configuration stops it there rather than at its first message.
"""
from __future__ import annotations

import json
import logging
import os
from functools import lru_cache

from services.common import config
from services.common.decider import Decider

from .domain import CheckState, make_check_decider
from .registers import REGISTERS, ChecksConfig
from .schemas import parse_config

log = logging.getLogger("kontakt.registry_checks")

# For development and tests only (KONTAKT_ENV=development): a deployment sets REGISTRY_CHECKS_KEYS to
# {"<register id>": "<secret>", ...}, a random secret of at least 32 bytes per register, exchanged with that
# register out of band (docs/register-contract.md). The register simulator signs with the same defaults.
DEV_KEYS: dict[str, str] = {register: f"dev-only-key-{register}-not-for-production" for register in REGISTERS}


def register_keys(text: str | None = None) -> dict[str, bytes]:
    """The key of each register, from REGISTRY_CHECKS_KEYS (JSON); unset means DEV_KEYS under
    KONTAKT_ENV=development and NotConfigured otherwise. A register without a key cannot publish: its results are
    refused as bad_signature."""
    text = os.environ.get("REGISTRY_CHECKS_KEYS") if text is None else text
    if not (text or "").strip() and not config.is_development():
        raise config.NotConfigured("REGISTRY_CHECKS_KEYS is not set: outside KONTAKT_ENV=development registry_checks "
                                   "needs each register's real key (see docs/register-contract.md)")
    return dict(_parse_keys(text or ""))


@lru_cache(maxsize=8)
def _parse_keys(text: str) -> tuple[tuple[str, bytes], ...]:
    if not text.strip():
        return tuple((register, key.encode("utf-8")) for register, key in DEV_KEYS.items())
    try:
        keys = json.loads(text)
    except ValueError:
        raise ValueError("REGISTRY_CHECKS_KEYS is not valid JSON") from None
    if not isinstance(keys, dict) or not all(isinstance(k, str) and isinstance(v, str) and v for k, v in keys.items()):
        raise ValueError('REGISTRY_CHECKS_KEYS must be a JSON object {"<register id>": "<key>"}')
    if unknown := sorted(set(keys) - set(REGISTERS)):
        raise ValueError(f"REGISTRY_CHECKS_KEYS names unknown registers: {', '.join(unknown)}")
    if short := sorted(register for register, key in keys.items() if len(key.encode("utf-8")) < 32):
        log.warning("the signing keys of %s are shorter than 32 bytes", ", ".join(short))
    return tuple((register, key.encode("utf-8")) for register, key in keys.items())


def uses_dev_keys() -> bool:
    return not (os.environ.get("REGISTRY_CHECKS_KEYS") or "").strip()


def checks_config() -> ChecksConfig:
    return parse_config(os.environ.get("REGISTRY_CHECKS_CONFIG", ""))


def check_decider() -> Decider[CheckState]:
    """The check decider for REGISTRY_CHECKS_CONFIG (domain.CHECK when it is unset)."""
    return _decider_for(os.environ.get("REGISTRY_CHECKS_CONFIG", ""))


@lru_cache(maxsize=8)
def _decider_for(config_text: str) -> Decider[CheckState]:
    return make_check_decider(parse_config(config_text))


def check_settings() -> None:
    """Raise (ValueError, or marshmallow's ValidationError) when either setting is bad."""
    register_keys()
    check_decider()
