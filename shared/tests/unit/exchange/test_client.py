"""The client without a network: the URL and headers it builds, what it refuses before
sending, and how transport failures become typed errors."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
import requests
from requests.adapters import BaseAdapter
from urllib3.exceptions import ReadTimeoutError

from govkit.exchange import (
    SECURITY_SERVER_TOKEN_HEADER,
    CallContext,
    ClientRef,
    ExchangeClient,
    ExchangeError,
    ExchangeFault,
    ExchangeTimeout,
    ExchangeUnavailable,
    InvalidResponse,
    ResponseTooLarge,
    ServiceRef,
)

SERVICE = ServiceRef("JP-KIT", "GOV", "MOJ", "registry", "basic")
CLIENT = "JP-KIT/GOV/LG-139998/residence"


class FakeAdapter(BaseAdapter):
    """Records each request; answers with ``answer(request)`` (a response or an exception)."""

    def __init__(self, answer: Callable[[requests.PreparedRequest], Any]) -> None:
        super().__init__()
        self.answer = answer
        self.sent: list[tuple[requests.PreparedRequest, dict[str, Any]]] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.sent.append((request, kwargs))
        result = self.answer(request)
        if isinstance(result, BaseException):
            raise result
        return result

    def close(self) -> None:
        pass


def response(status: int = 200, body: bytes = b"{}", **headers: str) -> requests.Response:
    answer = requests.Response()
    answer.status_code = status
    answer.reason = "OK"
    answer.raw = io.BytesIO(body)
    answer.headers = requests.structures.CaseInsensitiveDict(
        {name.replace("_", "-"): value for name, value in headers.items()}
    )
    return answer


def client_with(
    answer: Callable[[requests.PreparedRequest], Any], **kwargs: Any
) -> tuple[ExchangeClient, FakeAdapter]:
    adapter = FakeAdapter(answer)
    session = requests.Session()
    session.mount("http://", adapter)
    return ExchangeClient("http://ss.example:8101/", CLIENT, http=session, **kwargs), adapter


@pytest.fixture
def fake() -> tuple[ExchangeClient, FakeAdapter]:
    return client_with(lambda _request: response())


def test_the_url_is_built_from_the_base_the_service_the_path_and_the_query() -> None:
    client = ExchangeClient("http://ss.example:8101/", CLIENT)
    assert client.base_url == "http://ss.example:8101"
    assert client.url(SERVICE) == "http://ss.example:8101/r1/JP-KIT/GOV/MOJ/registry/basic"
    assert client.url(SERVICE, "/v1/a%2Fb", "x=1&y=%e3%81%82") == (
        "http://ss.example:8101/r1/JP-KIT/GOV/MOJ/registry/basic/v1/a%2Fb?x=1&y=%E3%81%82"
    )
    assert (
        client.url(SERVICE, "/", "") == "http://ss.example:8101/r1/JP-KIT/GOV/MOJ/registry/basic/"
    )
    assert ExchangeClient("https://ss/prefix/", CLIENT).url(SERVICE) == (
        "https://ss/prefix/r1/JP-KIT/GOV/MOJ/registry/basic"
    )


@pytest.mark.parametrize(
    ("query", "encoded"),
    [
        ("a=1&a=2&b", "a=1&a=2&b"),
        ("q=a+b&r=a%20b&s=/?:@!$'()*,;", "q=a+b&r=a%20b&s=/?:@!$'()*,;"),
        ("名前=山田 太郎", "%E5%90%8D%E5%89%8D=%E5%B1%B1%E7%94%B0%20%E5%A4%AA%E9%83%8E"),
        ('x="<>"|{}^`#', "x=%22%3C%3E%22%7C%7B%7D%5E%60%23"),
        ({"name": "山田 太郎", "n": 1}, "name=%E5%B1%B1%E7%94%B0%20%E5%A4%AA%E9%83%8E&n=1"),
        ([("a", "1"), ("a", "2")], "a=1&a=2"),
        ({"a": ["1", "2"]}, "a=1&a=2"),
    ],
)
def test_queries(query: Any, encoded: str) -> None:
    client = ExchangeClient("http://ss", CLIENT)
    assert client.url(SERVICE, query=query).split("?", 1)[1] == encoded


@pytest.mark.parametrize(
    ("path", "query", "match"),
    [
        ("v1", None, "starts with '/'"),
        ("/v1?x=1", None, "query="),
        ("/v1#top", None, "query="),
        ("/50%", None, "'%'"),
        ("/v1", "a=%zz", "'%'"),
        ("/v1", "?a=1", "leading"),
    ],
)
def test_paths_and_queries_that_cannot_be_sent_as_meant(
    fake: tuple[ExchangeClient, FakeAdapter], path: str, query: str | None, match: str
) -> None:
    client, adapter = fake
    with pytest.raises(ValueError, match=match):
        client.get(SERVICE, path, query=query)
    assert adapter.sent == []


@pytest.mark.parametrize(
    "url", ["ss.example:8101", "ftp://ss.example", "http://", "http://ss?x=1", "http://ss#f"]
)
def test_the_security_server_url_must_be_a_plain_http_url(url: str) -> None:
    with pytest.raises(ValueError, match=r"URL|query"):
        ExchangeClient(url, CLIENT)


def test_the_client_id_is_parsed_or_taken() -> None:
    ref = ClientRef("JP-KIT", "GOV", "LG-139998", "residence")
    assert ExchangeClient("http://ss", CLIENT).client_id == ref
    assert ExchangeClient("http://ss", ref).client_id is ref
    with pytest.raises(ValueError, match="4 parts"):
        ExchangeClient("http://ss", "JP-KIT/GOV/LG-139998")


def test_a_call_sends_the_x_road_headers_and_a_timeout(
    fake: tuple[ExchangeClient, FakeAdapter],
) -> None:
    client, adapter = fake
    client.get(
        SERVICE,
        "/v1/x",
        headers={"Accept": "application/json"},
        context=CallContext(
            issue="R-1", user_id="JPabc", legal_basis="consent:c-1", x_road_id="JP-KIT-42"
        ),
    )
    [(request, kwargs)] = adapter.sent
    assert request.method == "GET"
    assert request.url == "http://ss.example:8101/r1/JP-KIT/GOV/MOJ/registry/basic/v1/x"
    assert request.headers["X-Road-Client"] == CLIENT
    assert request.headers["X-Road-Id"] == "JP-KIT-42"
    assert request.headers["X-Road-UserId"] == "JPabc"
    assert request.headers["X-Road-Issue"] == "R-1"
    assert request.headers["X-Madoguchi-Legal-Basis"] == "consent:c-1"
    assert request.headers["Accept"] == "application/json"
    assert request.headers["User-Agent"] == "govkit-exchange/1"
    assert request.body is None
    assert kwargs["timeout"] == (3.05, 10.0)
    assert kwargs["stream"] is True


def test_a_fresh_message_id_for_each_call_unless_given(
    fake: tuple[ExchangeClient, FakeAdapter],
) -> None:
    client, adapter = fake
    client.get(SERVICE)
    client.get(SERVICE)
    ids = [request.headers["X-Road-Id"] for request, _ in adapter.sent]
    assert len(set(ids)) == 2
    assert all(len(value) == 36 for value in ids)


def test_the_timeout_may_be_set_per_client_and_per_call() -> None:
    client, adapter = client_with(lambda _r: response(), timeout=(1.0, 2.0))
    client.get(SERVICE)
    client.get(SERVICE, timeout=0.5)
    assert [kwargs["timeout"] for _, kwargs in adapter.sent] == [(1.0, 2.0), 0.5]


def test_json_and_bytes_bodies(fake: tuple[ExchangeClient, FakeAdapter]) -> None:
    client, adapter = fake
    client.post(SERVICE, "/v1", json={"氏名": "山田"})
    client.post(
        SERVICE, "/v1", body=b"\x00\xff raw", headers={"Content-Type": "application/octet-stream"}
    )
    client.call(
        SERVICE, "put", "/v1", json=[1], headers={"content-type": "application/merge-patch+json"}
    )
    (first, _), (second, _), (third, _) = adapter.sent
    assert first.body == '{"氏名":"山田"}'.encode()
    assert first.headers["Content-Type"] == "application/json"
    assert second.body == b"\x00\xff raw"
    assert second.headers["Content-Type"] == "application/octet-stream"
    assert third.method == "PUT"
    assert third.headers["Content-Type"] == "application/merge-patch+json"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"json": {}, "body": b""}, ValueError),
        ({"body": "text"}, TypeError),
        ({"headers": {"X-Road-Client": "JP-KIT/GOV/X/y"}}, ValueError),
        ({"headers": {"x-road-userid": "123"}}, ValueError),
        ({"headers": {"X-Madoguchi-Legal-Basis": "law:x"}}, ValueError),
        ({"headers": {"X-Road-Request-Hash": "x"}}, ValueError),
        ({"headers": {"Bad Name": "x"}}, ValueError),
        ({"headers": {"X-Note": "a\r\nX-Evil: 1"}}, ValueError),
        ({"headers": {"X-Note": "山田"}}, ValueError),
    ],
)
def test_calls_that_cannot_be_sent_fail_before_sending(
    fake: tuple[ExchangeClient, FakeAdapter], kwargs: dict[str, Any], error: type[Exception]
) -> None:
    client, adapter = fake
    with pytest.raises(error):
        client.post(SERVICE, "/v1", **kwargs)
    assert adapter.sent == []


def test_a_my_number_is_refused_before_anything_is_sent(
    fake: tuple[ExchangeClient, FakeAdapter],
) -> None:
    client, adapter = fake
    with pytest.raises(ValueError, match="My Number"):
        client.get(SERVICE, context=CallContext(user_id="JP999012345678"))
    assert adapter.sent == []


@pytest.mark.parametrize("method", ["", "GET /x", "G3T", "get\r\n"])
def test_methods_are_tokens(fake: tuple[ExchangeClient, FakeAdapter], method: str) -> None:
    client, _ = fake
    with pytest.raises(ValueError, match="method"):
        client.call(SERVICE, method)


def test_service_must_be_typed(fake: tuple[ExchangeClient, FakeAdapter]) -> None:
    client, _ = fake
    with pytest.raises(TypeError, match="ServiceRef"):
        client.get("JP-KIT/GOV/MOJ/registry/basic")  # type: ignore[arg-type]


# -- failures as types ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raised", "expected", "phase"),
    [
        (requests.ConnectionError("refused"), ExchangeUnavailable, None),
        (requests.exceptions.SSLError("bad cert"), ExchangeUnavailable, None),
        (requests.exceptions.ChunkedEncodingError("reset"), ExchangeUnavailable, None),
        (requests.ConnectTimeout("slow"), ExchangeTimeout, "connect"),
        (requests.ReadTimeout("slow"), ExchangeTimeout, "read"),
        (
            requests.ConnectionError(ReadTimeoutError(None, "/", "Read timed out.")),
            ExchangeTimeout,
            "read",
        ),
        (requests.exceptions.ContentDecodingError("gzip"), InvalidResponse, None),
        (requests.exceptions.InvalidHeader("x"), ExchangeError, None),
    ],
)
def test_transport_failures_become_typed_errors(
    raised: Exception, expected: type[ExchangeError], phase: str | None
) -> None:
    client, _ = client_with(lambda _r: raised)
    with pytest.raises(expected) as caught:
        client.get(SERVICE, context=CallContext(x_road_id="id-7"))
    error = caught.value
    assert type(error) is expected
    assert not isinstance(error, requests.RequestException)
    assert error.__cause__ is None
    assert (error.service, error.x_road_id) == (str(SERVICE), "id-7")
    if phase:
        assert isinstance(error, ExchangeTimeout)
        assert error.phase == phase


def test_an_x_road_error_header_raises_a_fault_whatever_the_status() -> None:
    client, _ = client_with(
        lambda _r: response(
            400,
            b'{"type":"Client.BadRequest","message":"bad","detail":"d-1"}',
            X_Road_Error="Client.BadRequest",
            X_Road_Id="id-3",
        )
    )
    with pytest.raises(ExchangeFault) as caught:
        client.get(SERVICE)
    fault = caught.value
    assert (fault.code, fault.message, fault.detail, fault.status) == (
        "Client.BadRequest",
        "bad",
        "d-1",
        400,
    )
    assert fault.is_client_fault
    assert fault.x_road_id == "id-3"


def test_a_body_over_the_cap_is_refused_from_its_declared_length() -> None:
    client, _ = client_with(lambda _r: response(200, b"", Content_Length=str(11 * 1024 * 1024)))
    with pytest.raises(ResponseTooLarge, match=str(10 * 1024 * 1024)):
        client.get(SERVICE)


def test_a_body_over_the_cap_is_refused_while_reading() -> None:
    client, _ = client_with(lambda _r: response(200, b"x" * 101), max_response_bytes=100)
    with pytest.raises(ResponseTooLarge):
        client.get(SERVICE)
    client, _ = client_with(lambda _r: response(200, b"x" * 100), max_response_bytes=100)
    assert client.get(SERVICE).body == b"x" * 100


def test_head_reads_no_body() -> None:
    client, _ = client_with(
        lambda _r: response(200, b"", Content_Length=str(11 * 1024 * 1024)),
    )
    answer = client.call(SERVICE, "HEAD")
    assert (answer.status, answer.body) == (200, b"")


def test_a_client_comes_from_the_service_settings() -> None:
    from govkit.config import ServiceSettings

    settings = ServiceSettings(
        environment="development",
        security_server_url="http://localhost:8101/",
        exchange_client="JP-KIT/GOV/LG-139998/residence",
    )
    client = ExchangeClient.from_settings(settings)
    assert client.base_url == "http://localhost:8101"
    assert str(client.client_id) == "JP-KIT/GOV/LG-139998/residence"
    with pytest.raises(ValueError, match="SERVICE_SECURITY_SERVER_URL is not set"):
        ExchangeClient.from_settings(ServiceSettings(environment="development"))


def test_the_security_server_token_goes_with_every_call_and_cannot_be_overridden() -> None:
    from pydantic import SecretStr

    from govkit.config import ServiceSettings

    adapter = FakeAdapter(lambda _request: response())
    session = requests.Session()
    session.mount("http://", adapter)
    settings = ServiceSettings(
        environment="development",
        security_server_url="http://ss.example:8101",
        exchange_client=CLIENT,
        security_server_token=SecretStr("t" * 40),
    )
    client = ExchangeClient.from_settings(settings, http=session)
    assert "t" * 40 not in repr(client)
    client.call(SERVICE, "GET")
    ((request, _),) = adapter.sent
    assert request.headers[SECURITY_SERVER_TOKEN_HEADER] == "t" * 40
    with pytest.raises(ValueError, match="set from the call's context"):
        client.call(SERVICE, "GET", headers={SECURITY_SERVER_TOKEN_HEADER.lower(): "other"})
    untokened, adapter = client_with(lambda _request: response())
    untokened.call(SERVICE, "GET")
    assert SECURITY_SERVER_TOKEN_HEADER not in adapter.sent[0][0].headers
    with pytest.raises(ValueError, match="security_server_token"):
        ExchangeClient("http://ss.example", CLIENT, security_server_token="line\nbreak")


def test_settings_refuse_a_malformed_exchange_client() -> None:
    from pydantic import ValidationError

    from govkit.config import ServiceSettings

    with pytest.raises(ValidationError, match="exchange_client"):
        ServiceSettings(environment="development", exchange_client="JP-KIT/GOV/DA")


def test_settings_refuse_a_short_pseudonym_key() -> None:
    from pydantic import ValidationError

    from govkit.config import ServiceSettings

    with pytest.raises(ValidationError, match="at least 16 bytes"):
        ServiceSettings(environment="development", exchange_pseudonym_key="short")
    assert ServiceSettings(environment="development", exchange_pseudonym_key="k" * 16)
