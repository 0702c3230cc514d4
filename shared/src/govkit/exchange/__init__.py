"""The exchange client every service uses: calls to other agencies through the own security
server, in the X-Road message protocol for REST r1 (xroad.md §1).

Mechanisms only. A service builds one client in its app factory from its settings and wraps it
in ``providers.py`` adapters that turn exchange JSON into domain types::

    from govkit.exchange import CallContext, ExchangeClient, ServiceRef, encode_path

    exchange = ExchangeClient.from_settings(settings)  # its security server, subsystem, token
    BASIC_FOUR = ServiceRef.parse("JP-KIT/GOV/LG-139998/jumin/basic4")

    answer = exchange.get(
        BASIC_FOUR,
        encode_path("v1", "residents", pseudonym),
        context=CallContext(
            issue=application.number,
            user_id="JP" + citizen.sub,
            legal_basis="law:住民基本台帳法第30条の11",
        ),
    ).raise_for_status()
    record = answer.json()

* :mod:`govkit.exchange.identifiers` — :class:`ClientRef`, :class:`ServiceRef`, encoding;
* :mod:`govkit.exchange.messages` — :class:`CallContext` (the headers it sends),
  :class:`ExchangeResponse`, the legal-basis header;
* :mod:`govkit.exchange.errors` — the error types and when each is raised;
* :mod:`govkit.exchange.client` — :class:`ExchangeClient`;
* :mod:`govkit.exchange.provider` — the access rule of a service's own exchange endpoints
  (only its security server gets through; imports Flask, so not re-exported here).
"""

from govkit.exchange.client import (
    DEFAULT_TIMEOUT,
    MAX_FAULT_BYTES,
    MAX_RESPONSE_BYTES,
    ExchangeClient,
)
from govkit.exchange.errors import (
    ExchangeError,
    ExchangeFault,
    ExchangeTimeout,
    ExchangeUnavailable,
    InvalidResponse,
    ProviderError,
    ResponseTooLarge,
)
from govkit.exchange.identifiers import ClientRef, ServiceRef, encode_part, encode_path
from govkit.exchange.incoming import IncomingCall, InvalidCall
from govkit.exchange.messages import (
    LEGAL_BASIS_HEADER,
    PURPOSE_HEADER,
    SECURITY_SERVER_TOKEN_HEADER,
    CallContext,
    ExchangeResponse,
    decode_legal_basis,
    encode_legal_basis,
    looks_like_resident_number,
)
from govkit.exchange.pseudonym import exchange_pseudonym

__all__ = [
    "DEFAULT_TIMEOUT",
    "LEGAL_BASIS_HEADER",
    "MAX_FAULT_BYTES",
    "MAX_RESPONSE_BYTES",
    "PURPOSE_HEADER",
    "SECURITY_SERVER_TOKEN_HEADER",
    "CallContext",
    "ClientRef",
    "ExchangeClient",
    "ExchangeError",
    "ExchangeFault",
    "ExchangeResponse",
    "ExchangeTimeout",
    "ExchangeUnavailable",
    "IncomingCall",
    "InvalidCall",
    "InvalidResponse",
    "ProviderError",
    "ResponseTooLarge",
    "ServiceRef",
    "decode_legal_basis",
    "encode_legal_basis",
    "encode_part",
    "encode_path",
    "exchange_pseudonym",
    "looks_like_resident_number",
]
