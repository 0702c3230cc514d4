"""The two halves of a security server: the consumer proxy (information system → exchange)
and the provider proxy (exchange → information system).

Framework-free: the web layer hands in what arrived (:class:`Incoming`) and writes out what
comes back (:class:`Outgoing`); the collaborators (global configuration, keys, catalogue,
peers, provider IS session, log and monitoring writers, clock) live in a
:class:`~securityserver.runtime.Runtime`.

The order of checks follows X-Road (xroad.md §1.3-§1.7, §3.5):

consumer side
    request target and method (``Client.BadRequest``, ``Client.InvalidProtocolVersion``) →
    ``X-Road-Client`` (``Client.InvalidClientIdentifier``) → path normalised, ``..`` refused
    (``Client.BadRequest``) → body within the cap (``Client.BadRequest``) → global configuration
    not expired (``Server.ClientProxy.OutdatedGlobalConf``) → client hosted here and provider
    hosted somewhere (``Server.ClientProxy.UnknownMember``) → sign, log, send over mTLS
    (``Server.ClientProxy.NetworkError``/``IOError``/``SslAuthenticationFailed``) → verify the
    response's signature and ids (``Server.ClientProxy.*Signature*``/``InconsistentResponse``)
    → log → answer.

provider side
    envelope → provider subsystem hosted here (``Server.ServerProxy.UnknownMember``) → TLS
    peer is a server hosting the client (``Server.ServerProxy.SslAuthenticationFailed``) →
    service known (``UnknownService``), access right (``AccessDenied``), enabled
    (``ServiceDisabled``) → request signature (``Server.ServerProxy.*Signature*``) → log →
    forward (``ServiceFailed.*``) or answer a metaservice → sign and log the response.
"""

from __future__ import annotations

import hmac
import json
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

from cryptography import x509

from govkit.certificates.keys import fingerprint
from securityserver.envelope import (
    HEADER_LENGTH_HEADER,
    SIGNATURE_HEADER,
    Envelope,
    open_envelope,
    parse_request_head,
    parse_response_head,
)
from securityserver.messagelog.chain import Direction, Message, Side, check_body_size
from securityserver.protocol.access import (
    GroupId,
    allowed_services,
    check_access,
    normalise_path,
)
from securityserver.protocol.errors import X_ROAD_ERROR, ExchangeError, FaultCode, render_error
from securityserver.protocol.headers import (
    INFORMATION_SYSTEM_TOKEN,
    X_ROAD_CLIENT,
    X_ROAD_ID,
    X_ROAD_ISSUE,
    X_ROAD_REQUEST_ID,
    X_ROAD_USER_ID,
    check_lengths,
    check_response_headers,
    client_response_headers,
    keep_or_generate_id,
    last_value,
    provider_request_headers,
    request_hash,
    request_header_part,
    response_header_part,
)
from securityserver.protocol.identifiers import ClientId, ServiceId, parse_client_header
from securityserver.protocol.request import RestTarget, check_method, parse_target
from securityserver.signing import sign_message, trusted_signing_fingerprints, verify_message

if TYPE_CHECKING:
    from govkit.exchange.globalconf import GlobalConfiguration
    from securityserver.runtime import Runtime

__all__ = ["Incoming", "Outgoing", "consume", "fault", "list_clients", "provide", "refusal"]

#: Extra seconds the consumer waits for the provider's security server beyond the service's
#: own timeout (the provider SS signs, logs and answers its own timeout error in that time).
PEER_MARGIN = 5.0


@dataclass(frozen=True, slots=True)
class Incoming:
    method: str
    raw_target: str
    headers: list[tuple[str, str]]
    body: bytes
    #: The TLS peer's certificate (DER), on the SS-to-SS port only.
    peer_certificate: bytes | None = None


@dataclass(slots=True)
class Outgoing:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    reason: str = ""


@dataclass(slots=True)
class _Monitor:
    """One operational-monitoring record being filled in (xroad.md §4.2)."""

    side: str
    clock: Callable[[], int]
    request_in_ts: int = 0
    fields: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.request_in_ts = self.clock()

    def stamp(self, name: str) -> None:
        self.fields[name] = self.clock()


def _new_id() -> str:
    return str(uuid.uuid4())


def fault(error: ExchangeError, accept: str | None, detail: str | None = None) -> Outgoing:
    """The layer's answer for ``error`` (JSON or XML as ``accept`` asks); ``detail`` is the id
    of the log entry, a fresh one when not given."""
    rendered = render_error(error, accept=accept, detail=detail or _new_id())
    return Outgoing(rendered.status, list(rendered.headers), rendered.body)


def _subsystem_key(client: ClientId) -> str:
    """How global configuration names a subsystem: without the instance."""
    return "/".join(client.parts[1:])


# -- consumer side ------------------------------------------------------------------------------


def consume(runtime: Runtime, incoming: Incoming) -> Outgoing:
    """Handle one request from an information system (IS-facing port)."""
    monitor = _Monitor("Client", runtime.millis)
    accept = last_value(incoming.headers, "Accept")
    try:
        answer = _consume(runtime, incoming, monitor)
    except Exception as exc:  # noqa: BLE001 - every failure is answered as an X-Road fault
        answer = _refused(runtime, monitor, exc, accept, FaultCode.CLIENT_PROXY_INTERNAL_ERROR)
    return _finish(runtime, monitor, answer)


def _refused(
    runtime: Runtime, monitor: _Monitor, exc: Exception, accept: str | None, internal: str
) -> Outgoing:
    error, answer = refusal(exc, accept, internal, runtime.log)
    monitor.fields.update(fault_code=error.code, fault_string=error.message[:1000])
    return answer


def refusal(
    exc: Exception, accept: str | None, internal: str, logger: logging.Logger
) -> tuple[ExchangeError, Outgoing]:
    """The layer's fault for ``exc``, logged with the ``detail`` id the caller receives;
    anything but an :class:`ExchangeError` is a bug of ours, logged with its traceback and
    answered as ``internal`` without details."""
    detail = _new_id()
    if isinstance(exc, ExchangeError):
        error = exc
        logger.warning(
            "exchange refused",
            extra={"fault": error.code, "detail": detail, "reason": error.message},
        )
    else:
        logger.error("security server failed", exc_info=exc, extra={"detail": detail})
        error = ExchangeError(internal, "The security server failed; the log has the details")
    return error, fault(error, accept, detail)


def _finish(runtime: Runtime, monitor: _Monitor, answer: Outgoing) -> Outgoing:
    monitor.stamp("response_out_ts")
    monitor.fields.setdefault("response_size", len(answer.body))
    monitor.fields.setdefault("status_code", answer.status)
    runtime.record_monitoring(monitor.side, monitor.request_in_ts, monitor.fields)
    return answer


def authenticate_information_system(
    token: str | None, headers: Sequence[tuple[str, str]], client: ClientId
) -> None:
    """The consumer side's IS authentication (xroad.md §3.5): ``X-Road-Client`` alone proves
    nothing, so with a token (`make up` always sets one) only the member's information
    systems, which hold it, may call as one of its subsystems. Without one anything is
    accepted, as with X-Road's connection type HTTP."""
    if token is None:
        return
    given = last_value(headers, INFORMATION_SYSTEM_TOKEN) or ""
    if not hmac.compare_digest(given.encode(), token.encode()):
        raise ExchangeError(
            FaultCode.CLIENT_PROXY_SSL_AUTHENTICATION_FAILED,
            f"Client ({client}) did not authenticate as an information system of this "
            f"security server: send its token in {INFORMATION_SYSTEM_TOKEN}",
        )


def _consume(runtime: Runtime, incoming: Incoming, monitor: _Monitor) -> Outgoing:
    target = parse_target(incoming.raw_target)
    method = check_method(incoming.method)
    client = parse_client_header(last_value(incoming.headers, X_ROAD_CLIENT))
    client_name, service_name = str(client), str(target.service)
    check_lengths(incoming.headers, client_name, service_name)
    monitor.fields.update(
        client=client_name,
        service=service_name,
        rest_method=method,
        rest_path=target.service_path[:500] or "/",
        request_size=len(incoming.body),
        user_id=last_value(incoming.headers, X_ROAD_USER_ID),
        issue=last_value(incoming.headers, X_ROAD_ISSUE),
    )
    authenticate_information_system(runtime.information_system_token, incoming.headers, client)
    if not target.is_metaservice:
        normalise_path(target.service_path)  # '..' and friends never leave this server
    check_body_size(len(incoming.body), runtime.max_body)
    conf = runtime.confs.current()
    if (
        client.instance != conf.instance
        or client.member != runtime.member
        or not any(
            server.code == runtime.server_code and server.owner == runtime.member_key
            for server in conf.servers_hosting(_subsystem_key(client))
        )
    ):
        raise ExchangeError(
            FaultCode.CLIENT_PROXY_UNKNOWN_MEMBER,
            f"Client {client} is not registered at this security server "
            f"({runtime.member_key}/{runtime.server_code})",
        )
    server = _provider_server(conf, target.provider)
    message_id = keep_or_generate_id(last_value(incoming.headers, X_ROAD_ID), _new_id)
    request_id = _new_id()
    monitor.fields.update(x_road_id=message_id, request_id=request_id, peer_address=server.address)
    headers = provider_request_headers(
        incoming.headers, client=client, message_id=message_id, request_id=request_id
    )
    header_part = request_header_part(method, incoming.raw_target, headers)
    request_digest = request_hash(header_part, incoming.body)
    now = runtime.now()
    signature = sign_message(
        "request",
        header_part,
        incoming.body,
        signer=runtime.member,
        key=runtime.signing.key,
        chain=runtime.signing.full_chain,
        now=now,
    )
    runtime.append_log(
        Message(message_id, request_id, Side.CONSUMER, Direction.REQUEST, client_name,
                service_name, header_part, incoming.body, signature),
    )  # fmt: skip
    monitor.stamp("request_out_ts")
    timeout = runtime.timeout_for(target.service) + PEER_MARGIN
    answer = runtime.peers.send(
        server.address or "",
        server.tls_fingerprint or "",
        Envelope(header_part, incoming.body, signature),
        timeout=timeout,
        max_body=runtime.max_body + 1024 * 1024,
    )
    monitor.stamp("response_in_ts")
    if answer.headers.get(X_ROAD_ERROR):
        # The provider's security server refused: its fault travels back unchanged (§1.7).
        raise _peer_fault(answer.headers[X_ROAD_ERROR], answer.body)
    envelope = open_envelope(
        answer.headers.get(SIGNATURE_HEADER),
        answer.headers.get(HEADER_LENGTH_HEADER),
        answer.body,
        FaultCode.INCONSISTENT_RESPONSE,
    )
    if len(envelope.body) > runtime.max_body:
        raise ExchangeError(
            FaultCode.CLIENT_PROXY_IO_ERROR,
            f"The provider answered with more than {runtime.max_body:,} bytes, the most this "
            "security server logs",
        )
    verify_message(
        envelope.signature,
        envelope.header_part,
        envelope.body,
        kind="response",
        expected_signer=target.provider,
        now=runtime.now(),
        trusted_fingerprints=trusted_signing_fingerprints(conf, target.provider),
        roots=runtime.roots,
        request_hash=request_digest,
    )
    head = parse_response_head(envelope.header_part)
    check_response_headers(
        head.headers,
        message_id=message_id,
        client=client,
        service=target.service,
        request_id=request_id,
        request_hash=request_digest,
    )
    runtime.append_log(
        Message(message_id, request_id, Side.CONSUMER, Direction.RESPONSE, client_name,
                service_name, envelope.header_part, envelope.body, envelope.signature),
    )  # fmt: skip
    monitor.fields.update(response_size=len(envelope.body), status_code=head.status)
    monitor.fields["succeeded"] = True
    return Outgoing(head.status, head.headers, envelope.body, head.reason)


def _provider_server(conf: GlobalConfiguration, provider: ClientId) -> Any:
    servers = [
        s
        for s in conf.servers_hosting(_subsystem_key(provider))
        if s.address and s.tls_fingerprint
    ] if provider.instance == conf.instance else []  # fmt: skip
    if not servers:
        raise ExchangeError(
            FaultCode.CLIENT_PROXY_UNKNOWN_MEMBER,
            f"No security server with an address hosts {provider} in global configuration",
        )
    return servers[0]


def _peer_fault(code: str, body: bytes) -> ExchangeError:
    """The provider security server's error, as it sent it (type and message kept)."""
    message = "The provider's security server refused the request"
    try:
        document = json.loads(body)
        if isinstance(document, dict) and isinstance(document.get("message"), str):
            message = document["message"][:1000]
    except ValueError:
        pass
    try:
        return ExchangeError(code, message)
    except ValueError:  # not a fault code: never pass on what we cannot vouch for
        return ExchangeError(FaultCode.INCONSISTENT_RESPONSE, "The provider sent an invalid error")


# -- provider side ------------------------------------------------------------------------------


def provide(runtime: Runtime, incoming: Incoming) -> Outgoing:
    """Handle one signed request from another security server (SS-to-SS port)."""
    monitor = _Monitor("Producer", runtime.millis)
    try:
        answer = _provide(runtime, incoming, monitor)
    except Exception as exc:  # noqa: BLE001 - every failure is answered as an X-Road fault
        answer = _refused(
            runtime, monitor, exc, "application/json", FaultCode.SERVER_PROXY_INTERNAL_ERROR
        )
    return _finish(runtime, monitor, answer)


def _provide(runtime: Runtime, incoming: Incoming, monitor: _Monitor) -> Outgoing:
    invalid = FaultCode.SERVER_PROXY_INVALID_REQUEST
    envelope = open_envelope(
        last_value(incoming.headers, SIGNATURE_HEADER),
        last_value(incoming.headers, HEADER_LENGTH_HEADER),
        incoming.body,
        invalid,
    )
    head = parse_request_head(envelope.header_part)
    try:
        target = parse_target(head.raw_target)
        check_method(head.method)
        client = parse_client_header(last_value(head.headers, X_ROAD_CLIENT))
        client_name, service_name = str(client), str(target.service)
        check_lengths(head.headers, client_name, service_name)
    except ExchangeError as error:
        raise ExchangeError(invalid, error.message) from None
    message_id = last_value(head.headers, X_ROAD_ID) or ""
    request_id = last_value(head.headers, X_ROAD_REQUEST_ID) or ""
    monitor.fields.update(
        client=client_name, service=service_name,
        x_road_id=message_id,
        request_id=request_id, rest_method=head.method,
        rest_path=target.service_path[:500] or "/", request_size=len(envelope.body),
        user_id=last_value(head.headers, X_ROAD_USER_ID),
        issue=last_value(head.headers, X_ROAD_ISSUE),
    )  # fmt: skip
    check_body_size(len(envelope.body), runtime.max_body)
    conf = runtime.confs.current()
    # 1. The provider subsystem is hosted here.
    if target.provider.member != runtime.member or target.provider.instance != conf.instance:
        raise ExchangeError(
            FaultCode.SERVER_PROXY_UNKNOWN_MEMBER,
            f"{target.provider} is not hosted at this security server",
        )
    # 2. The TLS peer is a registered server on which the client is registered.
    _authenticate_peer(conf, incoming.peer_certificate, client)
    # 3. Service, access rights, enabled (metaservices skip the ACL).
    offered = None
    if not target.is_metaservice:
        offered = runtime.catalogue.service(target.service)
        if offered is None:
            raise ExchangeError(
                FaultCode.UNKNOWN_SERVICE, f"Unknown service: SERVICE:{target.service}"
            )
        check_access(
            runtime.catalogue.rights,
            client,
            _groups(conf, client),
            target.service,
            head.method,
            target.service_path,
        )
        if not offered.enabled:
            notice = f": {offered.notice}" if offered.notice else ""
            raise ExchangeError(
                FaultCode.SERVICE_DISABLED, f"Service SERVICE:{target.service} is disabled{notice}"
            )
    # 4. The consumer member's signature.
    verify_message(
        envelope.signature,
        envelope.header_part,
        envelope.body,
        kind="request",
        expected_signer=client,
        now=runtime.now(),
        trusted_fingerprints=trusted_signing_fingerprints(conf, client),
        roots=runtime.roots,
    )
    runtime.append_log(
        Message(message_id, request_id, Side.PROVIDER, Direction.REQUEST, client_name,
                service_name, envelope.header_part, envelope.body, envelope.signature),
    )  # fmt: skip
    request_digest = request_hash(envelope.header_part, envelope.body)
    monitor.stamp("request_out_ts")
    if offered is None:
        status, reason, headers, body = _metaservice(runtime, conf, target, client)
    else:
        answer = runtime.forward(
            offered,
            method=head.method,
            raw_service_path=target.service_path,
            raw_query=target.query,
            headers=head.headers,
            body=envelope.body,
        )
        status, reason, headers, body = answer.status, answer.reason, answer.headers, answer.body
    monitor.stamp("response_in_ts")
    response_headers = client_response_headers(
        headers,
        message_id=message_id,
        client=client,
        service=target.service,
        request_id=request_id,
        request_hash=request_digest,
    )
    header_part = response_header_part(status, reason, response_headers)
    signature = sign_message(
        "response",
        header_part,
        body,
        signer=runtime.member,
        key=runtime.signing.key,
        chain=runtime.signing.full_chain,
        now=runtime.now(),
        request_hash=request_digest,
    )
    runtime.append_log(
        Message(message_id, request_id, Side.PROVIDER, Direction.RESPONSE, client_name,
                service_name, header_part, body, signature),
    )  # fmt: skip
    monitor.fields.update(status_code=status, response_size=len(body), succeeded=True)
    response = Envelope(header_part, body, signature)
    return Outgoing(200, list(response.http_headers().items()), response.payload)


def _authenticate_peer(
    conf: GlobalConfiguration, peer_certificate: bytes | None, client: ClientId
) -> None:
    failed = FaultCode.SERVER_PROXY_SSL_AUTHENTICATION_FAILED
    if not peer_certificate:
        raise ExchangeError(failed, "The request did not come over mutual TLS")
    peer = fingerprint(x509.load_der_x509_certificate(peer_certificate))
    server = conf.server_with_tls_fingerprint(peer)
    if server is None:
        raise ExchangeError(failed, "The TLS certificate is not registered for any security server")
    if client.instance != conf.instance or _subsystem_key(client) not in server.clients:
        raise ExchangeError(
            failed, f"Client {client} is not registered at security server {server.id}"
        )


def _groups(conf: GlobalConfiguration, client: ClientId) -> frozenset[GroupId]:
    if client.instance != conf.instance:
        return frozenset()
    return frozenset(
        GroupId(code, conf.instance) for code in conf.groups_of(_subsystem_key(client))
    )


# -- metaservices (xroad.md §2) -----------------------------------------------------------------


def _service_json(service: ServiceId, endpoints: list[Any] | None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "object_type": "SERVICE",
        "xroad_instance": service.provider.instance,
        "member_class": service.provider.member_class,
        "member_code": service.provider.member_code,
        "subsystem_code": service.provider.subsystem_code,
        "service_code": service.service_code,
        "service_type": "REST",
    }
    if endpoints is not None:
        entry["endpoint_list"] = [{"method": e.method, "path": e.path} for e in endpoints]
    return entry


def _json(document: Any) -> tuple[int, str, list[tuple[str, str]], bytes]:
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    return 200, "OK", [("Content-Type", "application/json;charset=utf-8")], body


def _metaservice(
    runtime: Runtime, conf: GlobalConfiguration, target: RestTarget, client: ClientId
) -> tuple[int, str, list[tuple[str, str]], bytes]:
    provider = target.provider
    code = target.service.service_code
    offered = [s for s in runtime.catalogue.services.values() if s.id.provider == provider]
    if code == "listMethods":
        return _json({"service": [_service_json(s.id, None) for s in offered]})
    if code == "allowedMethods":
        allowed = allowed_services(
            runtime.catalogue.rights, client, _groups(conf, client), provider
        )
        return _json(
            {"service": [_service_json(service, list(e)) for service, e in allowed.items()]}
        )
    # getOpenAPI?serviceCode=…
    codes = parse_qs(target.query or "").get("serviceCode", [])
    if not codes or not codes[0]:
        raise ExchangeError(
            FaultCode.SERVER_PROXY_INVALID_REQUEST, "getOpenAPI needs ?serviceCode=<code>"
        )
    service = next((s for s in offered if s.id.service_code == codes[0]), None)
    if service is None or service.openapi_url is None:
        raise ExchangeError(
            FaultCode.SERVER_PROXY_INTERNAL_ERROR,
            f"Service {provider}/{codes[0]} has no OpenAPI 3 description",
        )
    document = runtime.fetch_openapi(service)
    if not isinstance(document, dict) or not str(document.get("openapi", "")).startswith("3."):
        raise ExchangeError(
            FaultCode.SERVER_PROXY_INTERNAL_ERROR,
            f"The description of {service.id} is not an OpenAPI 3 document",
        )
    return _json(anonymise_servers(document))


def anonymise_servers(document: dict[str, Any]) -> dict[str, Any]:
    """``servers[].url`` cut down to the path, unless it holds template variables (§2)."""
    servers = document.get("servers")
    if not isinstance(servers, list):
        return document
    reduced = []
    for server in servers:
        url = server.get("url") if isinstance(server, dict) else None
        if isinstance(url, str) and "{" not in url and urlsplit(url).netloc:
            reduced.append(
                {**server, "url": urlunsplit(("", "", urlsplit(url).path or "/", "", ""))}
            )
        else:
            reduced.append(server)
    return {**document, "servers": reduced}


# -- listClients (consumer side, from global configuration) ------------------------------------


def list_clients(runtime: Runtime, query: str | None) -> Outgoing:
    """``GET /listClients[?xRoadInstance=…]`` as JSON (xroad.md §2)."""
    try:
        conf = runtime.confs.current()
    except ExchangeError as error:
        return fault(error, "application/json")
    wanted = parse_qs(query or "").get("xRoadInstance", [conf.instance])[0]
    members = []
    if wanted == conf.instance:
        for member in conf.members:
            members.append(
                {
                    "id": {
                        "object_type": "MEMBER",
                        "xroad_instance": conf.instance,
                        "member_class": member.member_class,
                        "member_code": member.code,
                    },
                    "name": member.name,
                }
            )
            for subsystem in conf.subsystems:
                member_class, code, subsystem_code = subsystem.split("/")
                if (member_class, code) == (member.member_class, member.code):
                    members.append(
                        {
                            "id": {
                                "object_type": "SUBSYSTEM",
                                "xroad_instance": conf.instance,
                                "member_class": member_class,
                                "member_code": code,
                                "subsystem_code": subsystem_code,
                            },
                            "name": member.name,
                        }
                    )
    body = json.dumps({"member": members}, ensure_ascii=False).encode()
    return Outgoing(200, [("Content-Type", "application/json;charset=utf-8")], body)
