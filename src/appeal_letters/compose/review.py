"""What a valid workspace would still get wrong in its letters, said before they are made.

``check`` prints these findings, ``render`` and ``batch`` print the ones about their letters,
and the importer puts them in its review report: one list, so they cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import TemplateError
from ..model import Campaign, Recipient, choose_channel


@dataclass(frozen=True)
class Finding:
    """One thing to look at: ``subject`` is a recipient id or ``appeal``."""

    subject: str
    message: str

    def __str__(self) -> str:
        return f"{self.subject}: {self.message}"


def unreachable(recipients: Iterable[Recipient], day: dt.date | None = None) -> list[Finding]:
    """Recipients whose letters are made but cannot be sent: no channel at all, or only ones
    their country's authorities do not consider (data/channels.yaml); and, in one line, those
    whose only channel may not arrive, with no postal address to post the letter instead."""
    found = []
    doubtful: dict[str, list[str]] = {}  # the rules in doubt -> recipient ids
    for r in recipients:
        if not r.all_channels:
            found.append(
                Finding(
                    r.id,
                    f"{r.full_name} has no fax, e-mail, web form or postal address in the "
                    "recipients file; the letter is made but cannot be sent until you add a "
                    "channel you have checked",
                )
            )
            continue
        choice = choose_channel(r, day or dt.date.today())
        if choice.channel is None:
            found.append(
                Finding(
                    r.id,
                    f"{r.full_name} can only be reached by channels that are not used: "
                    f"{'; '.join(choice.why)}; the letter is made but cannot be sent until you "
                    "add a postal address you have checked",
                )
            )
        elif choice.no_post:
            rules = ", ".join(rule.id for rule in choice.doubts)
            doubtful.setdefault(rules, []).append(r.id)
    for rules, ids in doubtful.items():
        found.append(
            Finding(
                ", ".join(ids),
                f"the letters go by fax, which may not arrive ({rules}), and the recipients "
                "file gives no postal address to post them instead; add each office's postal "
                "address under `address:`, from its official site (none is invented here)",
            )
        )
    return found


#: Past this many days after an appeal without a deadline, its letters are likely late.
STALE_DAYS = 90
#: A recipient checked longer ago than this may have left the office.
VERIFY_DAYS = 365


def late(campaign: Campaign, day: dt.date) -> list[Finding]:
    """Letters dated after the appeal's deadline, or more than STALE_DAYS after an appeal that
    gives none (the appeal may be closed, or followed by an update)."""
    appeal = campaign.appeal
    deadline = appeal.deadline
    if deadline is None:
        age = (day - appeal.date).days
        if age <= STALE_DAYS:
            return []
        return [
            Finding(
                "appeal",
                f"the letters are dated {day.isoformat()}, {age} days after the appeal "
                f"({appeal.date.isoformat()}); urgent appeals are acted on within weeks: check "
                f"with {appeal.code}'s issuer that it is still open and has no update",
            )
        ]
    if day <= deadline:
        return []
    return [
        Finding(
            "appeal",
            f"the letters are dated {day.isoformat()}, after the appeal's deadline "
            f"{deadline.isoformat()}: check with {campaign.appeal.code}'s issuer that the "
            "appeal is still open before sending",
        )
    ]


def untranslated(recipients: Iterable[Recipient], campaign: Campaign) -> list[Finding]:
    """Recipients whose letters would not be wholly in their own language."""
    appeal = campaign.appeal
    found = []
    for r in recipients:
        missing = appeal.missing_in(r.language)
        if missing:
            found.append(
                Finding(
                    r.id,
                    f"letters to this recipient are asked in '{r.language}' but the appeal "
                    f"lacks {', '.join(missing)}: they will be written in '{appeal.language}'",
                )
            )
            continue
        fields = r.untranslated_in(r.language)
        if fields:
            found.append(
                Finding(
                    r.id,
                    f"letters in '{r.language}' would print this recipient's names in "
                    f"'{r.fields_language}': add {', '.join(fields)}",
                )
            )
    return found


def unverified(recipients: Iterable[Recipient], day: dt.date) -> list[Finding]:
    """Recipients nobody has checked are still in office in the last VERIFY_DAYS."""
    found = []
    for r in recipients:
        if r.verified is not None and (day - r.verified).days <= VERIFY_DAYS:
            continue
        when = f"last checked {r.verified.isoformat()}" if r.verified else "never checked"
        found.append(
            Finding(
                r.id,
                f"office holders change ({when}): check that {r.full_name} is still "
                f"{r.title}, then set `verified: {day.isoformat()}`",
            )
        )
    return found


def undeclined(recipients: Iterable[Recipient]) -> list[Finding]:
    """Recipients whose Russian title has no office the dative table knows: a Russian letter
    would print it in the nominative ("Следователь ..." above "Ивану Петрову")."""
    from .addressee import undeclined_title
    from .composer import _forms

    heads = _forms()["ru"].get("dative_heads") or {}
    found = []
    for r in recipients:
        if r.language != "ru" and "ru" not in r.localized:
            continue
        title = r.in_language("ru").title
        if undeclined_title(title, heads):
            found.append(
                Finding(
                    r.id,
                    f"the Russian title '{title}' begins with no office in the dative table "
                    "(data/forms.yaml): Russian letters would print it as written; write it in "
                    "the dative in localized.ru.title",
                )
            )
    return found


def unaddressable(recipients: Iterable[Recipient]) -> list[Finding]:
    """Recipients whose form of address needs a field they lack (an honorific, mostly)."""
    from .composer import form_of_address

    found = []
    for r in recipients:
        try:
            form_of_address(r.in_language(r.language), r.language)
        except TemplateError as exc:
            found.append(Finding(r.id, str(exc).split(": ", 2)[-1]))
    return found


def review(campaign: Campaign, day: dt.date | None = None) -> list[Finding]:
    """Every finding for the whole workspace (``day``: the letters' date, if known)."""
    found = untranslated(campaign.recipients, campaign)
    found += unaddressable(campaign.recipients)
    found += undeclined(campaign.recipients)
    found += unreachable(campaign.recipients, day)
    if day is not None:
        found += unverified(campaign.recipients, day)
        found += late(campaign, day)
    return found
