"""The supporters' page: the appeal in brief, a form, then every letter to preview, download,
fax, e-mail or post. Served from a workspace with Flask (``appeal-letters serve``, or gunicorn).

Stateless: letters are made in memory for each request and streamed; nothing a supporter
types is stored or logged. The result page carries the supporter's answers in hidden fields,
so each download is one more request that makes the letters again (about 0.1 s).
"""

from __future__ import annotations

import datetime as dt
import gettext
import os
import secrets
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from babel.dates import format_date
from flask import Flask, Response, abort, render_template, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import RequestEntityTooLarge, TooManyRequests

from ..batch import LetterShop, OneLetter
from ..compose import LAYOUTS
from ..deliver import load_delivery
from ..errors import AppealLettersError
from ..model import (
    SUPPORTED_LANGUAGES,
    Choice,
    Recipient,
    choose_channel,
    format_phone,
    load_campaign,
    load_embassies,
)
from .form import HONEYPOT, LIMITS, Problems, Request, read_form
from .i18n import NAMES, RTL, asked_language, gettext_for
from .outputs import eml_of, file_name, mailto_of, preview, zip_name, zip_of
from .sending import Site, open_store, register

#: Environment variables for gunicorn, which calls ``create_app()`` with no arguments.
WORKSPACE_ENV = "APPEAL_LETTERS_WORKSPACE"
SECRET_ENV = "APPEAL_LETTERS_SECRET_KEY"  # noqa: S105 - the variable's name, not a secret
RATE_ENV = "APPEAL_LETTERS_RATE_LIMIT"
FULL_LAYOUT_ENV = "APPEAL_LETTERS_FULL_LAYOUT"
#: The largest form a supporter can post (a full form is under 5 KB).
MAX_BODY = 32 * 1024
#: No inline script or style anywhere: the page's CSS and the previews (data: images) only.
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)


def create_app(
    workspace: Path | None = None,
    *,
    secret_key: str | None = None,
    rate_limit: str | None = None,
    warm: bool = True,
    today: Callable[[], dt.date] = dt.date.today,
) -> Flask:
    """The page for the workspace in ``workspace`` (default: $APPEAL_LETTERS_WORKSPACE or the
    current folder). Its files are read once: restart the server after editing them."""
    folder = workspace or Path(os.environ.get(WORKSPACE_ENV, "."))
    campaign = load_campaign(folder / "appeal.yaml", [folder / "recipients.yaml"])
    embassies_file = folder / "embassies.yaml"
    embassies = load_embassies(embassies_file).embassies if embassies_file.exists() else {}
    delivery = load_delivery(folder / "delivery.yaml")
    issuer_contact = delivery.issuer_contact
    store = open_store(folder, delivery)  # None unless web_sending is set
    templates = folder / "templates"
    # The naive way (every letter laid out in full), for bench/web.py to compare against.
    shared = os.environ.get(FULL_LAYOUT_ENV) != "1"
    shop = LetterShop(campaign, templates if templates.is_dir() else None, shared=shared)
    if warm and shared:
        shop.warm("din", None, today())

    app = Flask(__name__)
    key = secret_key or os.environ.get(SECRET_ENV)
    if key is None and store is not None:
        # The key names supporters in the send journal too: one per process would send a
        # supporter's letters again after a restart, or from another worker.
        raise AppealLettersError(
            f"web_sending in delivery.yaml needs a fixed {SECRET_ENV} (the same at every "
            "start and in every worker)"
        )
    if key is None:
        key = secrets.token_hex(32)
        app.logger.warning(
            "%s is not set: this process signs its forms with a key of its own, so run one "
            "process only (several gunicorn workers or instances need the same key)",
            SECRET_ENV,
        )
    app.jinja_env.filters["phone"] = format_phone
    app.config.update(
        SECRET_KEY=key,
        MAX_CONTENT_LENGTH=MAX_BODY,
        MAX_FORM_MEMORY_SIZE=MAX_BODY,
        WTF_CSRF_TIME_LIMIT=4 * 3600,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_HTTPONLY=True,
    )

    # Before CSRFProtect's own check, which would read the cut form first.
    @app.before_request
    def whole_forms_only() -> tuple[str, int] | None:
        """A form sent in chunks has no length to check against the limit, and would be cut
        at it and read as if whole: browsers never send a form that way."""
        if request.method == "POST" and request.content_length is None:
            _ = gettext_for(asked_language())
            return page("message.html", 411, message=_("Your browser sent the form in a way "
                                                       "this page does not accept."))  # fmt: skip
        return None

    CSRFProtect(app)
    limiter = Limiter(get_remote_address, app=app, storage_uri="memory://")
    rate = rate_limit or os.environ.get(RATE_ENV) or "30 per minute"

    def page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
        language = asked_language()
        _ = gettext_for(language)
        appeal = campaign.appeal
        shown = language if not appeal.missing_in(language) else appeal.language
        html = render_template(
            template,
            _=_,
            lang=language,
            dir="rtl" if language in RTL else "ltr",
            languages=NAMES,
            appeal=appeal,
            text=appeal.text(shown),
            text_lang=shown,
            recipients=campaign.recipients,
            day=lambda day: format_date(day, "long", locale=language),
            countries=_countries(language),
            letter_languages=[(code, NAMES[code]) for code in SUPPORTED_LANGUAGES],
            layouts=LAYOUTS,
            honeypot=HONEYPOT,
            has_embassies=bool(embassies),
            issuer_contact=issuer_contact,
            web_sending=delivery.web_sending,
            limits=LIMITS,
            **context,
        )
        return html, status

    def ask() -> Request | Problems:
        people = list(campaign.recipients)
        found = read_form(request.form, request.form.getlist("recipients"), people,
                          gettext_for(asked_language()))  # fmt: skip
        if isinstance(found, Request):
            embassy = embassies.get(found.sender.country or "")
            if embassy and embassy.recipient.id not in {r.id for r in people}:
                found.recipients.append(embassy.recipient)
        return found

    def letters_for(found: Request) -> list[OneLetter]:
        return shop.letters(
            found.sender, found.recipients, layout=found.layout, language=found.language,
            date=today(),
        )  # fmt: skip

    if store is not None:
        site = Site(
            workspace=folder, campaign=campaign, composer=shop.composer, config=delivery,
            store=store, secret=key, page=page, ask=ask, letters_for=letters_for,
            recipients=lambda: {r.id: r for r in campaign.recipients}
            | {e.recipient.id: e.recipient for e in embassies.values()},
            today=today, now=lambda: dt.datetime.now(dt.UTC),
        )  # fmt: skip
        register(app, site, limiter.limit(lambda: rate))

    @app.get("/")
    def index() -> tuple[str, int]:
        return page("index.html", values={}, errors={}, chosen=[r.id for r in campaign.recipients])

    @app.post("/edit")
    def edit() -> tuple[str, int]:
        """Back to the form with what the supporter typed (the result page posts it here)."""
        values = {name: str(request.form.get(name, ""))[:limit] for name, limit in LIMITS.items()}
        return page("index.html", values=values, errors={},
                    chosen=request.form.getlist("recipients"))  # fmt: skip

    @app.post("/letters")
    @limiter.limit(lambda: rate)
    def letters() -> tuple[str, int]:
        found = ask()
        if isinstance(found, Problems):
            return page("index.html", 422, values=found.values, errors=found.errors,
                        chosen=found.chosen)  # fmt: skip
        try:
            made = letters_for(found)
        except AppealLettersError as exc:
            # What was typed cannot make a letter (an address too long for the window, a
            # character no font has): said beside the form, never a server error.
            field, message = _unmakeable(str(exc), gettext_for(asked_language()))
            return page("index.html", 422, values=found.values, errors={field: message},
                        chosen=request.form.getlist("recipients"))  # fmt: skip
        items = []
        for number, letter in enumerate(made, start=1):
            # The country's rules: an office that does not consider e-mail gets no e-mail
            # offered; a fax in doubt says so (model/channel_rules.py).
            choice = choose_channel(letter.recipient, today())
            email = _email_used(choice, letter.recipient)
            items.append(
                {
                    "number": number,
                    "letter": letter,
                    "file": file_name(campaign, number, letter),
                    "preview": preview(letter.pdf),
                    "email": email,
                    "email_set_aside": bool(letter.recipient.channels.email) and not email,
                    "fax_in_doubt": any(rule.channel == "fax" for rule in choice.doubts),
                    "mailto": (
                        mailto_of(campaign, found.sender, letter, shop.composer) if email else None
                    ),
                    "embassy": _embassy_note(embassies, letter.recipient),
                }
            )
        return page("letters.html", items=items, found=found, chosen=request.form.getlist(
            "recipients"))  # fmt: skip

    @app.post("/download/letters.zip")
    @limiter.limit(lambda: rate)
    def download_zip() -> Response:
        found = ask()
        if isinstance(found, Problems):
            abort(422)
        try:
            made = letters_for(found)
        except AppealLettersError:
            abort(422)
        return _attachment(zip_of(campaign, made), zip_name(campaign), "application/zip")

    @app.post("/download/<int:number>.<kind>")
    @limiter.limit(lambda: rate)
    def download_one(number: int, kind: str) -> Response:
        if kind not in ("pdf", "eml"):
            abort(404)
        found = ask()
        if isinstance(found, Problems):
            abort(422)
        try:
            made = letters_for(found)
        except AppealLettersError:
            abort(422)
        if not 1 <= number <= len(made):
            abort(404)
        letter = made[number - 1]
        name = file_name(campaign, number, letter)
        if kind == "pdf":
            return _attachment(letter.pdf, name, "application/pdf")
        if not _email_used(choose_channel(letter.recipient, today()), letter.recipient):
            abort(404)  # no e-mail, or one the office does not consider
        eml = eml_of(campaign, found.sender, letter, number, shop.composer)
        return _attachment(eml, name.replace(".pdf", ".eml"), "message/rfc822")

    @app.get("/healthz")
    def health() -> Response:
        return Response("ok\n", mimetype="text/plain")

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError) -> tuple[str, int]:
        _ = gettext_for(asked_language())
        message = _("The form has expired. Please fill it in again and send it.")
        return page("index.html", 400, values={}, errors={"": message},
                    chosen=[r.id for r in campaign.recipients])  # fmt: skip

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error: RequestEntityTooLarge) -> tuple[str, int]:
        _ = gettext_for(asked_language())
        return page("message.html", 413, message=_("What you sent is too long for this form."))

    @app.errorhandler(TooManyRequests)
    def too_many(error: TooManyRequests) -> tuple[str, int]:
        _ = gettext_for(asked_language())
        return page("message.html", 429, message=_("Too many requests from your connection in a "
                                                   "short time. Please wait a minute and try "
                                                   "again."))  # fmt: skip

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = CSP
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if response.mimetype == "text/html":
            response.headers["Cache-Control"] = "no-store"
        return response

    return app


def _attachment(data: bytes, name: str, mimetype: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _embassy_note(embassies: dict[str, Any], recipient: Recipient) -> str | None:
    """How far an added embassy's contact data is checked."""
    for embassy in embassies.values():
        if embassy.recipient.id == recipient.id:
            return str(embassy.verified) if embassy.verified else ""
    return None


@cache
def _countries(language: str) -> list[tuple[str, str]]:
    """(ISO code, name in the page's language), sorted by name, for the country list."""
    import phonenumbers
    import pycountry

    try:
        names = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, [language])
    except OSError:
        names = gettext.NullTranslations()  # type: ignore[assignment]
    found = []
    for country in pycountry.countries:
        if country.alpha_2 in phonenumbers.SUPPORTED_REGIONS:
            name = getattr(country, "common_name", None) or country.name
            found.append((country.alpha_2, names.gettext(name)))
    return sorted(found, key=lambda item: item[1].casefold())


def _email_used(choice: Choice, recipient: Recipient) -> bool:
    """Whether the page offers e-mail for this letter: the office has an address and its
    country's rules do not set e-mail aside."""
    return bool(recipient.channels.email) and not any(c.kind == "email" for c in choice.excluded)


def _unmakeable(reason: str, gettext: Callable[[str], str]) -> tuple[str, str]:
    """The field to show a letter-making error beside, and the message in the page's language
    (the tool's own explanation follows, in English)."""
    if "return address" in reason:
        return "address1", gettext(
            "Your name and address are too long to show in the envelope window: shorten them."
        ) + f" ({reason})"
    if "no font has" in reason:
        return "", gettext("A character you typed cannot be printed: remove it.") + f" ({reason})"
    return "", gettext("Your letters could not be made from what you typed.") + f" ({reason})"
