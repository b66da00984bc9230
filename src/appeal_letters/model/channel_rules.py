"""Which channel a letter goes by: the recipient's channels, weighed against the rules of the
country its authority sits in (``data/channels.yaml``).

A channel the authority does not consider (e-mail to Russian state bodies since 2025) is
never chosen; an unreliable one (a fax to Moscow from abroad) only when nothing better is
known, and then with a warning; a recipient may give its own order (``prefer``). What the
choice rests on is kept (``Choice.why``), so that ``check`` can say it and ``send`` can refuse
a channel the rules exclude.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import Literal

import yaml
from pydantic import Field

from ..assets import package_dir
from .campaign import Channel, ChannelKind, Office, Recipient, StrictModel
from .values import Country, Line, Text

Status = Literal["not_considered", "unreliable", "limited"]
#: The order channels are tried in when a recipient gives none: a fax arrives the same day
#: and on paper, e-mail is read, a web form is typed into, post takes a week.
DEFAULT_ORDER: tuple[ChannelKind, ...] = ("fax", "email", "web_form", "post")
CHANNEL_NAMES = {"fax": "fax", "email": "e-mail", "web_form": "web form", "post": "post"}


class Rule(StrictModel):
    """One country's practice for one channel, with where it is written down."""

    id: Line
    country: Country
    offices: list[Office] = Field(min_length=1)
    channel: ChannelKind
    status: Status
    limit: int | None = Field(default=None, ge=1)
    since: dt.date
    says: Text
    source: Text
    checked: dt.date

    def applies(self, recipient: Recipient, day: dt.date) -> bool:
        return (
            self.country == recipient.country
            and recipient.office in self.offices
            and day >= self.since
        )


class Rules(StrictModel):
    rules: list[Rule] = Field(default_factory=list)


@cache
def bundled_rules() -> tuple[Rule, ...]:
    """The rules shipped with the tool (checked when the package is built: tests load them)."""
    data = yaml.safe_load((package_dir("data") / "channels.yaml").read_text(encoding="utf-8"))
    return tuple(Rules.model_validate(data).rules)


@dataclass(frozen=True)
class Choice:
    """The channel a letter goes by (None: none usable), and the rules that weighed on it."""

    channel: Channel | None
    set_aside: tuple[tuple[Channel, Rule], ...] = ()  # the recipient's channels not considered
    doubts: tuple[Rule, ...] = ()  # rules saying the chosen channel may not arrive
    limits: tuple[Rule, ...] = ()  # rules limiting the chosen channel (a web form's length)
    no_post: bool = False  # in doubt, and no postal address to fall back on

    @property
    def excluded(self) -> tuple[Channel, ...]:
        return tuple(channel for channel, _ in self.set_aside)

    @property
    def limit(self) -> int | None:
        found = [rule.limit for rule in self.limits if rule.limit]
        return min(found) if found else None

    @property
    def rules(self) -> tuple[Rule, ...]:
        """Every rule this choice rests on, once each."""
        found = [rule for _, rule in self.set_aside] + list(self.doubts) + list(self.limits)
        return tuple({rule.id: rule for rule in found}.values())

    @property
    def summary(self) -> str:
        """One line: 'fax +7 495 606-51-73, may not arrive (ru-fax-from-abroad); ...'."""
        head = (
            f"{CHANNEL_NAMES[self.channel.kind]} {self.channel.display}"
            if self.channel
            else "no usable channel"
        )
        notes = [
            f"{CHANNEL_NAMES[channel.kind]} not used ({rule.id})"
            for channel, rule in {
                (channel.kind, rule.id): (channel, rule) for channel, rule in self.set_aside
            }.values()
        ]
        notes += [f"may not arrive ({rule.id})" for rule in self.doubts]
        notes += [f"at most {rule.limit} characters ({rule.id})" for rule in self.limits]
        if self.no_post:
            notes.append("no postal address to fall back on")
        return f"{head}, {'; '.join(notes)}" if notes else head

    @property
    def why(self) -> tuple[str, ...]:
        """The rules' own sentences, for a message that explains a refusal."""
        return tuple(rule.says for rule in self.rules)


def choose_channel(
    recipient: Recipient, day: dt.date, rules: tuple[Rule, ...] | None = None
) -> Choice:
    """The channel a letter dated ``day`` goes by, under ``rules`` (default: the bundled)."""
    active = [r for r in (bundled_rules() if rules is None else rules) if r.applies(recipient, day)]

    def ruled(channel: Channel, status: str) -> list[Rule]:
        return [r for r in active if r.channel == channel.kind and r.status == status]

    # The recipient's order first, then the others: `prefer` orders, it hides nothing from
    # the rules (an e-mail left out of it is still said to be set aside).
    order = list(recipient.prefer) + [k for k in DEFAULT_ORDER if k not in recipient.prefer]
    channels = sorted(recipient.all_channels, key=lambda c: order.index(c.kind))
    set_aside = [(c, ruled(c, "not_considered")[0]) for c in channels if ruled(c, "not_considered")]
    usable = [c for c in channels if not ruled(c, "not_considered")]

    # An explicit order is the recipient's to give; otherwise a channel in doubt comes last.
    def rank(channel: Channel) -> tuple[int, int]:
        if channel.kind in recipient.prefer:
            return 0, recipient.prefer.index(channel.kind)
        return 1, int(bool(ruled(channel, "unreliable")))

    usable.sort(key=rank)
    if not usable:
        return Choice(None, tuple(set_aside))
    chosen = usable[0]
    doubts = ruled(chosen, "unreliable")
    return Choice(
        chosen,
        tuple(set_aside),
        tuple(doubts),
        tuple(ruled(chosen, "limited")),
        no_post=bool(doubts) and not any(c.kind == "post" for c in recipient.all_channels),
    )
