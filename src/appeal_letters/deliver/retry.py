"""Which faxes to send again: those the gateway could not put through (busy, no answer, as
``receipts`` read it), with back-off, never more than the configured number of tries; past
that, the letter should go by post.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .config import RetrySettings
from .journal import Journal


@dataclass
class RetryPlan:
    """Recipients whose letters are due again now, waiting (until when), or out of tries."""

    due: set[str] = field(default_factory=set)
    waiting: dict[str, dt.datetime] = field(default_factory=dict)
    exhausted: dict[str, int] = field(default_factory=dict)  # recipient id -> tries made
    #: failed for good (an invalid number): not sent again; recipient id -> the gateway's words
    final: dict[str, str] = field(default_factory=dict)


def plan_retries(
    journal: Journal,
    appeal_code: str,
    supporter: str,
    settings: RetrySettings,
    now: dt.datetime,
    *,
    wait: bool = True,
) -> RetryPlan:
    """The retries of one supporter's letters at ``now`` (aware, UTC); ``wait=False`` makes
    every retryable letter due now, whatever its back-off (the tries still count)."""
    plan = RetryPlan()
    outcomes = journal.outcomes(appeal_code)
    for row in journal.rows(appeal_code):
        said = outcomes.get(row.key)
        if row.key.supporter != supporter or said is None:
            continue
        if said[0] == "final" and row.key.channel != "post":
            plan.final[row.key.recipient_id] = said[1]
        if said[0] != "retryable":
            continue
        if row.attempts >= settings.max_tries:
            plan.exhausted[row.key.recipient_id] = row.attempts
            continue
        minutes = settings.wait_minutes[min(row.attempts, len(settings.wait_minutes)) - 1]
        when = dt.datetime.fromisoformat(row.updated_at) + dt.timedelta(minutes=minutes)
        if now >= when or not wait:
            plan.due.add(row.key.recipient_id)
        else:
            plan.waiting[row.key.recipient_id] = when
    return plan
