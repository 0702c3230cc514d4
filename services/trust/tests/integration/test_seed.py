"""Seeding the PKI: once only, and with every private key in a 0600 file, never in the database."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask
from sqlalchemy import MetaData, select

from govkit.certificates.keys import load_pem_chain, load_private_key
from govkit.db import get_database
from govkit.service import load_definition, prepare
from govkit.testing.plugin import ServiceAppFactory
from govkit.web import get_settings
from trust import pki
from trust.settings import TrustSettings

TOKEN = "r" * 40
KEY_NAMES = {*(a.value for a in pki.Authority), pki.Profile.TSA.value, pki.Profile.TRUST_LIST.value}


@pytest.fixture
def app(service_app: ServiceAppFactory) -> Flask:
    return service_app("trust", trust_ra_token=TOKEN)


def settings_of(app: Flask) -> TrustSettings:
    with app.app_context():
        settings = get_settings()
    assert isinstance(settings, TrustSettings)
    return settings


def published(app: Flask) -> dict[str, bytes]:
    """Every certificate the service publishes: the authorities and the TSA."""
    client = app.test_client()
    certificates = {name: client.get(f"/pki/{name}.crt").data for name in pki.Authority}
    certificates["tsa"] = client.get("/pki/tsa.pem").data
    return certificates


def test_preparing_again_keeps_the_same_pki(app: Flask) -> None:
    """The seed runs once: preparing an already seeded service reports nothing seeded and keeps
    the root, the CAs, the TSA and the keys it made the first time."""
    before = published(app)
    settings = settings_of(app)
    keys = {path.name: path.read_bytes() for path in (settings.data_dir / "keys").iterdir()}

    report = prepare(load_definition("trust"), settings)

    assert report.seeded == ()
    assert published(app) == before
    assert {path.name: path.read_bytes() for path in (settings.data_dir / "keys").iterdir()} == (
        keys
    )
    with app.app_context():
        tables = MetaData()
        tables.reflect(get_database().engine, only=["certificate"])
        with get_database().engine.connect() as connection:
            profiles = connection.execute(select(tables.tables["certificate"].c.profile)).all()
    assert sorted(p for (p,) in profiles) == ["trust-list", "tsa"]  # not issued twice


def test_only_the_first_prepare_creates_a_pki(database_url: str, tmp_path: Path) -> None:
    """On an empty database the seed makes a PKI and says so; the next prepare makes nothing."""
    settings = TrustSettings(
        environment="test",
        secret_key="s" * 48,
        trust_ra_token=TOKEN,
        database_url=database_url,
        data_dir=tmp_path / "fresh",
    )
    definition = load_definition("trust")
    assert prepare(definition, settings).seeded == (
        "a new test PKI (root, seal, security server, JPKI, TSA)",
    )
    keys = {path.name: path.read_bytes() for path in (tmp_path / "fresh" / "keys").iterdir()}
    assert set(keys) == {f"{name}.pem" for name in KEY_NAMES}
    assert prepare(definition, settings).seeded == ()
    assert {p.name: p.read_bytes() for p in (tmp_path / "fresh" / "keys").iterdir()} == keys


def test_keys_are_0600_files_under_the_data_folder(app: Flask) -> None:
    """One PKCS#8 PEM file per key under <data_dir>/keys, readable by the owner only, each the
    private half of its published certificate."""
    folder = settings_of(app).data_dir / "keys"
    files = {path.stem: path for path in folder.iterdir()}
    assert set(files) == KEY_NAMES
    certificates = {
        name: x509.load_der_x509_certificate(der)
        for name, der in published(app).items()
        if name != "tsa"
    }
    [certificates["tsa"]] = load_pem_chain(published(app)["tsa"])
    for name, path in files.items():
        assert path.suffix == ".pem"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, name
        assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
        key = load_private_key(path)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        if name in certificates:
            assert certificates[name].public_key() == key.public_key(), name


def private_key_material(folder: Path) -> list[bytes]:
    """Every form a private key could take in a database cell: PEM, DER, the raw scalar."""
    forms: list[bytes] = [b"PRIVATE KEY"]
    for path in folder.iterdir():
        key = load_private_key(path)
        forms.append(path.read_bytes())
        forms.append(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        forms.append(key.private_numbers().private_value.to_bytes(32, "big"))
    return forms


def test_no_private_key_is_in_the_database(app: Flask) -> None:
    """No cell of any table holds a private key in any form; the authority rows only name their
    key file."""
    folder = settings_of(app).data_dir / "keys"
    forms = private_key_material(folder)
    engine = get_database(app).engine
    tables = MetaData()
    tables.reflect(engine)
    assert {"authority", "certificate"} <= set(tables.tables)
    cells = 0
    with engine.connect() as connection:
        for table in tables.tables.values():
            for row in connection.execute(select(table)):
                for value in row:
                    cells += 1
                    data = value.encode() if isinstance(value, str) else value
                    if isinstance(data, bytes | memoryview):
                        data = bytes(data)
                        assert not any(form in data for form in forms), (table.name, row)
        authorities = connection.execute(
            select(tables.tables["authority"].c.name, tables.tables["authority"].c.key_file)
        ).all()
    assert cells > 0
    assert sorted(authorities) == sorted((a.value, f"{a.value}.pem") for a in pki.Authority)
