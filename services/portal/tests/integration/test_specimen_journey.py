"""The specimen certificate journey, end to end against the real trust service: ask for a
specimen, download it, check it, see its status published, revoke it.

Proves: the start page passes the page checker in both languages; the button issues a
specimen and sends you (303) to a ready page that shows its number and a download link; the PDF
downloads as an attachment; the verification API finds it valid and current with its issuer;
the portal's signed status answer (madoguchi-status+jwt) and status list (statuslist+jwt) verify
against the kit root and say "issued" at the document's index, then "revoked" once the same
browser revokes it; revoking twice keeps the first date; another browser cannot revoke (403);
unknown numbers get 404; a portal without a registration token says issuing is not set up (503)
and publishes no list rather than failing; the test-only endpoint exists only when switched on,
and its backdated specimens are judged against freshness rules and expire after 90 days.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import requests
from cryptography import x509
from flask import Flask
from flask.testing import FlaskClient

from govkit.certificates import jose
from govkit.certificates.keys import load_pem_chain
from govkit.certificates.status import (
    STATUS_LIST_TYPE,
    STATUS_RESPONSE_TYPE,
    DocumentStatus,
    unpack,
)
from govkit.db import get_session
from govkit.testing import check_page
from govkit.testing.plugin import RunningTrust, ServiceAppFactory
from portal import repository
from portal.documents import documents

Browser = Any  # conftest.Browser
PORTAL = "http://localhost:8000"  # the test portal's public_url, sealed into its documents


@pytest.fixture(scope="module")
def kit_root(trust_service: RunningTrust) -> x509.Certificate:
    """The kit root, fetched from the trust service itself (not through the portal)."""
    response = requests.get(f"{trust_service.url}/pki/root.pem", timeout=10)
    response.raise_for_status()
    return load_pem_chain(response.content)[0]


def _verify(client: FlaskClient, pdf: bytes, **form: str) -> dict[str, Any]:
    response = client.post(
        "/api/v1/verify", data={"document": (io.BytesIO(pdf), "specimen.pdf"), **form}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def _status(client: FlaskClient, document_id: str, root: x509.Certificate) -> dict[str, Any]:
    response = client.get(f"/api/v1/documents/{document_id}/status")
    assert response.status_code == 200
    assert response.mimetype == "application/jwt"
    assert response.headers["Cache-Control"] == "no-store"
    payload, _chain = jose.verify(response.get_data(as_text=True), [root], typ=STATUS_RESPONSE_TYPE)
    assert payload["document_id"] == document_id
    return payload


def _status_list(client: FlaskClient, root: x509.Certificate) -> dict[str, Any]:
    response = client.get("/api/v1/status-lists/documents")
    assert response.status_code == 200
    assert response.mimetype == "application/jwt"
    payload, _chain = jose.verify(response.get_data(as_text=True), [root], typ=STATUS_LIST_TYPE)
    assert payload["sub"] == f"{PORTAL}/api/v1/status-lists/documents"
    assert payload["status_list"]["bits"] == 2
    return payload["status_list"]


def _index(app: Flask, document_id: str) -> int:
    """The document's place in the status list, as the portal recorded it."""
    with app.app_context():
        return repository.get_document(session=get_session(), document_id=document_id).status_index


def documents_of(app: Flask) -> Any:
    with app.app_context():
        return documents()


# -- the start page --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "h1"),
    [("ja", "電子署名付きの証明書を試す"), ("en", "Try a signed certificate")],
)
def test_the_start_page(
    issuing_app: Flask, browser: Callable[..., Browser], language: str, h1: str
) -> None:
    page = browser(issuing_app, language).page("/certificates/specimen", h1=h1)
    assert page.select_one("form[method=post]")["action"] == "/certificates/specimen"
    assert page.select_one("form .govuk-button--start")
    assert not page.select(".govuk-warning-text")
    assert "/verify" in page.links().values()


def test_asking_without_a_csrf_token_issues_nothing(issuing_app: Flask) -> None:
    client = issuing_app.test_client()
    check_page(client.post("/certificates/specimen"), status=400)
    assert client.get("/certificates/specimen/SPC-20260520-000000").status_code == 404


# -- issue, download, check ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "h1"),
    [("ja", "見本証明書を発行しました"), ("en", "Your specimen certificate is ready")],
)
def test_issue_download_and_check(
    issuing_app: Flask,
    browser: Callable[..., Browser],
    today: date,
    kit_root: x509.Certificate,
    language: str,
    h1: str,
) -> None:
    visitor = browser(issuing_app, language)
    token = visitor.csrf_token("/certificates/specimen")
    response = visitor.client.post("/certificates/specimen", data={"csrf_token": token})
    assert response.status_code == 303
    document_id = f"SPC-{today:%Y%m%d}-000000"
    assert response.headers["Location"] == f"/certificates/specimen/{document_id}"

    ready = visitor.page(f"/certificates/specimen/{document_id}", h1=h1)
    assert ready.select_one(".govuk-panel strong.kit-mono").get_text(strip=True) == document_id
    assert "<strong" not in ready.text()  # the number is markup, not escaped tags
    download = ready.select_one(f"a[href='/certificates/specimen/{document_id}.pdf']")
    assert download.has_attr("download")
    revoke = ready.select_one("form[method=post]")
    assert revoke["action"] == f"/certificates/specimen/{document_id}/revoke"

    pdf = visitor.client.get(download["href"])
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"] == f"attachment; filename={document_id}.pdf"
    assert pdf.data.startswith(b"%PDF")

    status_source = documents_of(issuing_app).status_source
    body = _verify(visitor.client, pdf.data)
    assert body["verdict"] == "valid"
    assert body["reasons"] == []
    assert body["document_id"] == document_id
    assert body["document_type"] == "specimen"
    assert body["issuer"]["member"] == "GOV/DA"
    assert body["issued_on"] == today.isoformat()
    assert body["valid_until"] == (today + timedelta(days=90)).isoformat()
    assert body["status"]["checked"] is True
    assert body["status"]["value"] == "issued"
    assert body["freshness"] == {
        "rule": "none",
        "rule_days": None,
        "age_days": 0,
        "limit": None,
        "fresh": None,
    }
    # The status was asked of the issuer, at the address sealed in the document.
    assert status_source.requested == [f"{PORTAL}/api/v1/documents/{document_id}/status"]

    status = _status(visitor.client, document_id, kit_root)
    assert status["status"] == "issued"
    assert status["changed_at"] is None
    listed = _status_list(visitor.client, kit_root)
    assert unpack(listed["lst"], _index(issuing_app, document_id)) is DocumentStatus.ISSUED


def test_specimens_asked_for_at_the_same_moment_all_get_their_own_place(
    issuing_app: Flask, browser: Callable[..., Browser], kit_root: x509.Certificate
) -> None:
    """Eight browsers press the button together: every one gets a certificate, each at its own
    place in the status list (the place is taken before sealing, in a short transaction)."""
    visitors = [browser(issuing_app) for _ in range(8)]
    tokens = [visitor.csrf_token("/certificates/specimen") for visitor in visitors]
    start = threading.Barrier(len(visitors))

    def press(visitor: Browser, token: str) -> tuple[int, str]:
        start.wait()
        response = visitor.client.post("/certificates/specimen", data={"csrf_token": token})
        return response.status_code, response.headers.get("Location", "")

    with ThreadPoolExecutor(len(visitors)) as pool:
        answers = list(pool.map(press, visitors, tokens))
    assert [status for status, _ in answers] == [303] * len(visitors), answers
    document_ids = [location.rsplit("/", 1)[1] for _, location in answers]
    indexes = [_index(issuing_app, document_id) for document_id in document_ids]
    assert len(set(document_ids)) == len(set(indexes)) == len(visitors)
    listed = _status_list(issuing_app.test_client(), kit_root)
    assert all(unpack(listed["lst"], index) is DocumentStatus.ISSUED for index in indexes)


def test_the_signed_status_answers_carry_their_own_type(
    issuing_app: Flask, browser: Callable[..., Browser], kit_root: x509.Certificate
) -> None:
    visitor = browser(issuing_app)
    document_id = visitor.issue_specimen()
    answer = visitor.client.get(f"/api/v1/documents/{document_id}/status").get_data(as_text=True)
    listed = visitor.client.get("/api/v1/status-lists/documents").get_data(as_text=True)
    with pytest.raises(jose.SignatureError, match="unexpected type"):
        jose.verify(answer, [kit_root], typ=STATUS_LIST_TYPE)
    with pytest.raises(jose.SignatureError, match="unexpected type"):
        jose.verify(listed, [kit_root], typ=STATUS_RESPONSE_TYPE)
    # The seal that signs them is the portal's own, on the kit's trust list.
    _payload, chain = jose.verify(answer, [kit_root], typ=STATUS_RESPONSE_TYPE)
    seal = documents_of(issuing_app).identity()
    assert chain[0] == seal.certificate


# -- revoking --------------------------------------------------------------------------------------


def test_revoking_from_the_same_browser(
    issuing_app: Flask, browser: Callable[..., Browser], kit_root: x509.Certificate
) -> None:
    visitor = browser(issuing_app, "en")
    kept = visitor.issue_specimen()
    document_id = visitor.issue_specimen()
    pdf = visitor.client.get(f"/certificates/specimen/{document_id}.pdf").data

    ready = visitor.page(f"/certificates/specimen/{document_id}")
    token = ready.select_one("form input[name=csrf_token]")["value"]
    response = visitor.client.post(
        f"/certificates/specimen/{document_id}/revoke", data={"csrf_token": token}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/certificates/specimen/{document_id}"
    revoked = visitor.page(
        f"/certificates/specimen/{document_id}", h1="This specimen certificate has been revoked"
    )
    assert "The specimen certificate has been revoked." in revoked.select_one(
        ".govuk-notification-banner"
    ).get_text(" ", strip=True)
    assert not revoked.select("form[method=post]")  # nothing more to revoke
    assert document_id in revoked.select_one("strong.kit-mono").get_text()

    status = _status(visitor.client, document_id, kit_root)
    assert status["status"] == "revoked"
    assert status["reason"]
    revoked_at = datetime.fromisoformat(status["changed_at"])
    assert revoked_at.tzinfo is not None

    listed = _status_list(visitor.client, kit_root)
    assert unpack(listed["lst"], _index(issuing_app, kept)) is DocumentStatus.ISSUED
    assert unpack(listed["lst"], _index(issuing_app, document_id)) is DocumentStatus.REVOKED

    body = _verify(visitor.client, pdf)
    assert body["verdict"] == "revoked"
    assert body["reasons"] == ["revoked"]
    assert body["status"]["value"] == "revoked"
    assert body["title"]["en"] == "This document has been revoked"
    assert (
        _verify(visitor.client, visitor.client.get(f"/certificates/specimen/{kept}.pdf").data)[
            "verdict"
        ]
        == "valid"
    )

    # Revoking again changes nothing: the first date stays.
    again = visitor.client.post(
        f"/certificates/specimen/{document_id}/revoke",
        data={"csrf_token": visitor.csrf_token()},
    )
    assert again.status_code == 303
    assert _status(visitor.client, document_id, kit_root)["changed_at"] == status["changed_at"]


def test_another_browser_cannot_revoke(
    issuing_app: Flask, browser: Callable[..., Browser], kit_root: x509.Certificate
) -> None:
    owner = browser(issuing_app)
    document_id = owner.issue_specimen()
    stranger = browser(issuing_app)
    page = stranger.page(f"/certificates/specimen/{document_id}")
    assert not page.select("form[method=post]")  # no button for someone else's specimen
    response = stranger.client.post(
        f"/certificates/specimen/{document_id}/revoke",
        data={"csrf_token": stranger.csrf_token()},
    )
    check_page(response, status=403, h1="このページを表示する権限がありません")
    assert _status(owner.client, document_id, kit_root)["status"] == "issued"


def test_unknown_documents(issuing_app: Flask, browser: Callable[..., Browser]) -> None:
    visitor = browser(issuing_app)
    visitor.issue_specimen()
    unknown = "SPC-20260520-999999"
    visitor.page(f"/certificates/specimen/{unknown}", status=404, h1="ページが見つかりません")
    check_page(visitor.client.get(f"/certificates/specimen/{unknown}.pdf"), status=404)
    check_page(
        visitor.client.post(
            f"/certificates/specimen/{unknown}/revoke", data={"csrf_token": visitor.csrf_token()}
        ),
        status=404,
    )
    response = visitor.client.get(f"/api/v1/documents/{unknown}/status")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert visitor.client.get("/api/v1/status-lists/other").status_code == 404


# -- a portal that cannot issue --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "warning"),
    [
        ("ja", "このポータルでは、まだ発行の準備ができていません。"),
        ("en", "Issuing is not set up on this portal yet."),
    ],
)
def test_without_a_registration_token_issuing_is_not_set_up(
    service_app: ServiceAppFactory, browser: Callable[..., Browser], language: str, warning: str
) -> None:
    app = service_app("portal")  # no KIT_TRUST_RA_TOKEN: no seal
    visitor = browser(app, language)
    token = visitor.csrf_token("/certificates/specimen")
    response = visitor.client.post("/certificates/specimen", data={"csrf_token": token})
    page = check_page(response, status=503, lang=language)
    assert warning in page.select_one(".govuk-warning-text").get_text()
    assert page.select_one("form[method=post]")["action"] == "/certificates/specimen"
    # Nothing issued, nothing to sign a list with: an answer, not a server error.
    listed = visitor.client.get("/api/v1/status-lists/documents")
    assert listed.status_code == 503
    assert listed.mimetype == "application/problem+json"


# -- the test-only endpoint ------------------------------------------------------------------------


def test_the_testing_endpoint_is_off_unless_switched_on(issuing_app: Flask, today: date) -> None:
    response = issuing_app.test_client().post(
        "/__testing/specimens", json={"issued_on": today.isoformat()}
    )
    assert response.status_code == 404


def _backdated(app: Flask, issued_on: date) -> tuple[str, bytes]:
    client = app.test_client()
    response = client.post("/__testing/specimens", json={"issued_on": issued_on.isoformat()})
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["document_id"].startswith(f"SPC-{issued_on:%Y%m%d}-")
    return body["document_id"], client.get(body["pdf_url"]).data


@pytest.mark.parametrize(
    ("age", "fresh"), [(30, True), (31, False), (45, False)], ids=["30-days", "31-days", "45-days"]
)
def test_a_backdated_specimen_against_the_30_days_rule(
    issuing_portal: Callable[..., Flask], today: date, age: int, fresh: bool
) -> None:
    app = issuing_portal(testing_endpoints=True)
    issued_on = today - timedelta(days=age)
    document_id, pdf = _backdated(app, issued_on)
    body = _verify(app.test_client(), pdf, freshness="30-days")
    assert body["verdict"] == "valid"
    assert body["document_id"] == document_id
    assert body["issued_on"] == issued_on.isoformat()
    assert body["freshness"] == {
        "rule": "30-days",
        "rule_days": None,
        "age_days": age,
        "limit": (issued_on + timedelta(days=30)).isoformat(),
        "fresh": fresh,
    }


@pytest.mark.parametrize(
    ("age", "verdict"),
    [(90, "valid"), (91, "expired"), (400, "expired")],
    ids=["90-days", "91-days", "400-days"],
)
def test_a_backdated_specimen_expires_after_90_days(
    issuing_portal: Callable[..., Flask], today: date, age: int, verdict: str
) -> None:
    app = issuing_portal(testing_endpoints=True)
    issued_on = today - timedelta(days=age)
    _document_id, pdf = _backdated(app, issued_on)
    body = _verify(app.test_client(), pdf, freshness="custom", custom_days="3650")
    assert body["verdict"] == verdict
    assert body["reasons"] == ([] if verdict == "valid" else ["expired"])
    assert body["valid_until"] == (issued_on + timedelta(days=90)).isoformat()
    assert body["status"]["value"] == "issued"
    assert body["freshness"]["fresh"] is True


@pytest.mark.parametrize(
    "body",
    [{}, {"issued_on": "yesterday"}, {"issued_on": None}, "x", ["2026-05-20"], 1, None],
    ids=repr,
)
def test_the_testing_endpoint_needs_a_date(
    issuing_portal: Callable[..., Flask], body: dict[str, Any]
) -> None:
    app = issuing_portal(testing_endpoints=True)
    response = app.test_client().post("/__testing/specimens", json=body)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
