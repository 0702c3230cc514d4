"""RFC 3161 timestamps over seal roots: the TSA client interface and the token checks.

* :class:`Timestamper` is all sealing needs: ``timestamp(digest) -> token`` (DER
  ``ContentInfo``/``SignedData`` of an RFC 3161 ``TimeStampToken`` over a SHA-256 digest).
  :class:`TsaTimestamper` asks the kit's trust service TSA through govkit's RFC 3161 client
  (:class:`govkit.certificates.seal.KeepAliveTimeStamper`, pyHanko underneath, the same one
  PDF sealing uses); tests may pass a fake.
* :func:`token_info` reads the imprint and time out of a token (asn1crypto), so the verifier
  can check a token covers its root.
* :func:`check_token_signature` checks the token's CMS signature and that the TSA certificate
  chains to a given root (pyHanko's RFC 3161 validation, offline).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from asn1crypto import cms, pem, x509
from pyhanko.sign.validation import generic_cms
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko_certvalidator import ValidationContext

from govkit.certificates.seal import KeepAliveTimeStamper

__all__ = [
    "TimestampError",
    "Timestamper",
    "TokenInfo",
    "TsaTimestamper",
    "check_token_signature",
    "token_info",
]


class TimestampError(RuntimeError):
    """A timestamp could not be obtained, read or checked (the message says why)."""


class Timestamper(Protocol):
    def timestamp(self, digest: bytes) -> bytes:
        """An RFC 3161 token (DER) over the SHA-256 ``digest``; raises :class:`TimestampError`."""
        ...


class TsaTimestamper:
    """The kit's TSA (``{trust_url}/tsa``) through govkit's RFC 3161 client."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url
        self._stamper = KeepAliveTimeStamper(url, timeout=timeout)

    def timestamp(self, digest: bytes) -> bytes:
        try:
            token = asyncio.run(self._stamper.async_timestamp(digest, "sha256"))
        except Exception as exc:  # pyHanko's errors, network errors: all mean "no timestamp"
            raise TimestampError(f"the timestamp authority at {self.url} failed: {exc}") from exc
        return bytes(token.dump())


# -- reading and checking tokens (asn1crypto and pyHanko, as govkit.certificates does) ---------


@dataclass(frozen=True)
class TokenInfo:
    """What a token says it timestamps: the SHA-256 digest, and when (``genTime`` as written)."""

    digest: bytes
    gen_time: str


def _signed_data(token: bytes) -> cms.SignedData:
    try:
        info = cms.ContentInfo.load(token, strict=True)
        if info["content_type"].native != "signed_data":
            raise TimestampError("the timestamp token is not CMS SignedData")
        signed = info["content"]
        encap = signed["encap_content_info"]
        if encap["content_type"].native != "tst_info":
            raise TimestampError("the timestamp token does not hold a TSTInfo")
        encap["content"].parsed  # noqa: B018 - parse now, so that a broken TSTInfo fails here
    except TimestampError:
        raise
    except (ValueError, TypeError, KeyError) as exc:
        raise TimestampError("the timestamp token is malformed") from exc
    return signed


def token_info(token: bytes) -> TokenInfo:
    """Read the message imprint and time of an RFC 3161 token; raises :class:`TimestampError`."""
    tst = _signed_data(token)["encap_content_info"]["content"].parsed
    try:
        imprint = tst["message_imprint"]
        if imprint["hash_algorithm"]["algorithm"].native != "sha256":
            raise TimestampError("the timestamp token does not use SHA-256")
        return TokenInfo(
            digest=bytes(imprint["hashed_message"].native),
            gen_time=tst["gen_time"].contents.decode("ascii"),
        )
    except TimestampError:
        raise
    except (ValueError, TypeError, KeyError) as exc:
        raise TimestampError("the timestamp token is malformed") from exc


def check_token_signature(token: bytes, digest: bytes, root_pem: Path) -> None:
    """Check that ``token`` is a valid TSA signature over ``digest`` by a TSA certificate that
    chains to the root in ``root_pem`` (pyHanko's RFC 3161 validation; no revocation check:
    an archive is checked offline, long after the fact); raises :class:`TimestampError`."""
    try:
        roots = [
            x509.Certificate.load(pem.unarmor(block)[2])
            for block in _pem_blocks(root_pem.read_bytes())
        ]
    except (OSError, ValueError) as exc:
        raise TimestampError(f"the root certificate {root_pem} is unreadable: {exc}") from None
    if not roots:
        raise TimestampError(f"no certificate in {root_pem}")
    signed = _signed_data(token)
    context = ValidationContext(
        trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail"
    )
    try:
        status = asyncio.run(
            generic_cms.validate_tst_signed_data(signed, context, lambda _algorithm: digest)
        )
    except (SignatureValidationError, ValueError, KeyError, TypeError) as exc:
        raise TimestampError(f"the timestamp signature does not verify ({exc})") from None
    trusted = status.get("trust_problem_indic") is None and status.get("validation_path")
    if not (status.get("intact") and status.get("valid") and trusted):
        raise TimestampError("the timestamp signature does not verify to the given root")


def _pem_blocks(data: bytes) -> list[bytes]:
    marker = b"-----END CERTIFICATE-----"
    return [block + marker for block in data.split(marker) if b"-----BEGIN" in block]
