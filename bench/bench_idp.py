"""The token endpoint and discovery: the kit's OpenID Connect provider beside node-oidc-provider.

One run, one machine, one load generator (Debian's ``wrk``: 2 threads, 16 connections, a warm-up
of ``BENCH_WARMUP`` = 10 s, then ``BENCH_SECONDS`` = 10 s measured; node's JIT needs about 8 s
of (b) to reach its steady rate, which a 2 s warm-up understates by a third). Each provider runs
alone on the machine while it is measured: first the kit's IdP (``trust`` + ``idp`` from
kit.toml, started by :class:`govkit.stack.Stack` with 2 gunicorn workers of 4 threads, as
``make up`` runs it), then panva's node-oidc-provider (the version pinned in
bench/idp/package.json, npm installed into a temporary folder, one ``node`` process with
NODE_ENV=production and its in-memory adapter; bench/idp/node_op.mjs), then, for (a) only,
the storage floor (bench/idp/storage_floor.py under the same gunicorn settings: the grant with
nothing but the IdP's token and audit writes, to show what the database leaves for any Python
framework). Workloads:

(a) ``POST /token``, grant_type=client_credentials, client_secret_basic;
(b) ``POST /token``, grant_type=authorization_code with PKCE S256, private_key_jwt (an ES256
    client assertion with its own jti, aud = the token endpoint) and an RS256 ID token in the
    answer. Codes are single-use and jtis unique, so every request body is made in advance
    (``BENCH_MAX_RATE`` = 4,000 bodies a second of run): authorization codes minted through a
    testing hook of each provider (the kit's ``POST /__testing/codes``, node's model API behind
    node_op.mjs's admin port), one PKCE pair and one assertion per code. bench/idp/bodies.lua
    hands each wrk thread its own slice of the bodies file, each body sent once;
(c) ``GET /.well-known/openid-configuration`` and ``GET`` the JWKS (bench/idp/fixed.lua).

Before it is measured, each workload is checked once against each provider with Python (a 2xx
answer of the expected shape; for (b) the ID token's RS256 signature against the provider's
JWKS, its iss, aud and nonce, and that a used code, a wrong code_verifier and a replayed client
assertion are refused), so both sides do the same work. Figures: requests a second and the
latency wrk measured (p50, p95); every answer that is not 2xx is counted, and a run with any is
flagged (exit code 1). The kit's IdP may not be there yet: its rows then say why ("kit: not
available (…)") and the run still ends with 0.

Run with ``make bench-idp`` (about four minutes once the kit's IdP is there).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import secrets
import select
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from joserfc import jwt
from joserfc.jwk import ECKey, KeySet

from govkit.stack import Manifest, Stack, free_port

REPOSITORY = Path(__file__).resolve().parents[1]
HERE = REPOSITORY / "bench" / "idp"
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "10"))
MAX_RATE = int(os.environ.get("BENCH_MAX_RATE", "4000"))
THREADS = 2
CONNECTIONS = 16
REDIRECT_URI = "http://localhost/cb"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
FORM = "application/x-www-form-urlencoded"
ASSERTION_LIFETIME = 290  # seconds: under the 5 minutes a provider may allow
MINT_CHUNK = 10_000  # codes asked for in one call
NODE_PEER = json.loads((HERE / "package.json").read_text(encoding="utf-8"))["dependencies"][
    "oidc-provider"
]


class Unavailable(Exception):
    """A provider cannot run a workload (yet): the message says why."""


# -- HTTP ---------------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def brief(self) -> str:
        text = self.body[:200].decode("utf-8", "replace").strip()
        return "an HTML page" if text.startswith("<") else text


def call(
    method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> Answer:
    """One HTTP exchange; 4xx and 5xx answers are returned, not raised."""
    if not url.startswith("http://"):
        raise ValueError(f"not a URL of a provider started here: {url}")
    request = urllib.request.Request(url, body, headers or {}, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return Answer(response.status, response.read())
    except urllib.error.HTTPError as exc:
        return Answer(exc.code, exc.read())


def post_json(url: str, payload: Any, headers: dict[str, str] | None = None) -> Answer:
    data = json.dumps(payload).encode()
    return call("POST", url, data, {"Content-Type": "application/json", **(headers or {})})


def post_form(url: str, form: str, headers: dict[str, str] | None = None) -> Answer:
    return call("POST", url, form.encode(), {"Content-Type": FORM, **(headers or {})})


# -- PKCE and client assertions -----------------------------------------------------------------


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge)"""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def public_jwk(key: ECKey) -> dict[str, Any]:
    """The client's public key as both providers register it."""
    return {**key.as_dict(private=False), "use": "sig", "alg": "ES256"}


def client_assertion(key: ECKey, client_id: str, audience: str) -> str:
    now = int(time.time())
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "jti": uuid.uuid4().hex,
        "iat": now,
        "exp": now + ASSERTION_LIFETIME,
    }
    return jwt.encode({"alg": "ES256", "kid": key.kid}, claims, key)


def code_form(client_id: str, code: str, verifier: str, assertion: str) -> str:
    return urllib.parse.urlencode(
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
            "client_id": client_id,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion,
        }
    )


def basic(client_id: str, secret: str) -> str:
    """client_secret_basic: both halves form-encoded first (RFC 6749, section 2.3.1)."""
    pair = f"{urllib.parse.quote(client_id, safe='')}:{urllib.parse.quote(secret, safe='')}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


# -- the providers ------------------------------------------------------------------------------


@dataclass
class Clients:
    cc_id: str
    cc_secret: str
    code_id: str


class Provider:
    """What the workloads need of a provider; the kit and node-oidc-provider implement it."""

    name = ""
    base_url = ""

    def __init__(self, client_key: ECKey, folder: Path) -> None:
        self.client_key = client_key
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._discovery: dict[str, Any] | None = None

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        """Stop the provider's process (``self.process``, logging to ``self.log``) if started."""
        process = getattr(self, "process", None)
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        with contextlib.suppress(AttributeError):
            self.log.close()

    def register_clients(self) -> Clients:
        """`bench-cc` (client_credentials) and `bench-code` (authorization_code)."""
        raise NotImplementedError

    @property
    def codes_url(self) -> str:
        """The provider's testing hook that mints codes (``{"code_challenges": [...], …}``)."""
        raise NotImplementedError

    def mint_codes(self, k: int, client_id: str, nonce: str) -> list[tuple[str, str]]:
        """``k`` fresh authorization codes for REDIRECT_URI, scope openid: (code, verifier),
        one PKCE pair per code, up to MINT_CHUNK codes a call."""
        request = {"client_id": client_id, "redirect_uri": REDIRECT_URI, "scope": "openid"}
        minted: list[tuple[str, str]] = []
        while len(minted) < k:
            pairs = [pkce_pair() for _ in range(min(MINT_CHUNK, k - len(minted)))]
            challenges = [challenge for _, challenge in pairs]
            answer = post_json(
                self.codes_url, {**request, "nonce": nonce, "code_challenges": challenges}
            )
            codes = answer.json().get("codes", []) if answer.status in (200, 201) else []
            if len(codes) != len(pairs):
                raise Unavailable(
                    f"minting {len(pairs)} codes answered {answer.status}: {answer.brief()}"
                )
            minted += [(code, verifier) for code, (verifier, _) in zip(codes, pairs, strict=True)]
        return minted

    def discovery(self) -> dict[str, Any]:
        if self._discovery is None:
            answer = call("GET", f"{self.base_url}/.well-known/openid-configuration")
            if answer.status != 200:
                raise Unavailable(f"GET /.well-known/openid-configuration answered {answer.status}")
            self._discovery = answer.json()
        return self._discovery

    @property
    def token_endpoint(self) -> str:
        return str(self.discovery().get("token_endpoint") or f"{self.base_url}/token")

    @property
    def jwks_uri(self) -> str:
        try:
            return str(self.discovery().get("jwks_uri") or f"{self.base_url}/jwks")
        except Unavailable:
            return f"{self.base_url}/jwks"


class KitProvider(Provider):
    """The kit's IdP, started with the repository's own launcher (trust + idp)."""

    name = "kit"

    def start(self) -> None:
        manifest = Manifest.load(REPOSITORY / "kit.toml").select(["trust", "idp"])
        self.stack = Stack(
            manifest,
            self.folder / "var",
            free_ports=True,
            workers=2,
            threads=4,
            environ={**os.environ, "IDP_TESTING_ENDPOINTS": "true"},
        )
        self.stack.up()
        self.base_url = self.stack.url("idp")
        spec = next(s for s in manifest.services if s.instance == "idp")
        self.registration_token = self.stack.environment_for(spec).get("KIT_IDP_REGISTRATION_TOKEN")

    def stop(self) -> None:
        with contextlib.suppress(AttributeError):
            self.stack.stop()

    def _register(self, metadata: dict[str, Any]) -> dict[str, Any]:
        answer = post_json(
            f"{self.base_url}/register",
            metadata,
            {"Authorization": f"Bearer {self.registration_token}"},
        )
        if answer.status not in (200, 201):
            raise Unavailable(f"POST /register answered {answer.status}: {answer.brief()}")
        return answer.json()

    def register_clients(self) -> Clients:
        if not self.registration_token:
            raise Unavailable("no KIT_IDP_REGISTRATION_TOKEN in the idp's environment")
        cc = self._register(
            {
                "client_name": "bench-cc",
                # Unused by client_credentials, but the kit's registration asks every client
                # for redirect_uris (it derives the pairwise sector from their host).
                "redirect_uris": [REDIRECT_URI],
                "grant_types": ["client_credentials"],
                "response_types": [],
                "token_endpoint_auth_method": "client_secret_basic",
            }
        )
        code = self._register(
            {
                "client_name": "bench-code",
                "redirect_uris": [REDIRECT_URI],
                "grant_types": ["authorization_code"],
                "response_types": ["code"],
                "token_endpoint_auth_method": "private_key_jwt",
                "token_endpoint_auth_signing_alg": "ES256",
                "jwks": {"keys": [public_jwk(self.client_key)]},
                "id_token_signed_response_alg": "RS256",
            }
        )
        if "client_secret" not in cc:
            raise Unavailable("POST /register gave the client_secret_basic client no secret")
        return Clients(cc["client_id"], cc["client_secret"], code["client_id"])

    @property
    def codes_url(self) -> str:
        return f"{self.base_url}/__testing/codes"


class NodeProvider(Provider):
    """node-oidc-provider in one node process (bench/idp/node_op.mjs)."""

    name = "node"

    def start(self) -> None:
        if not (shutil.which("node") and shutil.which("npm")):
            raise Unavailable("node and npm are needed for the peer")
        work = Path(tempfile.mkdtemp(prefix="node-op-", dir=self.folder))
        for name in ("package.json", "node_op.mjs"):
            shutil.copy(HERE / name, work / name)
        say(f"• npm install oidc-provider@{NODE_PEER} (into a temporary folder)")
        npm = subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error"],
            cwd=work,
            capture_output=True,
            text=True,
            check=False,
        )
        if npm.returncode != 0:
            raise Unavailable(f"npm install failed: {npm.stderr.strip()[-300:]}")
        self.secret = secrets.token_urlsafe(32)
        env = {
            **os.environ,
            "NODE_ENV": "production",
            "BENCH_CC_SECRET": self.secret,
            "BENCH_CLIENT_JWK": json.dumps(public_jwk(self.client_key)),
        }
        self.log_path = self.folder / "node-op.log"
        self.log: TextIO = self.log_path.open("w")
        self.process = subprocess.Popen(
            ["node", "node_op.mjs"],
            cwd=work,
            env=env,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], 30)
        line = self.process.stdout.readline() if ready else ""
        if not line:
            self.stop()
            raise Unavailable(f"node_op.mjs did not start: {self.log_path.read_text()[-300:]}")
        info = json.loads(line)
        self.base_url, self.admin = info["issuer"], info["admin"]
        installed = json.loads(
            (work / "node_modules" / "oidc-provider" / "package.json").read_text()
        )["version"]
        if installed != NODE_PEER:
            raise Unavailable(f"npm installed oidc-provider {installed}, not {NODE_PEER}")

    def register_clients(self) -> Clients:
        # Static clients of the provider's configuration (node_op.mjs), made at start.
        return Clients("bench-cc", self.secret, "bench-code")

    @property
    def codes_url(self) -> str:
        return f"{self.admin}/codes"


class FloorProvider(Provider):
    """bench/idp/storage_floor.py under the kit's gunicorn settings: (a) with only its writes."""

    name = "storage floor"

    def start(self) -> None:
        port = free_port()
        self.secret = secrets.token_urlsafe(32)
        env = {
            **os.environ,
            "KIT_INSTANCE": "storage-floor",
            "FLOOR_DATABASE_URL": f"sqlite:///{self.folder / 'floor.db'}",
            "FLOOR_CLIENT_ID": "bench-cc",
            "FLOOR_SECRET_SHA256": hashlib.sha256(self.secret.encode()).hexdigest(),
        }
        self.log = (self.folder / "floor.log").open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "python:govkit.gunicorn_config",
             "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4",
             "--chdir", str(HERE), "storage_floor:app"],
            env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.process.poll() is None:
            with contextlib.suppress(OSError):
                if call("GET", f"{self.base_url}/healthz").status == 200:
                    return
            time.sleep(0.2)
        self.stop()
        log = (self.folder / "floor.log").read_text()[-300:]
        raise Unavailable(f"storage_floor.py did not start: {log}")

    @property
    def token_endpoint(self) -> str:
        return f"{self.base_url}/token"

    def register_clients(self) -> Clients:
        return Clients("bench-cc", self.secret, "")


# -- wrk ----------------------------------------------------------------------------------------


@dataclass
class Result:
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    non2xx: int
    socket_errors: int
    exhausted_threads: int
    statuses: dict[str, int] = field(default_factory=dict)
    sample: str = ""

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def problems(self) -> list[str]:
        found = []
        if self.non2xx:
            statuses = ", ".join(f"{n:,} × {status}" for status, n in sorted(self.statuses.items()))
            found.append(f"{self.non2xx:,} answers not 2xx ({statuses}; first: {self.sample!r})")
        if self.socket_errors:
            found.append(f"{self.socket_errors} connection errors or time-outs")
        if self.exhausted_threads:
            found.append("ran out of prepared requests (raise BENCH_MAX_RATE)")
        return found


def wrk(
    url: str,
    script: str,
    seconds: int,
    script_args: list[str],
    headers: dict[str, str] | None = None,
) -> Result:
    """Run wrk against ``url``, connecting to 127.0.0.1 with the URL's own Host header."""
    parts = urllib.parse.urlsplit(url)
    loopback = "127.0.0.1" if parts.hostname == "localhost" else parts.hostname
    target = parts._replace(netloc=f"{loopback}:{parts.port}").geturl()
    argv = ["wrk", "-t", str(THREADS), "-c", str(CONNECTIONS), "-d", f"{seconds}s"]
    argv += ["--timeout", "10s", "-s", str(HERE / script), "-H", f"Host: {parts.netloc}"]
    for name, value in (headers or {}).items():
        argv += ["-H", f"{name}: {value}"]
    argv += [target, "--", *script_args]
    finished = subprocess.run(argv, capture_output=True, text=True, check=False)
    line = next(
        (x for x in finished.stdout.splitlines() if x.startswith("BENCH_IDP_RESULT ")), None
    )
    if finished.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({finished.returncode}): {finished.stderr.strip()[-300:]}")
    data = json.loads(line.removeprefix("BENCH_IDP_RESULT "))
    return Result(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p95_ms=data["p95_us"] / 1000,
        non2xx=data["non2xx"],
        socket_errors=data["socket_errors"],
        exhausted_threads=data["exhausted_threads"],
        statuses=data["statuses"],
        sample=data["sample"],
    )


def wrk_bodies(url: str, bodies: list[str], seconds: int, folder: Path) -> Result:
    path = folder / "bodies.txt"
    path.write_text("\n".join(bodies) + "\n", encoding="ascii")
    try:
        args = [str(path), str(len(bodies)), str(THREADS)]
        return wrk(url, "bodies.lua", seconds, args, {"Content-Type": FORM})
    finally:
        path.unlink()


# -- the workloads ------------------------------------------------------------------------------


@dataclass
class Outcome:
    result: Result
    warmup: Result
    checked: str


def expect(condition: bool, problem: str) -> None:
    if not condition:
        raise Unavailable(f"check failed: {problem}")


def bodies_for(seconds: int) -> int:
    """Prepared requests for a run of ``seconds`` at up to MAX_RATE a second."""
    return -(-seconds * MAX_RATE // THREADS) * THREADS


def client_credentials(provider: Provider, clients: Clients, folder: Path) -> Outcome:
    url = provider.token_endpoint
    form = "grant_type=client_credentials"
    auth = {"Authorization": basic(clients.cc_id, clients.cc_secret)}
    answer = post_form(url, form, auth)
    if answer.status != 200:
        raise Unavailable(f"POST {urllib.parse.urlsplit(url).path} answered {answer.status}")
    expect("access_token" in answer.json(), "no access_token in the answer")
    wrong = post_form(url, form, {"Authorization": basic(clients.cc_id, "wrong")})
    expect(wrong.status in (400, 401), f"a wrong secret was answered {wrong.status}")
    headers = {"Content-Type": FORM, **auth}
    warmup = wrk(url, "fixed.lua", WARMUP, ["POST", form], headers)
    result = wrk(url, "fixed.lua", SECONDS, ["POST", form], headers)
    return Outcome(result, warmup, "access token issued; a wrong secret refused")


def authorization_code(provider: Provider, clients: Clients, folder: Path) -> Outcome:
    url, key, client_id = provider.token_endpoint, provider.client_key, clients.code_id
    checked = check_code_exchange(provider, clients)

    def run(seconds: int) -> Result:
        k = bodies_for(seconds)
        nonce = secrets.token_urlsafe(16)
        # Assertions first (they live for minutes), then the codes (valid for 60 s).
        assertions = [client_assertion(key, client_id, url) for _ in range(k)]
        codes = provider.mint_codes(k, client_id, nonce)
        bodies = [
            code_form(client_id, code, verifier, assertion)
            for (code, verifier), assertion in zip(codes, assertions, strict=True)
        ]
        return wrk_bodies(url, bodies, seconds, folder)

    warmup = run(WARMUP)
    return Outcome(run(SECONDS), warmup, checked)


def check_code_exchange(provider: Provider, clients: Clients) -> str:
    """One exchange checked in full, and three that must be refused."""
    url, key, client_id = provider.token_endpoint, provider.client_key, clients.code_id
    nonce = secrets.token_urlsafe(16)
    (code, verifier), (other, _), (third, third_verifier) = provider.mint_codes(3, client_id, nonce)
    assertion = client_assertion(key, client_id, url)
    answer = post_form(url, code_form(client_id, code, verifier, assertion))
    if answer.status != 200:
        path = urllib.parse.urlsplit(url).path
        raise Unavailable(f"POST {path} (code) answered {answer.status}: {answer.brief()}")
    id_token = answer.json().get("id_token")
    expect(bool(id_token), "no id_token in the token response")
    keys = KeySet.import_key_set(call("GET", provider.jwks_uri).json())
    token = jwt.decode(id_token, keys, algorithms=["RS256"])
    claims = token.claims
    expect(token.header.get("alg") == "RS256", f"ID token alg {token.header.get('alg')}")
    expect(claims.get("iss") == provider.discovery().get("issuer"), "ID token iss")
    audience = claims.get("aud")
    expect(client_id in (audience if isinstance(audience, list) else [audience]), "ID token aud")
    expect(claims.get("nonce") == nonce, "ID token nonce")
    expect(int(claims.get("exp", 0)) > time.time(), "ID token exp")
    fresh = client_assertion(key, client_id, url)
    reused = post_form(url, code_form(client_id, code, verifier, fresh))
    expect(reused.status == 400, f"a used code was answered {reused.status}")
    wrong, _ = pkce_pair()
    fresh = client_assertion(key, client_id, url)
    mismatch = post_form(url, code_form(client_id, other, wrong, fresh))
    expect(mismatch.status == 400, f"a wrong code_verifier was answered {mismatch.status}")
    replayed = post_form(url, code_form(client_id, third, third_verifier, assertion))
    expect(replayed.status in (400, 401), f"a replayed assertion was answered {replayed.status}")
    return (
        "RS256 ID token verified (JWKS, iss, aud, nonce); a used code, a wrong verifier "
        "and a replayed assertion refused"
    )


def document(which: str) -> Callable[[Provider, Clients | None, Path], Outcome]:
    def measure(provider: Provider, clients: Clients | None, folder: Path) -> Outcome:
        url = (
            provider.jwks_uri
            if which == "jwks"
            else (f"{provider.base_url}/.well-known/openid-configuration")
        )
        answer = call("GET", url)
        if answer.status != 200:
            raise Unavailable(f"GET {urllib.parse.urlsplit(url).path} answered {answer.status}")
        body = answer.json()
        if which == "jwks":
            expect(any(k.get("kty") == "RSA" for k in body.get("keys", [])), "no RSA key")
        else:
            expect({"issuer", "token_endpoint", "jwks_uri"} <= body.keys(), "fields missing")
        warmup = wrk(url, "fixed.lua", WARMUP, ["GET"])
        result = wrk(url, "fixed.lua", SECONDS, ["GET"])
        return Outcome(result, warmup, f"{len(answer.body):,} bytes of JSON")

    return measure


@dataclass(frozen=True)
class Workload:
    key: str
    title: str
    run: Callable[[Provider, Any, Path], Outcome]
    needs_clients: bool
    target: str  # "ratio" (kit ≥ 1.0× node) or "rate" (kit ≥ 2,000 req/s)


WORKLOADS = (
    Workload(
        "a",
        "(a) POST /token  client_credentials, client_secret_basic",
        client_credentials,
        True,
        "ratio",
    ),
    Workload(
        "b",
        "(b) POST /token  authorization_code + PKCE S256, private_key_jwt ES256, RS256 ID token",
        authorization_code,
        True,
        "ratio",
    ),
    Workload(
        "c1", "(c) GET /.well-known/openid-configuration", document("discovery"), False, "rate"
    ),
    Workload("c2", "(c) GET JWKS", document("jwks"), False, "rate"),
)
RATE_TARGET = 2000.0
BUSY_LOAD = 0.5  # a one-minute load average above this before the run is reported


# -- orchestration and report -------------------------------------------------------------------


def node_runtime() -> str:
    with contextlib.suppress(OSError):
        return subprocess.run(
            ["node", "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
    return "(missing)"


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:160]


def measure_side(
    provider: Provider, workloads: tuple[Workload, ...] = WORKLOADS
) -> dict[str, Outcome | str]:
    """The workloads against one provider; a reason in place of the figures it cannot give."""
    outcomes: dict[str, Outcome | str] = {}
    say(f"• {provider.name}: starting")
    try:
        provider.start()
    except Exception as exc:  # noqa: BLE001 - a provider that cannot start is reported, not fatal
        return dict.fromkeys((w.key for w in workloads), f"did not start: {first_line(exc)}")
    try:
        try:
            clients: Clients | None = provider.register_clients()
            no_clients = ""
        except Exception as exc:  # noqa: BLE001
            clients, no_clients = None, first_line(exc)
        for workload in workloads:
            if workload.needs_clients and clients is None:
                outcomes[workload.key] = no_clients
                continue
            say(f"• {provider.name}: {workload.title}")
            try:
                outcomes[workload.key] = workload.run(provider, clients, provider.folder)
            except Exception as exc:  # noqa: BLE001 - the reason goes in the report's row
                outcomes[workload.key] = first_line(exc)
    finally:
        provider.stop()
    return outcomes


def row(label: str, outcome: Outcome | str) -> tuple[str, list[str]]:
    if isinstance(outcome, str):
        return f"    {label}: not available ({outcome})", []
    r = outcome.result
    problems = r.problems() + [f"warm-up: {p}" for p in outcome.warmup.problems()]
    text = f"    {label:32}{r.rate:9,.0f}{r.p50_ms:8.1f} ms{r.p95_ms:8.1f} ms{r.non2xx:9,d}"
    if problems:
        text += "   ⚠ " + "; ".join(problems)
    return f"{text}\n    {'':32}checked: {outcome.checked}", problems


def report(
    kit: dict[str, Outcome | str],
    node: dict[str, Outcome | str],
    floor: dict[str, Outcome | str],
    load: float,
) -> int:
    print()
    print(
        f"IdP token endpoint and discovery on {os.cpu_count()} CPUs: wrk, {THREADS} threads, "
        f"{CONNECTIONS} connections, {SECONDS} s measured after {WARMUP} s of warm-up"
    )
    print(
        f"  kit: trust + idp under gunicorn, 2 workers × 4 threads; peer: node-oidc-provider "
        f"{NODE_PEER} in one node {node_runtime()} process, in-memory adapter"
    )
    if load >= BUSY_LOAD:
        print(f"  ⚠ load average {load:.1f} before the run: other processes shared the CPUs")
    print(f"    {'':32}{'req/s':>9}{'p50':>11}{'p95':>11}{'non-2xx':>9}")
    flagged: list[str] = []
    missing_peer = False
    for workload in WORKLOADS:
        print(workload.title)
        for label, outcomes in (("kit", kit), (f"node-oidc-provider {NODE_PEER}", node)):
            text, problems = row(label, outcomes[workload.key])
            print(text)
            flagged += [f"{label} {workload.key}: {p}" for p in problems]
        kit_outcome, node_outcome = kit[workload.key], node[workload.key]
        missing_peer |= isinstance(node_outcome, str)
        if workload.key in floor:
            text, problems = row("storage floor (see below)", floor[workload.key])
            print(text)
            flagged += [f"storage floor {workload.key}: {p}" for p in problems]
        if workload.target == "ratio":
            if isinstance(kit_outcome, Outcome) and isinstance(node_outcome, Outcome):
                ratio = kit_outcome.result.rate / node_outcome.result.rate
                verdict = "met" if ratio >= 1.0 else "missed"
                print(f"    kit / node: {ratio:.2f}×   target ≥ 1.0×: {verdict}")
            else:
                print("    kit / node: –   target ≥ 1.0×")
        elif isinstance(kit_outcome, Outcome):
            rate = kit_outcome.result.rate
            verdict = "met" if rate >= RATE_TARGET else "missed"
            ratio = (
                f"{rate / node_outcome.result.rate:.2f}×"
                if isinstance(node_outcome, Outcome)
                else "–"
            )
            print(f"    kit / node: {ratio}   target kit ≥ {RATE_TARGET:,.0f} req/s: {verdict}")
        else:
            print(f"    kit / node: –   target kit ≥ {RATE_TARGET:,.0f} req/s")
    print(
        "  storage floor: bench/idp/storage_floor.py, a bare WSGI client_credentials grant that"
        " only\n  checks the secret and writes the IdP's token and audit rows (SQLite, the same"
        " gunicorn):\n  what CPython with this database allows here, whatever the framework."
    )
    if flagged:
        print("Runs flagged (their figures do not count):")
        for problem in flagged:
            print(f"  - {problem}")
    if missing_peer:
        print("node-oidc-provider could not be measured: the comparison is incomplete.")
    if any(isinstance(o, str) for o in kit.values()):
        print("kit: not available for some workloads (reasons above); node figures stand alone.")
    return 1 if flagged or missing_peer else 0


def main() -> int:
    if shutil.which("wrk") is None:
        say("wrk is missing: scripts/ensure-debs wrk (or make bench-idp)")
        return 2
    load = os.getloadavg()[0]
    client_key = ECKey.generate_key("P-256", private=True, auto_kid=True)
    with tempfile.TemporaryDirectory(prefix="bench-idp-") as folder:
        kit = measure_side(KitProvider(client_key, Path(folder) / "kit"))
        node = measure_side(NodeProvider(client_key, Path(folder) / "node"))
        floor = measure_side(FloorProvider(client_key, Path(folder) / "floor"), WORKLOADS[:1])
    return report(kit, node, floor, load)


if __name__ == "__main__":
    sys.exit(main())
