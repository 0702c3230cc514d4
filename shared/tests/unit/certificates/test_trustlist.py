"""The kit trust list: a list shaped like the trust service's (trust.services.trust_list) and
signed by a key the root certified directly is parsed into issuer keys with their history;
a list signed by an unrelated key, by the root itself or by a key further down the hierarchy
is refused, as is a malformed payload; ``IssuerKey.problem_at`` judges a moment against
validity, withdrawal and revocation; and ``TrustListStore`` works from its folder alone (pinned
root + cached list) when there is no trust service, and says so when it has nothing."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509

from govkit.certificates import jose
from govkit.certificates.keys import der, key_id, pem
from govkit.certificates.trustlist import (
    TRUST_LIST_TYPE,
    IssuerKey,
    TrustList,
    TrustListError,
    TrustListStore,
)

T0 = datetime(2025, 4, 1, tzinfo=UTC)


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


def _b64(certificate: x509.Certificate) -> str:
    return base64.b64encode(der(certificate)).decode("ascii")


@pytest.fixture(scope="module")
def kit(root) -> dict[str, Any]:
    """A kit PKI like the trust service's: a seal CA, a TSA and two seal keys of one holder."""
    seal_ca = root.issue("Government Seal CA", ca=True)
    tsa = root.issue("Time-Stamping Authority")
    old_seal = seal_ca.issue("Old seal")
    new_seal = seal_ca.issue("New seal")
    return {"seal_ca": seal_ca, "tsa": tsa, "old": old_seal, "new": new_seal}


def _issuer(certificate: x509.Certificate, **history: datetime | str | None) -> dict[str, Any]:
    return {
        "holder": "GOV/DA",
        "subject": certificate.subject.rfc4514_string(),
        "kid": key_id(certificate),
        "serial": format(certificate.serial_number, "x"),
        "certificate": _b64(certificate),
        "valid_from": _iso(certificate.not_valid_before_utc),
        "valid_until": _iso(certificate.not_valid_after_utc),
        "withdrawn_at": None,
        "revoked_at": None,
        "revocation_reason": None,
        **{k: _iso(v) if isinstance(v, datetime) else v for k, v in history.items()},
    }


def _payload(root, kit: dict[str, Any]) -> dict[str, Any]:
    """The same shape as trust.services.trust_list."""
    return {
        "type": "madoguchi-trust-list",
        "version": 1,
        "notice": "Madoguchi kit TEST trust - not a real authority",
        "issued_at": _iso(T0),
        "next_update": _iso(T0 + timedelta(hours=24)),
        "sequence": int(T0.timestamp() * 1000),
        "authorities": [
            {"name": "root", "certificate": _b64(root.certificate)},
            {"name": "seal", "certificate": _b64(kit["seal_ca"].certificate)},
        ],
        "timestamping": [
            {"subject": kit["tsa"].certificate.subject.rfc4514_string(),
             "certificate": _b64(kit["tsa"].certificate)},
        ],
        "issuers": [
            _issuer(kit["old"].certificate, withdrawn_at=T0 + timedelta(days=30)),
            _issuer(kit["new"].certificate),
        ],
    }  # fmt: skip


def _sign(payload: Any, authority, chain: list[x509.Certificate]) -> str:
    return jose.sign(payload, authority.key, chain, typ=TRUST_LIST_TYPE)


@pytest.fixture(scope="module")
def list_signer(root):
    return root.issue("Trust List Signer")


@pytest.fixture(scope="module")
def token(root, kit, list_signer) -> str:
    return _sign(_payload(root, kit), list_signer, [list_signer.certificate, root.certificate])


# -- parsing ------------------------------------------------------------------------------------


def test_parse_reads_every_part(token: str, root, kit) -> None:
    trust = TrustList.parse(token, root.certificate)
    assert trust.token == token
    assert der(trust.root) == der(root.certificate)
    assert trust.issued_at == T0
    assert trust.next_update == T0 + timedelta(hours=24)
    assert trust.sequence == int(T0.timestamp() * 1000)
    assert {name: der(c) for name, c in trust.authorities.items()} == {
        "root": der(root.certificate),
        "seal": der(kit["seal_ca"].certificate),
    }
    assert [der(c) for c in trust.intermediates()] == [der(kit["seal_ca"].certificate)]
    assert [der(c) for c in trust.timestamping] == [der(kit["tsa"].certificate)]
    old, new = trust.issuers
    assert (old.kid, new.kid) == (key_id(kit["old"].certificate), key_id(kit["new"].certificate))
    assert old.holder == "GOV/DA"
    assert old.withdrawn_at == T0 + timedelta(days=30)
    assert new.withdrawn_at is None
    assert new.revoked_at is None
    assert old.valid_from == kit["old"].certificate.not_valid_before_utc
    assert old.valid_until == kit["old"].certificate.not_valid_after_utc


def test_issuer_lookups(token: str, root, kit) -> None:
    trust = TrustList.parse(token, root.certificate)
    old = kit["old"].certificate
    found = trust.issuer_for(old)
    assert found is not None
    assert found.kid == key_id(old)
    assert trust.issuer_by_kid(key_id(old)) is found
    assert trust.issuer_for(kit["tsa"].certificate) is None
    assert trust.issuer_by_kid("0000000000000000") is None
    keys = trust.qr_keys()
    assert set(keys) == {key_id(old), key_id(kit["new"].certificate)}
    assert keys[key_id(old)].public_numbers() == old.public_key().public_numbers()


def test_parse_at_a_moment_when_the_signer_was_not_valid(token: str, root, list_signer) -> None:
    later = list_signer.certificate.not_valid_after_utc + timedelta(days=1)
    with pytest.raises(TrustListError, match="not signed by the kit"):
        TrustList.parse(token, root.certificate, at=later)


def _signed_by_unrelated_key(root, kit, new_root) -> tuple[str, Any]:
    stranger = new_root("Stranger")
    return _sign(_payload(root, kit), stranger, [stranger.certificate]), "not signed by the kit"


def _signed_by_a_key_of_another_root(root, kit, new_root) -> tuple[str, Any]:
    other = new_root("Test Root CA").issue("Trust List Signer")  # same names, other keys
    chain = [other.certificate, root.certificate]
    return _sign(_payload(root, kit), other, chain), "not signed by the kit"


def _signed_by_the_root_itself(root, kit, new_root) -> tuple[str, Any]:
    return _sign(_payload(root, kit), root, [root.certificate]), "a key the root certified"


def _signed_below_an_intermediate(root, kit, new_root) -> tuple[str, Any]:
    seal_ca = kit["seal_ca"]
    deep = seal_ca.issue("Seal CA's signer")  # a valid chain, but not issued by the root
    chain = [deep.certificate, seal_ca.certificate, root.certificate]
    return _sign(_payload(root, kit), deep, chain), "a key the root certified"


def _wrong_type(root, kit, new_root) -> tuple[str, Any]:
    signer = root.issue("Trust List Signer")
    token = jose.sign(_payload(root, kit), signer.key, [signer.certificate, root.certificate])
    return token, "unexpected type"


REFUSED_SIGNERS = [
    _signed_by_unrelated_key,
    _signed_by_a_key_of_another_root,
    _signed_by_the_root_itself,
    _signed_below_an_intermediate,
    _wrong_type,
]


@pytest.mark.parametrize(
    "case", REFUSED_SIGNERS, ids=[c.__name__.strip("_") for c in REFUSED_SIGNERS]
)
def test_lists_not_signed_by_the_trust_list_signer_are_refused(
    root, kit, new_root: Callable, case: Callable
) -> None:
    token, reason = case(root, kit, new_root)
    with pytest.raises(TrustListError, match=reason):
        TrustList.parse(token, root.certificate)


def _without(key: str) -> Callable[[dict], None]:
    return lambda payload: payload.pop(key)


def _set(key: str, value: Any) -> Callable[[dict], None]:
    return lambda payload: payload.__setitem__(key, value)


def _set_issuer(key: str, value: Any) -> Callable[[dict], None]:
    return lambda payload: payload["issuers"][0].__setitem__(key, value)


MALFORMED: dict[str, Callable[[dict], None]] = {
    "no issuers": _without("issuers"),
    "no authorities": _without("authorities"),
    "no timestamping": _without("timestamping"),
    "no sequence": _without("sequence"),
    "no issued_at": _without("issued_at"),
    "issuers is null": _set("issuers", None),
    "issuers are strings": _set("issuers", ["GOV/DA"]),
    "authorities is a string": _set("authorities", "root"),
    "sequence is not a number": _set("sequence", "first"),
    "issued_at is null": _set("issued_at", None),
    "next_update is not a date": _set("next_update", "tomorrow"),
    "issued_at without a time zone": _set("issued_at", "2025-04-01T00:00:00"),
    "issuer without kid": lambda p: p["issuers"][0].pop("kid"),
    "issuer certificate not base64": _set_issuer("certificate", "***"),
    "issuer certificate not DER": _set_issuer("certificate", "bm90IGEgY2VydGlmaWNhdGU="),
    "issuer valid_from missing": lambda p: p["issuers"][0].pop("valid_from"),
    "issuer valid_from null": _set_issuer("valid_from", None),
    "issuer valid_until a number": _set_issuer("valid_until", 1767225600),
    "issuer withdrawn_at not a date": _set_issuer("withdrawn_at", "soon"),
    "authority certificate not DER": lambda p: p["authorities"][0].__setitem__("certificate", ""),
}


@pytest.mark.parametrize("change", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_payloads_are_refused(root, kit, list_signer, change: Callable) -> None:
    payload = json.loads(json.dumps(_payload(root, kit)))
    change(payload)
    token = _sign(payload, list_signer, [list_signer.certificate, root.certificate])
    with pytest.raises(TrustListError, match="malformed"):
        TrustList.parse(token, root.certificate)


# -- IssuerKey.problem_at -----------------------------------------------------------------------


def _key(**history: datetime | None) -> IssuerKey:
    fields: dict[str, Any] = {
        "valid_from": T0,
        "valid_until": T0 + timedelta(days=730),
        "withdrawn_at": None,
        "revoked_at": None,
        **history,
    }
    return IssuerKey(
        holder="GOV/DA", subject="CN=Seal", kid="00" * 8, certificate=None,  # type: ignore[arg-type]
        revocation_reason="key_compromise" if fields["revoked_at"] else None, **fields,
    )  # fmt: skip


DAY = timedelta(days=1)
WITHDRAWN = T0 + timedelta(days=100)
REVOKED = T0 + timedelta(days=200)
END = T0 + timedelta(days=730)
PROBLEMS = [
    # (history, moment, problem)
    ({}, T0 - timedelta(seconds=1), "key-not-valid-then"),
    ({}, T0, None),
    ({}, T0 + DAY, None),
    ({}, END, None),
    ({}, END + timedelta(seconds=1), "key-not-valid-then"),
    ({"withdrawn_at": WITHDRAWN}, WITHDRAWN - timedelta(seconds=1), None),
    ({"withdrawn_at": WITHDRAWN}, WITHDRAWN, "key-withdrawn"),
    ({"withdrawn_at": WITHDRAWN}, WITHDRAWN + DAY, "key-withdrawn"),
    ({"withdrawn_at": WITHDRAWN}, T0 - DAY, "key-not-valid-then"),
    ({"revoked_at": REVOKED}, REVOKED - timedelta(seconds=1), None),
    ({"revoked_at": REVOKED}, REVOKED, "key-revoked"),
    ({"revoked_at": REVOKED}, REVOKED + DAY, "key-revoked"),
    ({"revoked_at": REVOKED}, END + DAY, "key-revoked"),
    ({"withdrawn_at": WITHDRAWN, "revoked_at": REVOKED}, WITHDRAWN + DAY, "key-withdrawn"),
    ({"withdrawn_at": WITHDRAWN, "revoked_at": REVOKED}, REVOKED + DAY, "key-revoked"),
    ({"withdrawn_at": WITHDRAWN, "revoked_at": REVOKED}, T0 + DAY, None),
]


@pytest.mark.parametrize(
    ("history", "moment", "problem"),
    PROBLEMS,
    ids=[f"{'+'.join(h) or 'plain'}@{(m - T0).days}d->{p}" for h, m, p in PROBLEMS],
)
def test_problem_at(history: dict, moment: datetime, problem: str | None) -> None:
    assert _key(**history).problem_at(moment) == problem


# -- TrustListStore -----------------------------------------------------------------------------


def _fill(folder: Path, root, token: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "root.pem").write_text(pem(root.certificate), encoding="ascii")
    (folder / "trust-list.jwt").write_text(token, encoding="ascii")


def test_store_without_service_or_cache_says_so(tmp_path: Path) -> None:
    store = TrustListStore(tmp_path / "trust", None)
    with pytest.raises(TrustListError, match="no cached trust list"):
        store.current()
    with pytest.raises(TrustListError, match="no pinned kit root"):
        store.root()
    with pytest.raises(TrustListError, match="no trust service"):
        store.refresh()


def test_store_with_a_pinned_root_but_no_list_says_so(tmp_path: Path, root) -> None:
    folder = tmp_path / "trust"
    folder.mkdir()
    (folder / "root.pem").write_text(pem(root.certificate), encoding="ascii")
    with pytest.raises(TrustListError, match="no cached trust list"):
        TrustListStore(folder, None).current()


def test_store_works_offline_from_its_folder(tmp_path: Path, root, token: str) -> None:
    folder = tmp_path / "trust"
    _fill(folder, root, token)
    store = TrustListStore(folder, None)
    assert der(store.root()) == der(root.certificate)
    trust = store.current()
    assert trust.token == token
    assert trust.sequence == int(T0.timestamp() * 1000)
    (folder / "trust-list.jwt").unlink()
    assert store.current() is trust  # answered from memory while younger than max_age


def test_store_falls_back_to_its_folder_when_the_service_is_unreachable(
    tmp_path: Path, root, token: str
) -> None:
    folder = tmp_path / "trust"
    _fill(folder, root, token)
    store = TrustListStore(folder, "http://127.0.0.1:9/")  # the discard port: refused at once
    assert store.trust_url == "http://127.0.0.1:9"
    assert store.current().token == token
    with pytest.raises(TrustListError, match="unreachable"):
        store.refresh()


def test_store_refuses_a_cached_list_the_pinned_root_did_not_sign(
    tmp_path: Path, root, token: str, new_root: Callable
) -> None:
    folder = tmp_path / "trust"
    _fill(folder, new_root("Another Root"), token)
    with pytest.raises(TrustListError, match="not signed by the kit"):
        TrustListStore(folder, None).current()


def test_store_refuses_a_cached_list_that_was_edited(tmp_path: Path, root, token: str) -> None:
    header, payload, signature = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["issuers"][0]["withdrawn_at"] = None
    edited = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    folder = tmp_path / "trust"
    _fill(folder, root, f"{header}.{edited}.{signature}")
    with pytest.raises(TrustListError, match="not signed by the kit"):
        TrustListStore(folder, None).current()
