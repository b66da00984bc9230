"""The workspace's delivery settings (``delivery.yaml``): SMTP server, fax gateway, limits.

Kept out of code so that each NGO or supporter states their own; never holds a password
(the login comes from the environment or a prompt).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator

from ..errors import AppealLettersError
from ..model import Email, Line, StrictModel, Url, check_email, load_model

DELIVERY_FILE = Path("delivery.yaml")


class SmtpSettings(StrictModel):
    """Where outgoing mail goes. ``tls`` is implicit TLS (port 465), ``starttls`` upgrades."""

    host: Line
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = "starttls"
    timeout: float = Field(default=30.0, gt=0, le=600)


class RetrySettings(StrictModel):
    """How `send --retry` sends again a fax the gateway could not put through (busy, no
    answer): at most ``max_tries`` tries in all, the n-th retry no sooner than
    ``wait_minutes[n-1]`` after the try before (the last value for later ones)."""

    max_tries: int = Field(default=3, ge=1, le=10)
    wait_minutes: list[int] = Field(default=[15, 60, 240], min_length=1, max_length=10)

    @field_validator("wait_minutes")
    @classmethod
    def _positive(cls, value: list[int]) -> list[int]:
        if any(minutes < 1 or minutes > 7 * 24 * 60 for minutes in value):
            raise ValueError("each wait is 1 to 10080 minutes (a week)")
        return value


class WebSending(StrictModel):
    """The supporters' page may send a supporter's letters through the NGO's gateway (the
    ``smtp:`` server and ``fax_gateway``), but only after the supporter confirms by a link
    e-mailed to them (double opt-in). Letters wait in ``store`` until sent, or ``hold_hours``
    at most; sends are journaled in ``journal`` like ``send``'s."""

    #: The page's public address, for the link in the confirmation e-mail.
    base_url: Url
    store: Line = "pending/pending.sqlite"
    journal: Line = "web-letters/journal.sqlite"
    hold_hours: int = Field(default=24, ge=1, le=72)
    #: At most this many letters a day to one authority through the gateway (the rest are
    #: left to the supporters to send themselves).
    per_authority_per_day: int = Field(default=500, ge=1, le=1_000_000)
    #: Confirmation e-mails to one address in a day, at most (a stranger typing someone
    #: else's address cannot flood them).
    confirmations_per_address_per_day: int = Field(default=3, ge=1, le=100)


class DeliveryConfig(StrictModel):
    """How letters leave this workspace; every field is optional."""

    smtp: SmtpSettings | None = None
    from_address: Email | None = Field(default=None, alias="from")
    fax_gateway: Line | None = None
    per_minute: int = Field(default=20, ge=1, le=10_000)
    per_authority_per_minute: int = Field(default=5, ge=1, le=10_000)
    window: Line | None = None
    issuer_contact: Email | None = None
    retry: RetrySettings = Field(default_factory=RetrySettings)
    web_sending: WebSending | None = None

    model_config = StrictModel.model_config | {"populate_by_name": True}

    @field_validator("fax_gateway")
    @classmethod
    def _gateway(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value.count("{number}") != 1 or re.search(r"\{(?!number\})", value):
            raise ValueError(
                "must contain {number} once and no other {...}, e.g. '{number}@fax.example.org'"
            )
        check_email(value.replace("{number}", "41227344044"))
        return value

    @field_validator("window")
    @classmethod
    def _window(cls, value: str | None) -> str | None:
        if value is not None:
            hours_window(value)
        return value

    def fax_address(self, e164: str) -> str | None:
        """The gateway's e-mail address for a fax number, or None without a gateway."""
        if self.fax_gateway is None:
            return None
        return self.fax_gateway.replace("{number}", e164.lstrip("+"))


def hours_window(text: str) -> tuple[dt.time, dt.time]:
    """``08:00-18:00`` -> (08:00, 18:00); a window may run past midnight (``22:00-06:00``)."""
    match = re.fullmatch(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})", text.strip())
    if not match:
        raise ValueError(f"'{text}' is not a window of hours like 08:00-18:00")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        raise ValueError(f"'{text}' is not a window of hours like 08:00-18:00")
    return dt.time(h1, m1), dt.time(h2, m2)


def within_window(window: str | None, now: dt.datetime) -> bool:
    if window is None:
        return True
    start, end = hours_window(window)
    current = now.time()
    return start <= current < end if start <= end else (current >= start or current < end)


def load_delivery(file: Path = DELIVERY_FILE) -> DeliveryConfig:
    """Read ``delivery.yaml``; a workspace without one gets the defaults."""
    if not file.is_file():
        return DeliveryConfig()
    return load_model(file, DeliveryConfig, "smtp: ..., fax_gateway: ...")


def smtp_settings(
    config: DeliveryConfig,
    *,
    host: str | None = None,
    port: int | None = None,
    security: str | None = None,
) -> SmtpSettings | None:
    """``delivery.yaml``'s SMTP settings with the command line's overrides, checked as the
    file's are (a host with a line break is refused, not sent to the server)."""
    if not (host or port or security):
        return config.smtp
    base = config.smtp.model_dump() if config.smtp else {"host": host or "localhost"}
    overrides = {"host": host, "port": port, "security": security}
    try:
        return SmtpSettings.model_validate(
            base | {k: v for k, v in overrides.items() if v is not None}
        )
    except ValidationError as exc:
        problem = exc.errors()[0]
        field = ".".join(str(part) for part in problem["loc"])
        raise AppealLettersError(f"--smtp-{field}: {problem['msg']}") from None
