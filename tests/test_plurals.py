"""Counts read as a person says them, through ngettext (plurals.py): "1 authority",
"2 authorities", "1 problem found; fix it"."""

from __future__ import annotations

import gettext

import pytest

from appeal_letters.batch.summary import _letters
from appeal_letters.plurals import counted


@pytest.mark.parametrize(
    ("count", "authorities", "letters"),
    [(0, "0 authorities", "0 letters"), (1, "1 authority", "1 letter"),
     (2, "2 authorities", "2 letters"), (21, "21 authorities", "21 letters")],
)  # fmt: skip
def test_counted_picks_the_form_for_the_count(count: int, authorities: str, letters: str) -> None:
    assert counted(count, "%(count)d authority", "%(count)d authorities") == authorities
    assert _letters(count) == letters


def test_a_catalog_with_three_plural_forms_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """ngettext is looked up at call time, so a catalog with Russian plural forms applies."""

    class Russian(gettext.NullTranslations):
        def ngettext(self, one: str, many: str, n: int) -> str:
            form = 0 if n % 10 == 1 and n % 100 != 11 else 1 if 2 <= n % 10 <= 4 else 2
            return ["%(count)d письмо", "%(count)d письма", "%(count)d писем"][form]

    monkeypatch.setattr("appeal_letters.plurals.ngettext", Russian().ngettext)
    got = [counted(n, "%(count)d letter", "%(count)d letters") for n in (1, 3, 5, 21)]
    assert got == ["1 письмо", "3 письма", "5 писем", "21 письмо"]


def test_one_problem_says_fix_it(tmp_path: pytest.TempPathFactory) -> None:
    from pathlib import Path

    from click.testing import CliRunner

    from appeal_letters.cli import main

    folder = Path(str(tmp_path))
    (folder / "appeal.yaml").write_text("code: X\n", encoding="utf-8")
    (folder / "recipients.yaml").write_text("recipients: []\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["check", "--appeal", str(folder / "appeal.yaml"), "--recipients",
               str(folder / "recipients.yaml")],
    )  # fmt: skip
    assert result.exit_code == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.endswith("found; fix it and run again.") or last.endswith(
        "found; fix them and run again."
    )
    count = int(last.split()[0])
    assert ("problem found; fix it" in last) == (count == 1)
