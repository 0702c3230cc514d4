"""A relying party outside the kit (an online bank) that signs people in with Madoguchi ID.

It is what any third party would write, and nothing more: it registers itself with the
provider's ``/register`` (with the kit's registration token, as a partner would be given one),
serves its redirect URI on a small HTTP server of its own on localhost (where the browser lands),
sends authorization requests with PKCE S256, ``state`` and ``nonce``, redeems the code with a
``private_key_jwt`` assertion, checks the ID token against the provider's JWKS, and reads
userinfo. A signing step-up (``scope=openid sign``) asks the card to sign a digest; the bank
then checks that signature with the card's signing certificate, and that certificate against
the JPKI certification authority the trust service publishes.

The provider never learns that this is a test: it is a client without ``first_party``, so
residents are asked before their details are shared with it.
"""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet

from features.drivers.kit import RunningKit

SCOPE = "openid name address birthdate gender"
CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TIMEOUT = 15
#: How long the bank keeps an authorization request it sent (seconds).
REQUEST_LIFETIME = 900


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def s256(verifier: str) -> str:
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


class SignInRefused(AssertionError):
    """What the bank received could not be accepted (the message says why)."""


@dataclass(frozen=True)
class Document:
    """Something the bank asks a resident to sign: its text and what it is for."""

    purpose: str
    content: bytes

    @property
    def digest(self) -> str:
        """base64url SHA-256 of the content: what the card signs (``sign_digest``)."""
        return _b64url(hashlib.sha256(self.content).digest())


@dataclass(frozen=True)
class Signature:
    """A card signature the bank checked: who signed (the certificate's name) and what."""

    signer: str
    digest: str
    purpose: str
    issuer: str


@dataclass
class Outcome:
    """What came back to the redirect URI, and what the bank made of it."""

    params: dict[str, str]
    id_claims: dict[str, Any] | None = None
    userinfo: dict[str, Any] | None = None
    access_token: str | None = None
    error: str | None = None

    @property
    def signed_in(self) -> bool:
        return self.id_claims is not None


@dataclass
class _Sent:
    verifier: str
    nonce: str
    sent_at: float
    document: Document | None


@dataclass
class RelyingParty:
    """A registered outside service with its own redirect URI on localhost."""

    kit: RunningKit
    name: str
    client_id: str
    key: ECKey
    server: ThreadingHTTPServer
    issuer: str
    endpoints: dict[str, str]
    sent: dict[str, _Sent] = field(default_factory=dict)
    outcomes: list[Outcome] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- setting up ---------------------------------------------------------------------------

    @classmethod
    def start(cls, kit: RunningKit, name: str) -> RelyingParty:
        """Serve the redirect URI, then register with the provider under ``name``."""
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        base = f"http://localhost:{server.server_address[1]}"
        idp = kit.url("idp")
        metadata = requests.get(f"{idp}/.well-known/openid-configuration", timeout=TIMEOUT)
        metadata.raise_for_status()
        discovery = metadata.json()
        key = ECKey.generate_key("P-256", private=True, auto_kid=True)
        answer = requests.post(
            discovery["registration_endpoint"],
            json={
                "client_name": name,
                "redirect_uris": [f"{base}/callback"],
                "post_logout_redirect_uris": [f"{base}/signed-out"],
                "grant_types": ["authorization_code"],
                "token_endpoint_auth_method": "private_key_jwt",
                "token_endpoint_auth_signing_alg": "ES256",
                "jwks": {"keys": [key.as_dict(private=False)]},
                "scope": SCOPE,
            },
            headers={"Authorization": f"Bearer {registration_token(kit)}"},
            timeout=TIMEOUT,
        )
        if answer.status_code != 201:
            server.server_close()
            raise AssertionError(f"registration refused ({answer.status_code}): {answer.text}")
        party = cls(
            kit=kit,
            name=name,
            client_id=answer.json()["client_id"],
            key=key,
            server=server,
            issuer=discovery["issuer"],
            endpoints={
                kind: discovery[f"{kind}_endpoint"]
                for kind in ("authorization", "token", "userinfo")
            }
            | {"jwks": discovery["jwks_uri"]},
        )
        server.party = party  # type: ignore[attr-defined]
        threading.Thread(target=server.serve_forever, name=f"rp-{name}", daemon=True).start()
        return party

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def base_url(self) -> str:
        return f"http://localhost:{self.server.server_address[1]}"

    @property
    def redirect_uri(self) -> str:
        return f"{self.base_url}/callback"

    # -- the authorization request ------------------------------------------------------------

    def sign_in_url(self, document: Document | None = None) -> str:
        """Where the bank sends the browser: a sign-in, or (with a document) a signature."""
        verifier = secrets.token_urlsafe(48)
        state = secrets.token_urlsafe(16)
        nonce = secrets.token_urlsafe(16)
        params = {
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "response_type": "code",
            "scope": SCOPE,
            "state": state,
            "nonce": nonce,
            "code_challenge": s256(verifier),
            "code_challenge_method": "S256",
        }
        if document is not None:
            params["scope"] = "openid sign"
            params["sign_digest"] = document.digest
            params["sign_purpose"] = document.purpose
        with self._lock:
            self.sent[state] = _Sent(verifier, nonce, time.monotonic(), document)
        return f"{self.endpoints['authorization']}?{urlencode(params)}"

    # -- the redirect URI (runs in the server's thread) ---------------------------------------

    def receive(self, query: str) -> Outcome:
        """The browser came back: check ``state`` and ``iss``, redeem the code, check the ID
        token and read userinfo. Never raises: the outcome says what went wrong."""
        params = dict(parse_qsl(query, keep_blank_values=True))
        outcome = Outcome(params)
        try:
            self._complete(outcome)
        except (SignInRefused, requests.RequestException, JoseError, ValueError) as problem:
            outcome.error = str(problem)
        with self._lock:
            self.outcomes.append(outcome)
        return outcome

    def _complete(self, outcome: Outcome) -> None:
        params = outcome.params
        with self._lock:
            sent = self.sent.pop(params.get("state", ""), None)
        if sent is None or time.monotonic() - sent.sent_at > REQUEST_LIFETIME:
            raise SignInRefused("the answer matches no request the bank sent (state)")
        if params.get("iss") != self.issuer:
            raise SignInRefused("the answer does not come from Madoguchi ID (iss)")
        if "error" in params:
            raise SignInRefused(f"Madoguchi ID answered {params['error']}")
        tokens = requests.post(
            self.endpoints["token"],
            data={
                "grant_type": "authorization_code",
                "code": params.get("code", ""),
                "redirect_uri": self.redirect_uri,
                "code_verifier": sent.verifier,
                "client_assertion_type": CLIENT_ASSERTION_TYPE,
                "client_assertion": self._assertion(),
            },
            timeout=TIMEOUT,
        )
        if tokens.status_code != 200:
            raise SignInRefused(f"the token endpoint refused the code: {tokens.text}")
        body = tokens.json()
        outcome.id_claims = self._check_id_token(body["id_token"], sent.nonce)
        outcome.access_token = body["access_token"]
        outcome.userinfo = self.read_userinfo(body["access_token"])
        if outcome.userinfo is None or outcome.userinfo.get("sub") != outcome.id_claims["sub"]:
            raise SignInRefused("userinfo is not about the person who signed in")
        if sent.document is not None and "jpki_signature" not in outcome.id_claims:
            raise SignInRefused("a signature was asked for, and none came back")

    def _assertion(self) -> str:
        now = int(time.time())
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": self.endpoints["token"],
            "iat": now,
            "exp": now + 60,
            "jti": secrets.token_urlsafe(16),
        }
        return jwt.encode({"alg": "ES256", "kid": self.key.kid}, claims, self.key)

    def _check_id_token(self, id_token: str, nonce: str) -> dict[str, Any]:
        keys = requests.get(self.endpoints["jwks"], timeout=TIMEOUT)
        keys.raise_for_status()
        token = jwt.decode(
            id_token, KeySet.import_key_set(keys.json()), algorithms=["RS256", "ES256"]
        )
        claims = dict(token.claims)
        registry = jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": self.client_id},
            nonce={"essential": True, "value": nonce},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
        )
        registry.validate(claims)
        return claims

    def read_userinfo(self, access_token: str) -> dict[str, Any] | None:
        """The resident's details, as far as the bank may still read them (None: refused)."""
        answer = requests.get(
            self.endpoints["userinfo"],
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=TIMEOUT,
        )
        return answer.json() if answer.status_code == 200 else None

    # -- what the bank ended up with -----------------------------------------------------------

    def last_outcome(self) -> Outcome:
        with self._lock:
            if not self.outcomes:
                raise AssertionError(f"nobody came back to {self.name}")
            return self.outcomes[-1]

    def owns(self, url: str) -> bool:
        return url.startswith(self.base_url + "/")

    def check_signature(self, outcome: Outcome, document: Document) -> Signature:
        """The card's signature in the ID token, checked as a bank would check it."""
        if outcome.id_claims is None:
            raise SignInRefused(outcome.error or "nobody signed in")
        signed = outcome.id_claims.get("jpki_signature")
        if not isinstance(signed, dict):
            raise SignInRefused("the ID token carries no card signature")
        if signed.get("digest") != document.digest:
            raise SignInRefused("the signature is about another document")
        if signed.get("alg") != "ES256":
            raise SignInRefused(f"unexpected signature algorithm {signed.get('alg')!r}")
        certificate = x509.load_der_x509_certificate(base64.b64decode(signed["x5c"][0]))
        public_key = certificate.public_key()
        if not isinstance(public_key, ec.EllipticCurvePublicKey):
            raise SignInRefused("the signing certificate does not hold an EC key")
        try:
            public_key.verify(
                _unb64url(signed["signature"]),
                _unb64url(document.digest),
                ec.ECDSA(hashes.SHA256()),
            )
        except InvalidSignature:
            raise SignInRefused("the signature does not verify with its certificate") from None
        authority = jpki_authority(self.kit)
        try:
            certificate.verify_directly_issued_by(authority)
        except (InvalidSignature, ValueError, TypeError):
            raise SignInRefused("the signing certificate was not issued by JPKI") from None
        return Signature(
            signer=_common_name(certificate.subject),
            digest=signed["digest"],
            purpose=str(signed.get("purpose")),
            issuer=_common_name(authority.subject),
        )


def _common_name(name: x509.Name) -> str:
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(values[0].value) if values else ""


def jpki_authority(kit: RunningKit) -> x509.Certificate:
    """The JPKI (simulation) CA, as the trust service publishes it to relying parties."""
    answer = requests.get(kit.url("trust", "/pki/jpki.pem"), timeout=TIMEOUT)
    answer.raise_for_status()
    return x509.load_pem_x509_certificate(answer.content)


def registration_token(kit: RunningKit) -> str:
    """The kit's registration token, as the stack hands it to the provider."""
    spec = next(s for s in kit.stack.manifest.services if s.instance == "idp")
    return kit.stack.environment_for(spec)["KIT_IDP_REGISTRATION_TOKEN"]


class _Handler(BaseHTTPRequestHandler):
    """The bank's pages: the redirect URI and a home page, nothing else."""

    server: ThreadingHTTPServer

    def do_GET(self) -> None:
        party: RelyingParty = self.server.party  # type: ignore[attr-defined]
        parts = urlsplit(self.path)
        if parts.path != "/callback":
            self._page(404, "Not found", "<p>This page does not exist.</p>")
            return
        outcome = party.receive(parts.query)
        if outcome.signed_in:
            self._page(200, f"Welcome to {party.name}", "<p>You are signed in.</p>")
        else:
            reason = html.escape(outcome.error or "")
            self._page(400, "You are not signed in", f'<p class="reason">{reason}</p>')

    def _page(self, status: int, title: str, body: str) -> None:
        party: RelyingParty = self.server.party  # type: ignore[attr-defined]
        text = (
            f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)} – {html.escape(party.name)}</title></head>"
            f"<body><main><h1>{html.escape(title)}</h1>{body}</main></body></html>"
        ).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(text)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(text)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        """Quiet: the codes in the URLs are nobody's business."""
