"""The gateway's database role comes from configuration; only a development machine has a default."""
import pytest

from gateway.database import DEVELOPMENT_USER, writer_credentials, writer_url


def test_outside_development_a_missing_role_stops_the_process_naming_the_variable(monkeypatch):
    monkeypatch.delenv("KONTAKT_ENV", raising=False)
    monkeypatch.delenv("GATEWAY_DB_USER", raising=False)
    monkeypatch.setenv("GATEWAY_DB_PASSWORD", "s3cret")
    with pytest.raises(RuntimeError, match="GATEWAY_DB_USER"):
        writer_credentials()
    monkeypatch.setenv("GATEWAY_DB_USER", "kontakt_audit_writer")
    monkeypatch.delenv("GATEWAY_DB_PASSWORD")
    with pytest.raises(RuntimeError, match="GATEWAY_DB_PASSWORD"):
        writer_credentials()


def test_in_development_the_default_role_is_used(monkeypatch):
    monkeypatch.setenv("KONTAKT_ENV", "development")
    monkeypatch.delenv("GATEWAY_DB_USER", raising=False)
    monkeypatch.delenv("GATEWAY_DB_PASSWORD", raising=False)
    assert writer_credentials()[0] == DEVELOPMENT_USER


def test_the_gateway_connects_to_the_owners_database_as_the_writer(monkeypatch):
    monkeypatch.setenv("GATEWAY_DATABASE_URL", "postgresql://owner:ownerpw@db.example:5432/kontakt_gateway")
    monkeypatch.setenv("GATEWAY_DB_USER", "writer")
    monkeypatch.setenv("GATEWAY_DB_PASSWORD", "p@ss:word")
    assert writer_url() == "postgresql://writer:p%40ss%3Aword@db.example:5432/kontakt_gateway"
