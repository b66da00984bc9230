"""Attacks on the day's features (review): sending from the page, batch print packs, the
delivery loop and the page's region field. Each test is one finding, fixed."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask

from appeal_letters.cli import main
from appeal_letters.cli.serve import PathOnlyLog
from appeal_letters.web import create_app

from .conftest import ROOT, SEED_FILES, give_the_interior_minister_a_postal_address
from .test_batch import PEOPLE, supporters_csv
from .test_channel_rules import _with_email
from .test_delivery import Recorder, smtp_server, write_config  # noqa: F401
from .test_web import form
from .test_web_sending import (
    DAY,
    _ask,
    _confirm,
    _link,
    _send_pass,
    configure,
    site,  # noqa: F401
)


def test_a_refused_fax_number_is_not_tried_again_every_pass(
    site: tuple[Flask, Path, Recorder],  # noqa: F811
) -> None:
    """A gateway's 550 for one number is for good: the letter is journaled as failed and
    deleted, not sent again every 10 seconds for a day."""
    app, folder, recorder = site
    recorder.refuse.add("74956065173@fax.example.org")  # the President's fax
    with app.test_client() as client:
        _ask(client)
        _confirm(client, _link(recorder))
    first = _send_pass(folder)
    assert first.sent == 8 and first.refused == 1 and first.failed == 0
    tried = len(recorder.messages)
    again = _send_pass(folder)
    assert again.refused == 0 and again.failed == 0 and len(recorder.messages) == tried
    with sqlite3.connect(folder / "pending" / "pending.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM letters").fetchone()[0] == 0


def test_letters_left_sending_by_a_crash_are_counted_not_sent_again(
    site: tuple[Flask, Path, Recorder],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from appeal_letters.deliver import Journal

    app, folder, recorder = site
    with app.test_client() as client:
        _ask(client)
        _confirm(client, _link(recorder))
    real_finish = Journal.finish

    def killed(self: Journal, key: Any, status: str, *args: Any) -> None:
        if status == "sent" and key.recipient_id == "president":
            raise KeyboardInterrupt  # killed between the gateway and the journal
        real_finish(self, key, status, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Journal, "finish", killed)
    with pytest.raises(KeyboardInterrupt):
        _send_pass(folder)
    monkeypatch.setattr(Journal, "finish", real_finish)
    before = len(recorder.messages)
    after = _send_pass(folder)
    assert after.in_progress == 1 and after.sent == 8
    assert sum(1 for to, _ in recorder.messages[before:] if "74956065173" in to[0]) == 0


def test_nothing_is_sent_outside_the_window(site: tuple[Flask, Path, Recorder]) -> None:  # noqa: F811
    app, folder, recorder = site
    from appeal_letters.deliver import load_delivery

    smtp = load_delivery(folder / "delivery.yaml").smtp
    assert smtp is not None
    with app.test_client() as client:
        _ask(client)
        _confirm(client, _link(recorder))
    hour = dt.datetime.now().hour
    closed = f"{(hour + 2) % 24:02d}:00-{(hour + 3) % 24:02d}:00"
    configure(folder, smtp.port, per_authority_per_day=1)
    text = (folder / "delivery.yaml").read_text(encoding="utf-8")
    (folder / "delivery.yaml").write_text(text + f"window: '{closed}'\n", encoding="utf-8")
    done = _send_pass(folder)
    assert done.outside_window and done.sent == 0 and len(recorder.messages) == 1


def test_an_address_of_the_fax_gateway_gets_no_confirmation_faxed(
    site: tuple[Flask, Path, Recorder],  # noqa: F811
) -> None:
    """Else anyone could have the NGO's gateway fax any number (the confirmation e-mail)."""
    app, _, recorder = site
    with app.test_client() as client:
        for address in ("74951234567@fax.example.org", "74951234567@FAX.example.org"):
            status, page = _ask(client, email=address)
            assert status == 422 and "give your e-mail address" in page
    assert recorder.messages == []


def test_web_sending_needs_a_fixed_key_or_a_restart_sends_again(
    site: tuple[Flask, Path, Recorder],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, folder, _ = site
    monkeypatch.delenv("APPEAL_LETTERS_SECRET_KEY", raising=False)
    monkeypatch.setattr(Flask, "run", lambda *_, **__: None)  # never serve, whatever happens
    served = CliRunner().invoke(main, ["serve", "--workspace", str(folder), "--port", "1"])
    assert served.exit_code == 1 and "Traceback" not in served.output
    assert "APPEAL_LETTERS_SECRET_KEY" in served.stderr and len(served.stderr.splitlines()) == 1
    with pytest.raises(Exception, match="APPEAL_LETTERS_SECRET_KEY"):
        create_app(folder)


def test_the_limit_notice_counts_the_utc_day_the_journal_dates_sends_in(
    tmp_path: Path,
    smtp_server: tuple[Recorder, int],  # noqa: F811
) -> None:
    """Was: the page's `today` (a fixed day in the tests, the local day in production)
    against the journal's UTC dates: the notice was right only on 2026-11-29."""
    for name in SEED_FILES:
        shutil.copy(ROOT / name, tmp_path / name)
    recorder, port = smtp_server
    configure(tmp_path, port, per_authority_per_day=1)
    app = create_app(tmp_path, secret_key="test", today=lambda: DAY - dt.timedelta(days=400),
                     rate_limit="1000/minute")  # fmt: skip
    with app.test_client() as client:
        _ask(client)
        _confirm(client, _link(recorder))
        _send_pass(tmp_path)
        _ask(client, name="Ann Other", email="ann.other@example.org")
        _, page = _confirm(client, _link(recorder))
    assert "limit of letters to these offices is reached" in page


def test_a_bad_request_line_is_logged_without_a_traceback_or_its_query() -> None:
    logged: list[str] = []
    handler = PathOnlyLog.__new__(PathOnlyLog)
    handler.client_address = ("127.0.0.1", 1)
    handler.requestline = "GET /confirm?t=SECRET x HTTP/1.1"
    handler.log = lambda kind, fmt, *args: logged.append(fmt % args)  # type: ignore[method-assign]
    handler.log_error("code %d, message %s", 400, "Bad request syntax ('GET /confirm?t=SECRET x')")
    handler.log_request(400)  # no path was parsed
    assert all("SECRET" not in line for line in logged) and len(logged) == 2


def test_whitespace_in_an_optional_region_or_postcode_is_no_error() -> None:
    app = create_app(ROOT, secret_key="test", rate_limit="1000/minute")
    with app.test_client() as client:
        data = form(client, country="US", town="Washington", postcode="  ", region="  ",
                    recipients=["president"])  # fmt: skip
        response = client.post("/letters", data=data)
    assert response.status_code == 200, re.findall(r'class="error"[^>]*>([^<]*)', response.text)


def test_a_withdrawn_supporter_s_letter_is_no_longer_listed_to_post(workspace: Path) -> None:
    give_the_interior_minister_a_postal_address(workspace)
    run = ["batch", "--date", "2026-11-26", "--out", "out", "--recipient", "interior-minister"]
    source = supporters_csv(workspace / "supporters.csv", PEOPLE[:3])
    assert CliRunner().invoke(main, [*run, "--supporters", str(source)]).exit_code == 0
    mark = ["mark", "posted", "--letters", "out", "--date", "2026-11-27"]
    posted = CliRunner().invoke(main, [*mark, "--recipient", "interior-minister"])
    assert "(3 letters)" in posted.stdout
    more = supporters_csv(workspace / "supporters.csv", PEOPLE[:5])
    assert CliRunner().invoke(main, [*run, "--supporters", str(more)]).exit_code == 0
    fewer = supporters_csv(workspace / "supporters.csv", PEOPLE[:4])  # the fifth withdrew
    assert CliRunner().invoke(main, [*run, "--supporters", str(fewer)]).exit_code == 0
    marked = CliRunner().invoke(main, ["mark", "posted", "--letters", "out"])
    assert marked.exit_code == 0 and "(4 letters)" in marked.stdout, marked.output
    report = CliRunner().invoke(main, ["report", "--letters", "out"]).stdout
    assert "4 posted" in report and "5 posted" not in report


def test_force_email_after_the_fax_went_is_a_second_letter_only_with_resend(
    workspace: Path,
    smtp_server: tuple[Recorder, int],  # noqa: F811
) -> None:
    recorder, port = smtp_server
    write_config(workspace, port)
    _with_email(workspace, "justice-minister")
    assert CliRunner().invoke(main, ["render", "--sender", "sender.example.yaml"]).exit_code == 0
    sent = CliRunner().invoke(main, ["send", "--sender", "sender.example.yaml", "--no-dry-run"])
    assert sent.exit_code == 0, sent.output
    count = len(recorder.messages)
    forced = ["send", "--sender", "sender.example.yaml", "--no-dry-run", "--force-email",
              "justice-minister"]  # fmt: skip
    refused = CliRunner().invoke(main, forced)
    assert refused.exit_code == 1 and "went to them by fax already" in refused.stderr
    assert "Traceback" not in refused.output and len(recorder.messages) == count
    again = CliRunner().invoke(main, [*forced, "--resend", "justice-minister"])
    assert again.exit_code == 0, again.output
    assert [to for to, _ in recorder.messages[count:]] == [["office@example.org"]]
