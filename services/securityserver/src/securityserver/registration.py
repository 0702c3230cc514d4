"""Joining the exchange at `kit prepare`: pin central's anchor, report address, certificates
and clients.

The server's SS-to-SS address is ``<host of public_url>:<tls_port>`` (or
``SECURITYSERVER_ADVERTISED_ADDRESS``); central computes the fingerprints from the certificates
(``PUT /api/v1/members/…/servers/…/registration`` with the kit's exchange registration token),
registers the server and its clients where they are new, and lists them in the next global
configuration. The clients are the subsystems of ``SECURITYSERVER_HOSTED_CLIENTS`` (the
services that call through this server) and those offering services in its catalogue.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests

from govkit.certificates.keys import pem
from govkit.http import kit_session
from securityserver.configuration import AnchorError, pin_anchor
from securityserver.keys import KeysMissing, load_signing_keys, load_tls_keys
from securityserver.runtime import load_catalogue
from securityserver.settings import SecurityServerSettings

TIMEOUT = (3.0, 10.0)


class RegistrationError(RuntimeError):
    """Central refused or could not take the report (the message says why)."""


def address(settings: SecurityServerSettings) -> str | None:
    if settings.tls_port is None:
        return None
    if settings.advertised_address:
        return settings.advertised_address
    host = urlsplit(settings.public_url).hostname or "localhost"
    return f"{host}:{settings.tls_port}"


def pin_and_register(settings: SecurityServerSettings) -> list[str]:
    with kit_session(settings, user_agent="madoguchi-securityserver") as http:
        try:
            thumbprint, pinned = pin_anchor(settings.data_dir, settings.central_url, http)
        except AnchorError as exc:
            return [f"no global configuration anchor ({exc}): exchange traffic disabled"]
        lines = [f"{'pinned' if pinned else 'kept'} central's anchor {thumbprint[:16]}…"]
        lines.append(register(settings, http))
    return lines


def register(settings: SecurityServerSettings, http: requests.Session) -> str:
    """Report this server to central; a line saying what central now lists."""
    token = settings.exchange_registration_token
    where = address(settings)
    if token is None or where is None:
        return "not reported to central (no registration token or no TLS port)"
    try:
        tls, signing = load_tls_keys(settings), load_signing_keys(settings)
    except KeysMissing as exc:
        return f"not reported to central: {exc}"
    member_class, member_code = settings.member.split("/")
    url = (
        f"{settings.central_url}/api/v1/members/{member_class}/{member_code}"
        f"/servers/{settings.server_code}/registration"
    )
    body = {
        "address": where,
        "tls_certificate": pem(tls.certificate),
        "signing_certificate": pem(signing.certificate),
        "clients": clients(settings),
    }
    try:
        answer = http.put(
            url,
            json=body,
            headers={"Authorization": f"Bearer {token.get_secret_value()}"},
            timeout=TIMEOUT,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        raise RegistrationError(
            f"central at {settings.central_url} did not answer: {exc}"
        ) from None
    if answer.status_code != 200:
        raise RegistrationError(
            f"central refused the registration of {settings.member}/{settings.server_code}: "
            f"{answer.status_code} {answer.text[:300]}"
        )
    return _summary(settings, where, answer.json())


def clients(settings: SecurityServerSettings) -> list[str]:
    """The subsystem codes this server hosts: its information systems' and its providers'."""
    offering = [s.subsystem_code for s in load_catalogue(settings).subsystems if s.subsystem_code]
    return list(dict.fromkeys([*settings.client_codes, *offering]))


def _summary(settings: SecurityServerSettings, where: str, answer: dict[str, Any]) -> str:
    line = f"registered at central as {settings.member}/{settings.server_code} at {where}"
    hosted = [client.rsplit("/", 1)[-1] for client in answer.get("clients", [])]
    if hosted:
        line += f", hosting {', '.join(hosted)}"
    refused = [f"{r['client']} ({r['reason']})" for r in answer.get("clients_refused", [])]
    if refused:
        line += f"; central does not let it host {', '.join(refused)}"
    return line
