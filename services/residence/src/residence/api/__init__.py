"""The register's agency API: the services it provides on the exchange.

Reached through the city's security server, which has already authenticated the calling
agency, checked its signature and its access rights per service and path, and logged the
message; what arrives carries the ``X-Road-*`` headers it vouched for, and the token that
shows it came from that security server (:data:`govkit.exchange.provider.EXCHANGE_PROVIDER`
refuses anything else). Each view reads the caller from those headers. Errors are problem+json; the
domain's outcomes (unknown resident or document, a refused basis or consent) become problems in
the blueprint's error handlers (:mod:`residence.api.views`).

* ``GET /exchange/basic-four/residents/<exchange_id>`` — the basic four (service
  ``JP-KIT/GOV/LG-139998/residence/basic-four``);
* ``GET /exchange/data-usage/residents/<exchange_id>/events`` — the resident's data-usage log
  (service ``…/residence/data-usage``);
* ``GET /exchange/household/residents/<exchange_id>/household`` — the current members of the
  resident's household, basic four and 続柄 (``…/residence/household``, statutory users);
* ``GET /exchange/address-check/certificates/<document_id>`` — whether the person on a
  residence certificate still lives at its address (``…/residence/address-check``,
  verifiers: government agencies on a statute, the portal on the person's consent);
* ``GET /exchange/address-changes/events?after=<id>&limit=<1..100>`` — the register's events
  (``…/residence/address-changes``, statutory users);
* ``GET /exchange/documents/residents/<exchange_id>/certificates`` and
  ``…/certificates/<document_id>/pdf`` — the certificates issued to a citizen and their PDFs
  (``…/residence/documents``, the portal acting for that citizen);
* ``GET /exchange/openapi.json`` — all of them, described for the ``getOpenAPI`` metaservice.
"""

from flask import Blueprint

bp = Blueprint("exchange", __name__, url_prefix="/exchange")

from residence.api import views  # noqa: E402, F401 - registers the routes and error handlers
