"""The fast glyph-run writer writes what WeasyPrint's ``draw_first_line`` writes, or declines.

The oracle is ``draw_first_line`` itself, given the same shaped line in the same place: the
operators must be byte for byte the same, and so must the glyph widths and Unicode text the
document records (its fonts' /W arrays and ToUnicode maps are made from them).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

from appeal_letters.compose import Composer
from appeal_letters.model import Campaign, sender_from_options
from appeal_letters.render import PdfRenderer, SampleLine, sample_lines
from appeal_letters.render import lines as drawing_lines
from appeal_letters.render.glyph_runs import write_runs

TEXTS = [
    "José Fernández",
    "Zoë Ünal-Øster, 1200 Genève",
    "Δημήτρης Παπαδόπουλος",
    "Анна Петрова, ул. Тверская, 7",
    "Nguye\u0302\u0303n Thi\u0323 Minh",  # combining marks placed by x offsets
    "office ffi fl Th",  # ligatures: one glyph for several characters
    "AVA Wa To 1,234.5 — «quoted»",  # kerning pairs
    "محمد بن سلمان",  # right to left
    "שלום עליכם",
    "Jan 12 שלום and محمد",  # mixed directions: several runs
    "x\u200by\u00a0z",  # a zero-width space: Pango's empty glyph
    "ქართული Հայերեն",
]
#: Texts with a glyph raised or lowered (marks stacked on marks): WeasyPrint's way.
RAISED = ["a\u0301\u0327\u0308b", "Ṩ̣̂ q\u0323\u0302"]


@pytest.fixture(scope="module")
def samples(campaign: Campaign) -> list[SampleLine]:
    """One laid-out letter's text boxes, one per role: the styles a supporter's lines take."""
    sender = sender_from_options(
        "José Fernández",
        ["Rua 1", "1000 Lisboa", "Portugal"],
        "someone@example.org",
        country="PT",
        town="Lisboa",
    )
    letter = Composer().compose(
        campaign, campaign.recipients[0], sender, date=dt.date(2026, 11, 26)
    )
    found = {line.role: line for line in sample_lines(PdfRenderer().layout(letter))}
    assert {"sender-name", "sender-address", "return-text", "introduction"} <= found.keys()
    return list(found.values())


def drawn(
    drawer: drawing_lines.LineDrawer, sample: SampleLine, text: str, fast: bool
) -> tuple[bytes, dict[str, Any]] | None:
    """``text`` drawn in ``sample``'s place by one writer in a fresh document."""
    from weasyprint.draw.text import draw_first_line
    from weasyprint.matrix import Matrix

    document = drawer.document()
    layout = drawing_lines._prepared(sample.style, text)
    recorder = drawing_lines._Recorder(document, drawer.rects)
    at = Matrix(d=-1, e=sample.x, f=sample.y)
    if fast:
        if not write_runs(recorder, layout, at, drawer.widths_of, drawer.segments):
            assert recorder.stream == [] and all(
                not view.widths and not view.to_unicode for view in document.fonts.values()
            ), "a declined line recorded something"
            return None
    else:
        box = SimpleNamespace(text=text, style=sample.style, pango_layout=layout)
        assert draw_first_line(recorder, box, "clip", "none", at) == []
    return b"\n".join(recorder.stream), document.used()


def test_the_fast_writer_writes_what_weasyprint_writes(samples: list[SampleLine]) -> None:
    drawer = drawing_lines.LineDrawer()
    compared = 0
    for sample in samples:
        for text in TEXTS:
            fast = drawn(drawer, sample, text, fast=True)
            assert fast is not None, (sample.role, text)
            assert fast == drawn(drawer, sample, text, fast=False), (sample.role, text)
            compared += 1
    assert compared == len(samples) * len(TEXTS)


def test_widths_remembered_at_one_size_are_not_used_at_another(samples: list[SampleLine]) -> None:
    """The process's width memory is per face and size: a document drawing the same glyphs in
    the return line's small type, then in the name's, records what WeasyPrint would. Some
    glyph's width (in thousandths of an em, rounded) must differ between two sizes, or this
    test could not see a memory that ignored the size."""
    drawer = drawing_lines.LineDrawer()
    by_size: dict[float, dict[str, Any]] = {}
    for sample in samples:  # the memory filled at every size first
        for text in TEXTS:
            found = drawn(drawer, sample, text, fast=False)
            assert found is not None
            for face, (widths, _) in found[1].items():
                by_size.setdefault(sample.style["font_size"], {}).setdefault(face, {}).update(
                    widths
                )
            drawn(drawer, sample, text, fast=True)
    differing = {
        (face, gid)
        for one in by_size.values()
        for other in by_size.values()
        for face in one.keys() & other.keys()
        for gid in one[face].keys() & other[face].keys()
        if one[face][gid] != other[face][gid]
    }
    assert differing, "no glyph has another width at another size: the test sees nothing"
    for sample in reversed(samples):
        for text in TEXTS:
            assert drawn(drawer, sample, text, fast=True) == drawn(
                drawer, sample, text, fast=False
            ), (sample.role, text)


@pytest.mark.parametrize("text", RAISED)
def test_a_raised_glyph_is_left_to_weasyprint_and_counted(
    samples: list[SampleLine], text: str
) -> None:
    drawer = drawing_lines.LineDrawer()
    sample = next(line for line in samples if line.role == "sender-name")
    assert drawn(drawer, sample, text, fast=True) is None
    document = drawer.document()
    data = document._draw(sample, text, None)  # a text object: BT ... ET
    assert document.slow_lines == 1
    inside = data.removeprefix(b"BT\n").removesuffix(b"\nET")
    assert (inside, document.used()) == drawn(drawer, sample, text, fast=False)


def test_a_glyph_no_font_has_is_declined_and_not_drawn(samples: list[SampleLine]) -> None:
    """Devanagari in a letter whose fonts hold none: neither writer draws a .notdef box."""
    drawer = drawing_lines.LineDrawer()
    sample = next(line for line in samples if line.role == "sender-name")
    assert drawn(drawer, sample, "देवनागरी", fast=True) is None
    with pytest.raises(drawing_lines.CannotDraw, match="no font has a glyph for U\\+0926"):
        drawer.document()._draw(sample, "देवनागरी", None)


@pytest.mark.parametrize("text", [" ", "\u00a0\u2009", "\u202f\u3000\t", "\u2002 " * 40])
def test_a_line_of_spaces_is_drawn_as_nothing_as_weasyprint_draws_it(
    samples: list[SampleLine], text: str
) -> None:
    """WeasyPrint draws nothing for a line with nothing visible; neither does the fast writer
    (found by fuzzing: it wrote the spaces' glyphs and recorded them)."""
    drawer = drawing_lines.LineDrawer()
    sample = next(line for line in samples if line.role == "sender-address")
    fast = drawn(drawer, sample, text, fast=True)
    assert fast == drawn(drawer, sample, text, fast=False)
    assert fast is not None and fast[0] == b"" and not any(w for w, _ in fast[1].values())


def test_a_line_of_spaces_cut_from_a_longer_text_is_drawn_as_nothing(
    samples: list[SampleLine],
) -> None:
    """Line breaking can leave a line of nothing but spaces in a longer text; that line is drawn
    as an empty text object, as a layout draws it, and records no glyph."""
    drawer = drawing_lines.LineDrawer()
    sample = next(line for line in samples if line.role == "sender-address")
    text = "a " + "\u00a0" * 189 + " b"
    lines = drawer.split(sample.style, sample.room, text)
    blank = [(line, layout) for line, layout in lines if not line.strip()]
    assert len(lines) == 3 and len(blank) == 1, [len(line) for line, _ in lines]
    document = drawer.document()
    assert document.line(sample, *blank[0]) == b"BT\nET"
    assert not any(widths for widths, _ in document.used().values())


def test_a_layout_copied_from_its_styles_draws_what_a_fresh_one_draws(
    samples: list[SampleLine],
) -> None:
    """Each text's layout is a copy of one set up for its style (render/lines.py), and a line
    cut by split is drawn after other texts of its style were prepared: every copy must keep
    its own text and attributes (a shared layout drew the last text's glyphs for all)."""
    from weasyprint.matrix import Matrix

    drawer = drawing_lines.LineDrawer()
    templates: dict[int, tuple[Any, Any]] = {}
    texts = [*TEXTS, "a", "Anne-Marie\u00a0Dubois  et  Jean", *reversed(TEXTS)]
    for sample in samples:
        copies = [drawing_lines._prepared(sample.style, text, templates) for text in texts]
        for text, copied in zip(texts, copies, strict=True):  # drawn after all were prepared
            outputs = []
            for layout in (drawing_lines._prepared(sample.style, text), copied):
                document = drawer.document()
                recorder = drawing_lines._Recorder(document, drawer.rects)
                assert write_runs(recorder, layout, Matrix(d=-1), drawer.widths_of, {})
                outputs.append((recorder.stream, document.used()))
            assert outputs[0] == outputs[1], (sample.role, text)
    assert len(templates) == len({id(sample.style) for sample in samples})


class _OldPango:
    """Pango's bindings as they answer on Pango 1.46 (before 1.48.2), all else unchanged."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def pango_version(self) -> int:
        return 14602

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def test_on_an_older_pango_the_styles_size_is_written_as_weasyprint_writes_it(
    samples: list[SampleLine], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before Pango 1.48.2 WeasyPrint takes a text's size from its style, not its font: so
    does the fast writer (it wrote 12.599609 where WeasyPrint wrote 12.6)."""
    import weasyprint.draw.text
    import weasyprint.text.ffi

    def written_sizes(drawer: drawing_lines.LineDrawer) -> list[float]:
        sizes = []
        for sample in samples:
            fast = drawn(drawer, sample, TEXTS[0], fast=True)
            assert fast is not None and fast == drawn(drawer, sample, TEXTS[0], fast=False)
            sizes.append(float(fast[0].split(b" Tf")[0].rsplit(b" ", 1)[1]))
        return sizes

    today = written_sizes(drawing_lines.LineDrawer())
    old = _OldPango(weasyprint.text.ffi.pango)
    monkeypatch.setattr(weasyprint.text.ffi, "pango", old)
    monkeypatch.setattr(weasyprint.draw.text, "pango", old)
    before = written_sizes(drawing_lines.LineDrawer())
    assert before == [round(sample.style["font_size"], 6) for sample in samples]
    assert before != today  # the branch matters: the fonts' sizes are quantised
