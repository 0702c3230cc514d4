"""The admin API (``/api/v1``): register and revoke members, subsystems, security servers,
hosted clients and global groups. JSON in, JSON out; every error is problem+json.

Callers present central's admin token as ``Authorization: Bearer <token>``. The views only
parse and translate: the rules live in ``central.domain`` and the use cases in
``central.registry``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, current_app, request

from central import keys, registry, repository
from central.domain.errors import (
    AlreadyRevoked,
    Duplicate,
    InvalidField,
    InvalidIdentifier,
    RegistryError,
    Revoked,
    Unknown,
)
from central.domain.identifiers import MemberId, ServerId, SubsystemId, check_identifier
from central.domain.registration import ServerDetails
from central.models import GlobalGroup, Member, SecurityServer, Subsystem
from govkit.access import bearer_token_rule
from govkit.db import get_session
from govkit.errors import Problem, problem_response
from govkit.web import get_settings

bp = Blueprint("admin", __name__, url_prefix="/api/v1")

#: Admin requests are small JSON objects.
MAX_BODY_BYTES = 64 * 1024
_TOKEN_CACHE = "central.admin_token"  # noqa: S105 - an extensions key, not a secret


def _admin_token() -> str | None:
    configured = getattr(get_settings(), "admin_token", None)
    if configured is not None:
        return configured.get_secret_value()
    token = current_app.extensions.get(_TOKEN_CACHE)
    if token is None:
        token = keys.read_admin_token(get_settings().data_dir)
        if token is not None:
            current_app.extensions[_TOKEN_CACHE] = token
    return token


ADMIN_ACCESS = bearer_token_rule(
    "central-admin",
    _admin_token,
    realm="madoguchi-central",
    what="central's admin token",
    title="Admin token required",
    not_set_up="there is no admin token: run `kit prepare central` (or set CENTRAL_ADMIN_TOKEN)",
    not_set_up_title="Admin API not set up",
)

_STATUS: list[tuple[type[RegistryError], int, str]] = [
    (InvalidIdentifier, 400, "Invalid identifier"),
    (InvalidField, 400, "Invalid field"),
    (Unknown, 404, "Not registered"),
    (Duplicate, 409, "Already registered"),
    (AlreadyRevoked, 409, "Already revoked"),
    (Revoked, 409, "Revoked"),
]


@bp.errorhandler(RegistryError)
def registry_error(error: RegistryError) -> Response:
    status, title = next(
        ((status, title) for kind, status, title in _STATUS if isinstance(error, kind)),
        (400, "Request refused"),
    )
    return problem_response(Problem(status, title, error.message))


def _now() -> datetime:
    return datetime.now(UTC)


def _body(*allowed: str) -> dict[str, Any]:
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise Problem(
            413, "Request too large", f"admin requests are at most {MAX_BODY_BYTES} bytes"
        )
    if not request.is_json:
        raise Problem(
            415, "JSON expected", "send a JSON object with Content-Type: application/json"
        )
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Problem(400, "JSON object expected", "the body must be a JSON object")
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise Problem(
            400,
            "Unknown fields",
            f"not expected: {', '.join(unknown)}; allowed: {', '.join(allowed)}",
        )
    return body


def _required(body: dict[str, Any], name: str) -> Any:
    if name not in body:
        raise Problem(400, "Missing field", f"{name} is required")
    return body[name]


# -- member, subsystem, server ids from the path (validated like any input) ---------------------


def _member(member_class: str, member_code: str) -> MemberId:
    return MemberId(member_class, member_code)


def _subsystem(member_class: str, member_code: str, subsystem: str) -> SubsystemId:
    return SubsystemId(MemberId(member_class, member_code), subsystem)


def _server(member_class: str, member_code: str, server: str) -> ServerId:
    return ServerId(MemberId(member_class, member_code), server)


# -- views ----------------------------------------------------------------------------------------


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat(timespec="seconds")


def _revocation(row: Member | Subsystem | SecurityServer) -> dict[str, Any]:
    return {"revoked_at": _time(row.revoked_at), "revoked_reason": row.revoked_reason}


def _member_json(row: Member) -> dict[str, Any]:
    return {
        "id": f"{row.member_class}/{row.member_code}",
        "class": row.member_class,
        "code": row.member_code,
        "name": row.name,
        "created_at": _time(row.created_at),
        **_revocation(row),
    }


def _server_json(owner: Member, row: SecurityServer) -> dict[str, Any]:
    return {
        "id": f"{owner.member_class}/{owner.member_code}/{row.server_code}",
        "owner": f"{owner.member_class}/{owner.member_code}",
        "code": row.server_code,
        "address": row.address,
        "tls_fingerprint": row.tls_fingerprint,
        "signing_fingerprint": row.signing_fingerprint,
        "created_at": _time(row.created_at),
        "updated_at": _time(row.updated_at),
        **_revocation(row),
    }


@bp.get("/members")
def list_members() -> dict[str, Any]:
    return {"members": [_member_json(m) for m in repository.list_members(session=get_session())]}


@bp.post("/members")
def register_member() -> tuple[dict[str, Any], int]:
    body = _body("class", "code", "name")
    member = MemberId(_required(body, "class"), _required(body, "code"))
    row = registry.register_member(
        member, _required(body, "name"), session=get_session(), now=_now()
    )
    return _member_json(row), 201


@bp.get("/members/<member_class>/<member_code>")
def show_member(member_class: str, member_code: str) -> dict[str, Any]:
    member = _member(member_class, member_code)
    session = get_session()
    row = repository.get_member(member, session=session)
    state = repository.load_state(session=session, instance="")
    return {
        **_member_json(row),
        "subsystems": [
            {"id": str(s.id), "code": s.id.subsystem_code, "revoked": s.revoked}
            for s in sorted(state.subsystems, key=lambda s: s.id)
            if s.id.member == member
        ],
        "security_servers": [
            {
                "id": str(s.id),
                "code": s.id.server_code,
                "address": s.address,
                "tls_fingerprint": s.tls_fingerprint,
                "signing_fingerprint": s.signing_fingerprint,
                "clients": [str(c) for c in s.clients],
                "revoked": s.revoked,
            }
            for s in sorted(state.servers, key=lambda s: s.id)
            if s.id.owner == member
        ],
    }


@bp.post("/members/<member_class>/<member_code>/revoke")
def revoke_member(member_class: str, member_code: str) -> dict[str, Any]:
    member = _member(member_class, member_code)
    body = _body("reason")
    done = registry.revoke_member(
        member, _required(body, "reason"), session=get_session(), now=_now()
    )
    return _revocation_json(done)


@bp.post("/members/<member_class>/<member_code>/subsystems")
def register_subsystem(member_class: str, member_code: str) -> tuple[dict[str, Any], int]:
    member = _member(member_class, member_code)
    body = _body("code")
    subsystem = SubsystemId(member, _required(body, "code"))
    row = registry.register_subsystem(subsystem, session=get_session(), now=_now())
    return {
        "id": str(subsystem),
        "member": str(member),
        "code": row.code,
        "created_at": _time(row.created_at),
    }, 201


@bp.post("/members/<member_class>/<member_code>/subsystems/<subsystem>/revoke")
def revoke_subsystem(member_class: str, member_code: str, subsystem: str) -> dict[str, Any]:
    target = _subsystem(member_class, member_code, subsystem)
    body = _body("reason")
    done = registry.revoke_subsystem(
        target, _required(body, "reason"), session=get_session(), now=_now()
    )
    return _revocation_json(done)


@bp.post("/members/<member_class>/<member_code>/servers")
def register_server(member_class: str, member_code: str) -> tuple[dict[str, Any], int]:
    member = _member(member_class, member_code)
    body = _body("code", "address", "tls_fingerprint", "signing_fingerprint")
    server = ServerId(member, _required(body, "code"))
    details = ServerDetails.parse(
        address=body.get("address"),
        tls_fingerprint=body.get("tls_fingerprint"),
        signing_fingerprint=body.get("signing_fingerprint"),
    )
    session = get_session()
    row = registry.register_server(server, details, session=session, now=_now())
    owner = repository.get_member(member, session=session)
    return _server_json(owner, row), 201


@bp.patch("/members/<member_class>/<member_code>/servers/<server>")
def update_server(member_class: str, member_code: str, server: str) -> dict[str, Any]:
    target = _server(member_class, member_code, server)
    body = _body("address", "tls_fingerprint", "signing_fingerprint")
    details = ServerDetails.parse(
        address=body.get("address"),
        tls_fingerprint=body.get("tls_fingerprint"),
        signing_fingerprint=body.get("signing_fingerprint"),
    )
    session = get_session()
    row = registry.update_server(target, details, session=session, now=_now())
    owner = repository.get_member(target.owner, session=session)
    return _server_json(owner, row)


@bp.post("/members/<member_class>/<member_code>/servers/<server>/clients")
def add_client(member_class: str, member_code: str, server: str) -> tuple[dict[str, Any], int]:
    target = _server(member_class, member_code, server)
    body = _body("client")
    client = SubsystemId.parse(_required(body, "client"))
    registry.add_client(target, client, session=get_session(), now=_now())
    return {"server": str(target), "client": str(client)}, 201


@bp.post("/members/<member_class>/<member_code>/servers/<server>/revoke")
def revoke_server(member_class: str, member_code: str, server: str) -> dict[str, Any]:
    target = _server(member_class, member_code, server)
    body = _body("reason")
    done = registry.revoke_server(
        target, _required(body, "reason"), session=get_session(), now=_now()
    )
    return _revocation_json(done)


@bp.get("/groups")
def list_groups() -> dict[str, Any]:
    return {
        "groups": [
            {"code": g.code, "description": g.description, "members": [str(m) for m in g.members]}
            for g in repository.list_groups(session=get_session())
        ]
    }


@bp.post("/groups")
def create_group() -> tuple[dict[str, Any], int]:
    body = _body("code", "description")
    row: GlobalGroup = registry.create_group(
        _required(body, "code"), _required(body, "description"), session=get_session(), now=_now()
    )
    return {"code": row.code, "description": row.description, "members": []}, 201


@bp.post("/groups/<code>/members")
def add_group_member(code: str) -> tuple[dict[str, Any], int]:
    check_identifier(code, "group code")
    body = _body("subsystem")
    subsystem = SubsystemId.parse(_required(body, "subsystem"))
    registry.add_group_member(code, subsystem, session=get_session(), now=_now())
    return {"group": code, "subsystem": str(subsystem)}, 201


def _revocation_json(done: registry.Revocation) -> dict[str, Any]:
    return {
        "revoked": done.what,
        "id": done.identifier,
        "revoked_at": _time(done.revoked_at),
        "reason": done.reason,
    }
