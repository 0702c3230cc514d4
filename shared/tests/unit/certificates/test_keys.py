"""Keys and certificates: private keys are written for the owner only and read back; the key id
is a stable 16-hex-digit name per certificate; and ``verify_chain`` accepts a chain that leads
to a trusted root at the given moment and refuses every other kind with a ``ChainError`` that
says why (untrusted, bad signature, issuer not a CA, expired or not yet valid)."""

from __future__ import annotations

import re
import stat
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from govkit.certificates.keys import (
    ChainError,
    common_name,
    der,
    fingerprint,
    generate_key,
    key_id,
    load_pem_chain,
    load_private_key,
    pem,
    save_private_key,
    signing_request,
    verify_chain,
)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _same_key(a: ec.EllipticCurvePrivateKey, b: ec.EllipticCurvePrivateKey) -> bool:
    return a.private_numbers() == b.private_numbers()


# -- private keys -------------------------------------------------------------------------------


def test_saved_key_is_owner_only_and_reads_back(tmp_path: Path) -> None:
    key = generate_key()
    path = tmp_path / "deeper" / "seal-key.pem"
    save_private_key(path, key)
    assert _mode(path) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert _same_key(load_private_key(path), key)


def test_saving_over_a_readable_file_makes_it_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "seal-key.pem"
    path.write_text("old")
    path.chmod(0o644)
    key = generate_key()
    save_private_key(path, key)
    assert _mode(path) == 0o600
    assert _same_key(load_private_key(path), key)


def test_loading_a_key_that_is_not_ec_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "rsa.pem"
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.write_bytes(
        rsa_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(TypeError, match="not an EC private key"):
        load_private_key(path)


def test_signing_request_names_the_key() -> None:
    key = generate_key()
    request = x509.load_pem_x509_csr(signing_request(key, "見本市 公印").encode("ascii"))
    assert request.is_signature_valid
    assert common_name(request.subject) == "見本市 公印"
    assert request.public_key() == key.public_key()


# -- key ids and PEM ----------------------------------------------------------------------------


def test_key_id_is_16_hex_digits_and_stable(new_root: Callable) -> None:
    certificate = new_root().certificate
    kid = key_id(certificate)
    assert re.fullmatch(r"[0-9a-f]{16}", kid)
    assert key_id(certificate) == kid
    reloaded = load_pem_chain(pem(certificate))[0]
    assert key_id(reloaded) == kid
    assert key_id(x509.load_der_x509_certificate(der(certificate))) == kid
    assert fingerprint(certificate).startswith(kid)


def test_key_ids_differ_between_certificates_even_for_the_same_key(new_root: Callable) -> None:
    key = generate_key()
    first, second = new_root("A", key=key), new_root("A", key=key)
    assert key_id(first.certificate) != key_id(second.certificate)


def test_pem_chain_reads_every_certificate_in_order(new_root: Callable) -> None:
    root = new_root()
    leaf = root.issue("Leaf")
    text = pem(leaf.certificate) + pem(root.certificate)
    assert [der(c) for c in load_pem_chain(text)] == [der(leaf.certificate), der(root.certificate)]
    assert [der(c) for c in load_pem_chain(text.encode("ascii"))] == [
        der(leaf.certificate),
        der(root.certificate),
    ]


def test_common_name_falls_back_to_the_whole_name() -> None:
    name = x509.Name([x509.NameAttribute(x509.NameOID.ORGANIZATION_NAME, "Kit")])
    assert common_name(name) == "O=Kit"


# -- verify_chain -------------------------------------------------------------------------------


def test_leaf_issued_by_the_root(new_root: Callable) -> None:
    root = new_root()
    leaf = root.issue("Leaf")
    moment = leaf.certificate.not_valid_before_utc + timedelta(hours=1)
    anchor = verify_chain([leaf.certificate], [root.certificate], moment)
    assert der(anchor) == der(root.certificate)


def test_chain_through_an_intermediate_with_or_without_the_root(new_root: Callable) -> None:
    root = new_root()
    ca = root.issue("Intermediate", ca=True)
    leaf = ca.issue("Leaf")
    moment = leaf.certificate.not_valid_before_utc + timedelta(hours=1)
    for chain in (
        [leaf.certificate, ca.certificate],
        [leaf.certificate, ca.certificate, root.certificate],
    ):
        assert der(verify_chain(chain, [root.certificate], moment)) == der(root.certificate)


def test_the_right_root_is_chosen_among_several(new_root: Callable) -> None:
    roots = [new_root(f"Root {n}") for n in range(3)]
    leaf = roots[1].issue("Leaf")
    moment = leaf.certificate.not_valid_before_utc + timedelta(hours=1)
    anchor = verify_chain([leaf.certificate], [r.certificate for r in roots], moment)
    assert der(anchor) == der(roots[1].certificate)


def _case_empty(new_root: Callable) -> tuple[list, list, str]:
    return [], [new_root().certificate], "empty certificate chain"


def _case_untrusted_root(new_root: Callable) -> tuple[list, list, str]:
    other = new_root("Other Root")
    return [other.issue("Leaf").certificate], [new_root().certificate], "not trusted"


def _case_impostor_root(new_root: Callable) -> tuple[list, list, str]:
    """Same subject as the trusted root, another key: the name matches, the signature not."""
    impostor = new_root("Test Root CA")
    return (
        [impostor.issue("Leaf").certificate],
        [new_root("Test Root CA").certificate],
        ("Leaf: bad issuer signature"),
    )


def _case_wrong_intermediate(new_root: Callable) -> tuple[list, list, str]:
    root = new_root()
    real = root.issue("Intermediate", ca=True)
    lookalike = root.issue("Intermediate", ca=True)  # same name, another key
    leaf = lookalike.issue("Leaf")
    return [leaf.certificate, real.certificate], [root.certificate], "Leaf: bad issuer signature"


def _case_wrong_order(new_root: Callable) -> tuple[list, list, str]:
    root = new_root()
    ca = root.issue("Intermediate", ca=True)
    leaf = ca.issue("Leaf")
    return [ca.certificate, leaf.certificate], [root.certificate], "not trusted"


def _case_issuer_not_a_ca(new_root: Callable) -> tuple[list, list, str]:
    root = new_root()
    end_entity = root.issue("End Entity")  # BasicConstraints ca=False
    leaf = end_entity.issue("Leaf")
    return (
        [leaf.certificate, end_entity.certificate],
        [root.certificate],
        ("End Entity is not a CA"),
    )


def _case_issuer_without_constraints(new_root: Callable) -> tuple[list, list, str]:
    root = new_root()
    bare = root.issue("Bare Issuer", constraints=False)  # no BasicConstraints at all
    leaf = bare.issue("Leaf")
    return [leaf.certificate, bare.certificate], [root.certificate], "Bare Issuer is not a CA"


def _case_root_not_a_ca(new_root: Callable) -> tuple[list, list, str]:
    root = new_root()
    fake_root = root.issue("Fake Root")  # trusted, but not a CA
    leaf = fake_root.issue("Leaf")
    return [leaf.certificate], [fake_root.certificate], "Fake Root is not a CA"


def _case_leaf_expired(new_root: Callable) -> tuple[list, list, str]:
    root = new_root()
    before = root.certificate.not_valid_before_utc
    leaf = root.issue("Leaf", not_before=before, not_after=before + timedelta(hours=12))
    return [leaf.certificate], [root.certificate], "Leaf is not valid at"


def _case_intermediate_expired(new_root: Callable) -> tuple[list, list, str]:
    root = new_root()
    before = root.certificate.not_valid_before_utc
    ca = root.issue(
        "Intermediate", ca=True, not_before=before, not_after=before + timedelta(hours=12)
    )
    leaf = ca.issue("Leaf")
    return [leaf.certificate, ca.certificate], [root.certificate], "Intermediate is not valid"


def _case_root_expired(new_root: Callable) -> tuple[list, list, str]:
    now = datetime.now(UTC)
    root = new_root(not_before=now - timedelta(days=10), not_after=now - timedelta(days=5))
    leaf = root.issue("Leaf", not_before=now - timedelta(days=9))
    return [leaf.certificate], [root.certificate], "Test Root CA is not valid"


def _case_leaf_not_yet_valid(new_root: Callable) -> tuple[list, list, str]:
    now = datetime.now(UTC)
    root = new_root()
    leaf = root.issue("Leaf", not_before=now + timedelta(days=3))
    return [leaf.certificate], [root.certificate], "Leaf is not valid at"


REFUSED = [
    _case_empty,
    _case_untrusted_root,
    _case_impostor_root,
    _case_wrong_intermediate,
    _case_wrong_order,
    _case_issuer_not_a_ca,
    _case_issuer_without_constraints,
    _case_root_not_a_ca,
    _case_leaf_expired,
    _case_intermediate_expired,
    _case_root_expired,
    _case_leaf_not_yet_valid,
]


@pytest.mark.parametrize("case", REFUSED, ids=[c.__name__.removeprefix("_case_") for c in REFUSED])
def test_refused_chains_say_why(new_root: Callable, case: Callable) -> None:
    chain, roots, reason = case(new_root)
    with pytest.raises(ChainError, match=re.escape(reason)):
        verify_chain(chain, roots, datetime.now(UTC))


def test_validity_is_judged_at_the_moment_given(new_root: Callable) -> None:
    root = new_root()
    start = root.certificate.not_valid_before_utc
    leaf = root.issue("Leaf", not_before=start, not_after=start + timedelta(days=2))
    end = leaf.certificate.not_valid_after_utc
    verify_chain([leaf.certificate], [root.certificate], start)  # the first second counts
    verify_chain([leaf.certificate], [root.certificate], end)  # and the last
    with pytest.raises(ChainError, match="not valid at"):
        verify_chain([leaf.certificate], [root.certificate], end + timedelta(seconds=1))
    with pytest.raises(ChainError, match="not valid at"):
        verify_chain([leaf.certificate], [root.certificate], start - timedelta(seconds=1))
