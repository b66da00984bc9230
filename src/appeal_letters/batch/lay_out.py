"""Lay out a batch's letters in worker processes: from shared bodies where they can be.

Each authority's body is laid out once per layout and language, then supporters' own lines
many to a document, and each letter is written as bytes from the two. A letter that cannot be
drawn on its body is laid out in full, and the reason travels back with it, so the batch can
say how many letters left the fast path and why (``--strict-fast`` makes that an error).
"""

from __future__ import annotations

import hashlib
import itertools
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..compose import Composer, Layout, wording_of
from ..errors import AppealLettersError
from ..files import atomic_write, safe_child, slugify
from ..model import Campaign, Recipient
from ..parallel import fork_map
from ..pdf import Part
from ..render import PdfRenderer, RenderOptions, render_letter
from .bodies import (
    Body,
    IntroZone,
    NeedsFullLayout,
    Unshared,
    fits_shared_body,
    introduces,
    layout_body,
)
from .bodies import compose as compose_shared
from .drawn import LineArtist, personal_parts
from .plan import BatchOptions, Job, Jobs, layout_and_language
from .progress import Done

#: A worker process is replaced after laying out about this many documents: WeasyPrint keeps
#: some memory per document (about 0.2 MB), so a long-lived worker would grow without end.
DOCUMENTS_PER_WORKER = 250
#: At most this many supporters' personal lines are laid out in one document (one task).
SUPPORTERS_PER_CHUNK = 25

#: recipient, layout, language asked for, wording, whether it keeps a line for the introduction
BodyKey = tuple[str, Layout, str | None, int, bool]
#: layout, language, type scale, where the body keeps the introduction, supporter
PartKey = tuple[Layout, str, float, IntroZone, str]


@dataclass(frozen=True)
class Made:
    """A letter written, and how it was made."""

    done: Done
    number: int  # the letter's place in the batch (plan.Letters)
    by_design: bool = False  # laid out in full as asked: a personal paragraph, --full-layout
    fallback: str | None = None  # why a letter meant for a shared body was laid out in full
    untagged: bool = False  # drawn on its body without the supporter's tags: no PDF/UA claim
    warnings: tuple[str, ...] = ()  # WeasyPrint's, while laying it (or its body) out
    alone: str | None = None  # why the supporter's lines took a document of their own
    laid_out: str | None = None  # why the supporter's lines were laid out, not drawn
    drawn: bool = False  # the supporter's lines drawn from shaped text
    slow_lines: bool = False  # one of them written by WeasyPrint's glyph writer (render/lines)


@dataclass(frozen=True)
class Failed:
    row: int
    recipient_id: str
    reason: str


Outcome = Made | Failed


@dataclass(frozen=True)
class Workshop:
    """What every worker of a batch shares, inherited through fork (loaded fonts and all)."""

    composer: Composer
    renderer: PdfRenderer
    campaign: Campaign
    options: BatchOptions
    folder: Path
    bodies: dict[BodyKey, Body] = field(default_factory=dict)
    #: bodies that could not be laid out for sharing -> why (their letters go in full)
    body_problems: dict[BodyKey, str] = field(default_factory=dict)
    #: samples of supporters' lines and the drawer (each worker process learns its own)
    artist: LineArtist = field(default_factory=LineArtist)

    def body_key(self, job: Job) -> BodyKey | None:
        """The shared body this job's letter is meant for; None: it is laid out in full by
        design (a personal paragraph, or ``--full-layout``)."""
        if not self.options.shared_body or not fits_shared_body(job.supporter.sender):
            return None
        sender = job.supporter.sender
        return (
            job.recipient.id,
            *layout_and_language(job.supporter, self.options),
            wording_of(sender),
            introduces(sender),
        )


def lay_out_bodies(shop: Workshop, jobs: Iterable[Job]) -> int:
    """Each authority's body, once for every layout and language the pending letters need.
    Returns how many letters will be laid out in full (by design or for want of a body)."""
    wanted: dict[BodyKey, Recipient] = {}
    letters: Counter[BodyKey | None] = Counter()
    for job in jobs:
        key = shop.body_key(job)
        letters[key] += 1
        if key is not None:
            wanted.setdefault(key, job.recipient)
    keys = list(wanted)
    laid_out = fork_map(
        _lay_out_body,
        [(key, wanted[key]) for key in keys],
        shop,
        workers=shop.options.workers,
        min_items=2,
    )
    for key, body in zip(keys, laid_out, strict=True):
        if isinstance(body, Body):
            shop.bodies[key] = body
        else:
            shop.body_problems[key] = body
    return sum(count for key, count in letters.items() if key not in shop.bodies)


def _lay_out_body(shop: Workshop, item: tuple[BodyKey, Recipient]) -> Body | str:
    (_, layout, language, wording, introduced), recipient = item
    try:
        return layout_body(
            shop.composer,
            shop.renderer,
            shop.campaign,
            recipient,
            date=shop.options.date,
            layout=layout,
            language=language,
            wording=wording,
            introduced=introduced,
        )
    except AppealLettersError as exc:
        return f"the shared body could not be laid out ({exc})"


def chunks(shop: Workshop, jobs: Jobs) -> Iterator[list[Job]]:
    """Jobs in tasks of a few supporters each, those of one layout and language together (their
    lines share documents), enough tasks to keep every worker busy and the progress moving.
    Made as the workers need them: a supporter's jobs are read from disk when their turn nears."""
    size = chunk_size(shop, jobs)
    waiting: dict[tuple[Layout, str | None], list[Job]] = {}  # layout and language -> their jobs
    supporters: Counter[tuple[Layout, str | None]] = Counter()
    recipients = len(jobs.recipients)
    for _, group in itertools.groupby(jobs, key=lambda job: job.number // recipients):
        theirs = list(group)
        kind = layout_and_language(theirs[0].supporter, shop.options)
        waiting.setdefault(kind, []).extend(theirs)
        supporters[kind] += 1
        if supporters[kind] == size:
            yield waiting.pop(kind)
            del supporters[kind]
    for kind in sorted(waiting, key=str):
        yield waiting[kind]


def chunk_size(shop: Workshop, jobs: Jobs) -> int:
    """Supporters in one task: at most SUPPORTERS_PER_CHUNK, and four tasks a worker at least."""
    workers = shop.options.workers or os.cpu_count() or 1
    return max(1, min(SUPPORTERS_PER_CHUNK, -(-jobs.supporters_pending // (4 * workers))))


def lay_out_letters(shop: Workshop, jobs: Jobs, full: int) -> Iterator[Outcome]:
    """Every job's letter written to its file, in the order of ``chunks`` (``full``: how many
    of them are laid out in full, as lay_out_bodies counted)."""
    # A letter laid out in full is a document; a shared-body letter shares a few per chunk.
    per_chunk = chunk_size(shop, jobs) * len(jobs) / max(1, jobs.supporters_pending)
    documents_per_chunk = 2 + full * per_chunk / max(1, len(jobs))
    for outcomes in fork_map(
        _lay_out_chunk,
        chunks(shop, jobs),
        shop,
        workers=shop.options.workers,
        tasks_per_worker=max(1, int(DOCUMENTS_PER_WORKER // documents_per_chunk)),
    ):
        yield from outcomes


def _body(shop: Workshop, job: Job) -> Body | None:
    key = shop.body_key(job)
    return None if key is None else shop.bodies.get(key)


def _personal_parts(shop: Workshop, jobs: list[Job]) -> dict[PartKey, Part | Unshared]:
    """The personal lines of every supporter in ``jobs`` whose letters have a shared body,
    laid out together: one document per layout, language and type size."""
    groups: dict[tuple[Layout, str, float, IntroZone], dict[str, Job]] = {}
    for job in jobs:
        body = _body(shop, job)
        if body is not None:
            layout, _ = layout_and_language(job.supporter, shop.options)
            key = (layout, body.language, body.font_scale, body.intro)
            groups.setdefault(key, {}).setdefault(job.supporter.key, job)
    parts: dict[PartKey, Part | Unshared] = {}
    for (layout, language, scale, intro), members in groups.items():
        first = next(iter(members.values()))
        try:
            laid_out: Sequence[Part | Unshared] = personal_parts(
                shop.artist,
                shop.composer,
                shop.renderer,
                shop.campaign,
                first.recipient,
                [job.supporter.sender for job in members.values()],
                date=shop.options.date,
                layout=layout,
                language=language,
                font_scale=scale,
                intro=intro,
            )
        except AppealLettersError as exc:
            laid_out = [Unshared(f"the supporters' lines could not be laid out ({exc})")] * len(
                members
            )
        for supporter_key, part in zip(members, laid_out, strict=True):
            parts[layout, language, scale, intro, supporter_key] = part
    return parts


def _letter_file(folder: Path, job: Job) -> tuple[str, Path]:
    relative = (
        f"supporters/{supporter_folder(job.supporter.key)}/"
        f"{job.position:02d}-{slugify(job.recipient.id)}.pdf"
    )
    return relative, safe_child(folder / Path(relative).parent, Path(relative).name)


def supporter_folder(key: str) -> str:
    """A safe, unique folder name for a supporter key (readable part plus a short hash)."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:8]
    return f"{slugify(key, 40)}-{digest}"


def _lay_out_chunk(shop: Workshop, jobs: list[Job]) -> list[Outcome]:
    """Some supporters' pending letters: from the shared bodies where they can be."""
    parts = _personal_parts(shop, jobs)
    return [_lay_out_one(shop, job, parts) for job in jobs]


def _lay_out_one(shop: Workshop, job: Job, parts: dict[PartKey, Part | Unshared]) -> Outcome:
    sender = job.supporter.sender
    layout, language = layout_and_language(job.supporter, shop.options)
    relative, target = _letter_file(shop.folder, job)
    key = shop.body_key(job)
    fallback: str | None = None
    untagged = False
    alone: str | None = None
    laid_out: str | None = None
    drawn = slow_lines = False
    try:
        pdf = None
        if key is not None:
            body = shop.bodies.get(key)
            if body is None:
                fallback = shop.body_problems.get(key, "no shared body")
            else:
                part = parts[layout, body.language, body.font_scale, body.intro, job.supporter.key]
                if isinstance(part, Unshared):
                    fallback = part.reason
                else:
                    alone, laid_out, drawn = part.alone, part.laid_out, part.drawn
                    slow_lines = part.slow_lines > 0
                    try:
                        assembled = compose_shared(body, part, sender)
                        pdf, untagged = assembled.data, not assembled.tagged
                        pages, channel, used = 1, body.channel, body.language
                        warnings = body.warnings
                    except NeedsFullLayout as exc:
                        fallback = f"the byte writer cannot assemble it ({exc})"
        if pdf is None:
            item = render_letter(
                shop.composer,
                shop.renderer,
                shop.campaign,
                job.recipient,
                sender,
                RenderOptions(date=shop.options.date, layout=layout, language=language),
            )
            pdf, pages, used, warnings = item.pdf, item.pages, item.letter.language, item.warnings
            channel = item.letter.channel.kind if item.letter.channel else ""
    except AppealLettersError as exc:
        return Failed(job.supporter.row, job.recipient.id, str(exc))
    atomic_write(target, pdf, durable=False)  # progress.jsonl keeps its sha256
    done = Done(
        job.supporter.key,
        job.recipient.id,
        relative,
        pages,
        hashlib.sha256(pdf).hexdigest(),
        job.fingerprint,
        channel,
        used,
    )
    return Made(
        done,
        job.number,
        by_design=key is None,
        fallback=fallback,
        untagged=untagged,
        warnings=warnings,
        alone=None if fallback else alone,
        laid_out=None if fallback else laid_out,
        drawn=drawn and not fallback,
        slow_lines=slow_lines and not fallback,
    )
