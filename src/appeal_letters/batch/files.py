"""The files a batch leaves for staff besides the letters: manifest, bundles, all-in-one PDFs.

``manifest.csv`` lists every letter (supporter, recipient, channel, language, file, pages,
sha256); each authority's bundle starts with a cover sheet quoting the appeal code and the
number of letters; ``--per-supporter-pdf`` adds one PDF of each supporter's letters.

The bundle of an authority whose letters go by post is its print pack: a blank back after the
cover sheet and after each letter of an odd number of pages, so that a printer printing both
sides starts every letter on a sheet of its own (one sheet, one envelope); ``post-list.txt``
beside the bundles says what to put in the envelopes, at which postage.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..files import atomic_write, safe_child, slugify, write_spreadsheet_csv
from ..model import Campaign, Recipient, postage
from ..parallel import fork_map
from ..pdf import BundleReport, write_bundle
from ..plurals import counted
from ..render import PdfRenderer
from .lay_out import supporter_folder
from .plan import Letters
from .progress import Done

MANIFEST_COLUMNS = ["supporter", "recipient_id", "channel", "language", "file", "pages", "sha256"]


def write_manifest_csv(folder: Path, code: str, letters: Iterable[Done]) -> None:
    """``manifest.csv`` (every letter of the batch, for people and spreadsheets) and
    ``appeal.txt`` (the code); a rendered folder's ``manifest.json`` is render.manifest's."""
    write_spreadsheet_csv(
        folder / "manifest.csv",
        MANIFEST_COLUMNS,
        (
            [d.supporter_key, d.recipient_id, d.channel, d.language, d.file, d.pages, d.sha256]
            for d in letters
        ),
    )
    atomic_write(folder / "appeal.txt", f"{code}\n".encode())


@dataclass(frozen=True)
class _Part:
    """One bundle file: some of the letters to one authority."""

    recipient: Recipient
    index: int  # the authority's place among the batch's (plan.Letters.to)
    start: int  # the number of its first letter in the batch (plan.Letters)
    count: int  # letters in this part
    path: Path
    first: int  # number of its first letter among all the letters to this authority
    total: int  # letters to this authority in all parts
    number: int  # this part's number, from 1
    parts: int
    duplex: bool  # letters that go by post: each starts on a sheet of its own


def _cover(renderer: PdfRenderer, campaign: Campaign, part: _Part, date: dt.date) -> bytes:
    """A cover sheet for a bundle: the appeal code, the authority and how many letters."""
    import html

    esc = html.escape
    recipient, count = part.recipient, part.count
    which = (
        f" (letters {part.first:,} to {part.first + count - 1:,} of {part.total:,}: part "
        f"{part.number} of {part.parts})"
        if part.parts > 1
        else ""
    )
    addressee = ", ".join(
        filter(None, [recipient.full_name, recipient.title, recipient.institution])
    )
    page = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{esc(campaign.appeal.code)}: letters to {esc(recipient.name)}</title>"
        "<style>@font-face { font-family: L; src: url('fonts/NotoSerif-Regular.ttf') } "
        "@font-face { font-family: L; font-weight: bold; src: url('fonts/NotoSerif-Bold.ttf') } "
        "@page { size: A4; margin: 30mm 25mm } body { font-family: L } "
        "h1 { font-size: 20pt } p { font-size: 13pt }</style></head><body>"
        f"<h1>Urgent appeal {esc(campaign.appeal.code)}</h1>"
        f"<p>{esc(campaign.appeal.title)}</p>"
        f"<p><strong>{counted(count, '%(count)d letter', '%(count)d letters')}</strong>"
        f"{which} to "
        f"{esc(addressee)}.</p>"
        f"<p>Prepared on {date.isoformat()}. Please quote the reference "
        f"{esc(campaign.appeal.code)} in any reply.</p></body></html>"
    )
    return renderer.simple_pdf(page, hashlib.sha256(page.encode()).hexdigest()[:32].encode())


@dataclass(frozen=True)
class _Covers:
    """What the bundle workers share: the renderer (fonts loaded once) for the cover sheets,
    and the batch's letters (their records on disk, read in each worker)."""

    renderer: PdfRenderer
    campaign: Campaign
    date: dt.date
    folder: Path
    letters: Letters


class BundleTally:
    """What the bundles need to know of the letters made, counted in the one pass over them
    that writes the manifest: per authority, how many, where each bundle file starts (the
    number of its first letter) and how many go by post."""

    def __init__(self, recipients: int, bundle_size: int) -> None:
        self.bundle_size = bundle_size
        self.totals = [0] * recipients
        self.starts: list[list[int]] = [[] for _ in range(recipients)]
        self.posted = [0] * recipients

    def add(self, recipient: int, number: int, done: Done) -> None:
        """Letter ``number``, to the authority at place ``recipient``, comes next."""
        if self.totals[recipient] % self.bundle_size == 0:
            self.starts[recipient].append(number)
        self.totals[recipient] += 1
        self.posted[recipient] += done.channel == "post"


def write_bundles(
    folder: Path,
    campaign: Campaign,
    recipients: Sequence[Recipient],
    positions: dict[str, int],
    letters: Letters,
    tally: BundleTally,
    date: dt.date,
    renderer: PdfRenderer,
    *,
    workers: int | None = None,
) -> list[tuple[Path, BundleReport]]:
    """Per authority, a cover sheet then every supporter's letter in file order, in files of
    at most ``tally.bundle_size`` letters (a print shop or fax gateway takes a few hundred pages
    at a time, not 50,000).

    Bundles are written in parallel (one per worker, sharing the renderer's loaded fonts),
    each streamed to disk. ``bundles/`` ends up holding this run's bundles and nothing else.
    """
    wanted: list[_Part] = []
    size = tally.bundle_size
    for index, recipient in enumerate(recipients):
        starts, total = tally.starts[index], tally.totals[index]
        stem = f"{positions[recipient.id]:02d}-{slugify(recipient.id)}"
        for part, start in enumerate(starts):
            name = (
                f"{stem}.pdf"
                if len(starts) == 1
                else f"{stem}-part-{part + 1:03d}-of-{len(starts):03d}.pdf"
            )
            wanted.append(
                _Part(
                    recipient,
                    index,
                    start,
                    min(size, total - part * size),
                    safe_child(folder / "bundles", name),
                    part * size + 1,
                    total,
                    part + 1,
                    len(starts),
                    tally.posted[index] > 0,
                )
            )
    # Bundles of an earlier run that this one does not make (another split, an authority left
    # out or moved in the recipients files) would be printed or faxed with the rest: removed.
    keep = {part.path.name for part in wanted}
    for old in (folder / "bundles").glob("*.pdf"):
        if old.name not in keep:
            old.unlink()
    covers = _Covers(renderer, campaign, date, folder, letters)
    # The renderer's fonts are loaded by now (the bodies): every part can go to a worker.
    return list(fork_map(_write_bundle, wanted, covers, workers=workers, min_items=2, warm=False))


def _write_bundle(covers: _Covers, part: _Part) -> tuple[Path, BundleReport]:
    cover = _cover(covers.renderer, covers.campaign, part, covers.date)
    theirs = covers.letters.to(part.index, start=part.start)
    files = [covers.folder / done.file for _, done in itertools.islice(theirs, part.count)]
    return part.path, write_bundle(part.path, [cover, *files], duplex=part.duplex)


POST_LIST = "post-list.txt"


def write_post_list(
    folder: Path,
    campaign: Campaign,
    recipients: Sequence[Recipient],
    positions: dict[str, int],
    posted: Sequence[int],
) -> Path | None:
    """``bundles/post-list.txt``: for each authority whose letters go by post (``posted``: how
    many letters to each, in the order of ``recipients``), how many letters and envelopes, the
    address the window shows and the postage; None (and no file) when no letter goes by post."""
    path = folder / "bundles" / POST_LIST
    lines: list[str] = []
    for recipient, letters in zip(recipients, posted, strict=True):
        if not letters:
            continue
        stem = f"{positions[recipient.id]:02d}-{slugify(recipient.id)}"
        lines += [
            f"{stem}: {recipient.full_name}, {recipient.title}",
            f"   {counted(letters, '%(count)d letter', '%(count)d letters')} to "
            f"post, one envelope each (bundle {stem}*.pdf: skip its cover sheet and blank backs)",
            f"   address (shown by the window): {'; '.join(recipient.address)}",
            f"   postage: {postage(None, recipient.country)}",
        ]
    if not lines:
        path.unlink(missing_ok=True)
        return None
    head = [
        f"Urgent appeal {campaign.appeal.code}: letters to post, by authority",
        "Print the bundles below on both sides (duplex); fold each letter in three for a window "
        "envelope.",
        "",
    ]
    tail = ["", "Once posted: appeal-letters mark posted --letters FOLDER --recipient ID"]
    atomic_write(path, ("\n".join(head + lines + tail) + "\n").encode("utf-8"))
    return path


def write_supporter_pdfs(folder: Path, letters: Iterable[Done]) -> list[BundleReport]:
    """``all-letters.pdf`` in each supporter's folder: their letters, one after the other
    (``letters`` supporter by supporter, as a batch numbers them)."""
    return [
        write_bundle(
            folder / "supporters" / supporter_folder(key) / "all-letters.pdf",
            [folder / done.file for done in theirs],
        )
        for key, theirs in itertools.groupby(letters, key=lambda done: done.supporter_key)
    ]


def remove_withdrawn(folder: Path, supporter_keys: Iterable[str]) -> int:
    """Remove the letters of supporters no longer in the supporters file (one who asked to be
    taken off, say): their folders in ``supporters/``, only the files a batch writes there.
    Returns how many folders went."""
    wanted = {supporter_folder(key) for key in supporter_keys}
    removed = 0
    root = folder / "supporters"
    if not root.is_dir():
        return 0
    for place in root.iterdir():
        if place.name in wanted or place.is_symlink() or not place.is_dir():
            continue
        if not _OURS.fullmatch(place.name):
            continue
        for file in place.iterdir():
            if file.is_file() and not file.is_symlink() and file.suffix in (".pdf", ".tmp"):
                file.unlink()
        if not any(place.iterdir()):
            place.rmdir()
            removed += 1
    return removed


#: A supporter's folder as supporter_folder names it: a slug and eight hex digits.
_OURS = re.compile(r"[a-z0-9-]*-[0-9a-f]{8}")
