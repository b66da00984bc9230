"""The supporters' page through Flask's test client: every route, every bad input, and the
letters read back from the ZIP."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdf
import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient

from appeal_letters.web import create_app

from .conftest import ROOT, SEED_FILES

DAY = dt.date(2026, 11, 29)
EMBASSY = {
    "id": "embassy-de",
    "office": "ambassador",
    "gender": "male",
    "honorific": "H.E. Mr",
    "name": "Test Ambassador",
    "title": "Ambassador",
    "institution": "Embassy of the Russian Federation in Germany (test data)",
    "country": "DE",
    "address": ["Teststraße 1", "10117 Berlin"],
}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("web")
    for name in SEED_FILES:
        shutil.copy(ROOT / name, folder / name)
    (folder / "embassies.yaml").write_text(
        yaml.safe_dump({"embassies": {"DE": {"recipient": EMBASSY}}}, allow_unicode=True),
        encoding="utf-8",
    )
    return folder


@pytest.fixture(scope="module")
def app(workspace: Path) -> Flask:
    return create_app(workspace, secret_key="test", today=lambda: DAY, rate_limit="1000/minute")


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    with app.test_client() as client:
        yield client


def token(client: FlaskClient, lang: str = "en") -> str:
    page = client.get(f"/?lang={lang}").get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


def form(client: FlaskClient, **changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "csrf_token": token(client),
        "name": "Jane Doe",
        "address1": "12 Example Street",
        "town": "Berlin",
        "postcode": "10115",
        "country": "DE",
        "email": "jane.doe@example.org",
        "recipients": ["president", "prosecutor-general", "interior-minister", "justice-minister",
                       "foreign-minister", "ombudsman", "civil-society-council",
                       "ambassador-un-geneva", "ambassador-belgium",
                       "ambassador-council-of-europe"],
    }  # fmt: skip
    base.update(changes)
    return base


def test_the_page_shows_the_appeal_and_a_labelled_form(client: FlaskClient) -> None:
    response = client.get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="en" dir="ltr">' in page
    assert "RUS 004 / 1214 / OBS 093.1" in page and "Attack on Igor Kalyapin" in page
    assert page.count("<li>") >= 6  # the six requests
    for label in ("Your full name", "Street and number", "Town or city", "Postcode", "Country"):
        assert re.search(rf'<label for="field-[a-z_0-9]+">{label}', page), label
    assert page.count('type="checkbox"') == 10 and page.count(" checked") == 10
    headers = response.headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "script-src" not in headers["Content-Security-Policy"]  # default-src 'none'
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "<script" not in page


def test_the_arabic_page_is_right_to_left(client: FlaskClient) -> None:
    page = client.get("/?lang=ar").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page


def test_a_us_supporters_state_goes_in_the_town_line_in_the_us_order(
    client: FlaskClient,
) -> None:
    data = form(client, town="Washington", postcode="20001", region="DC", country="US",
                recipients=["president"])  # fmt: skip
    page = client.get("/").get_data(as_text=True)
    assert re.search(r'<label for="field-region">State, province or region', page)
    assert 'autocomplete="address-level1"' in page
    zipped = client.post("/download/letters.zip", data=data)
    assert zipped.status_code == 200
    with zipfile.ZipFile(io.BytesIO(zipped.data)) as archive:
        text = " ".join(pypdf.PdfReader(io.BytesIO(archive.read(archive.namelist()[0])))
                        .pages[0].extract_text().split())  # fmt: skip
    assert "Washington, DC 20001" in text and "United States" in text
    bad = client.post("/letters", data=form(client, region="D\u202eC".encode().decode(
        "unicode_escape"), country="US"))  # fmt: skip
    assert bad.status_code == 422 and 'id="error-region"' in bad.get_data(as_text=True)
    long = client.post("/letters", data=form(client, region="x" * 61))
    assert long.status_code == 422 and "At most 60 characters." in long.get_data(as_text=True)


def test_ten_letters_then_the_zip_holds_them_one_page_each(client: FlaskClient) -> None:
    data = form(client)
    response = client.post("/letters", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[:500]
    # Ten letters and the embassy in the supporter's country (Germany), added and marked.
    assert page.count('<section class="letter"') == 11
    assert page.count('src="data:image/png;base64,') == 11
    assert "Its contact details are an example: check them before sending." in page
    assert (
        'By fax to <bdi class="nowrap" dir="ltr">+7 495 606-51-73</bdi> (a fax to this country '
        "from abroad may not arrive" in page
    )
    zipped = client.post("/download/letters.zip", data=data)
    assert zipped.status_code == 200 and zipped.mimetype == "application/zip"
    assert 'filename="letters-rus-004-1214-obs-093-1.zip"' in zipped.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(zipped.data)) as archive:
        names = archive.namelist()
        assert len(names) == 11 and names[0] == "01-president.pdf"
        for name in names:
            reader = pypdf.PdfReader(io.BytesIO(archive.read(name)))
            assert len(reader.pages) == 1, name
            text = " ".join(reader.pages[0].extract_text().split())
            assert "Jane Doe" in text and "RUS 004 / 1214 / OBS 093.1" in text, name
            # The town line in German order, the country for a reply from abroad, and the
            # sentence saying where she writes from (the embassy's letter is in English).
            assert "10115 Berlin" in text and "Germany" in text, name
            if name.startswith("11-"):
                assert "I live in Berlin, Germany." in text, name
    one = client.post("/download/3.pdf", data=data)
    assert one.status_code == 200 and one.data.startswith(b"%PDF")
    assert client.post("/download/12.pdf", data=data).status_code == 404


def test_an_eml_draft_and_a_short_mailto_for_an_office_with_e_mail(
    client: FlaskClient, workspace: Path
) -> None:
    from email import message_from_bytes, policy

    data = form(client, recipients=["president", "ambassador-belgium"], country="FR")
    page = client.post("/letters", data=data).get_data(as_text=True)
    assert "Download the ready e-mail" not in page  # the seed's offices have no e-mail
    recipients = (workspace / "recipients.yaml").read_text(encoding="utf-8")
    patched = recipients.replace(
        "    country: RU\n    # The appeal gives only an e-mail field",
        "    country: RU\n    channels:\n      email: [ombudsman@example.org, office@example.org]\n"
        "    # The appeal gives only an e-mail field",
    )
    assert patched != recipients
    # A Russian office's e-mail is not offered: its appeals by e-mail are not considered.
    russian = workspace.parent / "web-email-ru"
    shutil.copytree(workspace, russian)
    (russian / "recipients.yaml").write_text(patched, encoding="utf-8")
    with create_app(russian, secret_key="t", warm=False, today=lambda: DAY).test_client() as ru:
        data = form(ru, recipients=["ombudsman"], country="FR")
        page = ru.post("/letters", data=data).get_data(as_text=True)
        assert "Not by e-mail: this office does not consider letters sent by e-mail." in page
        assert "mailto:" not in page and "Download the ready e-mail" not in page
        assert ru.post("/download/1.eml", data=data).status_code == 404
    # An office abroad with two addresses: the draft goes To the first, Cc the second.
    patched = patched.replace(
        "    country: RU\n    channels:\n      email: [ombudsman",
        "    country: FR\n    channels:\n      email: [ombudsman",
    )
    other = workspace.parent / "web-email"
    shutil.copytree(workspace, other)
    (other / "recipients.yaml").write_text(patched, encoding="utf-8")
    app = create_app(other, secret_key="t", warm=False, today=lambda: DAY)
    with app.test_client() as mail_client:
        data = form(mail_client, recipients=["ombudsman"], country="FR")
        page = mail_client.post("/letters", data=data).get_data(as_text=True)
        link = re.search(r'href="(mailto:[^"]+)"', page)
        assert link and link.group(1).startswith("mailto:ombudsman@example.org?subject=")
        assert "&amp;cc=office@example.org" in link.group(1) and len(link.group(1)) < 2200
        eml = mail_client.post("/download/1.eml", data=data)
        assert eml.status_code == 200 and eml.mimetype == "message/rfc822"
        message = message_from_bytes(eml.data, policy=policy.default)
        assert message["To"] == "ombudsman@example.org" and message["Cc"] == "office@example.org"
        assert message["From"] == "Jane Doe <jane.doe@example.org>"
        (attachment,) = list(message.iter_attachments())  # type: ignore[attr-defined]
        assert attachment.get_filename() == "01-ombudsman.pdf"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "Enter your full name."),
        ({"name": "   "}, "name", "Enter your full name."),
        ({"name": "x" * 5000}, "name", "At most 200 characters."),
        ({"email": "not-an-address"}, "email", "This is not an e-mail address."),
        ({"country": "XX"}, "country", "Choose a country from the list."),
        ({"name": "Jane \u202eeoD"}, "name", "Remove the invisible or control characters."),
        ({"recipients": []}, "recipients", "Choose at least one authority to write to."),
        ({"language": "de"}, "language", "Choose a language from the list."),
        ({"address1": "", "address2": "x"}, "address1", "Enter your street and number."),
        ({"town": ""}, "town", "Enter your town or city."),
        ({"postcode": "1" * 21}, "postcode", "At most 20 characters."),
        ({"town": "A" * 190}, "town", "At most 120 characters."),
        ({"postcode": "69001\u200b"}, "postcode", "Remove the invisible or control characters."),
    ],
)
def test_bad_input_shows_the_form_again_with_the_error_beside_its_field(
    client: FlaskClient, changes: dict[str, Any], field: str, message: str
) -> None:
    response = client.post("/letters", data=form(client, **changes))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'<a href="#field-{field}">{message}</a>' in page  # in the summary
    assert f'<p class="error" id="error-{field}">{message}</p>' in page  # beside the field
    assert "Traceback" not in page


def test_markup_and_template_code_in_a_name_come_out_literally(client: FlaskClient) -> None:
    name = "<b>Jo</b> {{ 7*7 }}"
    data = form(client, name=name, recipients=["president"])
    page = client.post("/letters", data=data).get_data(as_text=True)
    assert "<b>Jo</b>" not in page and "&lt;b&gt;Jo&lt;/b&gt; {{ 7*7 }}" in page
    pdf = client.post("/download/1.pdf", data=data).data
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "<b>Jo</b> {{ 7*7 }}" in text and "<b>Jo</b> 49" not in text


def test_a_form_without_its_token_too_big_or_from_a_bot_is_refused(client: FlaskClient) -> None:
    data = form(client)
    del data["csrf_token"]
    response = client.post("/letters", data=data)
    assert response.status_code == 400
    assert "The form has expired" in response.get_data(as_text=True)
    big = client.post("/letters", data=form(client, paragraph="x" * 40_000))
    assert big.status_code == 413
    assert "too long for this form" in big.get_data(as_text=True)
    bot = client.post("/letters", data=form(client, website="http://spam.example"))
    assert bot.status_code == 422


def test_one_address_asking_too_often_is_slowed_down(workspace: Path) -> None:
    app = create_app(
        workspace, secret_key="t", warm=False, today=lambda: DAY, rate_limit="2/minute"
    )
    with app.test_client() as client:
        data = form(client, recipients=["president"])
        codes = [client.post("/letters", data=data).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_change_your_details_brings_back_what_was_typed(client: FlaskClient) -> None:
    data = form(client, name="Jane Q. Doe", recipients=["president", "ombudsman"])
    page = client.post("/edit", data=data).get_data(as_text=True)
    assert 'value="Jane Q. Doe"' in page and 'value="Berlin"' in page and 'value="10115"' in page
    assert page.count(" checked") == 2


def test_the_shipped_embassies_example_loads_and_says_it_is_unchecked() -> None:
    from appeal_letters.model import load_embassies

    embassies = load_embassies(ROOT / "embassies.example.yaml").embassies
    assert sorted(embassies) == ["BE", "CH"]
    assert all(entry.verified is None for entry in embassies.values())
    text = (ROOT / "embassies.example.yaml").read_text(encoding="utf-8")
    assert "EXAMPLE, VERIFY BEFORE USE" in text


@pytest.mark.parametrize("language", ["fr", "es", "ru", "ar"])
def test_the_page_is_wholly_translated(client: FlaskClient, language: str) -> None:
    """Every message of the page has a translation (a missing one would show English)."""
    from babel.messages.pofile import read_po

    po = ROOT / "src" / "appeal_letters" / "locale" / language / "LC_MESSAGES" / "web.po"
    with po.open("rb") as handle:
        catalog = read_po(handle)
    assert [m.id for m in catalog if m.id and not m.string] == []
    page = client.get(f"/?lang={language}").get_data(as_text=True)
    assert "Your full name" not in page and "Make my letters" not in page


def test_an_authority_repeated_in_the_post_gets_one_letter(client: FlaskClient) -> None:
    data = form(client, recipients=["president"] * 100 + ["nobody"])
    page = client.post("/letters", data=data).get_data(as_text=True)
    assert page.count('<section class="letter"') == 2  # the president, and the embassy (DE)


def test_the_issuers_contact_from_delivery_yaml_is_offered(workspace: Path) -> None:
    other = workspace.parent / "web-contact"
    shutil.copytree(workspace, other, dirs_exist_ok=True)
    (other / "delivery.yaml").write_text("issuer_contact: appeals@example.org\n", "utf-8")
    app = create_app(other, secret_key="t", warm=False, today=lambda: DAY)
    with app.test_client() as contact_client:
        data = form(contact_client, recipients=["president"])
        page = contact_client.post("/letters", data=data).get_data(as_text=True)
    assert 'href="mailto:appeals%40example.org?subject=RUS%20004%20/%201214' in page
    assert "Write to appeals@example.org" in page


# Found by an adversarial review of the page; each is kept as a test.


def test_a_paragraph_of_ones_own_is_in_every_letter(client: FlaskClient) -> None:
    paragraph = "As a teacher in Berlin I follow the work of the Joint Mobile Group closely."
    data = form(client, paragraph=paragraph, recipients=["president", "ombudsman"])
    zipped = client.post("/download/letters.zip", data=data)
    with zipfile.ZipFile(io.BytesIO(zipped.data)) as archive:
        for name in archive.namelist():
            text = " ".join(
                pypdf.PdfReader(io.BytesIO(archive.read(name))).pages[0].extract_text().split()
            )
            assert paragraph in text, name


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "=?utf-8?q?x=0D=0ABcc=3A_evil=40x=2Eorg?="}, "name",
         "Remove the characters =? from this field."),
        ({"email": "ännä@example.org"}, "email",
         "Use an address with only the letters a to z before the @."),
    ],
)  # fmt: skip
def test_names_and_addresses_a_message_cannot_carry_safely_are_refused(
    client: FlaskClient, changes: dict[str, Any], field: str, message: str
) -> None:
    response = client.post("/download/1.eml", data=form(client, **changes))
    assert response.status_code == 422
    page = client.post("/letters", data=form(client, **changes)).get_data(as_text=True)
    assert f'<p class="error" id="error-{field}">{message}</p>' in page


def test_an_international_domain_goes_in_its_ascii_form(workspace: Path) -> None:
    from email import message_from_bytes, policy

    recipients = (workspace / "recipients.yaml").read_text(encoding="utf-8")
    other = workspace.parent / "web-idn"
    shutil.copytree(workspace, other, dirs_exist_ok=True)
    (other / "recipients.yaml").write_text(
        recipients.replace(
            "    country: RU\n    # The appeal gives only an e-mail field",
            # An office outside Russia: Russian state bodies do not consider e-mail.
            "    country: FR\n    channels:\n      email: ombudsman@example.org\n"
            "    # The appeal gives only an e-mail field",
        ),
        encoding="utf-8",
    )
    app = create_app(other, secret_key="t", warm=False, today=lambda: DAY)
    with app.test_client() as idn:
        data = form(idn, email="anna@exämple.org", recipients=["ombudsman"])
        eml = idn.post("/download/1.eml", data=data)
    assert eml.status_code == 200
    message = message_from_bytes(eml.data, policy=policy.default)
    assert message["From"] == "Jane Doe <anna@xn--exmple-cua.org>"


def test_a_form_sent_in_chunks_is_refused_not_cut(client: FlaskClient) -> None:
    data = form(client)
    body = "&".join(f"{k}={v}" for k, v in data.items() if k != "recipients")
    response = client.post(
        "/letters",
        input_stream=io.BytesIO(body.encode()),
        content_type="application/x-www-form-urlencoded",
        headers={"Transfer-Encoding": "chunked"},
    )
    assert response.status_code == 411
    assert "Your browser sent the form in a way this page does not accept." in response.get_data(
        as_text=True
    )


def test_what_cannot_make_a_letter_is_said_on_the_form_never_a_server_error(
    client: FlaskClient,
) -> None:
    """A character no font has, or an address too long for the window: a 422 with the reason
    at the top of the form (the attack on the Town field found 500s)."""
    for changes, expected in (
        ({"town": "Paris \U0001f5fc"}, "A character you typed cannot be printed: remove it."),
        (
            {"address1": "Building " * 15, "address2": "Long Street Quarter " * 5},
            "Your name and address are too long to show in the envelope window",
        ),
    ):
        data = form(client, recipients=["president"], **changes)
        response = client.post("/letters", data=data)
        page = response.get_data(as_text=True)
        assert response.status_code == 422, page[:300]
        assert expected in page
        assert client.post("/download/letters.zip", data=data).status_code == 422


def test_a_town_in_arabic_gets_the_country_in_arabic_on_the_return_line(
    client: FlaskClient,
) -> None:
    data = form(client, recipients=["president"], town="القاهرة", postcode="11511", country="EG")
    response = client.post("/letters", data=data)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    zipped = client.post("/download/letters.zip", data=data)
    with zipfile.ZipFile(io.BytesIO(zipped.data)) as archive:
        text = pypdf.PdfReader(io.BytesIO(archive.read("01-president.pdf"))).pages[0].extract_text()
    # The return line and letterhead name the country in Arabic; the English letter's own
    # sentence names it in English ("I live in القاهرة, Egypt.").
    assert "مصر" in text or "رصم" in text
    assert text.count("Egypt") == 1
