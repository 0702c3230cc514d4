"""The verification page: anyone can check a document, and every mistake gets a clear answer.

Proves: the form passes the page checker in Japanese and English; a POST without a valid CSRF
token gets the 400 page; a form with nothing to check, with both a file and QR text, with an
unreadable custom number of days or an unknown rule is answered 400 with an error summary that
links to the field at fault (the title says "エラー:"/"Error:"), keeping what was typed; a file
over 10 MB gets the 413 page in both languages, whether the request limit or the page's own
check stops it; the result page without a result sends you back to the form; when the kit's
trust list cannot be obtained a valid submission gets a 503 page saying so, never a 500. With a
real trust service, a submission goes to a result page in plain words in both languages.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from flask import Flask
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from govkit.certificates.verify import MAX_PDF_BYTES
from govkit.i18n import format_day
from govkit.testing import Page, check_page
from govkit.testing.plugin import ServiceAppFactory

Browser = Any  # conftest.Browser


def _post(browser: Browser, data: dict[str, Any], *, status: int, token: bool = True) -> Page:
    if token:
        data = {"csrf_token": browser.csrf_token(), **data}
    response = browser.client.post("/verify", data=data, content_type="multipart/form-data")
    return check_page(response, status=status, lang=browser.language)


def _error_links(page: Page) -> list[str]:
    return [str(a["href"]) for a in page.select(".govuk-error-summary a")]


# -- the form --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "h1"), [("ja", "文書を確認する"), ("en", "Check a document")])
def test_the_form(
    portal_app: Flask, browser: Callable[..., Browser], language: str, h1: str
) -> None:
    page = browser(portal_app, language).page("/verify", h1=h1)
    form = page.select_one("form[method=post]")
    assert form["action"] == "/verify"
    assert form["enctype"] == "multipart/form-data"
    assert page.select_one("input#document")["type"] == "file"
    assert page.select_one("textarea#qr")["name"] == "qr"
    assert [r["value"] for r in page.select("input[name=freshness]")] == [
        "none",
        "30-days",
        "3-months",
        "custom",
    ]
    assert page.select_one("input[name=freshness][checked]")["value"] == "none"
    assert page.select_one("input#custom_days")["name"] == "custom_days"
    assert not page.select(".govuk-error-summary")
    # The "What is checked" explanation is a paragraph, not escaped markup shown as text.
    details = page.select_one(".govuk-details__text")
    assert details.select_one("p.govuk-body") is not None
    assert "<p" not in details.get_text()


def test_the_form_is_linked_from_the_home_page(
    portal_app: Flask, browser: Callable[..., Browser]
) -> None:
    page = browser(portal_app, "en").page("/")
    assert page.links()["Check a document"] == "/verify"
    assert page.links()["Get a specimen certificate"] == "/certificates/specimen"


# -- mistakes --------------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "not-a-token"])
def test_a_post_without_a_valid_csrf_token_gets_the_400_page(
    portal_app: Flask, browser: Callable[..., Browser], token: str | None
) -> None:
    visitor = browser(portal_app)
    visitor.page("/verify")
    data = {"qr": "MDG1:ABC"} | ({"csrf_token": token} if token else {})
    check_page(
        visitor.client.post("/verify", data=data),
        status=400,
        h1="時間切れになったか、フォームが二重に送信されました",
    )


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("ja", "PDFファイルを選ぶか、QRコードの文字列を貼り付けてください"),
        ("en", "Choose a PDF file or paste the text from its QR code"),
    ],
)
def test_nothing_to_check(
    portal_app: Flask, browser: Callable[..., Browser], language: str, message: str
) -> None:
    visitor = browser(portal_app, language)
    for data in ({}, {"qr": "   \n "}, {"document": (io.BytesIO(b""), "")}):
        page = _post(visitor, data, status=400)
        assert page.title.startswith("エラー:" if language == "ja" else "Error:")
        assert _error_links(page) == ["#document"]
        assert page.select_one(".govuk-error-summary a").get_text(strip=True) == message
        assert message in page.select_one("#document-error").get_text()


def test_a_file_and_qr_text_together(portal_app: Flask, browser: Callable[..., Browser]) -> None:
    visitor = browser(portal_app, "en")
    page = _post(
        visitor,
        {"document": (io.BytesIO(b"%PDF-1.7\n"), "a.pdf"), "qr": "MDG1:ABC"},
        status=400,
    )
    assert _error_links(page) == ["#document"]
    assert "not both" in page.select_one("#document-error").get_text()


@pytest.mark.parametrize(
    "days", ["abc", "0", "3651", "", " ", "-1", "1.5", "1e3", "²", "9" * 30, "9" * 5000]
)
@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("ja", "1から3650までの整数で日数を入力してください"),
        ("en", "Enter a whole number of days from 1 to 3650"),
    ],
)
def test_a_custom_rule_needs_one_to_3650_days(
    portal_app: Flask, browser: Callable[..., Browser], days: str, language: str, message: str
) -> None:
    visitor = browser(portal_app, language)
    page = _post(
        visitor, {"qr": "MDG1:ABC", "freshness": "custom", "custom_days": days}, status=400
    )
    assert _error_links(page) == ["#custom_days"]
    assert message in page.select_one("#custom_days-error").get_text()
    # What was typed and chosen is kept.
    assert page.select_one("input#custom_days").get("value", "") == days
    assert page.select_one("input[name=freshness][checked]")["value"] == "custom"
    assert page.select_one("textarea#qr").get_text() == "MDG1:ABC"


@pytest.mark.parametrize("days", ["1", "3650", " 30 ", "0030", "１０"])
def test_a_custom_rule_within_bounds_is_accepted(
    portal_app: Flask, browser: Callable[..., Browser], days: str
) -> None:
    # Past the form's checks the portal needs the trust list, which this portal cannot get.
    page = _post(
        browser(portal_app, "en"),
        {"qr": "MDG1:ABC", "freshness": "custom", "custom_days": days},
        status=503,
    )
    assert not page.select("#custom_days-error")


def test_an_unknown_rule_is_an_error_on_the_rule(
    portal_app: Flask, browser: Callable[..., Browser]
) -> None:
    page = _post(browser(portal_app, "en"), {"qr": "MDG1:ABC", "freshness": "weekly"}, status=400)
    assert _error_links(page) == ["#freshness"]
    assert (
        "Choose how recent the document must be" in page.select_one("#freshness-error").get_text()
    )


# -- files over 10 MB ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "request_limit",
    [None, 20 * 1024 * 1024],
    ids=["stopped-by-the-request-limit", "stopped-by-the-page"],
)
@pytest.mark.parametrize(
    ("language", "h1"), [("ja", "ファイルが大きすぎます"), ("en", "The file is too large")]
)
def test_a_file_over_10_mb_gets_the_413_page(
    service_app: ServiceAppFactory,
    browser: Callable[..., Browser],
    request_limit: int | None,
    language: str,
    h1: str,
) -> None:
    settings = {} if request_limit is None else {"max_content_length": request_limit}
    app = service_app("portal", **settings)
    visitor = browser(app, language)
    big = FileStorage(io.BytesIO(b"%PDF-1.7\n" + b"0" * MAX_PDF_BYTES), "big.pdf", "document")
    # Encoded here, in memory: the test client would spool a body this size to a temporary
    # file that it never closes.
    boundary, body = encode_multipart({"csrf_token": visitor.csrf_token(), "document": big})
    response = visitor.client.post(
        "/verify", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    page = check_page(response, status=413, lang=language, h1=h1)
    assert "413" in page.text()


# -- the result page -------------------------------------------------------------------------------


def test_the_result_page_without_a_result_goes_back_to_the_form(
    portal_app: Flask, browser: Callable[..., Browser]
) -> None:
    response = browser(portal_app).client.get("/verify/result")
    assert response.status_code == 303
    assert response.headers["Location"] == "/verify"


# -- no trust list ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "words"),
    [("ja", "トラストリスト"), ("en", "the kit's list of trusted issuers is not available")],
)
def test_without_the_trust_list_a_valid_submission_gets_a_503_page(
    portal_app: Flask, browser: Callable[..., Browser], language: str, words: str
) -> None:
    visitor = browser(portal_app, language)
    for data in (
        {"qr": "MDG1:ABC"},
        {"document": (io.BytesIO(b"%PDF-1.7\n%%EOF\n"), "a.pdf"), "freshness": "30-days"},
    ):
        page = _post(visitor, data, status=503)
        assert _error_links(page) == ["#document"]
        assert words in page.select_one(".govuk-error-summary").get_text()
    assert visitor.client.get("/verify/result").status_code == 303  # nothing was judged


# -- with a real trust service ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "h1", "fresh_words", "status_words"),
    [
        (
            "ja",
            "この文書は有効です",
            "指定した条件を満たしています",
            "有効（取り消されていません）",
        ),
        ("en", "This document is valid", "Recent enough for your rule", "Current (not revoked)"),
    ],
)
def test_a_specimen_checked_on_the_page(
    issuing_app: Flask,
    browser: Callable[..., Browser],
    today: date,
    language: str,
    h1: str,
    fresh_words: str,
    status_words: str,
) -> None:
    visitor = browser(issuing_app, language)
    document_id = visitor.issue_specimen()
    pdf = visitor.client.get(f"/certificates/specimen/{document_id}.pdf").data
    data = {
        "csrf_token": visitor.csrf_token(),
        "document": (io.BytesIO(pdf), f"{document_id}.pdf"),
        "freshness": "30-days",
    }
    response = visitor.client.post("/verify", data=data)
    assert response.status_code == 303
    assert response.headers["Location"] == "/verify/result"
    page = visitor.page("/verify/result", h1=h1)
    assert page.select_one("[data-verdict]")["data-verdict"] == "valid"
    assert not page.select(".kit-verdict__reasons")
    rows = page.select(".govuk-summary-list__value")
    text = " ".join(row.get_text(" ", strip=True) for row in rows)
    assert document_id in text
    # the day of issue as the copy prints it in Japanese (和暦 and ISO), the page's way in English
    issued = f"（{today.isoformat()}）" if language == "ja" else format_day(today, "en")
    assert issued in text
    assert status_words in text
    assert fresh_words in page.select_one(".kit-freshness--ok").get_text()
    # The result stays for a reload, in the other language too.
    other = "en" if language == "ja" else "ja"
    visitor.client.set_cookie("kit_lang", other)
    check_page(visitor.client.get("/verify/result"), lang=other)


@pytest.mark.parametrize(
    ("language", "upload", "message"),
    [
        ("en", b"GIF89a", "The selected file must be a PDF"),
        ("en", b"\x89PNG\r\n\x1a\n" + bytes(64), "The selected file must be a PDF"),
        ("en", b"", "The selected file is empty"),
        ("en", b" \r\n\t ", "The selected file is empty"),
        ("ja", b"GIF89a", "選択したファイルはPDFではありません"),
        ("ja", b"", "選択したファイルは空です"),
    ],
)
def test_a_file_that_is_not_a_pdf_or_is_empty_is_an_error_on_the_file(
    portal_app: Flask, browser: Callable[..., Browser], language: str, upload: bytes, message: str
) -> None:
    """Nothing was checked, so there is no verdict (and no "checked from the seal"): the form
    says what is wrong with the file, GOV.UK style. No trust list is needed to say so."""
    visitor = browser(portal_app, language)
    page = _post(visitor, {"document": (io.BytesIO(upload), "cat.gif")}, status=400)
    assert page.title.startswith("エラー:" if language == "ja" else "Error:")
    assert _error_links(page) == ["#document"]
    assert page.select_one(".govuk-error-summary a").get_text(strip=True) == message
    assert message in page.select_one("#document-error").get_text()
    assert not page.select("[data-verdict]")
