"""One appeal's text to everything the importer can say about it."""

from __future__ import annotations

import re

import phonenumbers

from .addressees import find_addressees
from .found import Found, Imported, missing
from .header import (
    find_code,
    find_copies_to,
    find_country,
    find_deadline,
    find_index,
    find_issuer,
    find_language,
    find_place_date,
    find_summary,
    find_title,
)
from .requests import find_actions
from .source import ImportError_, Source

_FOOTNOTE = re.compile(r"\[\d{1,2}\]")


def read_appeal(source: Source) -> Imported:
    """Read the appeal's fields, requests and addressees from its text."""
    lines, text = source.lines, source.text
    imported = Imported(source.name, source.kind)
    if source.removed:
        imported.notes.append(
            f"{source.removed} invisible or control character(s) removed from the text"
        )
    imported.notes += source.notes
    language = find_language(text)
    code, update, earlier = find_code(lines)
    if code.value is None:
        raise ImportError_(
            f"{source.name}: no appeal code found (such as 'RUS 004 / 1214 / OBS 093.1' or "
            "'UA 12/19'); is it an urgent appeal? Give the appeal's whole text"
        )
    issuer, _ = find_issuer(text, language.value)
    place, date = find_place_date(lines, language.value, code.line)
    country, iso = find_country(lines, language.value, code.value)
    title = find_title(lines, source.headings, code.line)
    summary = find_summary(lines, title.line)
    if summary.value and _FOOTNOTE.search(summary.value):
        summary = Found(
            _FOOTNOTE.sub("", summary.value),
            summary.line,
            (summary.check or "") + "; footnote marks such as [1] removed",
        )
    actions, authorities = find_actions(lines)
    addressees = find_addressees(lines, iso, language.value)
    for addressee in addressees:
        if "country" not in addressee.fields:
            addressee.fields["country"] = _country_of(addressee.value("fax"), iso)
    if update is not None:
        update_found = Found(update, code.line, None, code.written or code.value)
    else:
        update_found = Found(None, None)
    copies = find_copies_to(lines)
    imported.appeal = {
        "code": code,
        "title": title,
        "issuer": issuer,
        "authorities": authorities,
        "place": place,
        "date": date,
        "country": country,
        "language": language,
        "index": find_index(lines),
        "deadline": find_deadline(lines, language.value),
        "update": update_found,
        "earlier_codes": earlier,
        "copies_to": Found([c.value for c in copies] or None, copies[0].line if copies else None),
        "summary": summary,
    }
    imported.actions = actions
    imported.addressees = addressees
    if not actions:
        imported.notes.append(
            "no requests found: copy the appeal's requested actions into appeal.yaml `actions`"
        )
    if not addressees:
        imported.notes.append(
            "no addressees found: write the authorities to address in recipients.yaml"
        )
    return imported


def _country_of(faxes: list[str] | None, iso: str | None) -> Found:
    """Where an office is: its fax number's country, else the appeal's (marked)."""
    for number in faxes or []:
        region = phonenumbers.region_code_for_number(phonenumbers.parse(number, None))
        if region:
            return Found(region, None, None)
    if iso:
        return Found(iso, None, "the appeal's country, for want of another: check")
    return missing("where this office is is not said: write its ISO country code")
