"""What the project assumes about WeasyPrint, one named test per assumption.

The overflow check and the shared-body byte writer rely on WeasyPrint's internals (its box
tree) and on the exact form of the PDF it writes. An upgrade that changes any of it fails
here by name, before letters quietly fall back to the slow path or lose their tags.
The supported range is the one in pyproject.toml; the first test holds the installed version
to it.
"""

from __future__ import annotations

import io
import re
import tomllib
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from packaging.requirements import Requirement

from appeal_letters.batch.bodies import Body, Unshared, layout_body, layout_personal
from appeal_letters.compose import Composer, Letter
from appeal_letters.model import Campaign, Sender
from appeal_letters.pdf import Objects, body_template, read_face
from appeal_letters.pdf.tagging import body_tags
from appeal_letters.render import PdfRenderer, find_box
from appeal_letters.render.renderer import PDF_OPTIONS

from .conftest import LETTER_DATE, LONG_NAME, ROOT


@pytest.fixture(scope="module")
def tools() -> tuple[Composer, PdfRenderer]:
    return Composer(), PdfRenderer()


@pytest.fixture(scope="module")
def letter(campaign: Campaign, sender: Sender, tools: tuple[Composer, PdfRenderer]) -> Letter:
    composer, _ = tools
    return composer.compose(campaign, campaign.recipients[0], sender, date=LETTER_DATE)


@pytest.fixture(scope="module")
def document(letter: Letter, tools: tuple[Composer, PdfRenderer]) -> Any:
    return tools[1].layout(letter)


@pytest.fixture(scope="module")
def pdf(letter: Letter, document: Any, tools: tuple[Composer, PdfRenderer]) -> bytes:
    return tools[1].write(letter, document)


@pytest.fixture(scope="module")
def body(campaign: Campaign, tools: tuple[Composer, PdfRenderer]) -> Body:
    composer, renderer = tools
    return layout_body(
        composer,
        renderer,
        campaign,
        campaign.recipients[0],
        date=LETTER_DATE,
        layout="din",
        language="en",
        wording=0,
    )


def test_installed_weasyprint_is_in_the_supported_range() -> None:
    import weasyprint

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    [spec] = [
        Requirement(d) for d in project["project"]["dependencies"] if d.startswith("weasyprint")
    ]
    assert any(s.operator == "<" for s in spec.specifier), "no ceiling on weasyprint"
    assert spec.specifier.contains(weasyprint.__version__), weasyprint.__version__


def test_url_fetcher_is_a_class_to_subclass() -> None:
    import weasyprint

    assert isinstance(weasyprint.URLFetcher, type)  # WeasyPrint 68 and later


def test_a_base_exception_from_the_fetcher_stops_the_render(
    tools: tuple[Composer, PdfRenderer],
) -> None:
    # Ordinary exceptions from a fetcher are logged and swallowed; the renderer relies on a
    # BaseException getting through to stop a template that reaches for a forbidden URL.
    import weasyprint

    class Stop(BaseException):
        pass

    class Fetcher(weasyprint.URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            raise Stop(url)

    html = weasyprint.HTML(string="<img src='file:///etc/hostname'>", url_fetcher=Fetcher())
    with pytest.raises(Stop):
        html.render()


def test_pages_expose_their_box_tree(document: Any) -> None:
    page_box = document.pages[0]._page_box
    assert page_box.children, "the page box has no children"


def test_boxes_carry_element_tag_position_and_margin_height(document: Any) -> None:
    box = find_box(document, "signer-zone")
    assert box.element.get("class") == "signer-zone" and box.element_tag == "div"
    assert box.position_y > 0 and box.margin_height() > 0


def test_an_overflowing_zone_is_seen_in_the_box_tree(
    campaign: Campaign, tools: tuple[Composer, PdfRenderer]
) -> None:
    composer, renderer = tools
    # A name over two lines in the signature zone, which keeps one.
    wordy = Sender(name=LONG_NAME, address=["1 Road", "Lisboa"])
    letter = composer.compose(campaign, campaign.recipients[0], wordy, date=LETTER_DATE)
    document = renderer.layout(letter)
    assert renderer.overflowing_zones(document) == {"signature"}
    short = composer.compose(
        campaign,
        campaign.recipients[0],
        wordy.model_copy(update={"name": "Jane Doe"}),
        date=LETTER_DATE,
    )
    assert renderer.overflowing_zones(renderer.layout(short)) == set()


def test_pdf_ua_writes_a_flat_parent_tree_under_one_document_element(pdf: bytes) -> None:
    with pikepdf.open(io.BytesIO(pdf)) as source:
        tree = source.Root.StructTreeRoot
        assert "/Nums" in tree.ParentTree and "/Kids" not in tree.ParentTree
        kids = tree.K if isinstance(tree.K, pikepdf.Array) else [tree.K]
        assert [str(k.S) for k in kids] == ["/Document"]


def test_the_body_tree_has_an_empty_return_line_and_signature_zone(body: Body) -> None:
    # The supporter's struct elements are joined to the body's tree there.
    with pikepdf.open(io.BytesIO(body.pdf)) as source:
        assert body_tags(source, Objects(), 1) is not None


def test_pdf_ua_metadata_declares_part_1(pdf: bytes) -> None:
    with pikepdf.open(io.BytesIO(pdf)) as source:
        xmp = source.Root.Metadata.read_bytes()
        assert re.search(rb"pdfuaid:part[^0-9]*1", xmp)
        assert source.Root.MarkInfo.Marked and str(source.Root.Lang) == "en"


def test_fonts_are_type0_cid_fonts_with_widths_and_unicode_maps(pdf: bytes) -> None:
    with pikepdf.open(io.BytesIO(pdf)) as source:
        fonts = source.pages[0].resources.Font
        assert len(fonts) >= 2
        faces = [read_face(font, Objects())[0] for font in fonts.values()]
        assert len(faces) == len(set(faces)), "a face appears twice on one page"


def test_a_body_is_one_page_the_byte_writer_can_template(body: Body) -> None:
    template = body_template(body.pdf, body.signer_y)
    assert template.tags is not None and template.faces


def test_supporters_lines_come_two_pages_each_and_copy_cleanly(
    campaign: Campaign, sender: Sender, tools: tuple[Composer, PdfRenderer], body: Body
) -> None:
    composer, renderer = tools
    parts = layout_personal(
        composer,
        renderer,
        campaign,
        campaign.recipients[0],
        [sender, sender],
        date=LETTER_DATE,
        layout="din",
        language="en",
        font_scale=body.font_scale,
        intro=body.intro,
    )
    assert [isinstance(p, Unshared) for p in parts] == [False, False], parts


def test_the_same_input_writes_the_same_bytes(
    letter: Letter, tools: tuple[Composer, PdfRenderer], pdf: bytes
) -> None:
    again = tools[1].write(letter, tools[1].layout(letter))
    assert again == pdf


def test_render_options_name_the_pdf_ua_variant() -> None:
    assert PDF_OPTIONS == {"pdf_variant": "pdf/ua-1"}
    from weasyprint.pdf import VARIANTS

    assert "pdf/ua-1" in VARIANTS


def test_the_fonts_folder_holds_what_the_byte_writer_knows() -> None:
    from appeal_letters.pdf.fonts import FONT_FILES

    fonts = ROOT / "src" / "appeal_letters" / "fonts"
    for file in FONT_FILES.values():
        assert (fonts / Path(file).name).is_file(), file


def test_a_stylesheet_given_apart_lays_out_as_the_same_style_element() -> None:
    """The renderer parses the template's <style> once and passes it as a stylesheet: the
    letter must come out byte for byte as with the <style> element in place."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    css = "@page { size: A4; margin: 20mm } p { font-size: 11pt; color: #222 } .x { margin: 3mm }"
    body = "<p class='x'>Dear Minister,</p><p>I am writing about the appeal.</p>"
    inline = f"<html><head><style>{css}</style></head><body>{body}</body></html>"
    apart = f"<html><head></head><body>{body}</body></html>"
    config = FontConfiguration()
    one = (
        weasyprint.HTML(string=inline)
        .render(font_config=config)
        .write_pdf(pdf_identifier=b"x" * 32)
    )
    sheet = weasyprint.CSS(string=css, font_config=config)
    two = (
        weasyprint.HTML(string=apart)
        .render(font_config=config, stylesheets=[sheet])
        .write_pdf(pdf_identifier=b"x" * 32)
    )
    assert one == two


def test_text_is_drawn_by_draw_first_line_from_a_layout_and_a_stream() -> None:
    """render/lines.py draws a supporter's lines with WeasyPrint's own text drawing: these are
    the calls and attributes it relies on (their results are checked byte for byte against a
    layout in tests/test_drawn.py, and again on every sample a batch learns)."""
    import inspect

    from weasyprint.draw.text import draw_first_line
    from weasyprint.pdf.fonts import Font
    from weasyprint.pdf.stream import Stream
    from weasyprint.text.fonts import get_pango_font_key
    from weasyprint.text.line_break import Layout, line_size, split_first_line

    assert list(inspect.signature(draw_first_line).parameters) == [
        "stream", "textbox", "text_overflow", "block_ellipsis", "matrix",
    ]  # fmt: skip
    assert list(inspect.signature(split_first_line).parameters)[:5] == [
        "text", "style", "context", "max_width", "justification_spacing",
    ]  # fmt: skip
    assert "justify" in inspect.signature(Layout.set_text).parameters
    assert list(inspect.signature(Font).parameters) == ["pango_font", "description", "font_size"]
    assert callable(line_size) and callable(get_pango_font_key)
    # The stream's font bookkeeping that _Recorder stands in for.
    source = inspect.getsource(Stream.add_font)
    assert "get_pango_font_key" in source and "Font(pango_font, description, font_size)" in source


def test_glyph_runs_read_pango_structures_and_draw_first_lines_expressions() -> None:
    """render/glyph_runs.py reads Pango's glyph arrays in one copy (five int32 a glyph:
    id, width, x and y offsets, attributes) and repeats draw_first_line's arithmetic and
    formatting. A Pango or WeasyPrint that changes either fails here by name (the bytes
    themselves are compared in tests/test_glyph_runs.py)."""
    import inspect

    from weasyprint.draw.text import draw_first_line
    from weasyprint.text.ffi import FROM_UNITS, ffi, pango

    info = ffi.typeof("PangoGlyphInfo")
    assert ffi.sizeof(info) == 20
    assert [name for name, _ in info.fields] == ["glyph", "geometry", "attr"]
    geometry = ffi.typeof("PangoGlyphGeometry")
    assert [name for name, _ in geometry.fields] == ["width", "x_offset", "y_offset"]
    assert [field.offset for _, field in info.fields] == [0, 4, 16]
    assert ffi.sizeof("PangoGlyphUnit") == 4 and ffi.sizeof("gint") == 4
    assert FROM_UNITS == 1 / 1024 and pango.PANGO_GLYPH_EMPTY == 0x0FFFFFFF
    source = inspect.getsource(draw_first_line)
    for expression in (
        "string += f'>{-width / font_size}<'",
        "offset = glyph_info.geometry.x_offset / font_size",
        "rise = glyph_info.geometry.y_offset / 1000",
        "string += f'>{-offset}<'",
        "string += f'{glyph_id:02x}' if font.bitmap else f'{glyph_id:04x}'",
        "stream.logical_rect.width * 1000 * FROM_UNITS / font_size)",
        "kerning = logical_width + offset - width * 1000 * FROM_UNITS / font_size",
        "string += f'>{int(kerning)}<'",
        "if glyph_item.item.analysis.level % 2:  # rtl",
        "if not textbox.text.strip():",
        "if textbox.style['font_size'] < 1e-6:",
        "if pango.pango_version() < 14802 or font.png:",
    ):
        assert expression in source, expression


def test_a_font_configuration_keeps_its_faces_in_a_folder_it_checks_first() -> None:
    """render/renderer.py gives each forked worker a font folder of its own: it relies on the
    folder being ``_folder`` (None until the first face) and on a face whose file is there
    being taken as loaded."""
    import inspect

    from weasyprint.text.fonts import FontConfiguration

    assert FontConfiguration()._folder is None
    source = inspect.getsource(FontConfiguration.add_font_face)
    assert "self._folder / config_digest" in source and "font_path.exists()" in source
