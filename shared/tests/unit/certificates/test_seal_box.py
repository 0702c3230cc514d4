"""Where the seal goes: ``SealBox.pdf_rect`` turns millimetres from the page's top-left corner
into PDF points from its bottom-left, and ``issuer.SEAL_BOX`` is exactly the box the print
stylesheet gives ``.kit-cert__seal`` (its offsets from the page area plus the page's top
margin; no left margin), so the signature field always lies over the printed 公印."""

from __future__ import annotations

import re

import pytest

from govkit.certificates.issuer import SEAL_BOX
from govkit.certificates.render import ASSETS
from govkit.certificates.seal import MM, SealBox

A4_WIDTH_PT, A4_HEIGHT_PT = 595.2756, 841.8898  # 210 mm × 297 mm


@pytest.mark.parametrize(
    ("box", "rect"),
    [
        # the whole page
        (SealBox(0, 0, 210, 297), (0, 0, A4_WIDTH_PT, A4_HEIGHT_PT)),
        # 10 mm square in the top-left corner: y runs up from the bottom
        (SealBox(0, 0, 10, 10), (0, 287 * MM, 10 * MM, A4_HEIGHT_PT)),
        # 10 mm square in the bottom-left corner
        (SealBox(0, 287, 10, 10), (0, 0, 10 * MM, 10 * MM)),
        # the kit's seal: 160 mm in, 190 mm down, 30 mm square
        (SealBox(160, 190, 30, 30), (453.5433, 218.2677, 538.5827, 303.3071)),
        # 25.4 mm is one inch: 72 points
        (SealBox(25.4, 25.4, 25.4, 50.8), (72, A4_HEIGHT_PT - 72 - 144, 144, A4_HEIGHT_PT - 72)),
        # another page height (A5 portrait: 210 mm)
        (SealBox(10, 20, 30, 40, page_height=210), (10 * MM, 150 * MM, 40 * MM, 190 * MM)),
    ],
)
def test_pdf_rect(box: SealBox, rect: tuple[float, float, float, float]) -> None:
    assert box.pdf_rect() == pytest.approx(rect, abs=1e-3)


def test_millimetre_is_72_over_25_4_points() -> None:
    assert pytest.approx(72 / 25.4) == MM


def _rule(css: str, selector: str) -> dict[str, str]:
    """The declarations of the first rule whose selector is exactly ``selector``."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    for match in re.finditer(r"([^{}]+)\{([^{}]*)\}", css):
        selectors = [s.strip() for s in match.group(1).split(",")]
        if selector in selectors:
            declarations = (d.split(":", 1) for d in match.group(2).split(";") if ":" in d)
            return {name.strip(): value.strip() for name, value in declarations}
    raise AssertionError(f"no rule for {selector} in print.css")


def _mm(value: str) -> float:
    match = re.fullmatch(r"(-?\d+(?:\.\d+)?)mm", value)
    assert match, f"{value!r} is not in millimetres"
    return float(match.group(1))


@pytest.fixture(scope="module")
def css() -> str:
    return (ASSETS / "print.css").read_text(encoding="utf-8")


def _page_margins(css: str) -> tuple[float, float, float, float]:
    """Top, right, bottom and left page margins in millimetres (the CSS shorthand)."""
    values = [0.0 if v == "0" else _mm(v) for v in _rule(css, "@page")["margin"].split()]
    top = values[0]
    right = values[1] if len(values) > 1 else top
    bottom = values[2] if len(values) > 2 else top
    left = values[3] if len(values) > 3 else right
    return top, right, bottom, left


def test_seal_box_matches_the_printed_seal(css: str) -> None:
    seal = _rule(css, ".kit-cert__seal")
    assert seal["position"] == "absolute"
    top, _right, _bottom, left = _page_margins(css)
    printed = SealBox(
        left=left + _mm(seal["left"]),
        top=top + _mm(seal["top"]),
        width=_mm(seal["width"]),
        height=_mm(seal["height"]),
    )
    assert printed == SEAL_BOX


def test_the_seal_image_fills_its_box(css: str) -> None:
    image = _rule(css, ".kit-cert__seal svg")
    assert (_mm(image["width"]), _mm(image["height"])) == (SEAL_BOX.width, SEAL_BOX.height)


def test_the_page_is_an_a4_with_no_side_or_bottom_margin(css: str) -> None:
    """Fixed blocks sit down to the bottom edge (the footer), and nothing but the top margin
    lies between the page's corner and the offsets in the stylesheet."""
    page = _rule(css, "@page")
    assert page["size"] == "A4"
    top, right, bottom, left = _page_margins(css)
    assert (right, bottom, left) == (0, 0, 0)
    assert 0 < top < SEAL_BOX.top
    assert SEAL_BOX.page_height == 297


def test_seal_box_lies_on_the_page() -> None:
    x1, y1, x2, y2 = SEAL_BOX.pdf_rect()
    assert 0 <= x1 < x2 <= A4_WIDTH_PT
    assert 0 <= y1 < y2 <= A4_HEIGHT_PT
