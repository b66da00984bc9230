"""``summary.txt``: what a batch made, what it set aside, and everything that left the fast path.

The same text ends the command's output. Fallbacks are never silent: each kind is counted
with its reason, and the last line says how many there were.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..files import atomic_write
from ..model import Campaign
from ..plurals import counted

if TYPE_CHECKING:
    from pathlib import Path

    from .plan import BatchOptions
    from .run import BatchResult


def _letters(count: int) -> str:
    return counted(count, "%(count)d letter", "%(count)d letters")


def summary_text(campaign: Campaign, result: BatchResult, options: BatchOptions) -> str:
    names = {r.id: r.full_name for r in campaign.recipients}
    lines = [
        f"Batch for appeal {campaign.appeal.code}: "
        f"{counted(result.supporters, '%(count)d supporter', '%(count)d supporters')}, "
        f"{_letters(result.written)} made, {result.skipped} already done, "
        f"{len(result.failed)} failed, "
        f"{counted(result.rejected_rows, '%(count)d row', '%(count)d rows')} rejected "
        f"({result.seconds:.1f} s).",
    ]
    lines += [f"  {names.get(rid, rid)}: {_letters(n)}" for rid, n in result.per_authority.items()]
    # One line per supporter and reason: a return address too long fails all ten letters.
    failures: dict[tuple[int, str], list[str]] = {}
    for f in result.failed:
        failures.setdefault((f.row, f.reason), []).append(f.recipient_id)
    lines += [
        f"  failed: row {row}, {ids[0] if len(ids) == 1 else _letters(len(ids))}: {reason}"
        for (row, reason), ids in failures.items()
    ]
    if result.wordings:
        spread = " / ".join(str(n) for n in result.wordings)
        own = counted(result.with_paragraph, "%(count)d supporter adds", "%(count)d supporters add")
        lines.append(
            f"  wording: supporters spread over the template's {len(result.wordings)} wordings "
            f"({spread}); two letters to one authority in different wordings share at most "
            f"{result.shared_sentences:.0%} of their sentences; {own} a paragraph of their own"
        )
    lines += [
        f"  warning: {_letters(n)} to {names.get(rid, rid)} in '{used}', not "
        f"'{wanted}': the appeal lacks {', '.join(campaign.appeal.missing_in(wanted))}"
        for (rid, wanted, used), n in sorted(result.language_fallbacks.items())
    ]
    lines += [
        f"  warning: {_letters(n)} laid out with WeasyPrint's warning: {message}"
        for message, n in sorted(result.layout_warnings.items())
    ]
    if result.withdrawn:
        lines.append(
            "  removed the letters of "
            + counted(
                result.withdrawn,
                "%(count)d supporter no longer in the supporters file",
                "%(count)d supporters no longer in the supporters file",
            )
        )
    if result.rejected_rows:
        lines.append(
            counted(
                result.rejected_rows,
                "  the rejected row is in rejected.csv: fix it and run again",
                "  the %(count)d rejected rows are in rejected.csv: fix them and run again",
            )
        )
    if result.full_layout_by_design:
        why = "--full-layout" if not options.shared_body else "a personal paragraph"
        lines.append(f"  {_letters(result.full_layout_by_design)} laid out in full ({why})")
    for reason, n in sorted(result.full_layout_fallbacks.items()):
        lines.append(
            f"  fallback: {_letters(n)} laid out in full instead of on the shared body "
            f"(about 20x slower): {reason}"
        )
    for reason, n in sorted(result.personal_alone.items()):
        lines.append(
            f"  fallback: {_letters(n)} whose supporter's lines were laid out in a document of "
            f"their own, not with other supporters' (several times slower): {reason}"
        )
    if result.personal_drawn or result.personal_laid_out:
        lines.append(
            f"  supporters' lines: {_letters(result.personal_drawn)} with them drawn from "
            f"shaped text, {_letters(sum(result.personal_laid_out.values()))} with them laid out "
            "(the same bytes, about ten times slower)"
        )
    if result.personal_slow_lines:
        lines.append(
            f"    drawn: {_letters(result.personal_slow_lines)} with a line of raised or lowered "
            "glyphs (stacked accents), written by WeasyPrint's own glyph writer (the same bytes, "
            "slower)"
        )
    for reason, n in sorted(result.personal_laid_out.items()):
        lines.append(f"    laid out: {_letters(n)}: {reason}")
    if result.untagged:
        lines.append(
            f"  fallback: {_letters(result.untagged)} drawn on the shared body without the "
            "supporter's tags: they do not claim PDF/UA (a template of your own?)"
        )
    for reason, n in sorted(result.bundle_fallbacks.items()):
        lines.append(
            f"  fallback: {_letters(n)} copied into bundles page by page (bigger bundles): {reason}"
        )
    count = result.degradations
    lines.append(
        "No fallbacks: every letter took the fast path."
        if not count
        else counted(
            count,
            "%(count)d fallback, listed above (--strict-fast makes it an error).",
            "%(count)d fallbacks, listed above (--strict-fast makes them errors).",
        )
    )
    return "\n".join(lines) + "\n"


def write_summary(
    folder: Path, campaign: Campaign, result: BatchResult, options: BatchOptions
) -> str:
    text = summary_text(campaign, result, options)
    atomic_write(folder / "summary.txt", text.encode("utf-8"))
    return text
