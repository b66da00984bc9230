"""One supporter's letters at a time, each drawn on its authority's shared body: what the
supporters' page does on every request.

The bodies (one per authority, language, layout and day) are laid out once and kept; a
request draws only the supporter's own lines, once (batch/drawn.py: laid out for the first
supporter of each kind), and assembles each letter as bytes. A
letter that cannot be drawn that way is laid out in full, and says why (``fallback``).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..compose import WORDINGS, Composer, Layout, wording_of
from ..model import Campaign, Recipient, Sender
from ..render import PdfRenderer, RenderOptions, render_letter
from .bodies import (
    Body,
    IntroZone,
    NeedsFullLayout,
    Unshared,
    compose,
    fits_shared_body,
    introduces,
    layout_body,
)
from .drawn import LineArtist, personal_parts

#: Bodies kept: ten authorities in five languages and three layouts is 150 (about 30 KB each).
MAX_BODIES = 600


@dataclass(frozen=True)
class OneLetter:
    """A finished letter to one authority."""

    recipient: Recipient
    language: str
    pdf: bytes
    #: Why it was laid out in full instead of drawn on the shared body (None: it was not).
    fallback: str | None = None


class LetterShop:
    """Makes one supporter's letters; safe to share between threads (layout is serialised,
    WeasyPrint keeps per-call state)."""

    def __init__(
        self, campaign: Campaign, templates_dir: Path | None = None, *, shared: bool = True
    ) -> None:
        """``shared=False`` lays every letter out in full: the naive way, for comparison."""
        self.campaign = campaign
        self.shared = shared
        self.composer = Composer(templates_dir)
        self.renderer = PdfRenderer()
        self._bodies: dict[tuple[str, Layout, str | None, dt.date, int, bool], Body] = {}
        self.artist = LineArtist()  # the supporter's lines drawn, once a sample is laid out
        self._lock = threading.Lock()

    def body(
        self,
        recipient: Recipient,
        layout: Layout,
        language: str | None,
        date: dt.date,
        wording: int = 0,
        introduced: bool = True,
    ) -> Body:
        """The authority's shared body in one wording (with the introduction's line or
        without), laid out the first time it is asked for."""
        key = (recipient.id, layout, language, date, wording, introduced)
        body = self._bodies.get(key)
        if body is None:
            with self._lock:
                body = self._bodies.get(key)
                if body is None:
                    if len(self._bodies) >= MAX_BODIES:
                        self._bodies.clear()  # a new day, most likely: yesterday's are done
                    body = layout_body(
                        self.composer, self.renderer, self.campaign, recipient,
                        date=date, layout=layout, language=language, wording=wording,
                        introduced=introduced,
                    )  # fmt: skip
                    self._bodies[key] = body
        return body

    def warm(self, layout: Layout, language: str | None, date: dt.date) -> None:
        """Lay out every authority's bodies (each wording) ahead of the first request."""
        for recipient in self.campaign.recipients:
            for wording in range(WORDINGS):
                self.body(recipient, layout, language, date, wording)

    def letters(
        self,
        sender: Sender,
        recipients: Sequence[Recipient],
        *,
        layout: Layout,
        language: str | None,
        date: dt.date,
    ) -> list[OneLetter]:
        """The supporter's letter to each of ``recipients``, in order."""
        if not self.shared or not fits_shared_body(sender):
            # A paragraph of one's own is part of the body, which is then this letter's alone.
            why = "a paragraph of the supporter's own" if self.shared else "full layout asked for"
            return [self._in_full(sender, r, layout, language, date, why) for r in recipients]
        wording = wording_of(sender)
        introduced = introduces(sender)
        bodies = [self.body(r, layout, language, date, wording, introduced) for r in recipients]
        parts: dict[tuple[str, float, IntroZone], object] = {}
        made: list[OneLetter] = []
        for recipient, body in zip(recipients, bodies, strict=True):
            key = (body.language, body.font_scale, body.intro)
            if key not in parts:
                with self._lock:
                    parts[key] = personal_parts(
                        self.artist, self.composer, self.renderer, self.campaign, recipient,
                        [sender], date=date, layout=layout, language=body.language,
                        font_scale=body.font_scale, intro=body.intro,
                    )[0]  # fmt: skip
            part = parts[key]
            reason = part.reason if isinstance(part, Unshared) else None
            if reason is None:
                try:
                    pdf = compose(body, part, sender).data  # type: ignore[arg-type]
                except NeedsFullLayout as exc:
                    reason = str(exc)
                else:
                    made.append(OneLetter(recipient, body.language, pdf))
                    continue
            made.append(self._in_full(sender, recipient, layout, language, date, reason))
        return made

    def _in_full(
        self,
        sender: Sender,
        recipient: Recipient,
        layout: Layout,
        language: str | None,
        date: dt.date,
        reason: str,
    ) -> OneLetter:
        options = RenderOptions(date=date, layout=layout, language=language)
        with self._lock:
            rendered = render_letter(
                self.composer, self.renderer, self.campaign, recipient, sender, options
            )
        return OneLetter(recipient, rendered.letter.language, rendered.pdf, reason)
