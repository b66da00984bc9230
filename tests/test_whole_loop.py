"""The README's whole delivery loop on the seed appeal, run as written (issue 16): render,
send through the stand-in fax gateway, read its confirmations and bounce, retry, post the
rest, log a reply, write the report. Only the port is changed (tests run side by side)."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest

from .conftest import ROOT
from .test_delivery import free_port

FOLDER = Path("letters") / "rus-004-1214-obs-093-1"


def _block(readme: str, name: str) -> str:
    found = re.search(rf"<!-- whole-loop: {re.escape(name)} -->\n```\w+\n(.*?)```", readme, re.S)
    assert found, f"README.md has no whole-loop block {name!r}"
    return found.group(1)


@pytest.mark.slow
def test_the_readmes_whole_loop_runs_as_written(workspace: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first, second = _block(readme, "part 1"), _block(readme, "part 2")
    snippet = _block(readme, "recipients.yaml")
    (workspace / ".venv").symlink_to(Path(sys.prefix))
    (workspace / "scripts").symlink_to(ROOT / "scripts")
    port = str(free_port())
    delivery = (ROOT / "delivery.yaml").read_text(encoding="utf-8")
    assert "port: 8025" in delivery  # the README's gateway port is the seed's
    (workspace / "delivery.yaml").write_text(delivery.replace("8025", port), encoding="utf-8")
    # The edit the README asks for, made as a person would: the lines under the embassy.
    recipients = (workspace / "recipients.yaml").read_text(encoding="utf-8")
    head, tail = recipients.split("  - id: ambassador-belgium\n")
    fax = '      fax: "+32 2 374 26 13"\n'
    assert fax in tail
    edited = head + "  - id: ambassador-belgium\n" + tail.replace(fax, fax + snippet, 1)
    script = "set -euo pipefail\n" + first.replace("8025", port)
    script += f"cat > recipients.yaml <<'YAML'\n{edited}YAML\n" + second
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("VIRTUAL_ENV", None)
    run = subprocess.run(
        ["bash", "-c", script],
        cwd=workspace,
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )
    out = run.stdout
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    # The gateway's answers, read back: seven delivered, one busy, one invalid number.
    assert (
        "Receipts read: 7 delivered, 1 to send again later (busy, no answer), 1 failed for good"
    ) in out
    assert "retry: sending again to prosecutor-general" in out
    assert "retry: ambassador-belgium failed for good" in run.stderr
    assert "Receipts read: 1 delivered, 0 to send again later" in out
    # The letter to post: in the print pack with a blank back, on the post list, posted.
    pack = pypdf.PdfReader(workspace / FOLDER / "post" / "print-pack.pdf")
    assert len(pack.pages) == 2 and "Romanov" in (pack.pages[0].extract_text() or "")
    listing = (workspace / FOLDER / "post" / "post-list.txt").read_text(encoding="utf-8")
    assert "Avenue De Fré 66, 1180 Uccle" in listing and "postage: international" in listing
    assert "Posted on " in out and "Reply from prosecutor-general" in out
    with (workspace / "report.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows, "the report has rows"
    by_recipient = {row["recipient_id"]: row for row in rows if row.get("recipient_id")}
    assert set(by_recipient) >= {"president", "prosecutor-general", "ambassador-belgium"}
    text = subprocess.run(
        [str(workspace / ".venv" / "bin" / "appeal-letters"), "report"],
        cwd=workspace,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    chaika = next(line for line in text.splitlines() if "Chaika" in line)
    assert "receipts: 1 delivered" in chaika and "1 reply" in chaika
    romanov = next(line for line in text.splitlines() if "Romanov" in line)
    assert "1 failed for good (to post)" in romanov and "1 posted (" in romanov
    assert "Ombudsman" not in text  # no channel: never sent, never said to be
