"""The certificate journey through the browser-facing pages, signed in at a fake provider, with
the city's seal from the real trust service: who may have which copy, what the copy shows, the
fields' errors, and that nobody reaches another citizen's request or copy."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlmodel import select

from govkit.db import get_database
from govkit.testing import check_page
from govkit.testing.oidc import DEMO_PERSON, FakeProvider
from govkit.testing.plugin import RunningTrust
from residence.models import AuditEvent, CertificateRequest

#: Input checks that never reach the database run on SQLite only (the rest run on both, and the
#: acceptance kit runs on PostgreSQL).
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

PEOPLE = {
    "H1-1": ("森下 健太", "1990-05-12"),
    "H3-6": ("石川 正男", "1955-08-30"),
    "H3-1": ("石川 亮介", "1983-02-14"),
    "X-3": ("田村 剛", "1965-08-20"),
    "X-1": ("高木 直子", "1979-06-18"),
}


@pytest.fixture
def city(
    register_app: Callable[..., Flask], fake_idp: FakeProvider, trust_service: RunningTrust
) -> Iterator[Flask]:
    app = register_app(idp_url=fake_idp.issuer, **trust_service.settings_for_issuers())
    fake_idp.install(app)
    return app


def signed_in(app: Flask, fake_idp: FakeProvider, kit, key: str) -> FlaskClient:
    """A browser on ``app`` signed in with the card of persona ``key`` (aal3)."""
    name, born = PEOPLE[key]
    family, given = name.split()
    fake_idp.person = {
        **DEMO_PERSON,
        "name": name,
        "family_name": family,
        "given_name": given,
        "birthdate": born,
        "exchange_id": kit.xid(key),
    }
    client = app.test_client()
    client.set_cookie("kit_lang", "en")
    fake_idp.sign_in(client, "/request/who", sub=f"sub-{key}")
    return client


@pytest.fixture
def citizen(city: Flask, fake_idp: FakeProvider, kit) -> Callable[[str], FlaskClient]:
    """``citizen("H1-1")``: a browser signed in with that persona's card (aal3)."""
    return lambda key: signed_in(city, fake_idp, kit, key)


def csrf(client: FlaskClient, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert found, page[:2000]
    return found.group(1)


def post(client: FlaskClient, path: str, data: dict[str, Any]):
    return client.post(path, data={"csrf_token": csrf(client, path), **data})


def ask(client: FlaskClient, who: dict[str, Any], details: dict[str, Any], scope=None):
    """Go through the journey; the response to the final submission. ``who`` is the first
    page's answer, with the third party's page's answers when the route is ``third_party``."""
    answer = post(client, "/request/who", {"route": who["route"]})
    assert answer.status_code in (302, 303), answer.get_data(as_text=True)
    if answer.headers["Location"].endswith("/request/third-party"):
        answer = post(client, "/request/third-party", who)
        assert answer.status_code in (302, 303), answer.get_data(as_text=True)
    if answer.headers["Location"].endswith("/request/scope"):
        answer = post(client, "/request/scope", scope or {"members": ticked(client)})
        assert answer.status_code in (302, 303), answer.get_data(as_text=True)
    answer = post(client, "/request/details", {"purpose": "bank", "copies": "1", **details})
    assert answer.status_code in (302, 303), answer.get_data(as_text=True)
    return post(client, "/request/check", {"payment": "card"})


def ticked(client: FlaskClient) -> list[str]:
    """The people the scope page ticks to begin with (as a browser would send them)."""
    page = BeautifulSoup(client.get("/request/scope").get_data(as_text=True), "html.parser")
    return [str(box["value"]) for box in page.select("input[name=members][checked]")]


def outcome(client: FlaskClient, response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return client.get(response.headers["Location"]).get_data(as_text=True)


def downloaded(client: FlaskClient, page: str) -> bytes:
    link = re.search(r'href="(/certificates/[^"]+\.pdf)"', page)
    assert link, page
    response = client.get(link.group(1))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    return response.data


def claims(pdf: bytes) -> dict[str, Any]:
    import io

    reader = PdfFileReader(io.BytesIO(pdf))
    names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
    spec = names[1].get_object()
    return json.loads(spec["/EF"]["/F"].get_object().data)


def test_a_resident_downloads_a_sealed_copy_of_their_household(citizen) -> None:
    client = citizen("H1-1")
    page = outcome(
        client,
        ask(
            client,
            {"route": "self"},
            {"items": ["head_relationship"]},
            {"members": ["H1-1", "H1-2", "H1-3", "H1-4", "H1-5", "H1-6"]},
        ),
    )
    assert "Your copy is ready" in page
    pdf = downloaded(client, page)
    assert pdf.startswith(b"%PDF")
    assert b"/ByteRange" in pdf
    data = claims(pdf)
    assert data["type"] == "residence-certificate"
    names = [p["name"] for p in data["people"]]
    assert names[0] == "森下 健太"
    assert len(names) == 6
    assert "佐伯 節子" in names
    labels = {row[0] for person in data["people"] for row in person["rows"]}
    assert "続柄" in labels
    assert not {"個人番号", "住民票コード", "本籍"} & labels
    assert data["fee_yen"] == 300
    status = client.get(f"/api/v1/documents/{data['document_id']}/status")
    assert status.status_code == 200
    assert status.mimetype == "application/jwt"


def test_a_household_member_needs_no_letter_and_a_separate_household_does(citizen) -> None:
    client = citizen("H1-1")
    page = outcome(client, ask(client, {"route": "member:H1-6"}, {}))
    assert "Your copy is ready" in page
    client = citizen("H3-1")
    page = outcome(client, ask(client, {"route": "member:H3-6"}, {}))
    assert "We cannot issue this copy online" in page
    assert "letter of authority" in page


#: The adverse party (X-3) asks about the person a support measure protects.
PROTECTED = {
    "route": "third_party",
    "subject_name": "大野 由美子",
    "subject_address": "桜木市中央二丁目5番8号",
    "reason": "貸金の返還請求のため",
}


def test_the_adverse_party_of_a_support_measure_learns_nothing(citizen) -> None:
    client = citizen("X-3")
    who = PROTECTED
    page = outcome(client, ask(client, who, {}))
    assert "We cannot issue this copy online" in page
    assert "中央二丁目" not in page
    assert "由美子" not in page
    # Someone nobody knows gets exactly the same answer.
    unknown = outcome(client, ask(client, {**who, "subject_name": "山田 花子"}, {}))
    strip = re.compile(r"R-\d{8}-[A-Z0-9]+|csrf_token[^>]*")
    assert strip.sub("", unknown).count("cannot issue") == strip.sub("", page).count("cannot issue")


def test_a_third_party_with_a_reason_is_queued_and_never_offered_the_my_number(
    citizen, city: Flask
) -> None:
    client = citizen("H1-1")
    who = {
        "route": "third_party",
        "subject_name": "石川 亮介",
        "subject_address": "桜木市中央三丁目3番4号201号室",
        "reason": "賃貸契約の保証人確認のため",
    }
    assert post(client, "/request/third-party", who).status_code == 302
    details = client.get("/request/details").get_data(as_text=True)
    assert 'value="my_number"' not in details
    assert 'value="juminhyo_code"' not in details
    forced = post(client, "/request/details", {"purpose": "bank", "copies": "1",
                                               "items": ["my_number"]})  # fmt: skip
    assert forced.status_code == 400
    assert "never get a copy showing" in forced.get_data(as_text=True)
    post(client, "/request/details", {"purpose": "bank", "copies": "2"})
    page = outcome(client, post(client, "/request/check", {}))
    assert "sent for review" in page
    # the fee the clerk's approval will charge, as the citizen was told it
    from sqlmodel import select

    from govkit.db import get_database
    from residence.models import CertificateRequest

    with get_database(city).session() as session:
        (queued,) = session.exec(
            select(CertificateRequest).where(CertificateRequest.requester_sub == "sub-H1-1")
        ).all()
    assert (queued.status, queued.copies, queued.fee_yen) == ("pending_review", 2, 600)


@sqlite_only
@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("999000000017", "not a valid My Number"),
        ("99900000001", "12 digits"),
        ("９９９０００００００１６", "no letter of authority with this code"),
    ],
)
def test_a_principals_my_number_is_checked(citizen, number: str, message: str) -> None:
    client = citizen("X-1")
    answer = post(
        client, "/request/proxy", {"mandate_id": "M-UNKNOWN", "principal_my_number": number}
    )
    assert answer.status_code == 400
    assert message in answer.get_data(as_text=True)


@sqlite_only
@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("0000-123", "like 000-0101"),
        ("000-0199", "not in Japan Post"),
        ("000-0201", "not in Sakuragi City"),
    ],
)
def test_a_mailing_postal_code_must_be_in_the_city(citizen, code: str, message: str) -> None:
    client = citizen("H1-1")
    assert post(client, "/request/who", {"route": "self"}).status_code == 302
    answer = post(
        client,
        "/request/details",
        {"purpose": "bank", "copies": "1", "postal_code": code},
    )
    assert answer.status_code == 400
    assert message in answer.get_data(as_text=True)
    fine = post(
        client,
        "/request/details",
        {"purpose": "bank", "copies": "1", "postal_code": "０００−０１０１"},
    )
    assert fine.status_code == 302


def test_a_printed_copy_asked_for_is_recorded_and_promised(citizen, city) -> None:
    client = citizen("H1-1")
    page = outcome(client, ask(client, {"route": "self"}, {"postal_code": "000-0101"}))
    assert "posted to the registered address at 000-0101 within 3 working days" in page
    with get_database(city).session() as session:
        (request,) = session.exec(select(CertificateRequest)).all()
    assert request.post_to == "000-0101"
    plain = outcome(client, ask(client, {"route": "self"}, {}))
    assert 'id="posted"' not in plain


@sqlite_only
def test_english_pages_say_relationships_and_lists_in_english(citizen) -> None:
    client = citizen("H1-1")
    who = check_page(client.get("/request/who"), lang="en")
    assert "佐伯 節子 (wife's mother)" in who.text()
    assert "（" not in who.select_one("form").get_text()
    post(client, "/request/who", {"route": "self"})
    scope = check_page(client.get("/request/scope"), lang="en")
    assert "森下 健太 (head of household)" in scope.text()
    assert "森下 彩花 (wife)" in scope.text()
    assert "森下 葵 (child)" in scope.text() or "(child)" in scope.text()
    post(client, "/request/scope", {"members": ["H1-1", "H1-2"]})
    post(client, "/request/details", {"purpose": "bank", "copies": "1",
                                      "items": ["head_relationship", "honseki"]})  # fmt: skip
    check = check_page(client.get("/request/check"), lang="en")
    on_copy = check.select(".govuk-summary-list__value")[1]
    assert " ".join(on_copy.get_text().split()) == "森下 健太, 森下 彩花"
    assert [s.get_text() for s in on_copy.select(".kit-nowrap")] == ["森下 健太", "森下 彩花"]
    assert "、" not in check.select_one(".govuk-summary-list").get_text()
    # in Japanese, the register's words as written
    client.set_cookie("kit_lang", "ja")
    japanese = check_page(client.get("/request/check"), lang="ja")
    assert "森下 健太</span>、<span" in japanese.html
    assert "佐伯 節子（妻の母）" in check_page(client.get("/request/who"), lang="ja").text()


@sqlite_only
def test_a_fresh_details_page_shows_no_error(citizen) -> None:
    """No field is in error before anything is sent ("items" is also a name of dict's)."""
    client = citizen("H1-1")
    post(client, "/request/who", {"route": "self"})
    post(client, "/request/scope", {"members": ["H1-1"]})
    page = check_page(client.get("/request/details"), lang="en")
    assert not page.select(".govuk-error-message, .govuk-error-summary, .govuk-form-group--error")
    assert "built-in method" not in page.html


@sqlite_only
@pytest.mark.parametrize("typed", ["99999999999999999999", "-18", "²", "١٨"])
def test_a_letter_of_authority_with_an_odd_date_is_a_field_error(citizen, typed: str) -> None:
    client = citizen("H3-6")
    answer = post(client, "/authority/new", {
        "proxy_name": "高木 直子", "proxy_birthdate-day": typed, "proxy_birthdate-month": "6",
        "proxy_birthdate-year": "1979", "purpose": "pension", "valid_until-day": "1",
        "valid_until-month": "1", "valid_until-year": "2027",
    })  # fmt: skip
    page = check_page(answer, status=400, lang="en")
    assert "Enter a real date of birth, for example 18 6 1979" in page.text()


def test_a_signed_letter_of_authority_leads_onward(proxy_case, citizen, city: Flask) -> None:
    """The done page names the way back to the journey and to the portal."""
    from sqlmodel import select

    from govkit.db import get_database
    from residence.models import Mandate

    proxy_case()  # 石川 正男 signs a letter (the use case, with a card signature made here)
    client = citizen("H3-6")
    with get_database(city).session() as session:
        mandate = session.exec(select(Mandate)).first()
    assert mandate is not None
    page = check_page(client.get(f"/authority/{mandate.id}"), lang="en")
    links = {a["href"] for a in page.select("#onward a")}
    assert links == {"/", "http://localhost:8000/"}


@sqlite_only
def test_a_letter_of_authority_in_japanese_asks_for_the_year_first(citizen) -> None:
    client = citizen("H3-6")
    client.set_cookie("kit_lang", "ja")
    page = check_page(client.get("/authority/new"), lang="ja")
    for field in ("proxy_birthdate", "valid_until"):
        boxes = page.select(f"#{field} input")
        assert [b["name"].split("-")[1] for b in boxes] == ["year", "month", "day"]
        labels = [page.select_one(f"label[for={b['id']}]").get_text(strip=True) for b in boxes]
        assert labels == ["年", "月", "日"]
    assert "例：1979 6 18" in page.select_one("#proxy_birthdate-hint").get_text()
    answer = post(client, "/authority/new", {"proxy_name": "高木 直子",
                  "proxy_birthdate-year": "1979", "proxy_birthdate-month": "2",
                  "proxy_birthdate-day": "30"})  # fmt: skip
    page = check_page(answer, status=400, lang="ja")
    assert "例：1979 6 18" in page.select_one("#proxy_birthdate-error").get_text()
    assert "例：2026 11 25" in page.select_one("#valid_until-error").get_text()


def test_each_of_several_copies_is_labelled_above_its_download(citizen) -> None:
    client = citizen("H1-1")
    post(client, "/request/who", {"route": "self"})
    post(client, "/request/scope", {"members": ["H1-1", "H1-2"]})
    post(client, "/request/details", {"purpose": "tax", "copies": "2"})
    answer = post(client, "/request/check", {"payment": "card"})
    page = check_page(outcome_response(client, answer), lang="en")
    for number in (1, 2):
        copy = page.select_one(f"#copy-{number}")
        assert copy.select_one("h2").get_text(strip=True) == f"Copy {number} of 2"
        assert "森下 健太, 森下 彩花" in copy.get_text()
        parts = [el for el in copy.find_all(["dl", "a"]) if el.name == "dl" or el.get("download")]
        assert [el.name for el in parts] == ["dl", "a"]  # the facts, then their button
        assert parts[1].get_text(strip=True) == f"Download copy {number} of 2 (PDF)"
    step = page.select_one("#next-step").get_text()
    assert "tax procedure" in step
    assert "bank" not in step
    assert "landlord" not in step
    link = page.select_one("#my-documents")
    assert link["href"] == "http://localhost:8000/my-documents"
    assert link.get_text() == "Your documents"


def outcome_response(client: FlaskClient, response):
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return client.get(response.headers["Location"])


def test_nobody_reaches_another_citizens_request_or_copy(citizen) -> None:
    owner = citizen("H1-1")
    page = outcome(owner, ask(owner, {"route": "self"}, {}))
    request_path = re.search(r"Request number (R-[0-9A-Z-]+)", page)
    link = re.search(r'href="(/certificates/[^"]+\.pdf)"', page)
    assert request_path
    assert link
    other = citizen("H3-1")
    assert other.get(f"/requests/{request_path.group(1)}").status_code == 404
    assert other.get(link.group(1)).status_code == 404
    assert other.get("/certificates/JR-139998-20261125-999999.pdf").status_code == 404


@sqlite_only
def test_a_form_without_its_csrf_token_changes_nothing(citizen) -> None:
    client = citizen("H1-1")
    answer = client.post("/request/who", data={"route": "self"})
    assert answer.status_code == 400
    # Nothing was kept: the journey starts again at its first question.
    assert client.get("/request/details").headers["Location"].endswith("/request/who")


# -- one journey, one request ---------------------------------------------------------------------
def ready_to_pay(client: FlaskClient) -> dict[str, str]:
    """Through the journey to "Check your answers"; the form "Pay and get the copy" sends."""
    post(client, "/request/who", {"route": "self"})
    post(client, "/request/scope", {"members": ["H1-1"]})
    post(client, "/request/details", {"purpose": "bank", "copies": "1"})
    return {"csrf_token": csrf(client, "/request/check"), "payment": "card"}


def requests_and_copies(city: Flask, requester_sub: str) -> tuple[list[str], list[str]]:
    from sqlmodel import col, select

    from govkit.db import get_database
    from residence.models import CertificateRequest, IssuedCertificate

    with get_database(city).session() as session:
        made = session.exec(
            select(CertificateRequest.id).where(CertificateRequest.requester_sub == requester_sub)
        ).all()
        copies = session.exec(
            select(IssuedCertificate.document_id).where(col(IssuedCertificate.request_id).in_(made))
        ).all()
    return list(made), list(copies)


def test_paying_twice_or_with_an_old_cookie_makes_one_request(citizen, city: Flask) -> None:
    client = citizen("H1-1")
    form = ready_to_pay(client)
    cookie_name = city.config["SESSION_COOKIE_NAME"]
    old_cookie = client.get_cookie(cookie_name)
    assert old_cookie is not None
    first = client.post("/request/check", data=form)
    assert first.status_code == 303
    # a double click: the journey is over, the same outcome
    again = client.post("/request/check", data=form)
    assert again.status_code in (302, 303)
    # the old cookie, replayed with its token: the same request, not a new one
    client.set_cookie(cookie_name, old_cookie.value)
    replayed = client.post("/request/check", data=form)
    assert replayed.status_code == 303
    assert replayed.headers["Location"] == first.headers["Location"]
    made, copies = requests_and_copies(city, "sub-H1-1")
    assert len(made) == 1
    assert len(copies) == 1
    assert first.headers["Location"].endswith(f"/requests/{made[0]}")
    assert "Your copy is ready" in client.get(replayed.headers["Location"]).get_data(as_text=True)


def test_submissions_at_once_make_one_request(citizen, city: Flask) -> None:
    """Eight browsers holding the same cookie press "Pay and get the copy" at once."""
    import threading

    client = citizen("H1-1")
    form = ready_to_pay(client)
    cookie_name = city.config["SESSION_COOKIE_NAME"]
    cookie = client.get_cookie(cookie_name)
    assert cookie is not None
    clients = []
    for _n in range(8):
        other = city.test_client()
        other.set_cookie("kit_lang", "en")
        other.set_cookie(cookie_name, cookie.value)
        clients.append(other)
    start = threading.Barrier(len(clients))
    answers: list[Any] = []

    def pay(browser: FlaskClient) -> None:
        start.wait()
        answers.append(browser.post("/request/check", data=form))

    threads = [threading.Thread(target=pay, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [303] * len(clients)
    made, copies = requests_and_copies(city, "sub-H1-1")
    assert len(made) == 1
    assert len(copies) == 1
    assert {a.headers["Location"] for a in answers} == {f"/requests/{made[0]}"}


NOT_SEALED = "could not be issued because the city&#39;s signing service did not answer"


def test_a_copy_the_trust_service_cannot_seal_costs_nothing_and_the_answers_stay(
    register_app: Callable[..., Flask],
    fake_idp: FakeProvider,
    private_trust_service: RunningTrust,
    kit,
) -> None:
    city = register_app(idp_url=fake_idp.issuer, **private_trust_service.settings_for_issuers())
    fake_idp.install(city)
    client = signed_in(city, fake_idp, kit, "H1-1")
    form = ready_to_pay(client)
    private_trust_service.stack.kill("trust")
    failed = client.post("/request/check", data=form)
    assert failed.status_code == 303
    assert failed.headers["Location"].endswith("/request/check")
    page = client.get("/request/check").get_data(as_text=True)
    assert NOT_SEALED in page
    assert "Nothing was charged and your answers are kept" in page
    assert requests_and_copies(city, "sub-H1-1") == ([], [])
    # said once; the answers are still there to send again
    again = client.get("/request/check").get_data(as_text=True)
    assert NOT_SEALED not in again
    assert "A bank or other financial institution" in again
    private_trust_service.stack.restart("trust")
    sent = client.post(
        "/request/check", data={"csrf_token": csrf(client, "/request/check"), "payment": "card"}
    )
    assert "Your copy is ready" in outcome(client, sent)
    made, copies = requests_and_copies(city, "sub-H1-1")
    assert (len(made), len(copies)) == (1, 1)


# -- proxies: letters of authority and card signatures (use cases, signatures made here) ----------
def card_signature(digest: bytes) -> dict[str, Any]:
    """What a card's signing step-up returns: an ES256 signature over ``digest`` with a
    signing certificate (digitalSignature + nonRepudiation)."""
    import base64
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test card")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    der = certificate.public_bytes(serialization.Encoding.DER)

    def b64url(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    return {
        "alg": "ES256",
        "digest": b64url(digest),
        "signature": b64url(key.sign(digest, ec.ECDSA(hashes.SHA256()))),
        "x5c": [base64.b64encode(der).decode()],
        "signed_at": now.isoformat(),
        "purpose": "test",
    }


@pytest.fixture
def proxy_case(city: Flask, kit):
    """``proxy_case(signer=…, written=…, **draft)`` → (session, submit) for 高木 直子 asking as
    石川 正男's proxy with a letter he signed (or ``signer`` did) on ``written``."""
    from datetime import UTC, date, datetime, timedelta

    from govkit.auth import verify_card_signature
    from govkit.db import get_database
    from residence import journey
    from residence.documents import seal
    from residence.domain.eligibility import Requester
    from residence.domain.items import OptionalItem, Purpose, Route
    from residence.domain.mandate import mandate_digest

    context = city.app_context()
    context.push()
    session = get_database(city).session()
    naoko = Requester(kit.xid("X-1"), "高木 直子", date(1979, 6, 18))

    def make(signer: str = "H3-6", written: date = kit.TODAY, allow_my_number=False,
             purpose=Purpose.PENSION):  # fmt: skip
        masao = journey.person(session, "H3-6")
        draft = journey.MandateDraft(
            "高木 直子", date(1979, 6, 18), purpose, allow_my_number,
            written + timedelta(days=90),
        )  # fmt: skip
        text = journey.mandate_signed_text(masao, draft, written)
        mandate = journey.create_mandate(
            session=session, principal=masao, draft=draft,
            signature=card_signature(mandate_digest(text)), signer_pseudonym=kit.xid(signer),
            check=verify_card_signature, now=datetime.now(UTC), today=written,
        )  # fmt: skip

        def submit(items=(), signed=True):
            answers = journey.Answers(
                route=Route.PROXY, subject="H3-6", mandate_id=mandate.id, purpose=purpose,
                items=frozenset(OptionalItem(i) for i in items),
            )  # fmt: skip
            digest = journey.request_digest(answers, naoko, 300, kit.TODAY)
            return journey.submit_request(
                session=session, issuer=seal().issuer, requester_sub="sub-X-1",
                requester=naoko, answers=answers,
                signature=card_signature(digest) if signed else None,
                check=verify_card_signature, fee_per_copy=None,
                public_url="http://localhost:8011", verify_url="http://localhost:8000/verify",
                now=datetime.now(UTC), today=kit.TODAY,
            )  # fmt: skip

        return submit

    yield make
    session.close()
    context.pop()


def test_a_proxy_with_a_signed_letter_gets_the_copy(proxy_case) -> None:
    outcome = proxy_case()()
    assert outcome.request.status == "issued"
    (certificate,) = outcome.certificates
    assert certificate.owner_sub == "sub-X-1"
    assert certificate.subject == "H3-6"


def test_a_my_number_copy_asked_by_a_proxy_is_posted_to_the_principal(proxy_case, kit) -> None:
    outcome = proxy_case(allow_my_number=True)(items=["my_number"])
    assert outcome.request.status == "mailed"
    assert outcome.request.delivery == "mail_to_principal"
    (certificate,) = outcome.certificates
    # Not the proxy's: they cannot download it even knowing its number.
    assert certificate.owner_sub == "principal:H3-6"
    assert certificate.owner_pseudonym == kit.xid("H3-6")


@pytest.mark.parametrize(
    ("case", "refusal"),
    [
        ({"signer": "X-1"}, "mandate_not_signed_by_principal"),
        ({"written": None}, "mandate_expired"),
    ],
)
def test_a_letter_not_signed_by_the_principal_or_expired_is_refused(
    proxy_case, kit, case, refusal
) -> None:
    from datetime import timedelta

    if case.get("written", 0) is None:
        case = {"written": kit.TODAY - timedelta(days=120)}
    outcome = proxy_case(**case)()
    assert outcome.request.status == "refused"
    assert outcome.request.refusal == refusal
    assert outcome.certificates == []


def test_a_proxys_request_needs_the_card_signature(proxy_case) -> None:
    from residence.journey import SignatureRequired

    with pytest.raises(SignatureRequired):
        proxy_case()(signed=False)


def test_a_revoked_copy_says_so_in_its_status(proxy_case, city) -> None:
    from datetime import UTC, datetime

    from govkit.db import get_database
    from residence.issuing import revoke_certificate

    (certificate,) = proxy_case()().certificates
    with get_database(city).session() as session:
        revoke_certificate(
            session=session, document_id=certificate.document_id, reason="issued in error",
            actor="clerk:test", now=datetime.now(UTC),
        )  # fmt: skip
    answer = city.test_client().get(f"/api/v1/documents/{certificate.document_id}/status")
    assert answer.status_code == 200
    payload = answer.get_data(as_text=True).split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert "revoked" in json.dumps(claims)


# -- your requests and copies ---------------------------------------------------------------------
RYOSUKE = {
    "route": "third_party",
    "subject_name": "石川 亮介",
    "subject_address": "桜木市中央三丁目3番4号201号室",
    "reason": "賃貸契約の保証人確認のため",
}
NOBODY = {**RYOSUKE, "subject_name": "山田 花子"}
EN_TIME = re.compile(r"\d{1,2} [A-Z][a-z]+ \d{4}, \d{2}:\d{2}")
JA_TIME = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}")


def asked(response) -> str:
    """The number of the request a submission made (its outcome page's address)."""
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return response.headers["Location"].removeprefix("/requests/")


def my_requests(client: FlaskClient, lang: str = "en"):
    h1 = "Your requests and copies" if lang == "en" else "請求と写し"
    return check_page(client.get("/certificates"), lang=lang, h1=h1)


def listed(page) -> list[dict[str, Any]]:
    """The rows of "your requests and copies", as a reader sees them."""
    rows = []
    for row in page.select("#requests tbody tr"):
        cell = {td["data-column"]: td for td in row.select("td")}
        link = cell["request"].select_one("a")
        tag = cell["status"].select_one(".govuk-tag")
        rows.append({
            "id": row["data-request"],
            "link": (link.get_text(strip=True), link["href"]),
            "asked": cell["asked"].get_text(strip=True),
            "whose": " ".join(cell["whose"].get_text().split()),
            "status": tag.get_text(strip=True),
            "tag": [c for c in tag["class"] if c.startswith("govuk-tag--")],
            "copies": [
                (
                    p["data-document"],
                    p.select_one("a")["href"],
                    " ".join(t.get_text(strip=True) for t in p.select(".govuk-tag")),
                )
                for p in cell["copies"].select("[data-document]")
            ],
        })  # fmt: skip
    return rows


def test_your_requests_are_listed_newest_first_with_where_each_stands(citizen, city: Flask) -> None:
    from datetime import UTC, datetime

    from residence.issuing import revoke_certificate

    client = citizen("H1-1")
    assert check_page(client.get("/certificates"), lang="en").select_one("#requests-empty")
    household = asked(ask(client, {"route": "self"}, {"copies": "2"},
                          {"members": ["H1-1", "H1-2"]}))  # fmt: skip
    waiting = asked(ask(client, RYOSUKE, {}))
    refused = asked(ask(client, NOBODY, {}))
    page = my_requests(client)
    assert not page.select("#requests-empty, #requests-more")
    rows = listed(page)
    assert [r["id"] for r in rows] == [refused, waiting, household]
    for row in rows:
        assert row["link"] == (row["id"], f"/requests/{row['id']}")
        assert EN_TIME.fullmatch(row["asked"]), row["asked"]
    issued = rows[2]
    assert issued["whose"] == "森下 健太, 森下 彩花"
    assert (issued["status"], issued["tag"]) == ("Issued: 2 copies", ["govuk-tag--green"])
    assert len(issued["copies"]) == 2
    for document_id, href, state in issued["copies"]:
        assert (href, state) == (f"/certificates/{document_id}.pdf", "")
        assert client.get(href).data.startswith(b"%PDF")
    assert {k: rows[1][k] for k in ("whose", "status", "tag", "copies")} == {
        "whose": "Someone else",
        "status": "Waiting for a clerk's review",
        "tag": ["govuk-tag--yellow"],
        "copies": [],
    }
    assert {k: rows[0][k] for k in ("whose", "status", "tag", "copies")} == {
        "whose": "Someone else",
        "status": "Refused",
        "tag": ["govuk-tag--red"],
        "copies": [],
    }
    # nobody is named before a copy is issued: not even the person the requester named
    assert "石川" not in page.select_one("#requests").get_text()
    # the outcome page of the request waiting for review says where to find it again
    outcome_page = check_page(client.get(f"/requests/{waiting}"), lang="en")
    assert outcome_page.select_one("#review-next #my-requests")["href"] == "/certificates"
    # the city revokes one copy, then the other
    first, second = (document_id for document_id, _href, _state in issued["copies"])
    with get_database(city).session() as session:
        for document_id in (first, second):
            revoke_certificate(session=session, document_id=document_id, reason="issued in error",
                               actor="clerk:test", now=datetime.now(UTC))  # fmt: skip
            row = listed(my_requests(client))[2]
            if document_id == first:
                assert row["status"] == "Issued: 1 copy"
                assert [state for _d, _h, state in row["copies"]] == ["Revoked", ""]
    assert (row["status"], row["tag"]) == ("Revoked", ["govuk-tag--red"])
    assert [state for _d, _h, state in row["copies"]] == ["Revoked", "Revoked"]
    assert row["whose"] == "森下 健太, 森下 彩花"


def test_a_clerks_decision_on_a_third_party_request_shows_in_the_list(
    citizen, city: Flask, kit
) -> None:
    from datetime import UTC, datetime

    from residence import backoffice
    from residence.staff import SignedInClerk
    from residence.web.clerk import issue_approved

    client = citizen("H1-1")
    approved = asked(ask(client, RYOSUKE, {}))
    refused = asked(ask(client, RYOSUKE, {}))
    assert {r["status"] for r in listed(my_requests(client))} == {"Waiting for a clerk's review"}
    clerk = SignedInClerk("shimin", "窓口 一郎")
    with city.app_context(), get_database(city).session() as session:
        backoffice.approve_request(
            session=session,
            clerk=clerk,
            request_id=approved,
            issue=issue_approved,
            now=datetime.now(UTC),
            today=kit.TODAY,
        )
        backoffice.refuse_request(session=session, clerk=clerk, request_id=refused,
                                  reason="契約書の写しが提出されない", now=datetime.now(UTC),
                                  today=kit.TODAY)  # fmt: skip
    rows = {r["id"]: r for r in listed(my_requests(client))}
    assert (rows[approved]["whose"], rows[approved]["status"]) == ("石川 亮介", "Issued: 1 copy")
    ((_document, href, _state),) = rows[approved]["copies"]
    assert client.get(href).data.startswith(b"%PDF")
    assert (rows[refused]["whose"], rows[refused]["status"]) == ("Someone else", "Refused")
    assert rows[refused]["copies"] == []
    # the clerk's reason stays in the back office
    assert "契約書" not in client.get("/certificates").get_data(as_text=True)


def test_a_request_waiting_for_review_can_be_withdrawn_and_no_clerk_decides_it(
    citizen, city: Flask, kit
) -> None:
    from datetime import UTC, datetime

    from residence import backoffice
    from residence.staff import SignedInClerk
    from residence.web.clerk import issue_approved

    client = citizen("H1-1")
    waiting = asked(ask(client, RYOSUKE, {}))
    page = check_page(client.get(f"/requests/{waiting}"), lang="en")
    href = page.select_one("#withdraw-request")["href"]
    assert href == f"/requests/{waiting}/withdraw"
    confirm = check_page(client.get(href), lang="en", h1="Withdraw this request?")
    assert waiting in confirm.select_one(".govuk-caption-l").get_text()
    assert confirm.select_one(".govuk-back-link")["href"] == f"/requests/{waiting}"
    # without the form's token nothing happens
    assert client.post(href, data={}).status_code == 400
    assert [r["status"] for r in listed(my_requests(client))] == ["Waiting for a clerk's review"]

    answer = post(client, href, {})
    assert (answer.status_code, answer.headers["Location"]) == (303, f"/requests/{waiting}")
    done = check_page(client.get(f"/requests/{waiting}"), lang="en", h1="You withdrew this request")
    assert "nothing has been charged" in done.select_one("#withdrawn").get_text()
    assert not done.select("#withdraw-request, a[id^=download-]")
    ((row,),) = [listed(my_requests(client))]
    assert (row["status"], row["tag"], row["copies"]) == ("Withdrawn", ["govuk-tag--grey"], [])
    # withdrawing again, or asking for the page again, changes nothing
    again = client.post(href, data={"csrf_token": csrf(client, "/request/who")})
    assert again.headers["Location"] == f"/requests/{waiting}"
    assert client.get(href).headers["Location"] == f"/requests/{waiting}"
    # the clerk no longer sees it, and cannot approve it
    clerk = SignedInClerk("shimin", "窓口 一郎")
    with city.app_context(), get_database(city).session() as session:
        assert waiting not in [r.id for r, _subject in backoffice.review_queue(session=session)]
        with pytest.raises(backoffice.WrongState):
            backoffice.approve_request(session=session, clerk=clerk, request_id=waiting,
                                       issue=issue_approved, now=datetime.now(UTC),
                                       today=kit.TODAY)  # fmt: skip
        trail = [e.action for e in session.exec(select(AuditEvent)).all() if e.target == waiting]
    assert trail == ["certificate_requested", "certificate_request_withdrawn"]


def test_only_the_requester_withdraws_and_only_while_it_waits(citizen, city: Flask, kit) -> None:
    from datetime import UTC, datetime

    from residence import backoffice
    from residence.staff import SignedInClerk
    from residence.web.clerk import issue_approved

    owner = citizen("H1-1")
    waiting = asked(ask(owner, RYOSUKE, {}))
    mine = asked(ask(owner, {"route": "self"}, {}))
    other = citizen("H3-1")
    assert other.get(f"/requests/{waiting}/withdraw").status_code == 404
    token = csrf(other, "/request/who")
    assert (
        other.post(f"/requests/{waiting}/withdraw", data={"csrf_token": token}).status_code == 404
    )
    # an issued request has nothing to withdraw: its page is shown instead
    assert owner.get(f"/requests/{mine}/withdraw").headers["Location"] == f"/requests/{mine}"
    owner.post(f"/requests/{mine}/withdraw", data={"csrf_token": csrf(owner, "/request/who")})
    assert check_page(owner.get(f"/requests/{mine}"), lang="en", h1="Your copy is ready")
    # a clerk approves between the requester's two clicks: the approval stands
    confirm_token = csrf(owner, f"/requests/{waiting}/withdraw")
    with city.app_context(), get_database(city).session() as session:
        backoffice.approve_request(session=session, clerk=SignedInClerk("shimin", "窓口 一郎"),
                                   request_id=waiting, issue=issue_approved,
                                   now=datetime.now(UTC), today=kit.TODAY)  # fmt: skip
    answer = owner.post(f"/requests/{waiting}/withdraw", data={"csrf_token": confirm_token})
    assert answer.headers["Location"] == f"/requests/{waiting}"
    assert check_page(owner.get(f"/requests/{waiting}"), lang="en", h1="Your copy is ready")


def test_withdrawing_in_japanese(citizen) -> None:
    client = citizen("H1-1")
    client.set_cookie("kit_lang", "ja")
    waiting = asked(ask(client, RYOSUKE, {}))
    href = f"/requests/{waiting}/withdraw"
    confirm = check_page(client.get(href), lang="ja", h1="この請求を取り下げますか？")
    assert confirm.select_one("#withdraw").get_text(strip=True) == "請求を取り下げる"
    post(client, href, {})
    check_page(client.get(f"/requests/{waiting}"), lang="ja", h1="この請求を取り下げました")
    assert [r["status"] for r in listed(my_requests(client, "ja"))] == ["取下げ"]


def test_the_adverse_party_sees_the_same_row_as_for_a_person_nobody_knows(citizen) -> None:
    client = citizen("X-3")
    protected = PROTECTED
    asked(ask(client, protected, {}))
    asked(ask(client, {**protected, "subject_name": "山田 花子"}, {}))
    page = my_requests(client)
    for word in ("大野", "由美子", "中央二丁目", "山田"):
        assert word not in page.html
    first, second = listed(page)
    same = ("whose", "status", "tag", "copies")
    assert {k: first[k] for k in same} == {k: second[k] for k in same}
    assert (first["whose"], first["status"]) == ("Someone else", "Refused")


def test_a_proxy_sees_a_my_number_copy_as_posted_and_never_its_download(
    proxy_case, citizen
) -> None:
    submit = proxy_case(allow_my_number=True)
    posted = submit(items=["my_number"])
    issued = submit()
    assert (posted.request.status, issued.request.status) == ("mailed", "issued")
    page = my_requests(citizen("X-1"))
    rows = listed(page)
    assert [r["id"] for r in rows] == [issued.request.id, posted.request.id]
    assert (rows[0]["whose"], rows[0]["status"]) == ("石川 正男", "Issued: 1 copy")
    assert [d for d, _h, _s in rows[0]["copies"]] == [issued.certificates[0].document_id]
    assert {k: rows[1][k] for k in ("whose", "status", "tag", "copies")} == {
        "whose": "Someone who authorised me",
        "status": "Posted to the person who authorised you",
        "tag": [],  # blue: the tag without a modifier
        "copies": [],
    }
    assert posted.certificates[0].document_id not in page.html


def test_in_japanese_and_nobody_sees_another_persons_requests(citizen) -> None:
    owner = citizen("H1-1")
    owner.set_cookie("kit_lang", "ja")
    mine = asked(ask(owner, {"route": "self"}, {}, {"members": ["H1-1"]}))
    page = my_requests(owner, lang="ja")
    headers = [th.get_text(strip=True) for th in page.select("#requests thead th")]
    assert headers == ["請求番号", "請求日時", "請求の対象", "状態", "写し（PDF）"]
    (row,) = listed(page)
    assert (row["id"], row["whose"], row["status"]) == (mine, "森下 健太", "交付済み（1通）")
    assert JA_TIME.fullmatch(row["asked"]), row["asked"]
    other = citizen("H3-1")
    other.set_cookie("kit_lang", "ja")
    page = my_requests(other, lang="ja")
    assert page.select_one("#requests-empty").get_text(strip=True) == "まだ写しを請求していません。"
    assert not page.select("#requests")
    assert mine not in page.html
    assert page.links()["写しを請求する"] == "/request/who"


@sqlite_only
def test_only_the_newest_requests_are_listed_and_the_page_says_so(citizen, city: Flask) -> None:
    from datetime import UTC, datetime, timedelta

    from residence.journey import MY_REQUESTS_SHOWN

    start = datetime(2026, 11, 1, tzinfo=UTC)
    with get_database(city).session() as session:
        for n in range(MY_REQUESTS_SHOWN + 1):
            session.add(CertificateRequest(
                id=f"R-20261101-{n:08d}", requester_sub="sub-H3-1", requester_name="石川 亮介",
                route="self", subject="H3-1", members=["H3-1"], items=[], purpose="bank",
                copies=1, fee_yen=0, delivery="download", status="refused", refusal="refused",
                created_at=start + timedelta(minutes=n),
            ))  # fmt: skip
        session.commit()
    page = my_requests(citizen("H3-1"))
    ids = [row["data-request"] for row in page.select("#requests tbody tr")]
    assert len(ids) == MY_REQUESTS_SHOWN
    assert ids[0] == f"R-20261101-{MY_REQUESTS_SHOWN:08d}"
    assert "R-20261101-00000000" not in ids
    assert page.select_one("#requests-more").get_text(strip=True) == (
        "Only your 100 most recent requests are listed."
    )
