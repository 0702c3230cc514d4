"""The portal's home page: the four journeys, what each needs and how long it takes."""

import pytest
from flask import Flask

from govkit.testing import check_page
from govkit.testing.plugin import ServiceAppFactory
from portal.journeys import JOURNEYS


@pytest.fixture
def app(service_app: ServiceAppFactory) -> Flask:
    return service_app("portal", residence_url="https://city.example/juminhyo")


def test_home_page_in_japanese_lists_every_journey(app: Flask) -> None:
    page = check_page(app.test_client().get("/"), lang="ja")
    assert page.h1 == "行政手続きを、オンラインでひとつの窓口から"
    cards = page.select(".kit-journey")
    assert [c.select_one("h3").get_text(strip=True) for c in cards] == [
        "住民票の写しの交付",
        "児童手当・保育",
        "1日で会社設立",
        "国民年金",
    ]
    first = cards[0].get_text(" ", strip=True)
    for fact in (
        "必要なもの",
        "マイナンバーカードと利用者証明用暗証番号（数字4桁）",
        "所要時間",
        "約1分",
        "1通300円",
    ):
        assert fact in first


def test_home_page_in_english(app: Flask) -> None:
    client = app.test_client()
    client.set_cookie("kit_lang", "en")
    page = check_page(client.get("/"), lang="en", h1="Government services online, in one place")
    text = page.text()
    for journey in JOURNEYS:
        assert journey.title in text
        assert journey.duration in text
        assert journey.fee in text
        for need in journey.needs:
            assert need in text
    assert page.select_one(".kit-language-switch [aria-current]").get_text(strip=True) == "English"


def test_each_journey_links_to_its_service(app: Flask) -> None:
    page = check_page(app.test_client().get("/"))
    links = [a["href"] for a in page.select(".kit-journey h3 a")]
    assert links == [
        "https://city.example/juminhyo/",
        "http://localhost:8012/",
        "http://localhost:8013/",
        "http://localhost:8014/",
    ]


def test_journeys_not_open_yet_say_so(app: Flask) -> None:
    page = check_page(app.test_client().get("/"))
    closed = [j for j in JOURNEYS if not j.open]
    assert len(page.select(".kit-journey .govuk-tag")) == len(closed)
    assert "オンライン受付準備中" in page.text()


def test_the_language_switch_round_trip(app: Flask) -> None:
    client = app.test_client()
    switch = check_page(client.get("/")).select_one(".kit-language-switch a")
    response = client.get(switch["href"])
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    check_page(client.get("/"), lang="en")
    back = check_page(client.get("/")).select_one(".kit-language-switch a")
    assert back["lang"] == "ja"
    client.get(back["href"])
    check_page(client.get("/"), lang="ja")


def test_the_home_page_links_to_the_citizens_data(app: Flask) -> None:
    page = check_page(app.test_client().get("/"))
    links = {a.get_text(strip=True): a["href"] for a in page.select(".kit-your-data a")}
    documents = {text for text, href in links.items() if href == "/my-documents"}
    assert len(documents) == 1  # "Your documents" (its Japanese comes with the catalogue)
    assert {text: href for text, href in links.items() if text not in documents} == {
        "同意の管理": "/consents",
        "住民基本台帳の本人情報": "/my-details",
        "わたしのデータの利用記録": "/data-usage",
    }
