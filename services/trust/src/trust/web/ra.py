"""The registration authority: services obtain and revoke their certificates here.

Callers present the kit's RA token as a bearer token. A JPKI signing certificate request also
carries the holder's basic four (``subject_attributes``); they go into the certificate and are
never logged. In a real deployment registration is an
out-of-band, audited process; the kit automates it so `make up` can provision every service.
"""

from __future__ import annotations

from flask import Blueprint, current_app, request

from govkit.access import bearer_token_rule
from govkit.certificates.keys import pem
from govkit.db import get_session
from govkit.errors import Problem
from govkit.web import get_settings
from trust import repository, services
from trust.web.context import context, now

bp = Blueprint("ra", __name__, url_prefix="/api/v1")


def _ra_token() -> str | None:
    token = get_settings().trust_ra_token
    return None if token is None else token.get_secret_value()


RA_ACCESS = bearer_token_rule(
    "registration-authority",
    _ra_token,
    realm="madoguchi-ra",
    what="the kit's RA token",
    title="Registration token required",
    not_set_up="the registration authority has no token (KIT_TRUST_RA_TOKEN)",
)


def _json() -> dict[str, object]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Problem(
            400, "JSON object expected", "send a JSON object with Content-Type application/json"
        )
    return body


@bp.post("/certificates")
def issue() -> tuple[dict[str, object], int, dict[str, str]]:
    body = _json()
    fields = {k: body.get(k) for k in ("profile", "holder", "csr")}
    missing = [k for k, v in fields.items() if not isinstance(v, str) or not v]
    if missing:
        raise Problem(400, "Missing fields", f"required string fields: {', '.join(missing)}")
    dns_names = body.get("dns_names", [])
    if not isinstance(dns_names, list) or not all(isinstance(n, str) for n in dns_names):
        raise Problem(400, "Invalid dns_names", "dns_names must be a list of host names")
    try:
        issued = services.issue_certificate(
            session=get_session(), keyring=context().keyring, urls=context().urls,
            profile=str(fields["profile"]), holder=str(fields["holder"]),
            csr_pem=str(fields["csr"]), now=now(), validity=context().validity,
            dns_names=tuple(dns_names), subject_attributes=body.get("subject_attributes"),
        )  # fmt: skip
    except services.RequestRejected as exc:
        raise Problem(422, "Request rejected", str(exc)) from None
    record = issued.record
    current_app.logger.info(
        "certificate issued",
        extra={"profile": record.profile, "holder": record.holder, "serial": record.serial},
    )
    body_out = {
        "serial": record.serial,
        "kid": record.kid,
        "profile": record.profile,
        "holder": record.holder,
        "certificate": pem(issued.chain[0]),
        "chain": [pem(c) for c in issued.chain[1:]],
    }
    return body_out, 201, {"Location": f"/api/v1/certificates/{record.serial}"}


@bp.post("/certificates/<serial>/revocation")
def revoke(serial: str) -> dict[str, object]:
    reason = _json().get("reason", "unspecified")
    try:
        record = services.revoke_certificate(
            session=get_session(), serial=serial, reason=str(reason), now=now()
        )
    except repository.RecordNotFound:
        raise Problem(
            404, "Unknown certificate", f"no certificate with serial {serial!r}"
        ) from None
    except services.RequestRejected as exc:
        raise Problem(422, "Request rejected", str(exc)) from None
    current_app.logger.info(
        "certificate revoked", extra={"serial": record.serial, "reason": record.revocation_reason}
    )
    return {"serial": record.serial, "revoked_at": services._iso(record.revoked_at),
            "revocation_reason": record.revocation_reason}  # fmt: skip
