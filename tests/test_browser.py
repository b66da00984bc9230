"""The supporters' page in a real browser (Debian's chromium through Playwright), served by a
real ``appeal-letters serve`` process: a person's way through, by labels and by keyboard, on a
phone-sized screen, in Arabic; axe-core finds no WCAG A/AA violation; the server's log holds
nothing the supporter typed."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pypdf
import pytest

from .conftest import ROOT, SEED_FILES

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LANGUAGES = ("en", "fr", "es", "ru", "ar")
NAME, STREET, TOWN, POSTCODE, EMAIL = (
    "Jane Browser-Doe",
    "12 Example Street",
    "Berlin",
    "10115",
    "jb@example.org",
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists() and not os.environ.get("CI"),
        reason="chromium is not installed (apt-get install chromium); CI installs it",
    ),
]


@contextlib.contextmanager
def serving(folder: Path, port: int | None = None) -> Iterator[tuple[str, Path]]:
    """``appeal-letters serve`` on ``folder`` as a real process, until the block ends: its URL
    and the file its output (the access log) goes to."""
    if port is None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
    log = folder / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "appeal_letters", "serve", "--port", str(port),
             "--workspace", str(folder)],
            stdout=out, stderr=subprocess.STDOUT,
            # web_sending needs a fixed key (it names supporters in the journal)
            env={**os.environ, "APPEAL_LETTERS_SECRET_KEY": "test-secret"},
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}/"
        try:
            for _ in range(300):
                try:
                    urllib.request.urlopen(url + "healthz", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            yield url, log
        finally:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("served")
    for name in SEED_FILES:
        shutil.copy(ROOT / name, folder / name)
    with serving(folder) as served:
        yield served


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


def fill_in(page: object) -> None:
    page.get_by_label("Your full name").fill(NAME)  # type: ignore[attr-defined]
    page.get_by_label("Street and number").fill(STREET)  # type: ignore[attr-defined]
    page.get_by_label("Town or city").fill(TOWN)  # type: ignore[attr-defined]
    page.get_by_label("Postcode").fill(POSTCODE)  # type: ignore[attr-defined]
    page.get_by_label("Country").select_option("DE")  # type: ignore[attr-defined]
    page.get_by_label("Your e-mail address").fill(EMAIL)  # type: ignore[attr-defined]


def test_a_supporter_gets_ten_letters_as_a_zip(
    server: tuple[str, Path], browser: object, tmp_path: Path
) -> None:
    url, _ = server
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(url)
    fill_in(page)
    page.get_by_role("button", name="Make my letters").click()
    page.wait_for_selector("section.letter")
    assert page.locator("section.letter").count() == 10
    assert page.locator("img[alt^='The first page of the letter to']").count() == 10
    with page.expect_download() as download:
        page.get_by_role("button", name="Download all letters (ZIP)").click()
    path = tmp_path / "letters.zip"
    download.value.save_as(path)
    with zipfile.ZipFile(path) as archive:
        assert len(archive.namelist()) == 10
        for name in archive.namelist():
            reader = pypdf.PdfReader(io.BytesIO(archive.read(name)))
            assert len(reader.pages) == 1
            assert NAME in reader.pages[0].extract_text()
    page.screenshot(path=str(tmp_path / "letters.png"))


def test_the_form_works_with_the_keyboard_alone(server: tuple[str, Path], browser: object) -> None:
    url, _ = server
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(url)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the content"
    page.keyboard.press("Enter")
    order = []
    for _ in range(12):
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.id || document.activeElement.tagName"))
        if order[-1] == "field-name":
            page.keyboard.type(NAME)
        elif order[-1] == "field-address1":
            page.keyboard.type(STREET)
        elif order[-1] == "field-town":
            page.keyboard.type(TOWN)
    assert order.index("field-name") < order.index("field-address1") < order.index("field-town")
    page.locator("button.primary").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("section.letter")
    assert page.locator("section.letter").count() == 10


def test_an_error_is_announced_and_linked_to_its_field(
    server: tuple[str, Path], browser: object
) -> None:
    url, _ = server
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(url)
    page.get_by_label("Street and number").fill(STREET)
    page.get_by_role("button", name="Make my letters").click()
    summary = page.get_by_role("alert")
    assert "Enter your full name." in summary.inner_text()
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == "field-name"
    assert page.get_by_label("Your full name").get_attribute("aria-invalid") == "true"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_fits_a_phone_and_has_no_wcag_violation(
    server: tuple[str, Path], browser: object, language: str, tmp_path: Path
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    url, _ = server
    page = browser.new_page(viewport={"width": 375, "height": 800})  # type: ignore[attr-defined]
    page.goto(f"{url}?lang={language}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.get_attribute("html", "dir") == ("rtl" if language == "ar" else "ltr")
    axe = Axe()
    options = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a",
                                                      "wcag21aa", "wcag22aa"]}}  # fmt: skip
    found = axe.run(page, options=options)
    assert found.violations_count == 0, found.generate_report()
    page.locator("#field-name").fill(NAME)
    page.locator("#field-address1").fill(STREET)
    page.locator("#field-town").fill(TOWN)
    page.locator("button.primary").click()
    page.wait_for_selector("section.letter")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    found = axe.run(page, options=options)
    assert found.violations_count == 0, found.generate_report()
    page.screenshot(path=str(tmp_path / f"letters-{language}.png"))


def test_the_server_log_holds_nothing_the_supporter_typed(server: tuple[str, Path]) -> None:
    _, log = server
    text = log.read_text(encoding="utf-8", errors="replace")
    assert "POST /letters" in text  # the log is there, and it is the access log
    for typed in (NAME, "Browser-Doe", STREET, TOWN, POSTCODE, EMAIL, "jb%40example.org"):
        assert typed not in text, typed


def test_gunicorn_serves_the_page_as_the_docs_say(tmp_path: Path) -> None:
    """docs/web.md's production command, as written there."""
    for name in SEED_FILES:
        shutil.copy(ROOT / name, tmp_path / name)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    gunicorn = Path(sys.executable).with_name("gunicorn")
    environment = {**os.environ, "APPEAL_LETTERS_WORKSPACE": str(tmp_path),
                   "APPEAL_LETTERS_SECRET_KEY": "test-secret"}  # fmt: skip
    process = subprocess.Popen(
        [str(gunicorn), "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "appeal_letters.web:create_app()"],
        env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        body = b""
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as answer:
                    body = answer.read()
                break
            except OSError:
                time.sleep(0.1)
        assert b"RUS 004 / 1214 / OBS 093.1" in body
    finally:
        process.terminate()
        process.wait(timeout=20)
