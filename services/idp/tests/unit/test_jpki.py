"""The provider's card check (idp.jpki) against a tiny JPKI-shaped CA built here: no network,
OCSP answered by a fake responder that the tests control."""

from __future__ import annotations

import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from idp.card import CardAnswer
from idp.jpki import (
    JPKI_ADDRESS,
    JPKI_BIRTHDATE,
    JPKI_GENDER,
    JPKI_NAME,
    KIT_NAME_KANA,
    REASONS,
    BasicFour,
    CardRejected,
    JpkiVerifier,
    TrustAnchorsMissing,
    read_basic_four,
)

NOW = datetime(2026, 5, 20, 3, 0, tzinfo=UTC)
OCSP_URL = "http://trust.test/ocsp/jpki"
CHALLENGE = secrets.token_bytes(32)
PERSON = {
    JPKI_NAME: "森下 健太",
    JPKI_GENDER: "male",
    JPKI_BIRTHDATE: "1990-05-12",
    JPKI_ADDRESS: "桜木市中央一丁目2番3号",
    KIT_NAME_KANA: "モリシタ ケンタ",
}


def name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def utf8(value: str) -> bytes:
    """DER UTF8String (short or long length form)."""
    data = value.encode("utf-8")
    if len(data) < 128:
        return bytes([0x0C, len(data)]) + data
    size = len(data).to_bytes((len(data).bit_length() + 7) // 8, "big")
    return bytes([0x0C, 0x80 | len(size)]) + size + data


def usage(
    *, signature: bool = True, commitment: bool = False, cert_sign: bool = False
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signature, content_commitment=commitment, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=cert_sign, crl_sign=cert_sign,
        encipher_only=False, decipher_only=False,
    )  # fmt: skip


def certificate(
    subject: x509.Name,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Name,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    ca: bool,
    extensions: list[tuple[x509.ExtensionType, bool]] = (),  # type: ignore[assignment]
    not_before: datetime = NOW - timedelta(days=1),
    not_after: datetime = NOW + timedelta(days=365),
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(issuer_key, hashes.SHA256())


AIA = x509.AuthorityInformationAccess(
    [
        x509.AccessDescription(
            AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(OCSP_URL)
        )
    ]
)


@dataclass
class Card:
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    def answer(self, data: bytes) -> CardAnswer:
        return CardAnswer(
            self.key.sign(data, ec.ECDSA(hashes.SHA256())),
            self.certificate.public_bytes(serialization.Encoding.DER),
        )


@dataclass
class Pki:
    """A root, a JPKI CA under it, and a way to issue card certificates."""

    root_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    jpki_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )

    def __post_init__(self) -> None:
        self.root = certificate(
            name("Test Root"), self.root_key, name("Test Root"), self.root_key, ca=True,
            extensions=[(usage(cert_sign=True), True)], not_before=NOW - timedelta(days=3650),
            not_after=NOW + timedelta(days=3650),
        )  # fmt: skip
        self.jpki = certificate(
            name("Test JPKI CA"), self.jpki_key, self.root.subject, self.root_key, ca=True,
            extensions=[(usage(cert_sign=True), True)], not_before=NOW - timedelta(days=3650),
            not_after=NOW + timedelta(days=3650),
        )  # fmt: skip

    def auth_card(self, **options: object) -> Card:
        return self.card(
            [
                (usage(), True),
                (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False),
                (AIA, False),
            ],
            **options,
        )

    def sign_card(
        self, personal: dict[x509.ObjectIdentifier, str] | None = None, **options: object
    ) -> Card:
        entries = [
            x509.OtherName(oid, utf8(value))
            for oid, value in (PERSON if personal is None else personal).items()
        ]
        extensions: list[tuple[x509.ExtensionType, bool]] = [
            (usage(commitment=True), True),
            (AIA, False),
        ]
        if entries:
            extensions.append((x509.SubjectAlternativeName(entries), False))
        return self.card(extensions, **options)

    def card(
        self,
        extensions: list[tuple[x509.ExtensionType, bool]],
        *,
        issuer: x509.Name | None = None,
        issuer_key: ec.EllipticCurvePrivateKey | None = None,
        **dates: datetime,
    ) -> Card:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = certificate(
            name("card-0001"), key, issuer or self.jpki.subject, issuer_key or self.jpki_key,
            ca=False, extensions=extensions, **dates,
        )  # fmt: skip
        return Card(key, cert)

    def verifier(
        self, responder: Callable[[str, bytes, float], bytes | None] | None = None
    ) -> JpkiVerifier:
        def offline(url: str, request: bytes, timeout: float) -> bytes | None:
            raise AssertionError("no OCSP request was expected")

        return JpkiVerifier(self.root, self.jpki, ocsp_post=responder or offline)

    def ocsp_responder(
        self,
        status: ocsp.OCSPCertStatus = ocsp.OCSPCertStatus.GOOD,
        *,
        impostor: bool = False,
        serial_offset: int = 0,
        echo_nonce: bool = True,
        nonce: bytes | None = None,
        this_update: datetime = NOW,
        next_update: datetime | None = NOW + timedelta(hours=1),
        calls: list[tuple[str, float]] | None = None,
    ) -> Callable[[str, bytes, float], bytes | None]:
        """A fake OCSP responder: answers any request about this CA's certificates."""

        def respond(url: str, request_der: bytes, timeout: float) -> bytes:
            if calls is not None:
                calls.append((url, timeout))
            request = ocsp.load_der_ocsp_request(request_der)
            builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
                issuer_name_hash=request.issuer_name_hash,
                issuer_key_hash=request.issuer_key_hash,
                serial_number=request.serial_number + serial_offset,
                algorithm=request.hash_algorithm,
                cert_status=status,
                this_update=this_update,
                next_update=next_update,
                revocation_time=NOW - timedelta(hours=1)
                if status is ocsp.OCSPCertStatus.REVOKED
                else None,
                revocation_reason=None,
            )
            signer, signer_key = self.jpki, self.jpki_key
            if impostor:  # a responder that calls itself the JPKI CA, with a key of its own
                signer_key = ec.generate_private_key(ec.SECP256R1())
                signer = certificate(
                    self.jpki.subject, signer_key, self.jpki.subject, signer_key, ca=True
                )
            encoding = (
                ocsp.OCSPResponderEncoding.NAME if impostor else ocsp.OCSPResponderEncoding.HASH
            )
            builder = builder.responder_id(encoding, signer)
            sent = [e.value for e in request.extensions if isinstance(e.value, x509.OCSPNonce)]
            if echo_nonce and sent:
                builder = builder.add_extension(
                    x509.OCSPNonce(nonce or sent[0].nonce), critical=False
                )
            response = builder.sign(signer_key, hashes.SHA256())
            return response.public_bytes(serialization.Encoding.DER)

        return respond


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


# -- authentication -----------------------------------------------------------------------------


def test_a_genuine_card_answer_is_believed(pki: Pki) -> None:
    """A signature over the challenge by a card the JPKI CA certified: the card's serial and id."""
    card = pki.auth_card()
    verified = pki.verifier().verify_authentication(
        card.answer(CHALLENGE), CHALLENGE, now=NOW, check_revocation=False
    )
    assert verified.serial == format(card.certificate.serial_number, "x")
    assert verified.common_name == "card-0001"
    assert verified.not_after == card.certificate.not_valid_after_utc
    assert verified.certificate == card.certificate


def test_a_signature_over_other_bytes_is_refused(pki: Pki) -> None:
    """The card must have signed this challenge, not another one (replay of an old answer)."""
    card = pki.auth_card()
    with pytest.raises(CardRejected) as refused:
        pki.verifier().verify_authentication(
            card.answer(b"an older challenge"), CHALLENGE, now=NOW, check_revocation=False
        )
    assert refused.value.reason == "signature"


def test_a_signature_by_another_key_is_refused(pki: Pki) -> None:
    """A certificate copied from a card, with a signature by someone else's key."""
    card = pki.auth_card()
    thief = ec.generate_private_key(ec.SECP256R1())
    answer = CardAnswer(
        thief.sign(CHALLENGE, ec.ECDSA(hashes.SHA256())), card.answer(CHALLENGE).certificate_der
    )
    with pytest.raises(CardRejected) as refused:
        pki.verifier().verify_authentication(answer, CHALLENGE, now=NOW, check_revocation=False)
    assert refused.value.reason == "signature"


@pytest.mark.parametrize("signature", [b"", b"\x30\x00", b"not a signature" * 4])
def test_a_malformed_signature_is_refused(pki: Pki, signature: bytes) -> None:
    card = pki.auth_card()
    answer = CardAnswer(signature, card.answer(CHALLENGE).certificate_der)
    with pytest.raises(CardRejected) as refused:
        pki.verifier().verify_authentication(answer, CHALLENGE, now=NOW, check_revocation=False)
    assert refused.value.reason == "signature"


def test_a_certificate_from_a_ca_with_the_same_name_is_refused(pki: Pki) -> None:
    """Forging the JPKI CA's name is not enough: its signature on the certificate must verify."""
    impostor = ec.generate_private_key(ec.SECP256R1())
    card = pki.card(
        [(usage(), True), (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False)],
        issuer=pki.jpki.subject,
        issuer_key=impostor,
    )
    with pytest.raises(CardRejected) as refused:
        pki.verifier().verify_authentication(
            card.answer(CHALLENGE), CHALLENGE, now=NOW, check_revocation=False
        )
    assert refused.value.reason == "chain"


def test_a_certificate_issued_by_the_root_itself_is_refused(pki: Pki) -> None:
    """Only the JPKI Simulation CA certifies cards, not the root (nor the seal CA…)."""
    card = pki.card(
        [(usage(), True), (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False)],
        issuer=pki.root.subject,
        issuer_key=pki.root_key,
    )
    with pytest.raises(CardRejected) as refused:
        pki.verifier().verify_authentication(
            card.answer(CHALLENGE), CHALLENGE, now=NOW, check_revocation=False
        )
    assert refused.value.reason == "chain"


@pytest.mark.parametrize("der", [b"", b"garbage", b"\x30\x03\x02\x01\x00"])
def test_an_unreadable_certificate_is_a_chain_failure(pki: Pki, der: bytes) -> None:
    card = pki.auth_card()
    answer = CardAnswer(card.answer(CHALLENGE).signature, der)
    with pytest.raises(CardRejected) as refused:
        pki.verifier().verify_authentication(answer, CHALLENGE, now=NOW, check_revocation=False)
    assert refused.value.reason == "chain"


def test_a_jpki_ca_from_another_root_is_not_accepted_as_an_anchor(pki: Pki) -> None:
    """The pinned pair must fit together: a JPKI CA another root issued is refused up front."""
    other = Pki()
    with pytest.raises(ValueError, match="not issued by the root"):
        JpkiVerifier(pki.root, other.jpki)
    with pytest.raises(ValueError, match="CA"):
        JpkiVerifier(
            pki.root, pki.auth_card(issuer=pki.root.subject, issuer_key=pki.root_key).certificate
        )


@pytest.mark.parametrize(
    ("dates", "reason"),
    [
        (
            {"not_before": NOW - timedelta(days=400), "not_after": NOW - timedelta(seconds=1)},
            "expired",
        ),
        (
            {"not_before": NOW + timedelta(seconds=1), "not_after": NOW + timedelta(days=400)},
            "not-yet-valid",
        ),
    ],
)
def test_certificates_outside_their_validity_are_refused(
    pki: Pki, dates: dict[str, datetime], reason: str
) -> None:
    """A card is believed only while its certificate is valid (at the moment given)."""
    card = pki.auth_card(**dates)
    with pytest.raises(CardRejected) as refused:
        pki.verifier().verify_authentication(
            card.answer(CHALLENGE), CHALLENGE, now=NOW, check_revocation=False
        )
    assert refused.value.reason == reason


def test_validity_edges_are_inclusive(pki: Pki) -> None:
    """Valid from its first second to its last."""
    card = pki.auth_card(not_before=NOW, not_after=NOW + timedelta(days=1))
    for moment in (NOW, NOW + timedelta(days=1)):
        pki.verifier().verify_authentication(
            card.answer(CHALLENGE), CHALLENGE, now=moment, check_revocation=False
        )


def test_an_expired_jpki_ca_makes_every_card_expired() -> None:
    """The CAs' validity counts as much as the card's."""
    pki = Pki()
    card = pki.auth_card()
    with pytest.raises(CardRejected) as refused:
        pki.verifier().verify_authentication(
            card.answer(CHALLENGE),
            CHALLENGE,
            now=NOW + timedelta(days=3651),
            check_revocation=False,
        )
    assert refused.value.reason == "expired"


def test_a_naive_now_is_a_programming_error(pki: Pki) -> None:
    card = pki.auth_card()
    with pytest.raises(ValueError, match="aware"):
        pki.verifier().verify_authentication(
            card.answer(CHALLENGE), CHALLENGE, now=NOW.replace(tzinfo=None), check_revocation=False
        )


# -- usage --------------------------------------------------------------------------------------


def test_a_signing_certificate_cannot_sign_in(pki: Pki) -> None:
    """Authentication needs the user-authentication certificate (clientAuth, no non-repudiation)."""
    card = pki.sign_card()
    with pytest.raises(CardRejected) as refused:
        pki.verifier().verify_authentication(
            card.answer(CHALLENGE), CHALLENGE, now=NOW, check_revocation=False
        )
    assert refused.value.reason == "usage"


def test_an_authentication_certificate_cannot_sign(pki: Pki) -> None:
    """A signature that binds the holder needs the signing certificate (non-repudiation)."""
    card = pki.auth_card()
    with pytest.raises(CardRejected) as refused:
        pki.verifier().verify_signing(
            card.answer(b"data"), b"data", now=NOW, check_revocation=False
        )
    assert refused.value.reason == "usage"


def test_a_certificate_without_key_usage_is_refused(pki: Pki) -> None:
    card = pki.card([(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False)])
    with pytest.raises(CardRejected) as refused:
        pki.verifier().verify_authentication(
            card.answer(CHALLENGE), CHALLENGE, now=NOW, check_revocation=False
        )
    assert refused.value.reason == "usage"


# -- signing ------------------------------------------------------------------------------------


def test_a_signature_gives_the_signers_basic_four(pki: Pki) -> None:
    """verify_signing returns who signed, as the certificate states it (UTF-8, kana included)."""
    card = pki.sign_card()
    data = "定款 第1条".encode()
    signer = pki.verifier().verify_signing(card.answer(data), data, now=NOW, check_revocation=False)
    assert signer.basic_four == BasicFour(
        name="森下 健太",
        birthdate=date(1990, 5, 12),
        gender="male",
        address="桜木市中央一丁目2番3号",
        name_kana="モリシタ ケンタ",
    )
    assert signer.serial == format(card.certificate.serial_number, "x")


def test_a_long_address_and_no_kana_are_read(pki: Pki) -> None:
    """Long-form DER lengths (a 600-byte address) decode; the kana is optional."""
    personal = {**PERSON, JPKI_ADDRESS: "梅園市本町" * 40}
    del personal[KIT_NAME_KANA]
    card = pki.sign_card(personal)
    four = read_basic_four(card.certificate)
    assert four.address == "梅園市本町" * 40
    assert four.name_kana is None


@pytest.mark.parametrize(
    "personal",
    [
        pytest.param({}, id="no-san"),
        pytest.param({k: v for k, v in PERSON.items() if k != JPKI_ADDRESS}, id="no-address"),
        pytest.param({**PERSON, JPKI_BIRTHDATE: "S65.05.12"}, id="bad-date"),
    ],
)
def test_a_signing_certificate_without_the_basic_four_is_refused(
    pki: Pki, personal: dict[x509.ObjectIdentifier, str]
) -> None:
    card = pki.sign_card(personal)
    with pytest.raises(CardRejected) as refused:
        pki.verifier().verify_signing(
            card.answer(b"data"), b"data", now=NOW, check_revocation=False
        )
    assert refused.value.reason == "usage"


def test_personal_data_that_are_not_utf8_strings_are_refused(pki: Pki) -> None:
    """A PrintableString (tag 19) or broken UTF-8 where a UTF8String belongs."""
    for value in (b"\x13\x04male", b"\x0c\x02\xff\xfe"):
        entries = [
            x509.OtherName(oid, utf8(text)) for oid, text in PERSON.items() if oid != JPKI_GENDER
        ]
        entries.append(x509.OtherName(JPKI_GENDER, value))
        card = pki.card(
            [(usage(commitment=True), True), (x509.SubjectAlternativeName(entries), False)]
        )
        with pytest.raises(CardRejected) as refused:
            read_basic_four(card.certificate)
        assert refused.value.reason == "usage"


# -- revocation ---------------------------------------------------------------------------------


def test_a_good_ocsp_answer_lets_the_card_in(pki: Pki) -> None:
    """The responder named in the certificate is asked, with a short timeout."""
    calls: list[tuple[str, float]] = []
    card = pki.auth_card()
    pki.verifier(pki.ocsp_responder(calls=calls)).verify_authentication(
        card.answer(CHALLENGE), CHALLENGE, now=NOW, check_revocation=True
    )
    assert calls == [(OCSP_URL, 3.0)]


def test_revocation_is_not_asked_unless_wanted(pki: Pki) -> None:
    """check_revocation=False makes no request (the offline verifier would fail the test)."""
    card = pki.auth_card()
    pki.verifier().verify_authentication(
        card.answer(CHALLENGE), CHALLENGE, now=NOW, check_revocation=False
    )


def test_a_revoked_card_is_refused(pki: Pki) -> None:
    card = pki.sign_card()
    verifier = pki.verifier(pki.ocsp_responder(ocsp.OCSPCertStatus.REVOKED))
    with pytest.raises(CardRejected) as refused:
        verifier.verify_signing(card.answer(b"data"), b"data", now=NOW, check_revocation=True)
    assert refused.value.reason == "revoked"


def _unanswered(url: str, request: bytes, timeout: float) -> None:
    return None


def _garbage(url: str, request: bytes, timeout: float) -> bytes:
    return b"<html>proxy error</html>"


def _try_later(url: str, request: bytes, timeout: float) -> bytes:
    response = ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.TRY_LATER)
    return response.public_bytes(serialization.Encoding.DER)


UNTRUSTWORTHY: list[tuple[str, Callable[[Pki], Callable[[str, bytes, float], bytes | None]]]] = [
    ("unreachable", lambda pki: _unanswered),
    ("not-ocsp", lambda pki: _garbage),
    ("try-later", lambda pki: _try_later),
    ("status-unknown", lambda pki: pki.ocsp_responder(ocsp.OCSPCertStatus.UNKNOWN)),
    ("signed-by-an-impostor", lambda pki: pki.ocsp_responder(impostor=True)),
    ("about-another-serial", lambda pki: pki.ocsp_responder(serial_offset=1)),
    ("wrong-nonce", lambda pki: pki.ocsp_responder(nonce=b"0" * 16)),
    ("from-the-future", lambda pki: pki.ocsp_responder(this_update=NOW + timedelta(hours=1))),
    (
        "stale",
        lambda pki: pki.ocsp_responder(
            this_update=NOW - timedelta(days=2), next_update=NOW - timedelta(days=1)
        ),
    ),
]


@pytest.mark.parametrize("make", [m for _i, m in UNTRUSTWORTHY], ids=[i for i, _m in UNTRUSTWORTHY])
def test_no_trustworthy_ocsp_answer_means_revocation_unknown(
    pki: Pki, make: Callable[[Pki], Callable[[str, bytes, float], bytes | None]]
) -> None:
    """Silence, junk, an unsuccessful status, "unknown", a forged or misdirected response, a
    replayed nonce or a stale answer: the card is refused, never let in by default."""
    card = pki.auth_card()
    with pytest.raises(CardRejected) as refused:
        pki.verifier(make(pki)).verify_authentication(
            card.answer(CHALLENGE), CHALLENGE, now=NOW, check_revocation=True
        )
    assert refused.value.reason == "revocation-unknown"


def test_a_response_without_a_nonce_is_accepted_when_fresh(pki: Pki) -> None:
    """Responders may answer from a cache without the nonce; freshness then decides."""
    card = pki.auth_card()
    pki.verifier(pki.ocsp_responder(echo_nonce=False)).verify_authentication(
        card.answer(CHALLENGE), CHALLENGE, now=NOW, check_revocation=True
    )


def test_a_certificate_naming_no_responder_is_revocation_unknown(pki: Pki) -> None:
    card = pki.card(
        [(usage(), True), (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False)]
    )
    with pytest.raises(CardRejected) as refused:
        pki.verifier().verify_authentication(
            card.answer(CHALLENGE), CHALLENGE, now=NOW, check_revocation=True
        )
    assert refused.value.reason == "revocation-unknown"


def test_the_real_http_client_treats_a_closed_port_as_unknown(pki: Pki, tmp_path: Path) -> None:
    """The default OCSP client (requests) on a port where nothing listens: unknown, not a crash."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    aia = x509.AuthorityInformationAccess(
        [x509.AccessDescription(AuthorityInformationAccessOID.OCSP,
                                x509.UniformResourceIdentifier(f"http://127.0.0.1:{port}/ocsp/jpki"))]
    )  # fmt: skip
    card = pki.card(
        [
            (usage(), True),
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False),
            (aia, False),
        ]
    )
    save_anchors(pki, tmp_path)
    with pytest.raises(CardRejected) as refused:
        JpkiVerifier.from_folder(tmp_path).verify_authentication(
            card.answer(CHALLENGE), CHALLENGE, now=NOW, check_revocation=True
        )
    assert refused.value.reason == "revocation-unknown"


# -- anchors and reasons ------------------------------------------------------------------------


def save_anchors(pki: Pki, folder: Path) -> None:
    for file_name, cert in (("root.pem", pki.root), ("jpki.pem", pki.jpki)):
        (folder / file_name).write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def test_the_verifier_reads_its_anchors_from_the_data_folder(pki: Pki, tmp_path: Path) -> None:
    with pytest.raises(TrustAnchorsMissing):
        JpkiVerifier.from_folder(tmp_path)
    save_anchors(pki, tmp_path)
    verifier = JpkiVerifier.from_folder(tmp_path)
    assert (verifier.root, verifier.jpki) == (pki.root, pki.jpki)
    card = pki.auth_card()
    verifier.verify_authentication(
        card.answer(CHALLENGE), CHALLENGE, now=NOW, check_revocation=False
    )


def test_reasons_are_the_stable_vocabulary() -> None:
    """Logs, the audit trail and the sign-in pages depend on these exact words."""
    assert REASONS == (
        "signature", "chain", "expired", "not-yet-valid", "usage", "revoked", "revocation-unknown",
    )  # fmt: skip
    assert CardRejected("expired", "detail").reason == "expired"
    with pytest.raises(ValueError, match="unknown rejection reason"):
        CardRejected("bad-luck")
