"""`make up` registers the kit's members itself, once; keys and token stay in 0600 files."""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from sqlalchemy import MetaData, select

from central import keys
from central.settings import CentralSettings
from govkit.db import get_database
from govkit.service import load_definition, prepare
from govkit.web import get_settings


def settings_of(app: Flask) -> CentralSettings:
    with app.app_context():
        settings = get_settings()
    assert isinstance(settings, CentralSettings)
    return settings


def test_the_first_prepare_registers_the_kit_and_says_so(database_url: str, tmp_path: Path) -> None:
    settings = CentralSettings(
        environment="test",
        secret_key="s" * 48,
        database_url=database_url,
        data_dir=tmp_path / "central",
    )
    definition = load_definition("central")
    seeded = prepare(definition, settings).seeded
    assert seeded[0] == "a new global configuration signing key"
    assert seeded[1].startswith("an admin token in ")
    assert seeded[2:] == ("instance JP-KIT", "members GOV/DA, GOV/LG-139998, GOV/MOJ, GOV/JPS")
    files = {p: p.read_bytes() for p in (tmp_path / "central").rglob("*") if p.is_file()}
    assert prepare(definition, settings).seeded == ()
    assert {p: p.read_bytes() for p in (tmp_path / "central").rglob("*") if p.is_file()} == files


def test_preparing_again_adds_nothing_twice(
    app: Flask, report_again: Callable[[Flask], None]
) -> None:
    settings = settings_of(app)
    assert prepare(load_definition("central"), settings).seeded == ()
    report_again(app)
    engine = get_database(app).engine
    tables = MetaData()
    tables.reflect(engine)
    with engine.connect() as connection:
        counts = {
            name: len(connection.execute(select(tables.tables[name])).all())
            for name in ("instance", "member", "subsystem", "security_server", "hosted_client")
        }
    assert counts == {
        "instance": 1,
        "member": 4,
        "subsystem": 5,
        "security_server": 4,
        "hosted_client": 5,
    }


def test_a_revoked_member_is_not_brought_back(app: Flask, admin: object) -> None:
    response = admin.post("/members/GOV/JPS/revoke", {"reason": "test"})  # type: ignore[attr-defined]
    assert response.status_code == 200
    assert prepare(load_definition("central"), settings_of(app)).seeded == ()
    shown = admin.get("/members/GOV/JPS").get_json()  # type: ignore[attr-defined]
    assert shown["revoked_reason"] == "test"


def test_secrets_are_owner_only_files_and_never_in_the_database(app: Flask) -> None:
    settings = settings_of(app)
    key_file = keys.signing_key_path(settings.data_dir)
    token_file = keys.admin_token_path(settings.data_dir)
    for path in (key_file, token_file):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert key_file.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    secrets = [key_file.read_bytes(), token_file.read_text().strip().encode(), b"PRIVATE KEY"]
    engine = get_database(app).engine
    tables = MetaData()
    tables.reflect(engine)
    with engine.connect() as connection:
        for table in tables.tables.values():
            for row in connection.execute(select(table)):
                for value in row:
                    data = value.encode() if isinstance(value, str) else value
                    if isinstance(data, bytes):
                        assert not any(s in data for s in secrets), table.name
