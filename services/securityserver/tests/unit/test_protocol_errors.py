"""The layer's own errors: CamelCase types, 400/500, JSON or XML, X-Road-Error (xroad.md §1.7)."""

import json
from xml.etree import ElementTree

import pytest

from securityserver.protocol.errors import (
    JSON_CONTENT_TYPE,
    X_ROAD_ERROR,
    ExchangeError,
    FaultCode,
    render_error,
    status_for,
    wants_xml,
    xml_content_type,
)

DETAIL = "3c4d0f08-440f-417f-b935-bc801e103d51"


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("Client.BadRequest", 400),
        ("Client.InvalidClientIdentifier", 400),
        ("Client.InvalidProtocolVersion", 400),
        ("Server.ClientProxy.OutdatedGlobalConf", 500),
        ("Server.ClientProxy.NetworkError", 500),
        ("Server.ServerProxy.AccessDenied", 500),
        ("Server.ServerProxy.ServiceDisabled", 500),
        ("Server.ServerProxy.UnknownService", 500),
        ("Server.ServerProxy.ServiceFailed.HttpError", 500),
    ],
)
def test_server_faults_are_500_and_client_faults_400(code: str, status: int) -> None:
    assert status_for(code) == status
    assert ExchangeError(code, "why").status == status


@pytest.mark.parametrize("code", list(FaultCode))
def test_every_known_code_is_a_valid_camel_case_type_with_the_status_of_its_prefix(
    code: FaultCode,
) -> None:
    error = ExchangeError(code, "why")
    assert error.code == code.value
    assert type(error.code) is str
    assert error.status == (500 if code.value.startswith("Server.") else 400)


@pytest.mark.parametrize(
    ("member", "value"),
    [
        (FaultCode.BAD_REQUEST, "Client.BadRequest"),
        (FaultCode.INVALID_CLIENT_IDENTIFIER, "Client.InvalidClientIdentifier"),
        (FaultCode.INVALID_PROTOCOL_VERSION, "Client.InvalidProtocolVersion"),
        (FaultCode.ACCESS_DENIED, "Server.ServerProxy.AccessDenied"),
        (FaultCode.OUTDATED_GLOBAL_CONF, "Server.ClientProxy.OutdatedGlobalConf"),
        (FaultCode.SERVICE_DISABLED, "Server.ServerProxy.ServiceDisabled"),
        (FaultCode.UNKNOWN_SERVICE, "Server.ServerProxy.UnknownService"),
        (FaultCode.CLIENT_PROXY_NETWORK_ERROR, "Server.ClientProxy.NetworkError"),
        (FaultCode.INCONSISTENT_RESPONSE, "Server.ClientProxy.InconsistentResponse"),
        (FaultCode.SERVICE_FAILED, "Server.ServerProxy.ServiceFailed"),
    ],
)
def test_codes_are_spelt_as_in_the_spec(member: FaultCode, value: str) -> None:
    assert member == value


def test_a_more_specific_code_is_built_under_a_known_one() -> None:
    assert FaultCode.SERVICE_FAILED.sub("HttpError") == "Server.ServerProxy.ServiceFailed.HttpError"
    assert FaultCode.SERVER_PROXY_IO_ERROR.sub("ReadTimedOut") == (
        "Server.ServerProxy.IOError.ReadTimedOut"
    )


@pytest.mark.parametrize("part", ["", "read timed out", "lower", "A..B", "Http-Error"])
def test_a_malformed_sub_code_is_refused(part: str) -> None:
    with pytest.raises(ValueError, match="not a fault code"):
        FaultCode.SERVICE_FAILED.sub(part)


@pytest.mark.parametrize(
    "code",
    [
        "BadRequest",
        "client.bad_request",
        "server.serverproxy.access_denied",
        "Server.",
        "Client",
        "Other.Thing",
        "Client.Bad Request",
        "",
    ],
)
def test_an_exchange_error_refuses_a_code_outside_the_protocol(code: str) -> None:
    with pytest.raises(ValueError, match="not a fault code"):
        ExchangeError(code, "why")


def test_the_error_says_its_code_and_message() -> None:
    error = ExchangeError(FaultCode.ACCESS_DENIED, "Request is not allowed")
    assert str(error) == "Server.ServerProxy.AccessDenied: Request is not allowed"
    assert error.message == "Request is not allowed"
    assert "AccessDenied" in repr(error)


@pytest.mark.parametrize(
    ("accept", "xml"),
    [
        (None, False),
        ("", False),
        ("*/*", False),
        ("application/json", False),
        ("text/html", False),
        ("application/xhtml+xml", False),
        ("application/problem+json", False),
        ("nonsense", False),
        ("text/xml", True),
        ("application/xml", True),
        ("text/*", True),
        ("TEXT/XML", True),
        ("Application/XML; charset=utf-8", True),
        ("application/json, text/xml;q=0.5", True),
        ("text/html, application/xml;q=0.9, */*;q=0.8", True),
        ("text/xml;q=0", False),
        ("text/xml; q=0.0, application/json", False),
        ("text/xml;q=bogus", True),
    ],
)
def test_xml_is_chosen_only_when_accept_asks_for_it(accept: str | None, xml: bool) -> None:
    assert wants_xml(accept) is xml


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        ("application/xml", "application/xml;charset=utf-8"),
        ("text/xml", "text/xml;charset=utf-8"),
        ("text/*", "text/xml;charset=utf-8"),
        ("text/xml, application/xml", "text/xml;charset=utf-8"),
        ("application/xml, text/xml", "application/xml;charset=utf-8"),
    ],
)
def test_the_xml_content_type_follows_what_was_asked(accept: str, content_type: str) -> None:
    assert xml_content_type(accept) == content_type


@pytest.mark.parametrize(
    ("code", "status"),
    [(FaultCode.BAD_REQUEST, 400), (FaultCode.ACCESS_DENIED, 500)],
)
@pytest.mark.parametrize("accept", [None, "*/*", "application/json"])
def test_an_error_is_json_with_x_road_error_by_default(
    code: FaultCode, status: int, accept: str | None
) -> None:
    response = render_error(
        ExchangeError(code, "Request is not allowed"), accept=accept, detail=DETAIL
    )

    assert response.status == status
    assert response.content_type == JSON_CONTENT_TYPE
    assert dict(response.headers) == {X_ROAD_ERROR: code.value, "Content-Type": JSON_CONTENT_TYPE}
    assert json.loads(response.body) == {
        "type": code.value,
        "message": "Request is not allowed",
        "detail": DETAIL,
    }


def test_a_json_error_keeps_non_ascii_text_as_utf8() -> None:
    error = ExchangeError(FaultCode.SERVICE_DISABLED, "停止中: 3月1日まで")
    response = render_error(error, accept=None, detail=DETAIL)
    assert "停止中: 3月1日まで".encode() in response.body
    assert json.loads(response.body.decode("utf-8"))["message"] == "停止中: 3月1日まで"


@pytest.mark.parametrize("accept", ["text/xml", "application/xml", "text/*"])
def test_an_error_is_xml_when_asked(accept: str) -> None:
    error = ExchangeError(FaultCode.INVALID_PROTOCOL_VERSION, "use <r1> & not r2")
    response = render_error(error, accept=accept, detail=DETAIL)

    assert response.status == 400
    assert response.content_type.split(";")[0] == accept.replace("text/*", "text/xml")
    assert dict(response.headers)[X_ROAD_ERROR] == "Client.InvalidProtocolVersion"
    root = ElementTree.fromstring(response.body)  # noqa: S314 - our own output, not untrusted
    assert root.tag == "error"
    assert [child.tag for child in root] == ["type", "message", "detail"]
    assert root.findtext("type") == "Client.InvalidProtocolVersion"
    assert root.findtext("message") == "use <r1> & not r2"
    assert root.findtext("detail") == DETAIL


def test_an_xml_error_stays_well_formed_whatever_the_message_holds() -> None:
    error = ExchangeError(FaultCode.BAD_REQUEST, "bad \x00 byte \x1b and ]]> end")
    body = render_error(error, accept="text/xml", detail=DETAIL).body
    root = ElementTree.fromstring(body)  # noqa: S314 - our own output, not untrusted
    assert root.findtext("message") == "bad \ufffd byte \ufffd and ]]> end"
