"""The signing keys' schedule: rotation when the current key has signed for
``IDP_KEY_ROTATION_INTERVAL``, retirement after ``IDP_KEY_RETIREMENT_GRACE``, the token
endpoint's housekeeping doing it by itself, and ``kit rotate-keys`` for an operator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner
from joserfc import jwt
from sqlmodel import select

from govkit.cli import main as kit
from govkit.db import get_database
from idp import keys
from idp.models import SigningKey
from idp.service import definition
from idp.web import protocol

REPOSITORY = Path(__file__).resolve().parents[4]


def _signing(provider) -> dict[str, SigningKey]:
    """status → RS256 key row (current and next)."""
    with get_database(provider.app).session() as session:
        rows = session.exec(select(SigningKey).where(SigningKey.alg == "RS256")).all()
        for row in rows:
            session.expunge(row)
    return {row.status: row for row in rows if row.status in ("current", "next")}


def _age_keys(provider, by: timedelta) -> None:
    """Pretend every key was made (and the current ones started signing) ``by`` earlier."""
    with get_database(provider.app).transaction() as session:
        for row in session.exec(select(SigningKey)).all():
            row.created_at -= by
            if row.activated_at is not None:
                row.activated_at -= by
            session.add(row)


def _settings(provider):
    return provider.app.extensions["govkit.settings"]


def test_the_schedule_leaves_a_key_younger_than_the_interval_alone(provider) -> None:
    before = _signing(provider)
    _age_keys(provider, timedelta(days=1))  # the next key is long published, but not due
    lines = keys.rotate_on_schedule(
        get_database(provider.app), _settings(provider), datetime.now(UTC)
    )
    assert lines == []
    assert {s: r.kid for s, r in _signing(provider).items()} == {
        s: r.kid for s, r in before.items()
    }


def test_the_schedule_promotes_the_next_key_once_the_current_one_is_due(provider) -> None:
    settings = _settings(provider)
    before = _signing(provider)
    _age_keys(provider, timedelta(seconds=settings.key_rotation_interval + 60))
    lines = keys.rotate_on_schedule(get_database(provider.app), settings, datetime.now(UTC))
    after = _signing(provider)
    assert after["current"].kid == before["next"].kid
    assert after["next"].kid not in {before["current"].kid, before["next"].kid}
    assert f"signing key {before['next'].kid} now signs" in lines
    assert any(before["current"].kid in line and "retired" in line for line in lines)


def test_a_retired_key_leaves_the_jwks_once_its_tokens_have_expired(provider) -> None:
    settings = _settings(provider)
    before = _signing(provider)
    database = get_database(provider.app)
    _age_keys(provider, timedelta(seconds=settings.key_rotation_interval + 60))
    keys.rotate_on_schedule(database, settings, datetime.now(UTC))
    store = provider.app.extensions["idp.provider"].keys
    store.invalidate()
    assert before["current"].kid in {key.kid for key in provider.jwks()}, "kept while in grace"

    later = datetime.now(UTC) + timedelta(seconds=settings.key_retirement_grace + 1)
    lines = keys.rotate_on_schedule(database, settings, later)
    assert f"signing key {before['current'].kid} dropped from the JWKS" in lines
    store.invalidate()
    published = {key.kid for key in provider.jwks()}
    assert before["current"].kid not in published
    assert before["next"].kid in published


def test_the_token_endpoints_housekeeping_rotates_a_due_key(provider, monkeypatch) -> None:
    settings = _settings(provider)
    before = _signing(provider)
    _age_keys(provider, timedelta(seconds=settings.key_rotation_interval + 60))
    monkeypatch.setattr(protocol, "HOUSEKEEPING_EVERY", 1)  # every request runs it
    rp = provider.register()
    verifier, challenge = provider.pkce()
    answer = provider.redeem(rp, provider.mint_code(rp, challenge), verifier)
    assert answer.status_code == 200
    assert _signing(provider)["current"].kid == before["next"].kid

    # The worker dropped its cached keys: the next token is signed with the new key.
    verifier, challenge = provider.pkce()
    answer = provider.redeem(rp, provider.mint_code(rp, challenge), verifier)
    header = jwt.decode(answer.get_json()["id_token"], provider.jwks()).header
    assert header["kid"] == before["next"].kid


def test_an_operator_rotation_promotes_published_keys_and_says_what_waits(provider) -> None:
    settings = _settings(provider)
    database = get_database(provider.app)
    before = _signing(provider)
    lines = definition.rotate_keys(settings, database)
    assert len([line for line in lines if "published for less than" in line]) == 2
    assert _signing(provider)["current"].kid == before["current"].kid

    _age_keys(provider, keys.PUBLISH_LEAD + timedelta(seconds=1))
    lines = definition.rotate_keys(settings, database)
    assert f"signing key {before['next'].kid} now signs" in lines
    assert _signing(provider)["current"].kid == before["next"].kid


def test_kit_rotate_keys_refuses_a_service_that_signs_no_tokens(tmp_path: Path) -> None:
    manifest = str(REPOSITORY / "kit.toml")
    arguments = ["rotate-keys", "residence", "--manifest", manifest, "--var", str(tmp_path)]
    result = CliRunner().invoke(kit, arguments)
    assert result.exit_code != 0
    assert "residence signs no tokens" in result.output
