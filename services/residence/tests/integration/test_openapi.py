"""``GET /exchange/openapi.json``: the document the getOpenAPI metaservice hands out."""

from __future__ import annotations

from govkit.testing import from_security_server


def test_the_document_describes_every_service(app) -> None:
    answer = app.test_client().get("/exchange/openapi.json", headers=from_security_server())
    assert answer.status_code == 200
    assert answer.mimetype == "application/json"
    document = answer.get_json()
    assert document["openapi"] == "3.1.0"
    assert document["servers"] == [{"url": "http://localhost:8011/exchange"}]
    assert set(document["paths"]) == {
        "/basic-four/residents/{exchange_id}",
        "/data-usage/residents/{exchange_id}/events",
        "/household/residents/{exchange_id}/household",
        "/address-check/certificates/{document_id}",
        "/address-changes/events",
        "/documents/residents/{exchange_id}/certificates",
        "/documents/residents/{exchange_id}/certificates/{document_id}/pdf",
    }
    basic_four = document["paths"]["/basic-four/residents/{exchange_id}"]["get"]
    assert set(basic_four["responses"]) == {"200", "400", "403", "404", "503"}
    headers = {p["name"]: p for p in basic_four["parameters"] if p["in"] == "header"}
    assert headers["X-Road-Client"]["required"] is True
    assert headers["X-Madoguchi-Legal-Basis"]["required"] is True
    schemas = document["components"]["schemas"]
    assert set(schemas["BasicFour"]["required"]) == {
        "resident", "name", "name_kana", "birthdate", "gender", "address", "as_of",
    }  # fmt: skip
    assert "consent-withdrawn" in schemas["DataUsageEvent"]["properties"]["refusal"]["enum"]


def test_every_reference_in_the_document_resolves(app) -> None:
    document = app.test_client().get("/exchange/openapi.json", headers=from_security_server())
    document = document.get_json()

    def refs(node):
        if isinstance(node, dict):
            if "$ref" in node:
                yield node["$ref"]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    names = set(document["components"]["schemas"])
    found = set(refs(document))
    assert found
    assert {ref.removeprefix("#/components/schemas/") for ref in found} <= names
