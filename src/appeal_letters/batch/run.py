"""Batch production for NGO staff: every supporter's letter to every authority, resumable.

Letters are laid out in worker processes and written one by one (atomically); each finished
letter is appended to ``progress.jsonl`` with a fingerprint of its inputs. A re-run skips the
letters whose inputs are unchanged and whose file still has the recorded sha256, so a batch
stopped half-way (Ctrl-C, crash, power cut) finishes where it stopped, and an edited row is
the only one laid out again. Then per-authority delivery bundles and ``manifest.csv``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from ..assets import package_dir
from ..compose import Composer, Layout, default_layout
from ..errors import AppealLettersError, OutputError
from ..files import atomic_write, safe_child, slugify
from ..model import Campaign, Recipient, Supporter
from ..parallel import STATE, fork_map
from ..pdf import Part
from ..render import PdfRenderer, RenderOptions, render_letter, select_recipients
from .bodies import Body, NeedsFullLayout, layout_body, layout_personal
from .bodies import compose as compose_shared
from .files import Done, supporter_folder, write_bundles, write_manifest, write_supporter_pdfs

PROGRESS = "progress.jsonl"
#: A worker process is replaced after laying out about this many documents: WeasyPrint keeps
#: some memory per document (about 0.2 MB), so a long-lived worker would grow without end.
DOCUMENTS_PER_WORKER = 250
#: At most this many supporters' personal lines are laid out in one document (one task).
SUPPORTERS_PER_CHUNK = 25


@dataclass(frozen=True)
class BatchOptions:
    date: dt.date
    layout: Layout | None = None  # None: each supporter's country decides
    language: str | None = None
    recipient_ids: Sequence[str] = ()
    workers: int | None = None  # None: one per core
    bundles: bool = True
    per_supporter_pdf: bool = False
    shared_body: bool = True  # lay each authority's body out once, for letters without a paragraph


@dataclass(frozen=True)
class Job:
    supporter: Supporter
    recipient: Recipient
    position: int  # the recipient's place in the recipients files, for file names
    fingerprint: str


@dataclass
class BatchResult:
    written: int = 0
    skipped: int = 0
    failed: list[tuple[int, str, str]] = field(default_factory=list)  # row, recipient, reason
    per_authority: Counter[str] = field(default_factory=Counter)
    #: (recipient, language asked for, language used) -> letters that fell back to another
    #: language because the appeal lacks a translation
    fallbacks: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    bundles: list[Path] = field(default_factory=list)
    seconds: float = 0.0


def _templates_digest(composer: Composer) -> str:
    digest = hashlib.sha256()
    for folder in reversed(composer.search):
        for path in sorted(Path(folder).glob("*")):
            if path.is_file():
                digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for path in sorted((package_dir("locale")).rglob("*.mo")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, default=str).encode("utf-8")


def _fingerprint(common: bytes, supporter: bytes, recipient: bytes, layout: str) -> str:
    """What a letter is made from (each part already in canonical JSON), as one digest."""
    return hashlib.sha256(b"\0".join((common, supporter, recipient, layout.encode()))).hexdigest()


@contextlib.contextmanager
def _lock(folder: Path) -> Iterator[None]:
    """One batch at a time per folder: a second run stops at once instead of interleaving."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".batch.lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError(f"{folder}: another batch is writing there; wait for it") from None
        yield


def _read_progress(folder: Path) -> dict[tuple[str, str], Done]:
    found: dict[tuple[str, str], Done] = {}
    path = folder / PROGRESS
    if not path.is_file():
        return found
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            done = Done(**json.loads(line))
        except (ValueError, TypeError):
            continue  # a line cut short by a crash
        found[done.supporter_key, done.recipient_id] = done
    return found


def _still_good(folder: Path, done: Done | None, fingerprint: str) -> bool:
    if done is None or done.fingerprint != fingerprint:
        return False
    try:
        data = (folder / done.file).read_bytes()
    except OSError:
        return False
    return hashlib.sha256(data).hexdigest() == done.sha256


Outcome = Done | tuple[int, str, str]  # a letter written, or (row, recipient, why not)
BodyKey = tuple[str, Layout, str | None]  # recipient, layout, language asked for


def _letter_file(folder: Path, job: Job) -> tuple[str, Path]:
    relative = (
        f"supporters/{supporter_folder(job.supporter.key)}/"
        f"{job.position:02d}-{slugify(job.recipient.id)}.pdf"
    )
    return relative, safe_child(folder / Path(relative).parent, Path(relative).name)


PartKey = tuple[Layout, str, float, str]  # layout, language, type scale, supporter


def _personal_parts(jobs: list[Job]) -> dict[PartKey, Part | None]:
    """The personal lines of every supporter in ``jobs`` who can have a shared-body letter.

    Supporters are laid out together, one document per layout, language and type size.
    """
    w = STATE
    options: BatchOptions = w["options"]
    groups: dict[tuple[Layout, str, float], dict[str, Job]] = {}
    for job in jobs:
        body = _body_for(job, options, w["bodies"])
        if body is not None:
            key = (_layout_and_language(job, options)[0], body.language, body.font_scale)
            groups.setdefault(key, {}).setdefault(job.supporter.key, job)
    parts: dict[PartKey, Part | None] = {}
    for (layout, language, scale), members in groups.items():
        first = next(iter(members.values()))
        laid_out = layout_personal(
            w["composer"],
            w["renderer"],
            w["campaign"],
            first.recipient,
            [job.supporter.sender for job in members.values()],
            date=options.date,
            layout=layout,
            language=language,
            font_scale=scale,
        )
        for supporter_key, part in zip(members, laid_out, strict=True):
            parts[layout, language, scale, supporter_key] = part
    return parts


def _body_for(job: Job, options: BatchOptions, bodies: dict[BodyKey, Body]) -> Body | None:
    """The shared body this job's letter is drawn on, or None: it is laid out in full."""
    if job.supporter.sender.paragraph:
        return None
    return bodies.get((job.recipient.id, *_layout_and_language(job, options)))


def _layout_and_language(job: Job, options: BatchOptions) -> tuple[Layout, str | None]:
    return (
        options.layout or default_layout(job.supporter.sender.country),
        options.language or job.supporter.language,
    )


def _render_chunk(jobs: list[Job]) -> list[Outcome]:
    """Some supporters' pending letters: from the shared bodies where they can be."""
    w = STATE
    options: BatchOptions = w["options"]
    outcomes: list[Outcome] = []
    try:
        parts = _personal_parts(jobs)
    except AppealLettersError:
        parts = {}  # every letter of these supporters is laid out in full, reporting the problem
    for job in jobs:
        sender = job.supporter.sender
        layout, language = _layout_and_language(job, options)
        relative, target = _letter_file(w["folder"], job)
        body = _body_for(job, options, w["bodies"])
        try:
            pdf = None
            if body is not None:
                part = parts.get((layout, body.language, body.font_scale, job.supporter.key))
                if part is not None:
                    with contextlib.suppress(NeedsFullLayout):
                        pdf = compose_shared(body, part, sender)
                        pages, channel, used = 1, body.channel, body.language
            if pdf is None:
                item = render_letter(
                    w["composer"],
                    w["renderer"],
                    w["campaign"],
                    job.recipient,
                    sender,
                    RenderOptions(date=options.date, layout=layout, language=language),
                )
                pdf, pages, used = item.pdf, item.pages, item.letter.language
                channel = item.letter.channel.kind if item.letter.channel else ""
        except AppealLettersError as exc:
            outcomes.append((job.supporter.row, job.recipient.id, str(exc)))
            continue
        atomic_write(target, pdf, durable=False)  # progress.jsonl keeps its sha256
        outcomes.append(
            Done(
                job.supporter.key,
                job.recipient.id,
                relative,
                pages,
                hashlib.sha256(pdf).hexdigest(),
                job.fingerprint,
                channel,
                used,
            )
        )
    return outcomes


def _shared_bodies(
    composer: Composer,
    renderer: PdfRenderer,
    campaign: Campaign,
    jobs: Sequence[Job],
    options: BatchOptions,
) -> dict[BodyKey, Body]:
    """Each authority's body, once for every layout and language the pending letters need."""
    wanted: dict[BodyKey, Recipient] = {}
    for job in jobs:
        if options.shared_body and not job.supporter.sender.paragraph:
            layout, language = _layout_and_language(job, options)
            wanted.setdefault((job.recipient.id, layout, language), job.recipient)
    keys = list(wanted)
    state = {
        "composer": composer,
        "renderer": renderer,
        "campaign": campaign,
        "options": options,
        "wanted": wanted,
    }
    laid_out = fork_map(_layout_body, keys, state, workers=options.workers, min_items=2)
    return {key: body for key, body in zip(keys, laid_out, strict=True) if body is not None}


def _layout_body(key: BodyKey) -> Body | None:
    w = STATE
    _, layout, language = key
    try:
        return layout_body(
            w["composer"],
            w["renderer"],
            w["campaign"],
            w["wanted"][key],
            date=w["options"].date,
            layout=layout,
            language=language,
        )
    except AppealLettersError:
        return None  # its letters take the full path, which reports the problem


def run_batch(
    campaign: Campaign,
    supporters: Sequence[Supporter],
    folder: Path,
    options: BatchOptions,
    user_templates: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BatchResult:
    """Make every letter not already made, then the bundles and the manifest."""
    started = time.perf_counter()
    recipients = select_recipients(campaign, options.recipient_ids)
    positions = {r.id: i for i, r in enumerate(campaign.recipients, start=1)}
    composer = Composer(user_templates)
    common = _canonical(
        [
            __version__,
            campaign.appeal.model_dump(mode="json"),
            options.date.isoformat(),
            options.shared_body,
            options.language,
            _templates_digest(composer),
        ]
    )
    recipient_json = {r.id: _canonical(r.model_dump()) for r in recipients}
    result = BatchResult()
    with _lock(folder):
        for stale in folder.rglob(".*.tmp"):  # left by a run that was killed while writing
            stale.unlink(missing_ok=True)
        previous = _read_progress(folder)
        jobs: list[Job] = []
        finished: dict[tuple[str, str], Done] = {}
        for supporter in supporters:
            layout = options.layout or default_layout(supporter.sender.country)
            supporter_json = _canonical([supporter.sender.model_dump(), supporter.language])
            for recipient in recipients:
                fingerprint = _fingerprint(
                    common, supporter_json, recipient_json[recipient.id], layout
                )
                done = previous.get((supporter.key, recipient.id))
                if _still_good(folder, done, fingerprint):
                    assert done is not None
                    finished[supporter.key, recipient.id] = done
                    result.skipped += 1
                else:
                    jobs.append(Job(supporter, recipient, positions[recipient.id], fingerprint))
        total = len(jobs)
        if progress:
            progress(0, total)
        extra = [composer.user_templates] if composer.user_templates else []
        renderer = PdfRenderer(allowed_roots=extra)  # fonts loaded once, inherited by workers
        with (folder / PROGRESS).open("a", encoding="utf-8") as log:
            state: dict[str, Any] = {
                "composer": composer,
                "renderer": renderer,
                "campaign": campaign,
                "options": options,
                "folder": folder,
            }
            state["bodies"] = _shared_bodies(composer, renderer, campaign, jobs, options)
            by_supporter: dict[str, list[Job]] = {}
            for job in jobs:
                by_supporter.setdefault(job.supporter.key, []).append(job)
            # Supporters with the same layout and language side by side: their lines share
            # documents (the order of the files and the manifest does not change).
            groups = sorted(
                by_supporter.values(),
                key=lambda group: [str(v) for v in _layout_and_language(group[0], options)],
            )
            # Enough chunks to keep every worker busy and the progress bar moving.
            workers = options.workers or os.cpu_count() or 1
            size = max(1, min(SUPPORTERS_PER_CHUNK, -(-len(groups) // (4 * workers))))
            chunks = [
                [job for group in groups[i : i + size] for job in group]
                for i in range(0, len(groups), size)
            ]
            # A letter laid out in full is a document; a shared-body letter shares a few per chunk.
            full = sum(1 for job in jobs if _body_for(job, options, state["bodies"]) is None)
            documents_per_chunk = 2 + full * len(chunks[0]) / max(1, len(jobs)) if chunks else 1
            batches = fork_map(
                _render_chunk,
                chunks,
                state,
                workers=options.workers,
                tasks_per_worker=max(1, int(DOCUMENTS_PER_WORKER // documents_per_chunk)),
            )
            letters = (o for outcomes in batches for o in outcomes)
            for count, outcome in enumerate(letters, start=1):
                if isinstance(outcome, Done):
                    log.write(json.dumps(outcome.__dict__) + "\n")
                    log.flush()
                    finished[outcome.supporter_key, outcome.recipient_id] = outcome
                    result.written += 1
                else:
                    result.failed.append(outcome)
                if progress:
                    progress(count, total)
            os.fsync(log.fileno())
        ordered = [
            finished[s.key, r.id]
            for s in supporters
            for r in recipients
            if (s.key, r.id) in finished
        ]
        result.per_authority = Counter(d.recipient_id for d in ordered)
        by_id = {r.id: r for r in recipients}
        asked = {s.key: options.language or s.language for s in supporters}
        for d in ordered:
            wanted = asked[d.supporter_key] or by_id[d.recipient_id].language
            if d.language != wanted:
                result.fallbacks[d.recipient_id, wanted, d.language] += 1
        write_manifest(folder, campaign.appeal.code, ordered)
        if options.bundles:
            result.bundles = write_bundles(
                folder,
                campaign,
                recipients,
                positions,
                ordered,
                options.date,
                renderer,
                options.workers,
            )
        if options.per_supporter_pdf:
            write_supporter_pdfs(folder, ordered)
    result.seconds = time.perf_counter() - started
    return result
