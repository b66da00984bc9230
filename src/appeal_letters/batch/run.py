"""Batch production for NGO staff: every supporter's letter to every authority, resumable.

``run_batch`` goes in four steps, each in its own module: plan (which letters to make, which
are already made: ``plan``), lay out (shared bodies and workers: ``lay_out``), record (each
letter into ``progress.jsonl`` as it arrives: ``progress``) and finish (manifest, bundles,
per-supporter PDFs, ``rejected.csv`` and ``summary.txt``: ``files``, ``summary``). All of it
under the batch folder's lock, so a second run on the same folder changes nothing.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..compose import WORDINGS, Composer, largest_shared_share, sentences, wording_of
from ..errors import AppealLettersError
from ..model import Campaign, SupportersFile, write_rejected
from ..render import PdfRenderer
from ..spill import Spill
from .bodies import BLANK_SENDER
from .files import (
    BundleTally,
    remove_withdrawn,
    write_bundles,
    write_manifest_csv,
    write_post_list,
    write_supporter_pdfs,
)
from .lay_out import Failed, Made, Workshop, lay_out_bodies, lay_out_letters
from .plan import BatchOptions, Plan, plan_batch
from .progress import Done, batch_lock, progress_log
from .summary import write_summary


class FastPathError(AppealLettersError):
    """``--strict-fast``: a letter or a bundle left the fast path."""


@dataclass
class BatchResult:
    supporters: int = 0
    rejected_rows: int = 0
    written: int = 0
    skipped: int = 0
    failed: list[Failed] = field(default_factory=list)
    per_authority: Counter[str] = field(default_factory=Counter)
    #: (recipient, language asked for, language used) -> letters that fell back to another
    #: language because the appeal lacks a translation
    language_fallbacks: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    #: why a letter meant for a shared body was laid out in full -> how many (20x slower)
    full_layout_fallbacks: Counter[str] = field(default_factory=Counter)
    #: letters laid out in full by design: a personal paragraph, or --full-layout
    full_layout_by_design: int = 0
    #: why a supporter's lines took a document of their own (several times slower) -> letters
    personal_alone: Counter[str] = field(default_factory=Counter)
    #: letters whose supporter's lines were drawn from shaped text (batch/drawn.py)
    personal_drawn: int = 0
    #: of those, letters with a line of raised or lowered glyphs, which WeasyPrint's own glyph
    #: writer wrote (the same bytes, slower: render/glyph_runs.py)
    personal_slow_lines: int = 0
    #: why a letter's supporter's lines were laid out rather than drawn -> letters (slower,
    #: not a degradation: the bytes are the same)
    personal_laid_out: Counter[str] = field(default_factory=Counter)
    #: letters drawn on a shared body without the supporter's tags, so without the PDF/UA claim
    untagged: int = 0
    #: why a shared-body letter was copied into a bundle page by page -> how many
    bundle_fallbacks: Counter[str] = field(default_factory=Counter)
    #: WeasyPrint's warnings -> letters laid out with them
    layout_warnings: Counter[str] = field(default_factory=Counter)
    #: supporters in each of the template's wordings (compose/wording.py)
    wordings: list[int] = field(default_factory=list)
    #: the largest share of sentences two letters to one authority in different wordings have
    #: in common (the supporters' own paragraphs aside)
    shared_sentences: float = 0.0
    #: supporters whose letters carry a paragraph of their own
    with_paragraph: int = 0
    bundles: list[Path] = field(default_factory=list)
    #: bundles/post-list.txt, when letters go by post (their bundles are duplex print packs)
    post_list: Path | None = None
    #: the letters whose channel is the post, for the send journal's "to post" list (on disk)
    to_post: Sequence[Done] = ()
    #: supporters no longer in the file whose letters were removed
    withdrawn: int = 0
    seconds: float = 0.0
    summary: str = ""  # the text of summary.txt

    @property
    def degradations(self) -> int:
        """Everything that left the fast or the tagged path, counted once each."""
        return (
            sum(self.full_layout_fallbacks.values())
            + self.untagged
            + sum(self.personal_alone.values())
            + sum(self.bundle_fallbacks.values())
        )


def run_batch(
    campaign: Campaign,
    read: SupportersFile,
    folder: Path,
    options: BatchOptions,
    user_templates: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BatchResult:
    """Make every letter not already made, then the bundles, the manifest and the summary."""
    started = time.perf_counter()
    composer = Composer(user_templates)
    result = BatchResult(supporters=len(read.supporters), rejected_rows=len(read.rejected))
    with batch_lock(folder):
        rejected_file = folder / "rejected.csv"
        if read.rejected:
            write_rejected(rejected_file, read.columns, read.rejected)
        else:
            rejected_file.unlink(missing_ok=True)
        if not read.supporters:
            where = f"; the rows set aside are in {rejected_file}" if read.rejected else ""
            raise AppealLettersError(f"{read.path}: no usable supporter rows{where}")
        result.wordings = [0] * WORDINGS
        for supporter in read.supporters:  # one reading of the supporters kept on disk
            result.wordings[wording_of(supporter.sender)] += 1
            result.with_paragraph += bool(supporter.sender.paragraph)
        result.shared_sentences = similarity(composer, campaign, options, result.wordings)
        plan = plan_batch(campaign, read.supporters, folder, options, composer)
        try:
            result.skipped = len(plan.letters)
            extra = [composer.user_templates] if composer.user_templates else []
            renderer = PdfRenderer(allowed_roots=extra)  # fonts loaded once, shared by workers
            shop = Workshop(composer, renderer, campaign, options, folder)
            _make_letters(shop, plan, result, progress)
            _finish(shop, plan, read, result)
        finally:
            plan.close()
        result.seconds = time.perf_counter() - started
        result.summary = write_summary(folder, campaign, result, options)
    if options.strict_fast and result.degradations:
        raise FastPathError(
            f"{folder}: {result.degradations} letter(s) left the fast path (see summary.txt); "
            "run without --strict-fast to accept that"
        )
    return result


def similarity(
    composer: Composer, campaign: Campaign, options: BatchOptions, wordings: list[int]
) -> float:
    """How alike two supporters' letters to one authority can be: the largest share of
    sentences two wordings in use have in common, over every authority (1.0: one wording)."""
    used = [wording for wording, count in enumerate(wordings) if count]
    if len(used) < 2:
        return 1.0
    largest = 0.0
    for recipient in campaign.recipients:
        bodies = [
            sentences(
                composer.compose(
                    campaign, recipient, BLANK_SENDER, date=options.date,
                    layout=options.layout or "din", language=options.language,
                    part="body", wording=wording,
                ).html
            )
            for wording in used
        ]  # fmt: skip
        largest = max(largest, largest_shared_share(bodies))
    return largest


def _make_letters(
    shop: Workshop,
    plan: Plan,
    result: BatchResult,
    progress: Callable[[int, int], None] | None,
) -> None:
    """Lay out and record every pending letter; ``--strict-fast`` stops at the first that
    leaves the fast path (it is recorded: a re-run without the flag keeps it)."""
    if progress:
        progress(0, len(plan.jobs))
    full = lay_out_bodies(shop, plan.jobs)
    with progress_log(shop.folder) as log:
        for count, outcome in enumerate(lay_out_letters(shop, plan.jobs, full), start=1):
            if isinstance(outcome, Failed):
                result.failed.append(outcome)
            else:
                log.record(outcome.done)
                plan.letters.put(outcome.number, outcome.done)
                result.written += 1
                _count_path(outcome, shop, result)
            if progress:
                progress(count, len(plan.jobs))


def _count_path(outcome: Made, shop: Workshop, result: BatchResult) -> None:
    result.layout_warnings.update(set(outcome.warnings))
    if outcome.by_design:
        result.full_layout_by_design += 1
    elif outcome.fallback:
        result.full_layout_fallbacks[outcome.fallback] += 1
    elif outcome.untagged:
        result.untagged += 1
    if outcome.alone:
        result.personal_alone[outcome.alone] += 1
    if outcome.laid_out:
        result.personal_laid_out[outcome.laid_out] += 1
    elif outcome.drawn:
        result.personal_drawn += 1
        result.personal_slow_lines += outcome.slow_lines
    if shop.options.strict_fast and (outcome.fallback or outcome.untagged or outcome.alone):
        why = (
            outcome.fallback
            or (outcome.alone and f"its lines were laid out on their own: {outcome.alone}")
            or "made without the supporter's tags (no PDF/UA claim)"
        )
        raise FastPathError(
            f"{shop.folder / outcome.done.file}: left the fast path: {why}; stopped by "
            "--strict-fast (the letters made so far are kept)"
        )


def _finish(shop: Workshop, plan: Plan, read: SupportersFile, result: BatchResult) -> None:
    """Manifest and bundles of every letter made so far (also after an interruption), read
    from the plan's records on disk a letter at a time, the summary's counts on the way."""
    to_post: Spill[Done] = Spill(shop.folder)
    keys: list[str] = []  # the supporters still in the file
    tally = BundleTally(len(plan.recipients), shop.options.bundle_size)

    def letters() -> Iterator[Done]:
        """The letters made, supporter by supporter, counted as they go to the manifest."""
        count = len(plan.recipients)
        for which, supporter in enumerate(read.supporters):
            keys.append(supporter.key)
            asked = shop.options.language or supporter.language
            for index, recipient in enumerate(plan.recipients):
                number = which * count + index
                done = plan.letters.get(number)
                if done is None:
                    continue
                tally.add(index, number, done)
                result.per_authority[recipient.id] += 1
                wanted = asked or recipient.language
                if done.language != wanted:
                    result.language_fallbacks[recipient.id, wanted, done.language] += 1
                if done.channel == "post":
                    to_post.append(done)
                yield done

    write_manifest_csv(shop.folder, shop.campaign.appeal.code, letters())
    result.to_post = to_post
    result.withdrawn = remove_withdrawn(shop.folder, keys)
    if shop.options.bundles:
        made = write_bundles(
            shop.folder,
            shop.campaign,
            plan.recipients,
            plan.positions,
            plan.letters,
            tally,
            shop.options.date,
            shop.renderer,
            workers=shop.options.workers,
        )
        result.bundles = [path for path, _ in made]
        for _, report in made:
            result.bundle_fallbacks.update(report.fallbacks)
        result.post_list = write_post_list(
            shop.folder, shop.campaign, plan.recipients, plan.positions, tally.posted
        )
    if shop.options.per_supporter_pdf:
        for report in write_supporter_pdfs(shop.folder, plan.letters):
            result.bundle_fallbacks.update(report.fallbacks)
