"""Loading and validation: every bad input gives FILE:LINE:COLUMN: field: message."""

from __future__ import annotations

from pathlib import Path

import pytest

from appeal_letters.errors import ValidationError
from appeal_letters.model import load_campaign, load_sender, sender_from_options
from appeal_letters.model.load import load_recipients
from appeal_letters.model.values import parse_fax_numbers

ROOT = Path(__file__).resolve().parents[1]

RECIPIENT = """\
recipients:
  - id: president
    office: head_of_state
    gender: male
    honorific: Mr
    name: Vladimir Putin
    title: President of the Russian Federation
    institution: Administration of the President
    country: RU
    channels:
      fax: "+7 495 606 5173"
"""


def problems_of(call, *args):  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as info:
        call(*args)
    return [str(p) for p in info.value.problems]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_seed_workspace_loads_ten_authorities() -> None:
    campaign = load_campaign(ROOT / "appeal.yaml", [ROOT / "recipients.yaml"])
    assert campaign.appeal.code == "RUS 004 / 1214 / OBS 093.1"
    assert len(campaign.appeal.actions) == 6
    assert [r.id for r in campaign.recipients][:2] == ["president", "prosecutor-general"]
    assert len(campaign.recipients) == 10


def test_seed_contact_data_is_kept_honest() -> None:
    recipients = {r.id: r for r in load_recipients([ROOT / "recipients.yaml"])}
    # The President's duplicated fax is listed once, plus the "/ 630 2408" alternative.
    assert recipients["president"].channels.fax == ["+74956065173", "+74956302408"]
    assert recipients["ambassador-council-of-europe"].channels.fax == ["+33388241974"]
    # The appeal's e-mail fields were empty: nobody has an e-mail, the Ombudsman has no channel.
    assert all(not r.channels.email for r in recipients.values())
    assert recipients["ombudsman"].all_channels == []
    assert recipients["justice-minister"].channels.web_form is None


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        ("+ 7 495 606 5173", None, ["+74956065173"]),
        ("(+33) (0) 3 88 24 19 74", None, ["+33388241974"]),
        ("+7 495 606-48-55", None, ["+74956064855"]),
        ("+ 7 495 606 5173; + 7 495 606 5173 / 630 2408", None, ["+74956065173", "+74956302408"]),
        ("495 637 49 25", "RU", ["+74956374925"]),
        ("+41 22 734 40 44, +32 2 374 26 13", None, ["+41227344044", "+3223742613"]),
    ],
)
def test_fax_numbers_as_appeals_write_them(
    text: str, region: str | None, expected: list[str]
) -> None:
    assert parse_fax_numbers(text, region) == expected


@pytest.mark.parametrize("text", ["+7 495 12", "call us", "606 5173"])
def test_bad_fax_numbers_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="phone number"):
        parse_fax_numbers(text, None)


@pytest.mark.parametrize("text", ["+7 495 606 5173 ext. 12", "+44 20 7946 0000 x12"])
def test_a_fax_number_with_an_extension_is_refused_not_cut(text: str) -> None:
    with pytest.raises(ValueError, match=r"has an extension \(12\) that a fax cannot dial"):
        parse_fax_numbers(text, None)


def test_malformed_yaml_names_file_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "recipients.yaml", "recipients:\n  - id: [unclosed\n")
    (problem,) = problems_of(load_recipients, [path])
    assert problem.startswith(f"{path}:3:1: YAML syntax:")


def test_missing_field(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "r.yaml",
        RECIPIENT.replace("    title: President of the Russian Federation\n", ""),
    )
    assert problems_of(load_recipients, [path]) == [
        f"{path}:2:5: recipients[0].title: required field is missing"
    ]


def test_unknown_key_is_an_error_naming_the_allowed_ones(tmp_path: Path) -> None:
    path = write(tmp_path, "r.yaml", RECIPIENT.replace("    title:", "    titel:"))
    found = problems_of(load_recipients, [path])
    assert (
        f"{path}:7:5: recipients[0].titel: unknown field (a typo?); allowed: id, office"
        in found[-1]
    )
    assert any("recipients[0].title: required field is missing" in p for p in found)


def test_unknown_key_in_channels(tmp_path: Path) -> None:
    path = write(tmp_path, "r.yaml", RECIPIENT + "      phone: '+7 495 606 5173'\n")
    (problem,) = problems_of(load_recipients, [path])
    assert problem.startswith(f"{path}:12:7: recipients[0].channels.phone: unknown field")
    assert "allowed: fax, email, web_form" in problem


def test_bad_fax_number(tmp_path: Path) -> None:
    path = write(tmp_path, "r.yaml", RECIPIENT.replace("+7 495 606 5173", "+7 495 12"))
    (problem,) = problems_of(load_recipients, [path])
    assert problem.startswith(
        f"{path}:11:7: recipients[0].channels.fax: '+7 495 12' is not a valid"
    )


def test_bad_email(tmp_path: Path) -> None:
    path = write(tmp_path, "r.yaml", RECIPIENT + "      email: [prosecutor-at-example.org]\n")
    (problem,) = problems_of(load_recipients, [path])
    assert problem.startswith(
        f"{path}:12:15: recipients[0].channels.email[0]: "
        "'prosecutor-at-example.org' is not a valid e-mail address"
    )


def test_bad_web_form(tmp_path: Path) -> None:
    path = write(tmp_path, "r.yaml", RECIPIENT + "      web_form: javascript:alert(1)\n")
    (problem,) = problems_of(load_recipients, [path])
    assert "recipients[0].channels.web_form: 'javascript:alert(1)' is not a web address" in problem


def test_duplicate_recipient_id_across_files(tmp_path: Path) -> None:
    first = write(tmp_path, "a.yaml", RECIPIENT)
    second = write(tmp_path, "b.yaml", RECIPIENT)
    (problem,) = problems_of(load_recipients, [first, second])
    assert problem.startswith(
        f"{second}:2:5: recipients[0].id: duplicate id 'president' (first at {first}:2)"
    )


def test_duplicate_key_in_one_mapping(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "r.yaml",
        RECIPIENT.replace("    name: Vladimir Putin\n", "    name: Vladimir Putin\n    name: X\n"),
    )
    (problem,) = problems_of(load_recipients, [path])
    assert problem == f"{path}:7:5: recipients[0].name: 'name' is given twice; keep only one"


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = RECIPIENT.replace("office: head_of_state", "office: king").replace(
        "country: RU", "country: XX"
    )
    path = write(tmp_path, "r.yaml", text + "      email: nope\n")
    found = problems_of(load_recipients, [path])
    assert [p.split(": ")[1] for p in found] == [
        "recipients[0].office",
        "recipients[0].country",
        "recipients[0].channels.email[0]",
    ]


def test_own_recipients_file_adds_an_embassy(tmp_path: Path) -> None:
    embassy = write(
        tmp_path,
        "my-embassy.yaml",
        """\
recipients:
  - id: embassy-paris
    office: ambassador
    honorific: H.E. Mr
    name: Alexey Meshkov
    title: Ambassador of the Russian Federation to France
    institution: Embassy of the Russian Federation in France
    country: FR
    address: [40-50 boulevard Lannes, 75116 Paris]
""",
    )
    campaign = load_campaign(ROOT / "appeal.yaml", [ROOT / "recipients.yaml", embassy])
    added = campaign.recipients[-1]
    assert added.id == "embassy-paris"
    assert added.primary_channel is not None and added.primary_channel.kind == "post"


def test_office_notes_must_name_an_office_or_recipient(tmp_path: Path) -> None:
    appeal = (
        (ROOT / "appeal.yaml")
        .read_text(encoding="utf-8")
        .replace("  interior-minister: >-", "  interior-ministre: >-")
    )
    path = write(tmp_path, "appeal.yaml", appeal)
    (problem,) = problems_of(load_campaign, path, [ROOT / "recipients.yaml"])
    assert "office_notes.interior-ministre: 'interior-ministre' is neither an office" in problem


def test_appeal_date_and_actions_are_checked(tmp_path: Path) -> None:
    appeal = (
        (ROOT / "appeal.yaml")
        .read_text(encoding="utf-8")
        .replace("date: 2016-03-23", "date: March 23")
        .replace("code: RUS 004 / 1214 / OBS 093.1", "code: ''")
    )
    path = write(tmp_path, "appeal.yaml", appeal)
    found = problems_of(load_campaign, path, [ROOT / "recipients.yaml"])
    assert any(":6:1: code: must not be empty" in p for p in found)
    assert any(": date: must be a date written YYYY-MM-DD" in p for p in found)


def test_not_a_mapping_and_not_utf8(tmp_path: Path) -> None:
    listing = write(tmp_path, "sender.yaml", "- just\n- a list\n")
    (problem,) = problems_of(load_sender, listing)
    assert problem.startswith(f"{listing}:1:1: the file must be a mapping")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("name: Jos\xe9\n".encode("latin-1"))
    (problem,) = problems_of(load_sender, latin)
    assert "not UTF-8 text" in problem


def test_alias_bomb_is_refused(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 8)]
    path = write(tmp_path, "bomb.yaml", "\n".join(lines) + "\n")
    (problem,) = problems_of(load_sender, path)
    assert "too many values" in problem


def test_sender_from_command_line_options() -> None:
    sender = sender_from_options("Jane Doe", ["1 High St\nLondon"], "jane@example.org")
    assert sender.address == ["1 High St", "London"]
    with pytest.raises(ValidationError) as info:
        sender_from_options("Jane Doe", [], "not-an-email")
    assert [p.field for p in info.value.problems] == ["address", "email"]
    assert str(info.value.problems[0]).startswith("<command line>:1:1: address:")
