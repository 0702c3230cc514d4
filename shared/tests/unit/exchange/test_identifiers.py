"""Client and service ids: each part percent-encoded on its own (xroad.md §1.2)."""

from __future__ import annotations

import pytest

from govkit.exchange import ClientRef, ServiceRef, encode_part, encode_path

BASIC_FOUR = ServiceRef("JP-KIT", "GOV", "LG-139998", "jumin", "basic4")


def test_a_service_id_reads_as_its_five_parts() -> None:
    assert str(BASIC_FOUR) == "JP-KIT/GOV/LG-139998/jumin/basic4"
    assert BASIC_FOUR.path() == "/r1/JP-KIT/GOV/LG-139998/jumin/basic4"
    assert (
        BASIC_FOUR.path("/v1/residents/x") == "/r1/JP-KIT/GOV/LG-139998/jumin/basic4/v1/residents/x"
    )
    assert BASIC_FOUR.provider == ClientRef("JP-KIT", "GOV", "LG-139998", "jumin")
    assert ServiceRef.of(BASIC_FOUR.provider, "basic4") == BASIC_FOUR


@pytest.mark.parametrize(
    ("part", "encoded"),
    [
        ("BAR/SERVICE", "BAR%2FSERVICE"),
        ("住民票", "%E4%BD%8F%E6%B0%91%E7%A5%A8"),
        ("a b", "a%20b"),
        ("50%", "50%25"),
        ("a?b#c", "a%3Fb%23c"),
        ("x+y=z", "x%2By%3Dz"),
        ("Aa0-._~", "Aa0-._~"),
    ],
)
def test_each_part_is_encoded_on_its_own(part: str, encoded: str) -> None:
    assert encode_part(part) == encoded
    service = ServiceRef("JP-KIT", "GOV", "MOJ", "registry", part)
    assert str(service) == f"JP-KIT/GOV/MOJ/registry/{encoded}"
    assert ServiceRef.parse(str(service)) == service


def test_a_slash_in_any_part_never_makes_a_new_part() -> None:
    service = ServiceRef("JP/KIT", "G/OV", "M/OJ", "reg/istry", "co/de")
    assert service.path().split("/") == [
        "",
        "r1",
        "JP%2FKIT",
        "G%2FOV",
        "M%2FOJ",
        "reg%2Fistry",
        "co%2Fde",
    ]


def test_a_client_id_is_the_header_form() -> None:
    client = ClientRef("JP-KIT", "GOV", "LG-139998", "住民/窓口")
    assert str(client) == "JP-KIT/GOV/LG-139998/%E4%BD%8F%E6%B0%91%2F%E7%AA%93%E5%8F%A3"
    assert ClientRef.parse(str(client)) == client


@pytest.mark.parametrize(
    "text",
    ["JP-KIT/GOV/LG-139998", "JP-KIT/GOV/LG-139998/jumin/extra", "JP-KIT%2FGOV%2FLG%2Fjumin"],
)
def test_a_client_id_has_exactly_four_parts(text: str) -> None:
    with pytest.raises(ValueError, match="4 parts"):
        ClientRef.parse(text)


def test_a_service_id_has_exactly_five_parts() -> None:
    with pytest.raises(ValueError, match="5 parts"):
        ServiceRef.parse("JP-KIT/GOV/LG-139998/jumin")


@pytest.mark.parametrize("bad", ["", ".", ".."])
def test_parts_that_would_change_the_url_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="service code"):
        ServiceRef("JP-KIT", "GOV", "MOJ", "registry", bad)
    with pytest.raises(ValueError, match="subsystem code"):
        ClientRef("JP-KIT", "GOV", "MOJ", bad)


def test_a_path_is_built_from_segments_each_encoded() -> None:
    assert encode_path() == ""
    assert encode_path("v1", "residents", "a/b c", "山田") == (
        "/v1/residents/a%2Fb%20c/%E5%B1%B1%E7%94%B0"
    )
