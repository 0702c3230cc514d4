"""Bad input never gives a 500: every route of an app, fed what no form or agency should send.

:func:`server_errors` walks the app's URL map and sends every route, through a test client,
requests a careless or hostile sender could make: path values of the wrong kind, broken
percent-encoding and bytes that are not UTF-8 in the query and body, invalid and wrongly shaped
JSON, form posts with stray, duplicated and oversized fields, odd ``Accept`` and
``Accept-Language`` headers, a forged session cookie and a garbage ``Authorization`` header.
Form posts carry the session's CSRF token (read from the first form the walk meets), so they
reach the views' own validation; the CSRF check itself is tested where each form is.

It returns what went wrong: a response of 500 or 501, or an exception out of the app. A 502, 503
or 504 is the app saying a service it depends on did not answer, which in an app-factory test
(no identity provider, no security server) is the truth; it is not counted.

Use it with each kind of visitor the service has (anonymous, a signed-in citizen, a clerk)::

    def test_no_bad_input_gives_a_500(app, fake_idp):
        client = app.test_client()
        fake_idp.sign_in(client, "/start")
        assert server_errors(app, client) == []
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

#: Values put in place of every path parameter: wrong type, broken encoding, traversal,
#: overlong, non-ASCII.
PATH_VALUES = ("x", "0", "-1", "9" * 40, "%FF%FE", "..", "a" * 400, "名前")
#: Query-string names the kit's views read somewhere (a view that reads none ignores them).
QUERY_NAMES = (
    "next", "lang", "page", "id", "q", "acr", "state", "code", "token", "rule", "days",
    "format", "kind", "member", "service", "since", "until", "limit", "offset", "for",
    "scope", "prompt", "max_age", "redirect_uri", "client_id", "response_type", "nonce",
)  # fmt: skip
#: Junk field values. U+0000 has a request of its own: govkit.web refuses any request that
#: holds one, so in the mix it would keep every junk form from reaching a view.
_JUNK = ("", "%FF%FE", "-1", "9" * 40, "null", "..%2F..%2Fetc", "<script>", "a" * 5000)
_QUERIES = (
    "&".join(f"{name}={_JUNK[i % len(_JUNK)]}" for i, name in enumerate(QUERY_NAMES)),
    "&".join(f"{name}=1&{name}=2" for name in QUERY_NAMES),
    "%ZZ=%ZZ&\x00=\x00&=&&",
)
_JSON_BODIES: tuple[Any, ...] = (
    [],
    "x",
    None,
    12,
    {"a": {"b": {"c": [[[[{}]]]]}}},
)
_JSON_VALUES = (None, 1e308, -1, [], {}, "", True, "%FF", "a" * 5000)
#: Headers a careless client sends (with the walk's own ``headers`` under them).
_HEADERS: tuple[dict[str, str], ...] = (
    {"Accept": "application/json"},
    {"Accept": "application/xml;q=0.9, */*;q=foo"},
    {"Accept-Language": "xx-YY, *;q=abc"},
    {"Authorization": "Bearer \x7fnot-a-token"},
    {"Authorization": "Basic %%%"},
    {"Host": "a" * 64},
)

_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
_PARAMETER = re.compile(r"<(?:[^:>]+:)?([^>]+)>")
_FIELD = re.compile(r'<(?:input|select|textarea)[^>]*\sname="([^"]+)"')


@dataclass(frozen=True)
class _Forms:
    token: str
    names: tuple[str, ...]


def server_errors(
    app: Flask,
    client: FlaskClient,
    *,
    skip: Callable[[str], bool] = lambda rule: False,
    known: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    fields: Iterable[str] = (),
    deliberate: Callable[[TestResponse], bool] = lambda response: False,
) -> list[str]:
    """Every malformed request to ``app`` that ``client`` sent and that got a server error
    ("POST /path (what was wrong with it) -> the status or the exception").

    ``skip(rule)`` leaves routes out by their rule string (``"/auth/logout"``): a route that
    ends the visitor's session would leave the rest of the walk anonymous. ``known`` gives
    real values of path parameters by name (``{"document_id": "SPC-…"}``): a route whose
    parameters are all known is walked with them first, then with the malformed values.
    ``headers`` go with every request (an agency's ``X-Road-*`` headers, say), under the
    malformed ones. ``fields`` names the members an API's JSON bodies have: with the fields
    of the forms on the app's pages, they get junk values in the junk bodies.
    ``deliberate(response)`` marks a server error the app gives on purpose (a security
    server's ``Server.*`` fault, whose status X-Road's protocol fixes at 500).
    """
    found: list[str] = []
    forms = _page_forms(app, client, skip, fields)
    for rule, method in _routes(app, skip):
        for index, url in enumerate(_urls(rule, known or {})):
            for what, request in _requests(method, forms, every_kind=index == 0):
                request["headers"] = {**(headers or {}), **request.get("headers", {})}
                outcome = _send(client, method, url, request, deliberate)
                if outcome is not None:
                    found.append(f"{method} {url} ({what}) -> {outcome}")
    found.extend(_forged_visitors(app, skip, deliberate))
    return found


def _page_forms(
    app: Flask, client: FlaskClient, skip: Callable[[str], bool], fields: Iterable[str]
) -> _Forms:
    """The session's CSRF token and the names of the fields of every form on the app's pages
    (the pages the client can open without path values)."""
    token = ""
    names: set[str] = set(fields)
    for rule, method in _routes(app, skip):
        if method != "GET" or "<" in rule:
            continue
        response = client.get(rule)
        html = response.get_data(as_text=True)
        response.close()
        names.update(_FIELD.findall(html))
        found = _TOKEN.search(html)
        if found and not token:
            token = found.group(1)
    names.discard("csrf_token")
    return _Forms(token, tuple(sorted(names)) + QUERY_NAMES)


def _routes(app: Flask, skip: Callable[[str], bool]) -> Iterator[tuple[str, str]]:
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static") or skip(rule.rule):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule.rule, method


def _urls(rule: str, known: Mapping[str, str]) -> list[str]:
    if "<" not in rule:
        return [rule]
    names = _PARAMETER.findall(rule)
    real = [_PARAMETER.sub(lambda m: known[m.group(1)], rule)] if set(names) <= set(known) else []
    return real + [_PARAMETER.sub(value, rule) for value in PATH_VALUES]


def _requests(
    method: str, forms: _Forms, *, every_kind: bool
) -> Iterator[tuple[str, dict[str, Any]]]:
    """The malformed requests for one URL; without ``every_kind`` (the route's other path
    values), only a plain request and a junk form."""
    token = forms.token
    junk_form = {"data": {**_junk(forms.names, _JUNK), "csrf_token": token}}
    yield "no body", {}
    if not every_kind:
        if method != "GET":
            yield "form", junk_form
        return
    for query in _QUERIES:
        yield f"query {query[:30]!r}", {"query_string": query}
    for headers in _HEADERS:
        yield f"headers {headers}", {"headers": headers}
    if method == "GET":
        return
    for body in (*_JSON_BODIES, _junk(forms.names, _JSON_VALUES)):
        yield f"JSON {json.dumps(body)[:30]}", {"json": body, "headers": {"X-CSRFToken": token}}
    yield "invalid JSON", {"data": b'{"a": ', "content_type": "application/json"}
    yield "JSON nested deeply", {"data": b"[" * 100_000, "content_type": "application/json"}
    yield "JSON, not UTF-8", {"data": b'{"a": "\xff\xfe"}', "content_type": "application/json"}
    for shift in range(1, len(_JUNK)):  # every field gets every junk value once
        junk = _junk(forms.names, _JUNK[shift:] + _JUNK[:shift])
        yield f"form {shift + 1}", {"data": {**junk, "csrf_token": token}}
    yield "form", junk_form
    yield "form with U+0000", {"data": {**_junk(forms.names, ("a\x00b",)), "csrf_token": token}}
    twice = [(name, "1") for name in forms.names] * 2
    yield "form, fields twice", {"data": MultiDict([*twice, ("csrf_token", token)])}
    yield (
        "form, not UTF-8",
        {
            "data": b"next=%FF&name=\xff\xfe&csrf_token=\xc3",
            "content_type": "application/x-www-form-urlencoded",
        },
    )
    yield "bytes", {"data": b"\x00\xff" * 64, "content_type": "application/octet-stream"}
    files = {name: (io.BytesIO(b"%PDF-1.7\n\xff"), "x.pdf") for name in forms.names}
    yield (
        "multipart, a file for every field",
        {"data": {**files, "csrf_token": token}, "content_type": "multipart/form-data"},
    )
    yield "wrong content type", {"data": b"<a/>", "content_type": "text/xml; charset=nope"}


def _junk(names: tuple[str, ...], values: tuple[Any, ...]) -> dict[str, Any]:
    return {name: values[i % len(values)] for i, name in enumerate(names)}


def _send(
    client: FlaskClient,
    method: str,
    url: str,
    request: dict[str, Any],
    deliberate: Callable[[TestResponse], bool] = lambda response: False,
) -> str | None:
    try:
        response = client.open(url, method=method, **request)
    except Exception as error:  # noqa: BLE001 - the walk reports what escaped the app
        return f"{type(error).__name__}: {error}"[:300]
    status, body = response.status_code, response.get_data()[:200]
    response.close()
    if status in (500, 501) and not deliberate(response):
        return f"{status} {body.decode('utf-8', 'replace')!r}"
    return None


def _forged_visitors(
    app: Flask, skip: Callable[[str], bool], deliberate: Callable[[TestResponse], bool]
) -> Iterable[str]:
    """Every GET and POST once more from a browser whose session cookie is forged."""
    cookie = app.config.get("SESSION_COOKIE_NAME", "session")
    for forged in ("garbage", "eyJ4Ijoi.Zm9v.YmFy", "\xff" * 8):
        client = app.test_client()
        client.set_cookie(cookie, forged)
        for rule, method in _routes(app, skip):
            url = _urls(rule, {})[0]
            outcome = _send(client, method, url, {}, deliberate)
            if outcome is not None:
                yield f"{method} {url} (session cookie {forged!r}) -> {outcome}"
