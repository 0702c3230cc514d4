"""Public PKI endpoints: certificates, CRLs, OCSP, RFC 3161 timestamps, the trust list."""

from __future__ import annotations

import base64
import binascii

from cryptography.hazmat.primitives import serialization
from flask import Blueprint, Response, request

from govkit.db import get_session
from govkit.errors import Problem
from trust import pki, repository, services
from trust.web.context import context, now

bp = Blueprint("pki", __name__)

_AUTHORITIES = {a.value for a in pki.Authority}


def _authority(name: str) -> str:
    if name not in _AUTHORITIES:
        raise Problem(404, "Unknown authority", f"there is no authority called {name!r}")
    return name


def _binary(body: bytes, mimetype: str, max_age: int = 0) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Cache-Control"] = f"public, max-age={max_age}" if max_age else "no-cache"
    return response


@bp.get("/pki/<name>.crt")
def certificate(name: str) -> Response:
    cert = services.authority_certificate(session=get_session(), name=_authority(name))
    return _binary(cert.public_bytes(serialization.Encoding.DER), "application/pkix-cert", 3600)


@bp.get("/pki/<name>.pem")
def certificate_pem(name: str) -> Response:
    cert = services.authority_certificate(session=get_session(), name=_authority(name))
    return _binary(cert.public_bytes(serialization.Encoding.PEM), "application/x-pem-file", 3600)


@bp.get("/pki/tsa.pem")
def tsa_certificate() -> Response:
    signer = services.service_signer(
        session=get_session(), keyring=context().keyring, profile=pki.Profile.TSA
    )
    return _binary(
        signer.certificate.public_bytes(serialization.Encoding.PEM), "application/x-pem-file", 3600
    )


@bp.get("/crl/<name>.crl")
def crl(name: str) -> Response:
    body = services.crl(
        session=get_session(), keyring=context().keyring, authority=_authority(name),
        now=now(), validity=context().validity,
    )  # fmt: skip
    return _binary(body, "application/pkix-crl", 60)


def _ocsp(name: str, request_der: bytes) -> Response:
    body = services.ocsp_response(
        session=get_session(), keyring=context().keyring, authority=_authority(name),
        request_der=request_der, now=now(), validity=context().validity,
    )  # fmt: skip
    return _binary(body, "application/ocsp-response")


@bp.post("/ocsp/<name>")
def ocsp_post(name: str) -> Response:
    return _ocsp(name, request.get_data(cache=False))


@bp.get("/ocsp/<name>/<path:encoded>")
def ocsp_get(name: str, encoded: str) -> Response:
    try:
        request_der = base64.b64decode(encoded, validate=False)
    except (binascii.Error, ValueError):
        request_der = b""
    return _ocsp(name, request_der)


@bp.post("/tsa")
def timestamp() -> Response:
    if request.mimetype != "application/timestamp-query":
        raise Problem(
            415, "Unsupported media type", "send an RFC 3161 request as application/timestamp-query"
        )
    return _binary(
        context().tsa().respond(request.get_data(cache=False)), "application/timestamp-reply"
    )


@bp.get("/trust-list")
def trust_list() -> Response:
    token = services.trust_list(
        session=get_session(), keyring=context().keyring, now=now(), validity=context().validity
    )
    response = Response(token, mimetype="application/jwt")
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


@bp.get("/api/v1/certificates/<serial>")
def certificate_status(serial: str) -> dict[str, object]:
    record = repository.find_certificate(session=get_session(), serial=serial.lower())
    if record is None:
        raise Problem(404, "Unknown certificate", f"no certificate with serial {serial!r}")
    return {
        "serial": record.serial,
        "profile": record.profile,
        "holder": record.holder,
        "subject": record.subject,
        "kid": record.kid,
        "not_before": services._iso(record.not_before),
        "not_after": services._iso(record.not_after),
        "withdrawn_at": services._iso(record.withdrawn_at),
        "revoked_at": services._iso(record.revoked_at),
        "revocation_reason": record.revocation_reason,
    }
