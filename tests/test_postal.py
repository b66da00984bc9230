"""A supporter's town line in the order their country writes it (model/postal.py)."""

from __future__ import annotations

import pytest

from appeal_letters.model import sender_from_options, town_lines


@pytest.mark.parametrize(
    ("country", "given", "lines"),
    [
        ("US", {"postcode": "10001", "town": "New York", "region": "NY"}, ["New York, NY 10001"]),
        ("US", {"postcode": "10001", "town": "New York"}, ["New York 10001"]),
        ("FR", {"postcode": "75001", "town": "Paris"}, ["75001 Paris"]),
        ("DE", {"postcode": "10115", "town": "Berlin"}, ["10115 Berlin"]),
        ("GB", {"postcode": "N1 9XX", "town": "London"}, ["London", "N1 9XX"]),
        ("CH", {"postcode": "1200", "town": "Genève"}, ["1200 Genève"]),  # no "CH-" any more
        ("CA", {"postcode": "K1A 0B1", "town": "Ottawa", "region": "ON"}, ["Ottawa ON K1A 0B1"]),
        ("FR", {"postcode": "75001", "town": "Paris", "region": "IDF"}, ["75001 Paris", "IDF"]),
        ("FR", {"town": "Paris"}, ["Paris"]),
        (None, {"postcode": "1000", "town": "Bruxelles"}, ["1000 Bruxelles"]),
        ("ZZ", {"postcode": "1", "town": "Nowhere"}, ["1 Nowhere"]),
        ("DE", {}, []),
        # A region the format has no place for goes on its own line after the town line.
        (
            "IL",
            {"postcode": "6100000", "town": "Tel Aviv", "region": "Tel Aviv District"},
            ["Tel Aviv 6100000", "Tel Aviv District"],
        ),
        ("PR", {"postcode": "00901", "town": "San Juan", "region": "PR"}, ["San Juan PR 00901"]),
        # Fields the format runs together keep a space between Latin names.
        (
            "CN",
            {"postcode": "518000", "town": "Shenzhen", "region": "Guangdong"},
            ["518000", "Guangdong Shenzhen"],
        ),
        ("AE", {"postcode": "00000", "town": "Dubai"}, ["00000 Dubai"]),  # no postcodes there
    ],
)
def test_town_lines_follow_the_country(
    country: str | None, given: dict[str, str], lines: list[str]
) -> None:
    assert town_lines(country, **given) == lines


def test_country_names_in_the_sentence_leave_out_cldrs_explanations() -> None:
    from appeal_letters.compose.introduction import country_name

    assert country_name("MM", "en") == "Myanmar"  # CLDR: "Myanmar (Burma)"
    assert country_name("HK", "ru") == "Гонконг"  # CLDR: "Гонконг (САР)"
    assert country_name("GB", "fr") == "Royaume-Uni"


def test_a_town_is_a_line_like_any_other() -> None:
    # Control and bidi characters are refused in a town as in any line a letter prints.
    with pytest.raises(Exception, match="town"):
        sender_from_options("A B", ["1 Road"], None, town="Ly\u202eon")
