"""What makes a registration valid beyond identifier syntax."""

from __future__ import annotations

import pytest

from central.domain.errors import Duplicate, InvalidField, Revoked
from central.domain.identifiers import ServerId
from central.domain.registration import (
    ServerDetails,
    ensure_changes,
    ensure_not_revoked,
    ensure_tls_fingerprint_free,
)

DA = ServerId.parse("GOV/DA/ss-da")
MOJ = ServerId.parse("GOV/MOJ/ss-moj")


def test_server_details_are_optional_and_validated() -> None:
    assert ServerDetails.parse().is_empty()
    details = ServerDetails.parse(address="LOCALHOST:8200", tls_fingerprint="AA" * 32)
    assert details == ServerDetails("localhost:8200", "aa" * 32, None)
    with pytest.raises(InvalidField):
        ServerDetails.parse(signing_fingerprint="nope")


def test_a_tls_certificate_authenticates_one_server() -> None:
    ensure_tls_fingerprint_free("aa" * 32, DA, None)
    ensure_tls_fingerprint_free("aa" * 32, DA, DA)  # re-reporting one's own certificate
    ensure_tls_fingerprint_free(None, DA, MOJ)
    with pytest.raises(Duplicate, match="GOV/MOJ/ss-moj"):
        ensure_tls_fingerprint_free("aa" * 32, DA, MOJ)


def test_nothing_hangs_on_revoked_things() -> None:
    ensure_not_revoked("member", "GOV/DA", False)
    with pytest.raises(Revoked, match="member GOV/DA is revoked"):
        ensure_not_revoked("member", "GOV/DA", True)


def test_an_update_must_change_something() -> None:
    with pytest.raises(InvalidField):
        ensure_changes(ServerDetails())
