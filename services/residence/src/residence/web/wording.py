"""Words of the register on English pages: the register writes relationships (続柄) in
Japanese, and Japanese pages show them as written; English pages translate them. Lists are
joined the way each language joins them (「、」 or ", ")."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from govkit.certificates.status import DocumentStatus
from govkit.i18n import current_language

#: 続柄 as the register writes them (住民基本台帳事務処理要領), in English; a compound such as
#: 妻の母 is read part by part ("wife's mother").
RELATIONSHIPS_EN = {
    "世帯主": "head of household",
    "妻": "wife",
    "夫": "husband",
    "妻(未届)": "partner",
    "夫(未届)": "partner",
    "子": "child",
    "父": "father",
    "母": "mother",
    "兄": "elder brother",
    "弟": "younger brother",
    "姉": "elder sister",
    "妹": "younger sister",
    "祖父": "grandfather",
    "祖母": "grandmother",
    "孫": "grandchild",
    "叔父": "uncle",
    "伯父": "uncle",
    "叔母": "aunt",
    "伯母": "aunt",
    "縁故者": "relative",
    "同居人": "lodger",
}


#: A copy's status in the issuance register, as a GOV.UK tag (text, colour): the back office
#: tags every copy, a citizen's list only those no longer valid.
CERTIFICATE_STATES = {
    DocumentStatus.ISSUED.value: (_l("Valid"), "govuk-tag--green"),
    DocumentStatus.REVOKED.value: (_l("Revoked"), "govuk-tag--red"),
    DocumentStatus.SUPERSEDED.value: (_l("Superseded"), "govuk-tag--grey"),
}


def japanese() -> bool:
    return current_language() == "ja"


def relationship(value: str) -> str:
    """A relationship to the head of household in the page's language (unknown terms as
    written)."""
    if japanese():
        return value
    parts = value.split("の")
    if all(part in RELATIONSHIPS_EN for part in parts):
        return "'s ".join(RELATIONSHIPS_EN[part] for part in parts)
    return value


def relationship_as_written(value: str) -> str:
    """For the back office, where the register's own term matters: ``妻の母`` in Japanese,
    ``wife's mother (妻の母)`` in English (an unknown term as written)."""
    shown = relationship(value)
    return value if shown == value else f"{shown} ({value})"


def with_relationship(name: str, value: str) -> str:
    """``佐伯 節子（妻の母）`` / ``佐伯 節子 (wife's mother)``."""
    if japanese():
        return f"{name}（{value}）"
    return f"{name} ({relationship(value)})"


def join(items: Iterable[str]) -> str:
    """``森下 健太、森下 彩花`` / ``森下 健太, 森下 彩花``."""
    return ("、" if japanese() else ", ").join(items)


def join_names(names: Iterable[str]) -> Markup:
    """People's names joined, each kept on one line (「森下 彩花」 never breaks between family
    and given name)."""
    separator = Markup("、") if japanese() else Markup(", ")
    return separator.join(Markup('<span class="kit-nowrap">%s</span>') % name for name in names)
