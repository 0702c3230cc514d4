"""What `make up` registers by itself: the kit's instance and its members (idempotent: only
what is missing is added; a member an operator revoked is never brought back).

The members' security servers and subsystems are not listed here: each security server
reports itself and the subsystems it hosts (``kit.toml``'s ``exchange_client`` of every
service behind it) when it is prepared (``central.web.registration``).
"""

from __future__ import annotations

from datetime import datetime

from central import keys, registry, repository
from central.domain.identifiers import MemberId
from central.settings import CentralSettings
from govkit.db import Database

#: Fictional kit data: the exchange members (agencies) and their names.
MEMBERS = (
    (MemberId("GOV", "DA"), "デジタル庁 (Digital Agency)"),
    (MemberId("GOV", "LG-139998"), "桜木市 (Sakuragi City)"),
    (MemberId("GOV", "MOJ"), "法務省 (Ministry of Justice)"),
    (MemberId("GOV", "JPS"), "日本年金機構 (Japan Pension Service)"),
)


def seed(settings: CentralSettings, database: Database, now: datetime) -> list[str]:
    done: list[str] = []
    if keys.ensure_signing_key(settings.data_dir):
        done.append("a new global configuration signing key")
    if settings.admin_token is None and keys.ensure_admin_token(settings.data_dir):
        done.append(f"an admin token in {keys.admin_token_path(settings.data_dir)}")
    with database.session() as session:
        if registry.ensure_instance(settings.exchange_instance, session=session, now=now):
            done.append(f"instance {settings.exchange_instance}")
        added: list[str] = []
        for member, name in MEMBERS:
            if repository.find_member(member, session=session) is None:
                registry.register_member(member, name, session=session, now=now)
                added.append(str(member))
    if added:
        done.append(f"members {', '.join(added)}")
    return done
