"""A shaped line's glyph runs written as WeasyPrint's ``draw_first_line`` writes them, faster.

``draw_first_line`` reads Pango's glyphs one C field at a time and handles what a supporter's
line never has (ellipses, emoji, bitmap fonts): on the one-authority batch, where every letter
draws its supporter's lines, its loop was a fifth of a worker's time. :func:`write_runs` reads
each run's glyphs in one copy and writes the same operators with the same numbers, in the same
order, computed by the same expressions. A line it does not handle the same way (a glyph moved
up or down, a glyph no font has) is left to ``draw_first_line`` before anything is recorded:
:func:`write_runs` returns False and the caller draws it that way. ``tests/test_glyph_runs.py``
compares both writers' bytes on lines in many scripts (``tests/test_drawn.py``: whole drawn
parts against layouts); ``tests/test_weasyprint_contract.py`` names the internals read here.
"""

from __future__ import annotations

from typing import Any

#: Bytes of one PangoGlyphInfo: the glyph, its width, x and y offsets (int32), its attributes.
_GLYPH_INFO = 20
#: Glyph texts remembered at most (a few hundred glyphs, at a few sizes and offsets, are usual).
_MOST_SEGMENTS = 65536


def write_runs(
    stream: Any, layout: Any, matrix: Any, widths_of: Any, segments: dict[Any, str]
) -> bool:
    """Write ``layout``'s first line to ``stream`` (a ``_Recorder``) at ``matrix``, as
    ``draw_first_line(stream, box, "clip", "none", matrix)`` would; False, writing and
    recording nothing, where it would do something this does not (see the module's text).

    ``widths_of(pango_font, font, size)`` gives the logical widths of a face at a size, shared
    by the documents of a process (Pango's glyph extents, which WeasyPrint asks for once per
    glyph and document). ``segments`` remembers, across lines, the text written for a glyph
    with its advance, offset, recorded width and size: formatting the same floats again for
    every letter cost more than the rest of the loop."""
    from weasyprint.text.ffi import FROM_UNITS, ffi, pango

    if not layout.text.strip() or layout.style["font_size"] < 1e-6:
        return True  # draw_first_line draws nothing for these either (a line of spaces)
    if ffi.sizeof("PangoGlyphInfo") != _GLYPH_INFO:
        return False  # WeasyPrint's bindings declare another structure than the one read here
    # Before Pango 1.48.2 a font's size was wrong in its description: WeasyPrint then takes the
    # style's (https://gitlab.gnome.org/GNOME/pango/-/issues/530), and so does this.
    style_size = layout.style["font_size"] if pango.pango_version() < 14802 else None
    pango.pango_layout_set_single_paragraph_mode(layout.layout, True)
    first_line, _ = layout.get_first_line()
    runs = []
    run = first_line.runs[0]
    while run != ffi.NULL:
        item = run.data
        run = run.next
        glyphs = item.glyphs
        count = glyphs.num_glyphs
        data = ffi.buffer(glyphs.glyphs, count * _GLYPH_INFO)
        infos = memoryview(data).cast("i")
        # Glyph ids (guint32), widths, x and y offsets (gint32): every fifth from its first.
        ids = memoryview(data).cast("I")[0::5]
        advances, x_offsets = infos[1::5], infos[2::5]
        if any(infos[3::5]) or any(gid & pango.PANGO_GLYPH_UNKNOWN_FLAG for gid in ids):
            return False  # a glyph raised or lowered, or one no font has: WeasyPrint's way
        clusters = memoryview(ffi.buffer(glyphs.log_clusters, count * 4)).cast("i")
        analysis = item.item.analysis
        runs.append(
            (analysis.font, ids, advances, x_offsets, clusters, item.item.offset,
             item.item.length, analysis.level % 2)
        )  # fmt: skip
    stream.set_text_matrix(*matrix.values)
    utf8 = layout.text.encode()
    empty = pango.PANGO_GLYPH_EMPTY
    previous_font = None
    string = ""
    for pango_font, ids, advances, x_offsets, clusters, start, length, rtl in runs:
        if pango_font != previous_font:
            previous_font = pango_font
            font, font_size = stream.add_font(pango_font)
            font_size = style_size or font_size
            known = widths_of(pango_font, font, font_size)
            if string:
                stream.show_text(string)
            string = ""
            stream.set_font_size(font.hash, font_size)
        widths, to_unicode = font.widths, font.to_unicode
        parts = ["<"]
        last = len(ids) - 1
        for i, glyph_id in enumerate(ids):
            width = advances[i]
            if glyph_id == empty:
                parts.append(f">{-width / font_size}<")
                continue
            if glyph_id not in to_unicode:
                end = (length if i == 0 else clusters[i - 1]) if rtl else (
                    length if i == last else clusters[i + 1])  # fmt: skip
                to_unicode[glyph_id] = utf8[start + clusters[i] : start + end].decode()
            logical_width = widths.get(glyph_id)
            if logical_width is None:
                logical_width = widths[glyph_id] = known(glyph_id)
            key = (glyph_id, width, x_offsets[i], logical_width, font_size)
            segment = segments.get(key)
            if segment is None:
                offset = x_offsets[i] / font_size
                segment = f">{-offset}<" if offset else ""
                segment += f"{glyph_id:04x}"
                kerning = logical_width + offset - width * 1000 * FROM_UNITS / font_size
                if kerning:
                    segment += f">{int(kerning)}<"
                if len(segments) >= _MOST_SEGMENTS:
                    segments.clear()
                segments[key] = segment
            parts.append(segment)
        string += "".join(parts)
        string = string[:-1] if string[-1] == "<" else string + ">"
    stream.show_text(string)
    return True
