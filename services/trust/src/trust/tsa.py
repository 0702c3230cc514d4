"""An RFC 3161 time-stamp responder on asn1crypto, signing with an ECDSA key.

The token carries: the requester's message imprint and nonce, a random 64-bit serial, the
generation time (UTC, accuracy 1 s), the kit's TSA policy and the TSA's name; it is a CMS
SignedData with the ESS signing-certificate-v2 attribute, embedding the TSA certificate when
the request sets certReq (RFC 3161 2.4.1).
Unsupported requests get a ``rejection`` status with a PKIFailureInfo, never an exception.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from typing import ClassVar

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

#: The kit's (test) time-stamping policy.
POLICY = "1.3.6.1.4.1.4146.2.3"
_HASHES = {"sha256": 32, "sha384": 48, "sha512": 64}


class TimeStampAuthority:
    def __init__(self, certificate: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> None:
        self.key = key
        self.certificate = asn1_x509.Certificate.load(certificate.public_bytes(Encoding.DER))
        self._ess = tsp.SigningCertificateV2(
            {
                "certs": [
                    {
                        "hash_algorithm": {"algorithm": "sha256"},
                        "cert_hash": hashlib.sha256(self.certificate.dump()).digest(),
                    }
                ]
            }
        )

    def respond(self, request_der: bytes, now: datetime | None = None) -> bytes:
        """Answer a DER TimeStampReq with a DER TimeStampResp."""
        try:
            request = tsp.TimeStampReq.load(request_der)
            imprint = request["message_imprint"]
            algorithm = imprint["hash_algorithm"]["algorithm"].native
            digest = imprint["hashed_message"].native
            # Decoded here so a malformed policy, nonce or flag is a rejection, not an error.
            policy = request["req_policy"].native
            nonce = request["nonce"].native
            cert_req = bool(request["cert_req"].native)
        except (ValueError, TypeError, KeyError):
            return _rejection("bad_data_format")
        if algorithm not in _HASHES:
            return _rejection("bad_alg")
        if not isinstance(digest, bytes) or len(digest) != _HASHES[algorithm]:
            return _rejection("bad_data_format")
        if policy not in (None, POLICY):
            return _rejection("unaccepted_policy")
        return self._grant(request, now or datetime.now(UTC), nonce, cert_req).dump()

    def _grant(
        self, request: tsp.TimeStampReq, now: datetime, nonce: int | None, cert_req: bool
    ) -> tsp.TimeStampResp:
        info = {
            "version": "v1",
            "policy": POLICY,
            "message_imprint": request["message_imprint"],
            "serial_number": secrets.randbits(63) | 1,
            "gen_time": now.replace(microsecond=0),
            "accuracy": {"seconds": 1},
            "tsa": asn1_x509.GeneralName(name="directory_name", value=self.certificate.subject),
        }
        if nonce is not None:
            info["nonce"] = nonce
        tst_info = tsp.TSTInfo(info).dump()
        signed_attrs = cms.CMSAttributes(
            [
                _attribute("content_type", "tst_info"),
                _attribute("signing_time", cms.Time({"utc_time": core.UTCTime(now)})),
                _attribute("message_digest", hashlib.sha256(tst_info).digest()),
                _attribute("signing_certificate_v2", self._ess),
            ]
        )
        signature = self.key.sign(signed_attrs.dump(), ec.ECDSA(hashes.SHA256()))
        signer = cms.SignerInfo(
            {
                "version": "v1",
                "sid": cms.SignerIdentifier(
                    name="issuer_and_serial_number",
                    value={
                        "issuer": self.certificate.issuer,
                        "serial_number": self.certificate.serial_number,
                    },
                ),
                "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                "signed_attrs": signed_attrs,
                "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"}),
                "signature": signature,
            }
        )
        content: dict[str, object] = {
            "version": "v3",
            "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
            "encap_content_info": {
                "content_type": "tst_info",
                "content": cms.ParsableOctetString(tst_info),
            },
            "signer_infos": [signer],
        }
        if cert_req:  # RFC 3161 2.4.1: certificates only when asked for, and then must be
            content["certificates"] = [self.certificate]
        signed_data = cms.SignedData(content)
        token = cms.ContentInfo({"content_type": "signed_data", "content": signed_data})
        return tsp.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token})


def _attribute(kind: str, value: object) -> cms.CMSAttribute:
    return cms.CMSAttribute({"type": kind, "values": (value,)})


class _Rejection(core.Sequence):
    """TimeStampResp without a token (asn1crypto's own class insists on one)."""

    _fields: ClassVar[list[tuple[str, type]]] = [("status", tsp.PKIStatusInfo)]


def _rejection(failure: str) -> bytes:
    return _Rejection(
        {"status": {"status": "rejection", "fail_info": tsp.PKIFailureInfo({failure})}}
    ).dump()
