"""Make one supporter's letters: compose, lay out on one page, write PDFs and the manifest.

This is the library's main entry point; the CLI's ``render`` command is a thin layer on it.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from gettext import ngettext
from pathlib import Path
from typing import Any

from babel.languages import get_official_languages

from ..compose import Composer, Layout, Letter
from ..errors import AppealLettersError, RenderError
from ..files import atomic_write, safe_child, slugify
from ..model import Campaign, Recipient, Sender
from ..parallel import fork_map
from ..plurals import counted
from .manifest import ManifestEntry, write_manifest
from .renderer import (
    FONT_SCALES,
    PdfRenderer,
    RenderedLetter,
    describe_characters,
    lines_of,
    missing_characters,
    overflow,
    wrapped_lines,
)

WINDOW = "envelope window"  # the data-zone of the address field in the template
LAYOUT_NAMES: dict[Layout, str] = {"din": "DIN 5008", "fr": "French", "us": "US Letter"}

#: From this many letters on, rendering is shared between processes (one per core).
PARALLEL_FROM = 4


@dataclass(frozen=True)
class RenderOptions:
    """What a supporter chooses for a run; the date is passed in so output is reproducible."""

    date: dt.date
    layout: Layout = "din"
    language: str | None = None
    recipient_ids: Sequence[str] = field(default_factory=tuple)
    write_html: bool = False


def default_out_dir(campaign: Campaign, root: Path = Path("letters")) -> Path:
    return root / slugify(campaign.appeal.code)


def select_recipients(campaign: Campaign, ids: Sequence[str]) -> list[Recipient]:
    """The recipients asked for, in the order of the recipients files; all if none asked."""
    if not ids:
        return list(campaign.recipients)
    known = {r.id: r for r in campaign.recipients}
    for wanted in ids:
        if wanted not in known:
            close = difflib.get_close_matches(wanted, known, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"known ids: {', '.join(known)}"
            raise AppealLettersError(f"no recipient has the id '{wanted}'; {hint}")
    return [r for r in campaign.recipients if r.id in set(ids)]


def refuse_missing_characters(renderer: PdfRenderer, recipient: Recipient) -> None:
    """A character no font has is an error naming it, never an empty box or a gap.

    WeasyPrint reports such characters while laying out and while drawing (``write``); call
    this after each."""
    missing = missing_characters(renderer.last_warnings)
    if missing:
        raise RenderError(
            f"the letter to {recipient.id}: no font has {describe_characters(missing)}"
            "; write those words in another script, or leave them out"
        )


def fit_on_one_page(
    composer: Composer,
    renderer: PdfRenderer,
    campaign: Campaign,
    recipient: Recipient,
    sender: Sender,
    options: RenderOptions,
    part: str = "full",
    wording: int | None = None,
    introduced: bool = False,
) -> tuple[Letter, Any, float, tuple[str, ...]]:
    """Compose and lay out a letter (or one of its parts) on one page, in the largest type
    that fits: the letter, its laid-out document, the type scale used and WeasyPrint's
    warnings. A character no font has is an error naming it, never an empty box."""
    pages = 0
    for scale in FONT_SCALES:
        letter = composer.compose(
            campaign,
            recipient,
            sender,
            date=options.date,
            layout=options.layout,
            font_scale=scale,
            language=options.language,
            part=part,
            wording=wording,
            introduced=introduced,
        )
        document = renderer.layout(letter)
        refuse_missing_characters(renderer, recipient)
        if WINDOW in renderer.overflowing_zones(document):
            raise RenderError(
                _window_problem(composer, renderer, campaign, recipient, sender, options, document)
            )
        pages = len(document.pages)
        if pages == 1:
            return letter, document, scale, tuple(renderer.last_warnings)
    lines, chars = overflow(document, "body")
    # In words of the text to shorten: a line holds more short words than long ones.
    text = sender.paragraph or campaign.appeal.text(letter.language).summary
    per_word = len(text) / max(1, len(text.split()))
    words = math.ceil(chars / per_word)
    by = (
        f" by about {counted(words, '%(count)d word', '%(count)d words')} "
        f"({counted(lines, '%(count)d line', '%(count)d lines')})"
        if lines
        else ""
    )
    if sender.paragraph:
        fix = f"shorten the supporter's paragraph ({len(sender.paragraph)} characters){by}"
    elif campaign.appeal.office_notes.get(recipient.id):
        fix = f"shorten the appeal's summary or its office note for {recipient.id}{by}"
    else:
        fix = f"shorten the appeal's summary{by}"
    if sender.town and part == "full" and lines_of(document, "intro-zone") > 1:
        # The sentence saying where the supporter lives took more than its line.
        fix += (
            f", or give the supporter's town in a shorter form ({len(sender.town)} "
            "characters: the sentence naming it takes more than one line)"
        )
    if renderer.last_warnings:  # a broken stylesheet of one's own, more likely than the text
        fix += f"; first check what WeasyPrint said: {renderer.last_warnings[0]}"
    raise RenderError(
        f"the letter to {recipient.id} does not fit on one page ({pages} pages even in smaller "
        f"type); {fix}"
    )


def foreign_language(
    campaign: Campaign, recipients: Sequence[Recipient], language: str | None
) -> list[str]:
    """A letter in neither the official's language (the recipient's, or an official language
    of their country) nor English is read later, if at all."""
    if language is None or language == "en" or campaign.appeal.missing_in(language):
        return []  # English is read everywhere; a language the appeal lacks is not used
    others = [
        r.id
        for r in recipients
        if language != r.language and language not in get_official_languages(r.country)
    ]
    if not others:
        return []
    message = ngettext(
        "the letter to %(ids)s is in '%(language)s', neither the recipient's language nor "
        "English, which officials and their staff read first (leave out --language to write "
        "to each in their own)",
        "the letters to %(ids)s are in '%(language)s', neither the recipients' languages nor "
        "English, which officials and their staff read first (leave out --language to write "
        "to each in their own)",
        len(others),
    )
    return [message % {"ids": ", ".join(others), "language": language}]


def lines_that_wrap(wrapped: list[str]) -> str:
    """ "line 'a' wraps" or "lines 'a', 'b' wrap"."""
    quoted = ", ".join(f"'{line}'" for line in wrapped)
    return f"lines {quoted} wrap" if len(wrapped) > 1 else f"line {quoted} wraps"


def _window_problem(
    composer: Composer,
    renderer: PdfRenderer,
    campaign: Campaign,
    recipient: Recipient,
    sender: Sender,
    options: RenderOptions,
    document: Any,
) -> str:
    """Which address line wraps, and which layouts' windows take the address as it is."""
    wrapped = wrapped_lines(document, WINDOW)
    what = f"its {lines_that_wrap(wrapped)}" if wrapped else "it has too many lines"
    others = []
    for layout in (name for name in LAYOUT_NAMES if name != options.layout):
        letter = composer.compose(
            campaign, recipient, sender, date=options.date, layout=layout, language=options.language
        )
        if WINDOW not in renderer.overflowing_zones(renderer.layout(letter)):
            others.append(LAYOUT_NAMES[layout])
    fits = (
        f"; the {' and '.join(others)} layout{'s take' if len(others) > 1 else ' takes'} it "
        "as it is (--layout)"
        if others
        else ""
    )
    return (
        f"recipients: {recipient.id}: the address does not fit in the {WINDOW} of the "
        f"{LAYOUT_NAMES[options.layout]} layout: {what}; shorten it or split it over two "
        f"address lines{fits}"
    )


def render_letter(
    composer: Composer,
    renderer: PdfRenderer,
    campaign: Campaign,
    recipient: Recipient,
    sender: Sender,
    options: RenderOptions,
) -> RenderedLetter:
    """Render one letter on one page, stepping the type size down a little if needed."""
    letter, document, scale, warnings = fit_on_one_page(
        composer, renderer, campaign, recipient, sender, options
    )
    pdf = renderer.write(letter, document)
    refuse_missing_characters(renderer, recipient)
    warnings = tuple(dict.fromkeys((*warnings, *renderer.last_warnings)))
    return RenderedLetter(letter, pdf, 1, scale, warnings)


@dataclass(frozen=True)
class _Job:
    """What every worker of one ``write_letters`` shares (inherited through fork)."""

    composer: Composer
    renderer: PdfRenderer
    campaign: Campaign
    sender: Sender
    options: RenderOptions


def _render_one(job: _Job, recipient: Recipient) -> RenderedLetter:
    return render_letter(
        job.composer, job.renderer, job.campaign, recipient, job.sender, job.options
    )


@dataclass(frozen=True)
class RenderResult:
    """What a run wrote, and what the user should know about it."""

    entries: list[ManifestEntry]
    warnings: list[str]


def write_letters(
    campaign: Campaign,
    sender: Sender,
    out_dir: Path,
    options: RenderOptions,
    user_templates: Path | None = None,
) -> RenderResult:
    """Render every selected letter, then write them all and ``manifest.json`` into ``out_dir``.

    Nothing is written until every letter has rendered, so an error leaves no partial set.
    """
    recipients = select_recipients(campaign, options.recipient_ids)
    composer = Composer(user_templates)
    extra_roots = [composer.user_templates] if composer.user_templates else []
    renderer = PdfRenderer(allowed_roots=extra_roots)
    job = _Job(composer, renderer, campaign, sender, options)
    rendered = list(
        fork_map(
            _render_one,
            recipients,
            job,
            workers=min(os.cpu_count() or 1, 4),
            min_items=PARALLEL_FROM - 1,
        )
    )
    positions = {r.id: i for i, r in enumerate(campaign.recipients, start=1)}
    entries = []
    for item in rendered:
        recipient = item.letter.recipient
        stem = f"{positions[recipient.id]:02d}-{slugify(recipient.id)}"
        path = safe_child(out_dir, f"{stem}.pdf")
        atomic_write(path, item.pdf)
        if options.write_html:
            atomic_write(safe_child(out_dir, f"{stem}.html"), item.letter.html.encode("utf-8"))
        channel = item.letter.channel
        entries.append(
            ManifestEntry.for_file(
                path,
                item.pdf,
                recipient_id=recipient.id,
                recipient=f"{recipient.full_name}, {recipient.title}",
                channel=(channel.kind, channel.address) if channel else None,
                pages=item.pages,
                language=item.letter.language,
            )
        )
    write_manifest(out_dir, campaign.appeal.code, entries, signer=sender.identity())
    warnings = [w for item in rendered for w in item.letter.warnings]
    if options.date < campaign.appeal.date:
        warnings.insert(
            0,
            f"the letters are dated {options.date.isoformat()}, before the appeal itself "
            f"({campaign.appeal.date.isoformat()}); check --date",
        )
    warnings += foreign_language(campaign, recipients, options.language)
    warnings += [
        f"letter to {item.letter.recipient.id}: WeasyPrint: {w}"
        for item in rendered
        for w in item.warnings
    ]
    return RenderResult(entries, warnings)
