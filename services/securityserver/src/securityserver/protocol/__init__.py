"""The pure core of the X-Road-shaped message protocol for REST, version ``r1``.

Nothing here does I/O or imports Flask, a database or an HTTP client: each module takes values
(raw strings, bytes, header lists, a generator function) and returns values or raises
:class:`~securityserver.protocol.errors.ExchangeError` with the protocol's CamelCase fault code.
The reference is ``shared/reference/xroad.md`` §1 (PR-REST), §3.6 (access rights) and §7.

* :mod:`.errors`: the layer's own faults, their status and their JSON/XML rendering (§1.7).
* :mod:`.identifiers`: client and service identifiers and the ``X-Road-Client`` header (§1.2).
* :mod:`.request`: the IS-facing request target ``/r1/{service id}[/path][?query]`` (§1.3).
* :mod:`.headers`: header filtering, the X-Road headers added on the way, the request hash
  (§1.3-§1.6).
* :mod:`.access`: path normalisation and default-deny access rights with path globs (§3.6).
"""
