"""Plan a batch: which letters to make, each with the fingerprint of what it is made from.

A letter already recorded in ``progress.jsonl`` with the same fingerprint, and whose file is
intact, is not made again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from ..assets import package_dir
from ..compose import Composer, Layout, default_layout
from ..model import Campaign, Recipient, Supporter
from ..render import select_recipients
from .progress import Done, read_progress, still_good


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


@dataclass
class Plan:
    recipients: list[Recipient]
    positions: dict[str, int]  # recipient id -> place in the recipients files
    jobs: list[Job] = field(default_factory=list)
    finished: dict[tuple[str, str], Done] = field(default_factory=dict)  # already made


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
    plan = Plan(recipients, {r.id: i for i, r in enumerate(campaign.recipients, start=1)})
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
    previous = read_progress(folder)
    for supporter in supporters:
        layout, _ = layout_and_language(supporter, options)
        supporter_json = _canonical([supporter.sender.model_dump(), supporter.language])
        for recipient in recipients:
            fingerprint = _fingerprint(common, supporter_json, recipient_json[recipient.id], layout)
            done = previous.get((supporter.key, recipient.id))
            if done is not None and still_good(folder, done, fingerprint):
                plan.finished[supporter.key, recipient.id] = done
            else:
                plan.jobs.append(
                    Job(supporter, recipient, plan.positions[recipient.id], fingerprint)
                )
    return plan
