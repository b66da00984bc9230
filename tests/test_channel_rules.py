"""Which channel a letter goes by under its country's rules (model/channel_rules.py,
data/channels.yaml): a Russian ministry's e-mail is not used since 30 March 2025, an embassy's
is; a fax to Moscow is in doubt and a postal address is preferred; check says why."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pydantic
import pytest
from click.testing import CliRunner

from appeal_letters.cli import main
from appeal_letters.model import Recipient, bundled_rules, choose_channel

from .conftest import pdf_text

TODAY = dt.date(2026, 11, 29)


def official(**changes: Any) -> Recipient:
    data: dict[str, Any] = {
        "id": "justice-minister",
        "office": "minister",
        "name": "A. Minister",
        "title": "Minister of Justice",
        "country": "RU",
        "channels": {"fax": "+7 495 955 59 99", "email": "info@minjust.example"},
    }
    return Recipient.model_validate(data | changes)


def test_every_bundled_rule_names_its_source_and_when_it_was_checked() -> None:
    rules = bundled_rules()
    assert {r.id for r in rules} >= {"ru-no-email-appeals", "ru-fax-from-abroad"}
    for rule in rules:
        assert rule.source and rule.says and rule.checked <= dt.date.today()
        assert rule.since <= rule.checked


def test_a_russian_ministrys_email_is_never_chosen_since_march_2025() -> None:
    choice = choose_channel(official(), TODAY)
    assert choice.channel is not None and choice.channel.kind == "fax"
    assert [c.kind for c in choice.excluded] == ["email"]
    assert "e-mail not used (ru-no-email-appeals)" in choice.summary
    assert "may not arrive (ru-fax-from-abroad)" in choice.summary
    assert choice.no_post  # in doubt, and nothing to fall back on
    only_email = official(channels={"email": "info@minjust.example"})
    assert choose_channel(only_email, TODAY).channel is None
    # A letter dated before the law took effect could still go by e-mail.
    before = choose_channel(only_email, dt.date(2025, 3, 29))
    assert before.channel is not None and before.channel.kind == "email"


def test_an_embassy_abroad_may_be_written_to_by_email() -> None:
    embassy = official(
        id="ambassador-belgium", office="ambassador", country="BE", prefer=["email", "fax"]
    )
    choice = choose_channel(embassy, TODAY)
    assert choice.channel is not None and choice.channel.kind == "email"
    assert choice.excluded == () and choice.summary == "e-mail info@minjust.example"


def test_a_postal_address_goes_before_a_fax_in_doubt_unless_the_recipient_says_otherwise() -> None:
    posted = official(address=["ul. Zhitnaya 14", "Moscow 119991"])
    choice = choose_channel(posted, TODAY)
    assert choice.channel is not None and choice.channel.kind == "post"
    assert not choice.no_post and choice.doubts == ()
    faxed = choose_channel(posted.model_copy(update={"prefer": ["fax", "post"]}), TODAY)
    assert faxed.channel is not None and faxed.channel.kind == "fax" and not faxed.no_post


def test_the_presidents_web_form_has_its_length_limit() -> None:
    president = official(
        id="president",
        office="head_of_state",
        channels={"web_form": "http://letters.kremlin.ru/send"},
    )
    choice = choose_channel(president, TODAY)
    assert choice.limit == 2000
    assert "at most 2000 characters (ru-kremlin-web-form-length)" in choice.summary


def test_each_channel_is_named_once_in_prefer() -> None:
    with pytest.raises(pydantic.ValidationError, match="name each channel once"):
        official(prefer=["fax", "fax"])


def _with_email(workspace: Path, recipient_id: str) -> None:
    text = (workspace / "recipients.yaml").read_text(encoding="utf-8")
    head, tail = text.split(f"  - id: {recipient_id}\n")
    tail = tail.replace("    channels:\n", "    channels:\n      email: office@example.org\n", 1)
    (workspace / "recipients.yaml").write_text(
        head + f"  - id: {recipient_id}\n" + tail, encoding="utf-8"
    )


def test_check_render_and_send_follow_the_rules(workspace: Path) -> None:
    _with_email(workspace, "justice-minister")
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("justice-minister"))
    assert "e-mail office@example.org" in lines[at]  # what the file gives
    assert "-> fax +7 495 955-59-99" in lines[at + 1]
    assert "e-mail not used (ru-no-email-appeals)" in lines[at + 1]
    assert any(
        line.startswith("  ru-no-email-appeals: Russian state bodies do not consider appeals "
                        "sent by e-mail since 30 March 2025") and "547-FZ" in line
        for line in lines
    )  # fmt: skip
    rendered = CliRunner().invoke(
        main, ["render", "--sender", "sender.example.yaml", "--recipient", "justice-minister"]
    )
    assert rendered.exit_code == 0, rendered.output
    folder = workspace / "letters" / "rus-004-1214-obs-093-1"
    text = pdf_text(folder / "04-justice-minister.pdf")
    assert "By fax: +7 495 955-59-99" in text and "By e-mail" not in text
    # A manifest edited to send it by e-mail anyway is refused with the rule's reason.
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["letters"][0] |= {"channel": "email", "channel_address": "office@example.org"}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    sent = CliRunner().invoke(main, ["send", "--sender", "sender.example.yaml"])
    assert sent.exit_code == 1
    assert "is for e-mail office@example.org, which is not used: Russian state bodies" in (
        " ".join(sent.stderr.split())
    )


def test_force_email_is_the_one_way_past_a_rule_and_says_so(workspace: Path) -> None:
    _with_email(workspace, "justice-minister")
    assert CliRunner().invoke(main, ["render", "--sender", "sender.example.yaml"]).exit_code == 0
    plain = CliRunner().invoke(main, ["send", "--sender", "sender.example.yaml"])
    assert plain.exit_code == 0 and "office@example.org" not in plain.stdout
    forced = CliRunner().invoke(
        main, ["send", "--sender", "sender.example.yaml", "--force-email", "justice-minister"]
    )
    assert forced.exit_code == 0, forced.output
    assert "To: office@example.org" in forced.stdout  # the dry run shows it going by e-mail
    assert "warning: justice-minister: going by e-mail although the rule ru-no-email-appeals" in (
        forced.stderr
    )
    for bad, said in (("president", "no e-mail address"), ("nobody", "no such recipient")):
        refused = CliRunner().invoke(
            main, ["send", "--sender", "sender.example.yaml", "--force-email", bad]
        )
        assert (
            refused.exit_code == 1
            and said in refused.stderr
            and "Traceback" not in (refused.output)
        )


def test_an_office_reachable_only_by_a_channel_not_used_is_reported(workspace: Path) -> None:
    text = (workspace / "recipients.yaml").read_text(encoding="utf-8")
    head, tail = text.split("  - id: ombudsman\n")
    tail = tail.replace(
        "    country: RU\n", "    country: RU\n    channels:\n      email: o@example.org\n", 1
    )
    (workspace / "recipients.yaml").write_text(
        head + "  - id: ombudsman\n" + tail, encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 0
    assert "-> no usable channel, e-mail not used (ru-no-email-appeals)" in result.stdout
    assert (
        "warning: ombudsman: Ms Ella Pamfilova can only be reached by channels that are not used"
    ) in " ".join(result.stderr.split())


def test_a_fax_in_doubt_without_a_postal_address_is_one_warning_until_one_is_added() -> None:
    from appeal_letters.compose.review import unreachable

    moscow = [official(), official(id="interior-minister")]
    embassy = official(id="embassy", country="BE", office="ambassador")
    found = [str(f) for f in unreachable([*moscow, embassy], TODAY)]
    assert len(found) == 1 and found[0].startswith("justice-minister, interior-minister: ")
    assert "may not arrive (ru-fax-from-abroad)" in found[0]
    posted = official(address=["ul. Zhitnaya 14", "Moscow 119991"])
    assert unreachable([posted], TODAY) == []
    assert choose_channel(posted, TODAY).channel.kind == "post"  # type: ignore[union-attr]


def test_prefer_orders_channels_but_hides_none_from_the_rules() -> None:
    # E-mail left out of `prefer` is still set aside by the rules, and said to be.
    choice = choose_channel(official(prefer=["fax"]), TODAY)
    assert choice.channel is not None and choice.channel.kind == "fax"
    assert [c.kind for c in choice.excluded] == ["email"]
    with pytest.raises(pydantic.ValidationError, match="prefer names post, which this recipient"):
        official(prefer=["post"])


def test_a_web_form_letter_is_text_to_paste_and_says_how_far_over_the_form_it_runs(
    workspace: Path,
) -> None:
    text = (workspace / "recipients.yaml").read_text(encoding="utf-8")
    head, tail = text.split("  - id: president\n")
    tail = tail.replace(
        "    channels:\n", "    channels:\n      web_form: http://letters.kremlin.ru/send\n", 1
    )
    (workspace / "recipients.yaml").write_text(head + "  - id: president\n" + tail, "utf-8")
    # The fax to Moscow is in doubt: the President's web reception goes first.
    rendered = CliRunner().invoke(
        main, ["render", "--sender", "sender.example.yaml", "--recipient", "president"]
    )
    assert rendered.exit_code == 0, rendered.output
    sent = CliRunner().invoke(main, ["send", "--sender", "sender.example.yaml"])
    assert sent.exit_code == 0, sent.output
    folder = workspace / "letters" / "rus-004-1214-obs-093-1"
    pasted = (folder / "web-form" / "01-president.txt").read_text(encoding="utf-8")
    assert pasted.startswith("Attack on Igor Kalyapin")
    assert "Dear Mr President," in pasted and "I live in London, United Kingdom." in pasted
    assert pasted.count("Guarantee in all circumstances") == 1 and "Jane Doe" in pasted
    assert "(OMCT-FIDH)" in pasted and "\u00a0" not in pasted  # plain text for a form
    said = " ".join(sent.stdout.split())
    over = len(pasted) - 2000
    assert over > 0  # the appeal's six requests alone run past the Kremlin's 2,000 characters
    assert (
        f"paste the text of web-form/01-president.txt ({len(pasted)} characters) into the web "
        f"form at http://letters.kremlin.ru/send; the form takes 2000 characters: shorten the "
        f"text by {over} before pasting, or send the letter by post"
    ) in said
    # Pasted by hand, then recorded: the report counts it as sent by web form, once.
    args = ["mark", "submitted", "--sender", "sender.example.yaml", "--recipient", "president"]
    marked = CliRunner().invoke(main, args)
    assert marked.exit_code == 0, marked.output
    assert marked.stdout == "president: recorded as submitted through the web form.\n"
    assert CliRunner().invoke(main, args).stdout == "president: already recorded as submitted.\n"
    report = CliRunner().invoke(main, ["report"]).stdout
    assert "1 sent by web_form" in next(line for line in report.splitlines() if "Putin" in line)
    wrong = CliRunner().invoke(
        main,
        ["mark", "submitted", "--sender", "sender.example.yaml", "--recipient", "ombudsman"],
    )
    assert wrong.exit_code == 1 and "no letter of yours goes by web form" in wrong.stderr
