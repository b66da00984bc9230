"""The schema holds what real appeals say: no place, a deadline, an index, an update, several
e-mails, names written in one language for letters in another."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from appeal_letters.cli import main
from appeal_letters.compose import Composer, late, review, unverified
from appeal_letters.compose.review import undeclined
from appeal_letters.model import Campaign, Sender, load_campaign

from .conftest import ROOT, pdf_text

AMNESTY_APPEAL = {
    "code": "UA 45/18",
    "index": "AMR 41/8234/2018",
    "title": "Human rights defender detained without charge",
    "issuer": "Amnesty International",
    "authorities": "the Attorney General",
    "date": "2018-05-03",
    "deadline": "2018-06-14",
    "update": 1,
    "earlier_codes": ["UA 12/18"],
    "copies_to": ["Also send copies to diplomatic representatives of Mexico in your country."],
    "country": "Mexico",
    "language": "en",
    "summary": "A defender was detained on 2 May 2018 and has not been charged.",
    "actions": ["Release him immediately and unconditionally."],
    "translations": {
        "es": {
            "translated_by": "a volunteer",
            "title": "Defensor detenido sin cargos",
            "issuer": "Amnistía Internacional",
            "authorities": "el Fiscal General",
            "summary": "Un defensor fue detenido el 2 de mayo de 2018 y no ha sido acusado.",
            "actions": ["Libérenlo inmediata e incondicionalmente."],
        }
    },
}

ATTORNEY = {
    "id": "attorney-general",
    "office": "prosecutor_general",
    "gender": "male",
    "honorific": "Mr",
    "name": "Raúl Cervantes Andrade",
    "family_name": "Cervantes",
    "title": "Attorney General",
    "institution": "Office of the Attorney General",
    "country": "MX",
    "language": "es",
    "written_in": "en",
    "salutation": "Dear Attorney General",
    "address": ["Av. Paseo de la Reforma 211-213", "Col. Cuauhtémoc", "06500 Ciudad de México"],
    "channels": {"email": ["ofproc@pgr.gob.mx", "ddhh@pgr.gob.mx"]},
    "localized": {
        "es": {
            "honorific": "Sr.",
            "title": "Procurador General de la República",
            "institution": "Procuraduría General de la República",
            "salutation": "Señor Procurador",
        }
    },
}


def write_workspace(folder: Path, appeal: dict[str, object], recipient: dict[str, object]) -> None:
    (folder / "appeal.yaml").write_text(yaml.safe_dump(appeal, allow_unicode=True), "utf-8")
    (folder / "recipients.yaml").write_text(
        yaml.safe_dump({"recipients": [recipient]}, allow_unicode=True), "utf-8"
    )


def test_an_appeal_without_place_with_deadline_index_and_update_loads(tmp_path: Path) -> None:
    write_workspace(tmp_path, AMNESTY_APPEAL, ATTORNEY)
    campaign = load_campaign(tmp_path / "appeal.yaml", [tmp_path / "recipients.yaml"])
    appeal = campaign.appeal
    assert appeal.place is None
    assert (appeal.index, appeal.update, appeal.earlier_codes) == (
        "AMR 41/8234/2018",
        1,
        ["UA 12/18"],
    )
    assert str(appeal.deadline) == "2018-06-14"
    recipient = campaign.recipients[0]
    assert recipient.channels.email == ["ofproc@pgr.gob.mx", "ddhh@pgr.gob.mx"]


def test_names_written_in_english_are_localized_for_the_spanish_letter(tmp_path: Path) -> None:
    """A recipient written in English whose letters are in Spanish: the Spanish names and
    salutation come from ``localized.es``, the English salutation stays out of it."""
    write_workspace(tmp_path, AMNESTY_APPEAL, ATTORNEY)
    campaign = load_campaign(tmp_path / "appeal.yaml", [tmp_path / "recipients.yaml"])
    recipient = campaign.recipients[0]
    spanish = recipient.in_language("es")
    assert (spanish.title, spanish.salutation) == (
        "Procurador General de la República",
        "Señor Procurador",
    )
    english = recipient.in_language("en")
    assert (english.title, english.salutation) == ("Attorney General", "Dear Attorney General")
    french = recipient.in_language("fr")
    assert french.salutation is None  # the English one does not carry over
    letter = Composer(ROOT / "templates").compose(
        campaign,
        recipient,
        Sender(name="Ann Lee", address=["1 Main St", "Town"]),
        date=dt.date(2018, 5, 10),
    )
    assert letter.language == "es"
    assert "Señor Procurador" in letter.html and "Dear Attorney General" not in letter.html
    assert "Procuraduría General de la República" in letter.html


def test_localized_is_honoured_for_the_recipients_own_language(tmp_path: Path) -> None:
    own = dict(ATTORNEY, written_in=None, language="es")
    write_workspace(tmp_path, AMNESTY_APPEAL, own)
    campaign = load_campaign(tmp_path / "appeal.yaml", [tmp_path / "recipients.yaml"])
    assert campaign.recipients[0].in_language("es").title == "Procurador General de la República"


def test_check_warns_when_a_recipients_language_lacks_a_translation(
    workspace: Path,
) -> None:
    appeal = dict(AMNESTY_APPEAL, translations={})
    write_workspace(workspace, appeal, ATTORNEY)
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 0, result.output
    assert "Appeal UA 45/18 (2018-05-03): 1 action, 1 authority" in result.stdout
    assert "Deadline: 2018-06-14" in result.stdout
    assert (
        "warning: attorney-general: letters to this recipient are asked in 'es' but the appeal "
        "lacks translations.es: they will be written in 'en'"
    ) in result.stderr


def test_check_names_the_recipient_fields_left_in_another_language(workspace: Path) -> None:
    recipient = dict(ATTORNEY, localized={"es": {"salutation": "Señor Procurador"}})
    write_workspace(workspace, AMNESTY_APPEAL, recipient)
    result = CliRunner().invoke(main, ["check"])
    assert "add localized.es.title, localized.es.institution" in result.stderr


def test_render_warns_when_the_letter_is_dated_after_the_deadline(workspace: Path) -> None:
    write_workspace(workspace, AMNESTY_APPEAL, ATTORNEY)
    args = ["render", "--name", "Ann Lee", "--address", "1 Main St", "--address", "Town"]
    late = CliRunner().invoke(main, [*args, "--date", "2018-07-01"])
    assert late.exit_code == 0, late.output
    assert "after the appeal's deadline 2018-06-14" in late.stderr
    on_time = CliRunner().invoke(main, [*args, "--date", "2018-06-14", "--out", "b"])
    assert "deadline" not in on_time.stderr
    text = pdf_text(workspace / "b" / "01-attorney-general.pdf")
    assert "Señor Procurador" in text


def test_review_lists_nothing_for_the_seed_workspace_but_the_missing_channels(
    campaign: Campaign,
) -> None:
    """The Ombudsman has no channel; the Moscow offices have only faxes in doubt (no postal
    address to post instead): both are what the appeal gives, nothing else to review."""
    moscow = "president, prosecutor-general, interior-minister, justice-minister, "
    moscow += "foreign-minister, civil-society-council"
    assert [f.subject for f in review(campaign)] == ["ombudsman", moscow]


def test_an_official_named_without_honorific_or_institution_is_addressed_as_written(
    workspace: Path,
) -> None:
    """Amnesty names a target "Attorney General Raúl Cervantes Andrade": no honorific to
    invent; the address block prints the name alone and the salutation comes from the appeal."""
    bare = {k: v for k, v in ATTORNEY.items() if k not in ("honorific", "institution")}
    bare["localized"] = {"es": {"title": "Procurador General", "salutation": "Señor Procurador"}}
    write_workspace(workspace, AMNESTY_APPEAL, bare)
    result = CliRunner().invoke(
        main, ["render", "--name", "Ann Lee", "--address", "1 Main St", "--address", "Town"]
    )
    assert result.exit_code == 0, result.output
    text = pdf_text(next((workspace / "letters").glob("*/01-attorney-general.pdf")))
    assert "Raúl Cervantes Andrade\nProcurador General\n" in text
    assert "None" not in text


def test_a_form_of_address_that_needs_an_honorific_is_reported_before_rendering(
    workspace: Path,
) -> None:
    bare = {k: v for k, v in ATTORNEY.items() if k not in ("honorific", "salutation")}
    bare.update(office="official", language="en", written_in=None, localized={})
    write_workspace(workspace, AMNESTY_APPEAL, bare)
    check = CliRunner().invoke(main, ["check"])
    assert "attorney-general: the form of address 'Dear {honorific} {surname},' needs an " in (
        check.stderr
    )
    result = CliRunner().invoke(main, ["render", "--name", "A", "--address", "B"])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "add `honorific`" in result.stderr
    assert "Traceback" not in result.output


def test_an_appeal_asking_the_official_addressed_says_you_in_each_language(
    tmp_path: Path,
) -> None:
    appeal = {k: v for k, v in AMNESTY_APPEAL.items() if k != "authorities"}
    appeal["translations"] = {
        "es": {k: v for k, v in AMNESTY_APPEAL["translations"]["es"].items() if k != "authorities"}  # type: ignore[index]
    }
    write_workspace(tmp_path, appeal, ATTORNEY)
    campaign = load_campaign(tmp_path / "appeal.yaml", [tmp_path / "recipients.yaml"])
    assert campaign.appeal.missing_in("es") == []
    sender = Sender(name="Ann Lee", address=["1 Main St", "Town"])
    composer = Composer(ROOT / "templates")
    spanish = composer.compose(
        campaign, campaign.recipients[0], sender, date=dt.date(2018, 5, 9), wording=0
    )
    assert "Por ello, le ruego respetuosamente que tenga a bien:" in spanish.html
    english = composer.compose(
        campaign, campaign.recipients[0], sender, date=dt.date(2018, 5, 9), language="en", wording=0
    )
    assert "I therefore respectfully urge you to:" in english.html


def test_an_appeal_without_deadline_is_late_90_days_after_its_date(campaign: Campaign) -> None:
    appeal_day = campaign.appeal.date
    assert late(campaign, appeal_day + dt.timedelta(days=90)) == []
    [finding] = late(campaign, appeal_day + dt.timedelta(days=91))
    assert "91 days after the appeal (2016-03-23)" in finding.message
    assert "still open and has no update" in finding.message


def test_recipients_not_checked_within_a_year_are_named(campaign: Campaign) -> None:
    day = dt.date(2026, 11, 29)
    [president, *others] = campaign.recipients
    recent = president.model_copy(update={"verified": dt.date(2026, 6, 1)})
    stale = others[0].model_copy(update={"verified": dt.date(2025, 6, 1)})
    found = unverified([recent, stale, others[1]], day)
    assert [f.subject for f in found] == ["prosecutor-general", "interior-minister"]
    assert found[0].message == (
        "office holders change (last checked 2025-06-01): check that Mr Yurii Ya. Chaika is "
        "still Prosecutor General of the Russian Federation, then set `verified: 2026-11-29`"
    )
    assert "(never checked)" in found[1].message


def test_verified_is_a_date_in_recipients_yaml(workspace: Path) -> None:
    text = (workspace / "recipients.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "    office: head_of_state\n", "    office: head_of_state\n    verified: soon\n"
    )
    (workspace / "recipients.yaml").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 1
    assert "recipients[0].verified" in result.stderr and "Traceback" not in result.stderr


def test_a_letter_in_neither_the_officials_language_nor_english_is_flagged(
    workspace: Path,
) -> None:
    args = ["render", "--name", "Ann Lee", "--address", "1 Main St", "--address", "Town"]
    french = CliRunner().invoke(main, [*args, "--recipient", "president", "--language", "fr"])
    assert french.exit_code == 0, french.output
    assert (
        "warning: the letter to president is in 'fr', neither the recipient's language nor English"
    ) in french.stderr
    for language, out in (("en", "b"), ("ru", "c")):  # English; Russia's official language
        other = CliRunner().invoke(
            main, [*args, "--recipient", "president", "--language", language, "--out", out]
        )
        assert "neither the recipient's language" not in other.stderr
    # An official language of Belgium: the embassy there reads French.
    belgium = CliRunner().invoke(
        main, [*args, "--recipient", "ambassador-belgium", "--language", "fr", "--out", "d"]
    )
    assert "neither the recipient's language" not in belgium.stderr
    # batch says it too, once, for all the authorities it writes to.
    (workspace / "people.csv").write_text("name,address,city\nAnn Lee,1 Main St,Town\n")
    batched = CliRunner().invoke(
        main,
        ["batch", "--supporters", "people.csv", "--language", "es", "--no-bundles", "--out",
         "e", "--recipient", "president", "--recipient", "justice-minister"],
    )  # fmt: skip
    assert batched.exit_code == 0, batched.output
    assert (
        "warning: the letters to president, justice-minister are in 'es', neither the "
        "recipients' languages nor English"
    ) in " ".join(batched.stderr.split())


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("soon", "write the day you checked as YYYY-MM-DD"),
        ("20261129", "write the day you checked as YYYY-MM-DD"),
        ("2026-11-29T10:00:00", "write the day you checked as YYYY-MM-DD"),
        ("9999-12-31", "9999-12-31 is in the future; write the day you checked"),
    ],
)
def test_a_verified_day_that_is_not_a_past_date_is_one_clear_line(
    workspace: Path, value: str, message: str
) -> None:
    text = (workspace / "recipients.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "    office: head_of_state\n", f"    office: head_of_state\n    verified: '{value}'\n"
    )
    (workspace / "recipients.yaml").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "recipients[0].verified" in errors[0], result.stderr
    assert message in errors[0]


def test_a_russian_title_the_dative_table_lacks_is_reported(campaign: Campaign) -> None:
    [prosecutor] = [r for r in campaign.recipients if r.id == "prosecutor-general"]
    ru = prosecutor.localized["ru"]
    odd = prosecutor.model_copy(
        update={
            "localized": {
                "ru": ru.model_copy(update={"title": "Следователь по особо важным делам"})
            }
        }
    )
    [finding] = undeclined([odd])
    assert "Следователь по особо важным делам" in finding.message
    declined = ru.model_copy(update={"title": "Следователю по особо важным делам"})
    assert undeclined([prosecutor.model_copy(update={"localized": {"ru": declined}})]) == []
    assert undeclined(campaign.recipients) == []
