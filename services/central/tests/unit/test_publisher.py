"""Each process signs a new configuration at most once a minute."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from central.domain.globalconf import MemberState, RegistryState
from central.domain.identifiers import MemberId
from central.publishing import NotReady, Publisher, generation_time
from govkit.exchange import globalconf

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
KEY = ec.generate_private_key(ec.SECP256R1())


def test_the_signed_document_is_kept_for_sixty_seconds_while_the_registry_is_unchanged() -> None:
    members = [MemberState(MemberId("GOV", "DA"), "DA")]

    def load() -> RegistryState:
        return RegistryState(instance="JP-KIT", members=list(members))

    publisher = Publisher(lambda: KEY)
    first = publisher.current(NOW, load)
    assert publisher.current(NOW + timedelta(seconds=59), load) is first
    second = publisher.current(NOW + timedelta(seconds=60), load)
    assert second is not first
    assert second.generated_at == NOW + timedelta(seconds=60)  # a new minute: re-signed
    assert second.refresh_at == NOW + timedelta(seconds=120)
    assert second.expires_at == NOW + timedelta(minutes=11)


def test_a_registry_change_is_published_at_once() -> None:
    members = [MemberState(MemberId("GOV", "DA"), "DA")]

    def load() -> RegistryState:
        return RegistryState(instance="JP-KIT", members=list(members))

    publisher = Publisher(lambda: KEY)
    first = publisher.current(NOW, load)
    members.append(MemberState(MemberId("GOV", "MOJ"), "MOJ"))
    changed = publisher.current(NOW + timedelta(seconds=5), load)
    assert changed.etag != first.etag
    assert changed.generated_at == first.generated_at  # still as of the start of the minute
    config = globalconf.verify(changed.jws, publisher.anchor(), NOW + timedelta(seconds=6))
    assert [m.id for m in config.members] == ["GOV/DA", "GOV/MOJ"]


def test_every_process_generates_as_of_the_same_minute() -> None:
    state = RegistryState(instance="JP-KIT", members=[MemberState(MemberId("GOV", "DA"), "DA")])
    one = Publisher(lambda: KEY).current(NOW + timedelta(seconds=5), lambda: state)
    two = Publisher(lambda: KEY).current(NOW + timedelta(seconds=50), lambda: state)
    assert one.generated_at == two.generated_at == NOW
    assert one.jws != two.jws  # ECDSA signatures differ…
    assert one.etag == two.etag  # …the content does not
    assert one.etag.startswith('W/"')
    assert generation_time(NOW + timedelta(seconds=61)) == NOW + timedelta(minutes=1)


def test_a_clock_that_goes_back_regenerates() -> None:
    publisher = Publisher(lambda: KEY)
    first = publisher.current(NOW, lambda: RegistryState(instance="JP-KIT"))
    again = publisher.current(NOW - timedelta(seconds=5), lambda: RegistryState(instance="JP-KIT"))
    assert again is not first


def test_nothing_is_published_without_key_or_instance() -> None:
    with pytest.raises(NotReady, match="signing key"):
        Publisher(lambda: None).current(NOW, lambda: RegistryState(instance="JP-KIT"))
    with pytest.raises(NotReady, match="instance"):
        Publisher(lambda: KEY).current(NOW, lambda: None)
