"""The supporter's form: read, checked with the same rules as the command line (the ``Sender``
model), and every problem tied to the field it belongs to, for the page to show beside it."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pydantic
from babel import Locale

from ..compose import LAYOUTS, Layout, default_layout
from ..model import SUPPORTED_LANGUAGES, Line, Recipient, Sender, town_lines

#: The longest each field may be, before any other check (the model's own limits are the same
#: or smaller; these keep a hostile post from costing anything).
LIMITS = {
    "name": 200,
    "address1": 200,
    "address2": 200,
    "town": 120,  # with the postcode, one address line (at most 200 characters)
    "postcode": 20,
    "region": 60,  # a state, province or region, where the country's addresses have one
    "country": 2,
    "email": 254,
    "paragraph": 1500,
    "language": 8,
    "layout": 4,
}
_LINE: pydantic.TypeAdapter[str] = pydantic.TypeAdapter(Line)
#: The field a bot fills and a person never sees.
HONEYPOT = "website"


@dataclass
class Request:
    """What the supporter asked for, checked."""

    sender: Sender
    recipients: list[Recipient]
    language: str | None  # None: each authority's own language
    layout: Layout
    values: dict[str, str] = field(default_factory=dict)  # as typed, to fill hidden fields


@dataclass
class Problems:
    """Errors by field name (``""`` for the form as a whole), and the values as typed."""

    errors: dict[str, str]
    values: dict[str, str]
    chosen: list[str]


def read_form(
    form: Mapping[str, str],
    chosen: Sequence[str],
    recipients: Sequence[Recipient],
    gettext: object,
) -> Request | Problems:
    """The form's values as a :class:`Request`, or the problems, each beside its field."""
    _ = gettext  # the page's translations: every message is in the page's language
    assert callable(_)
    values = {name: str(form.get(name, "")) for name in LIMITS}
    for name in ("postcode", "region"):  # optional: only spaces is not given, not an error
        if not values[name].strip():
            values[name] = ""
    errors: dict[str, str] = {}
    for name, limit in LIMITS.items():
        if len(values[name]) > limit:
            errors[name] = _("At most %(limit)d characters.") % {"limit": limit}
    for name, message in (
        ("name", _("Enter your full name.")),
        ("address1", _("Enter your street and number.")),
        ("town", _("Enter your town or city.")),
    ):
        if not values[name].strip():
            errors.setdefault(name, message)
    if form.get(HONEYPOT):
        errors[""] = _("Your letters could not be made. Please try again.")
    known = {r.id: r for r in recipients}
    # Each authority once, whatever the post repeats: a letter is made per authority chosen.
    picked = [known[i] for i in dict.fromkeys(chosen) if i in known]
    if not picked:
        errors["recipients"] = _("Choose at least one authority to write to.")
    language = values["language"] or None
    if language is not None and language not in SUPPORTED_LANGUAGES:
        errors["language"] = _("Choose a language from the list.")
    for name in ("town", "postcode", "region"):
        # Checked on their own first: joined into one address line, their errors would be
        # shown beside the street.
        if values[name] and name not in errors:
            try:
                _LINE.validate_python(values[name])
            except pydantic.ValidationError as exc:
                errors[name] = _message(exc.errors()[0] | {"loc": (name,)}, _)
    if errors:
        return Problems(errors, values, list(chosen))
    country = values["country"].upper() or None
    # The town line in the order of the supporter's country ("New York 10001", "10115 Berlin"),
    # and the country's name: the return address must get a reply back across borders.
    address = [
        values["address1"],
        values["address2"],
        *town_lines(
            country, postcode=values["postcode"], town=values["town"], region=values["region"]
        ),
        _country_name(country, values["town"]) if country else "",
    ]
    try:
        sender = Sender.model_validate(
            {
                "name": values["name"],
                "address": [line for line in address if line.strip()],
                "town": values["town"],
                "country": country,
                "email": values["email"] or None,
                "paragraph": values["paragraph"] or None,
            }
        )
    except pydantic.ValidationError as exc:
        for error in exc.errors():
            where = str(error["loc"][0]) if error["loc"] else ""
            name = {"address": "address1"}.get(where, where)
            errors.setdefault(name, _message(error, _))
        return Problems(errors, values, list(chosen))
    layout = values["layout"] if values["layout"] in LAYOUTS else default_layout(sender.country)
    return Request(sender, picked, language, layout, values)  # type: ignore[arg-type]


def _message(error: object, _: object) -> str:
    """A model error in the page's words: the kinds a person meets, else the model's text."""
    assert isinstance(error, dict) and callable(_)
    kind = error.get("type", "")
    field_name = str(error["loc"][0]) if error.get("loc") else ""
    if kind in ("missing", "too_short", "string_too_short", "list_too_short"):
        return str(_("Please fill this in."))
    if kind == "string_pattern_mismatch":
        return str(_("Remove the invisible or control characters."))
    if field_name == "email" and "before the @" in str(error.get("msg", "")):
        return str(_("Use an address with only the letters a to z before the @."))
    if field_name == "email":
        return str(_("This is not an e-mail address."))
    if "=?" in str(error.get("msg", "")):
        return str(_("Remove the characters =? from this field."))
    if field_name == "country":
        return str(_("Choose a country from the list."))
    if "visible" in str(error.get("msg", "")):
        return str(_("Please fill this in."))
    return str(error.get("msg", ""))


def _country_name(code: str, town: str) -> str:
    """The country's name for the return address: in English, or in the town's own script
    when that is Arabic or Hebrew (a Latin name after a right-to-left town would take a line
    of its own in the envelope window)."""
    script = {"AL": "ar", "R": "he"}
    kinds = [unicodedata.bidirectional(c) for c in town]
    language = next((script[k] for k in kinds if k in script), "en")
    return str(Locale(language).territories.get(code, ""))
