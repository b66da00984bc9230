"""Sending from the page, in a real browser (issue 13): a real ``appeal-letters serve`` with
``web_sending``, a real SMTP server on localhost as the NGO's gateway and the supporter's
mailbox. The supporter asks, opens the link from the e-mail, confirms; the faxes leave once;
every page on the way fits a phone and has no WCAG A/AA violation, in five languages; the
server's log holds nothing the supporter typed, nor the link's token."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT, SEED_FILES
from .test_browser import LANGUAGES, browser, pytestmark, serving  # noqa: F401
from .test_delivery import Recorder, free_port
from .test_web_sending import configure

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="module")
def sending_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, Path, Recorder]]:
    from aiosmtpd.controller import Controller

    folder = tmp_path_factory.mktemp("sending")
    for name in SEED_FILES:
        shutil.copy(ROOT / name, folder / name)
    recorder, smtp_port = Recorder(), free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=smtp_port, ready_timeout=30)
    controller.start()
    port = free_port()
    configure(folder, smtp_port, base_url=f"http://127.0.0.1:{port}/")
    try:
        with serving(folder, port) as (url, log):
            yield url, log, recorder
    finally:
        controller.stop()


def _axe(page: Any) -> None:
    from axe_playwright_python.sync_playwright import Axe

    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    found = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    assert found.violations_count == 0, found.generate_report()


def _wait_for(condition: Any, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_supporter_confirms_by_the_link_and_the_faxes_leave_once(
    sending_server: tuple[str, Path, Recorder],
    browser: Any,  # noqa: F811
    language: str,
    tmp_path: Path,
) -> None:
    url, log, recorder = sending_server
    email = f"jane-{language}@example.org"
    page = browser.new_page(viewport={"width": 375, "height": 800})
    page.goto(f"{url}?lang={language}")
    page.locator("#field-name").fill("Jane Sendwell")
    page.locator("#field-address1").fill("12 Example Street")
    page.locator("#field-town").fill("Berlin")
    page.locator("#field-email").fill(email)
    page.locator("button.primary").click()
    page.wait_for_selector("section.gateway")
    before = len(recorder.messages)
    page.locator("section.gateway button").click()
    page.wait_for_selector("h1")
    _axe(page)
    page.screenshot(path=str(tmp_path / f"check-{language}.png"))
    _wait_for(lambda: len(recorder.messages) > before)
    confirmation = recorder.parsed()[before]
    assert confirmation["To"] == email
    body = confirmation.get_body(("plain",))
    assert body is not None
    link = re.search(r"(http://127\.0\.0\.1:\d+/confirm\?t=[\w-]+&lang=\w+)", body.get_content())
    assert link, body.get_content()
    assert f"lang={language}" in link.group(1)
    page.goto(link.group(1))
    _axe(page)
    page.locator("button.primary").click()
    page.wait_for_selector("h1")
    _axe(page)
    page.screenshot(path=str(tmp_path / f"queued-{language}.png"))
    # serve's own thread sends them within its 10-second pass: nine faxes, each once.
    _wait_for(lambda: len(recorder.messages) >= before + 1 + 9, 40)
    time.sleep(1)
    faxes = [m for m in recorder.parsed()[before + 1 :] if "Jane Sendwell" in str(m["From"])]
    assert len(faxes) == 9
    assert all(str(m["To"]).endswith("@fax.example.org") for m in faxes)
    page.goto(link.group(1))  # the link, once its letters are sent
    assert page.locator("button.primary").count() == 0
    token = link.group(1).split("t=")[1].split("&")[0]
    text = log.read_text(encoding="utf-8", errors="replace")
    assert "POST /send" in text and "send-pending: 9 sent" in text
    assert "Jane Sendwell" not in text and email not in text and token not in text
