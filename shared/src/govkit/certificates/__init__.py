"""Signed documents: one engine every issuing service calls, and one verifier for everyone.

* :mod:`.keys` — ECDSA keys, certificates, key ids, chain checks
* :mod:`.jose` — compact JWS with an ``x5c`` chain (trust list, status responses, status lists)
* :mod:`.trustlist` — the kit trust list: issuer keys with their validity history
* :mod:`.wareki` — Japanese era dates (和暦)
* :mod:`.qr` — the compact signed QR payload (COSE_Sign1/CWT, zlib, Base45, prefix)
* :mod:`.status` — per-document status and the Token Status List
* :mod:`.render` — HTML → PDF/A-3b with ``claims.json`` attached (WeasyPrint)
* :mod:`.seal` — PAdES B-LTA sealing (pyHanko)
* :mod:`.issuer` — the facade an issuing service uses (provisioning, issuing)
* :mod:`.verify` — verdicts for a PDF or a QR text
"""
