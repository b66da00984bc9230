"""Plan a batch: which letters to make, each with the fingerprint of what it is made from.

A letter already recorded in ``progress.jsonl`` with the same fingerprint, and whose file is
intact, is not made again. The plan is kept on disk (:class:`..spill.Spill`), so that the main
process's memory does not grow with the supporters: a few bytes a letter.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import __version__
from ..assets import package_dir
from ..compose import Composer, Layout, default_layout
from ..model import Campaign, Recipient, Supporter
from ..render import select_recipients
from ..spill import Spill
from .progress import Done, Recorded, still_good


@dataclass(frozen=True, kw_only=True)
class BatchOptions:
    date: dt.date
    layout: Layout | None = None  # None: each supporter's country decides
    language: str | None = None
    recipient_ids: Sequence[str] = ()
    workers: int | None = None  # None: one per core
    bundles: bool = True
    bundle_size: int = 1000  # letters in one bundle file at most
    per_supporter_pdf: bool = False
    shared_body: bool = True  # lay each authority's body out once, for letters without a paragraph
    strict_fast: bool = False  # any fall back from the fast path is an error


@dataclass(frozen=True)
class Job:
    """One letter to make."""

    supporter: Supporter
    recipient: Recipient
    position: int  # the recipient's place in the recipients files, for file names
    fingerprint: str
    number: int  # the letter's place in the batch (see Letters)


class Letters:
    """Every letter of a batch, numbered in the manifest's order (supporter by supporter, then
    authority by authority), with its record once made. The records are on disk; in memory, 8
    bytes a letter."""

    def __init__(self, folder: Path, supporters: int, recipients: int) -> None:
        self.recipients = recipients
        self._records: Spill[Done] = Spill(folder)
        self._where = array("q", [-1]) * (supporters * recipients)
        self.made = 0

    def put(self, number: int, done: Done) -> None:
        if self._where[number] < 0:
            self.made += 1
        self._where[number] = len(self._records)
        self._records.append(done)

    def __len__(self) -> int:
        """How many letters are made."""
        return self.made

    def get(self, number: int) -> Done | None:
        where = self._where[number]
        return None if where < 0 else self._records[where]

    def __iter__(self) -> Iterator[Done]:
        """The letters made, in the manifest's order."""
        for where in self._where:
            if where >= 0:
                yield self._records[where]

    def to(self, recipient: int, start: int = 0) -> Iterator[tuple[int, Done]]:
        """The letters made to one authority (its place among the batch's), supporter by
        supporter, from the letter numbered ``start`` on: each with its number."""
        first = start - start % self.recipients + recipient
        for number in range(first if first >= start else first + self.recipients,
                            len(self._where), self.recipients):  # fmt: skip
            done = self.get(number)
            if done is not None:
                yield number, done

    def close(self) -> None:
        self._records.close()


class Jobs:
    """The letters to make, in the manifest's order: on disk, each supporter read back when its
    letters' turn comes."""

    def __init__(
        self, folder: Path, supporters: Sequence[Supporter], recipients: Sequence[Recipient],
        positions: dict[str, int],
    ) -> None:  # fmt: skip
        self.supporters = supporters
        self.recipients = recipients
        self.positions = positions
        self._pending: Spill[tuple[int, int, str]] = Spill(folder)
        self.supporters_pending = 0  # supporters with at least one letter to make
        self._last = -1

    def add(self, supporter: int, recipient: int, fingerprint: str) -> None:
        if supporter != self._last:
            self._last = supporter
            self.supporters_pending += 1
        self._pending.append((supporter, recipient, fingerprint))

    def __len__(self) -> int:
        return len(self._pending)

    def __iter__(self) -> Iterator[Job]:
        index, supporter = -1, None
        for which, recipient_index, fingerprint in self._pending:
            if which != index:
                index, supporter = which, self.supporters[which]
            assert supporter is not None
            recipient = self.recipients[recipient_index]
            yield Job(
                supporter,
                recipient,
                self.positions[recipient.id],
                fingerprint,
                which * len(self.recipients) + recipient_index,
            )

    def close(self) -> None:
        self._pending.close()


@dataclass
class Plan:
    recipients: list[Recipient]
    positions: dict[str, int]  # recipient id -> place in the recipients files
    jobs: Jobs
    letters: Letters  # made, already or in this run

    def close(self) -> None:
        self.jobs.close()
        self.letters.close()


def layout_and_language(supporter: Supporter, options: BatchOptions) -> tuple[Layout, str | None]:
    """The layout and the language asked for one supporter's letters (None: the recipient's)."""
    return (
        options.layout or default_layout(supporter.sender.country),
        options.language or supporter.language,
    )


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


def plan_batch(
    campaign: Campaign,
    supporters: Sequence[Supporter],
    folder: Path,
    options: BatchOptions,
    composer: Composer,
) -> Plan:
    """Every (supporter, recipient) letter: already made and intact, or a job to do."""
    recipients = select_recipients(campaign, options.recipient_ids)
    positions = {r.id: i for i, r in enumerate(campaign.recipients, start=1)}
    plan = Plan(
        recipients,
        positions,
        Jobs(folder, supporters, recipients, positions),
        Letters(folder, len(supporters), len(recipients)),
    )
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
    recipient_json = [_canonical(r.model_dump()) for r in recipients]
    previous = Recorded(folder)
    try:
        for which, supporter in enumerate(supporters):
            layout, _ = layout_and_language(supporter, options)
            supporter_json = _canonical([supporter.sender.model_dump(), supporter.language])
            for index, recipient in enumerate(recipients):
                fingerprint = _fingerprint(common, supporter_json, recipient_json[index], layout)
                done = previous.get(supporter.key, recipient.id)
                if done is not None and still_good(folder, done, fingerprint):
                    plan.letters.put(which * len(recipients) + index, done)
                else:
                    plan.jobs.add(which, index, fingerprint)
    finally:
        previous.close()
    return plan
