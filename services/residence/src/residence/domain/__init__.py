"""Sakuragi City's register rules, pure: frozen dataclasses in, values or domain errors out.

No Flask, SQLModel, requests or govkit here (a conformance test checks): the clock, the
register's rows and the consent record all arrive as arguments.

* :mod:`residence.domain.basic_four` — what the basic-four service releases;
* :mod:`residence.domain.consent` — whether a consent lets the data go (or why not);
* :mod:`residence.domain.chain` — the data-usage log's per-resident hash chain;
* :mod:`residence.domain.people` — seed dates relative to the kit clock;
* :mod:`residence.domain.errors` — outcomes the use cases report in domain words.
"""
