"""What the importer found, written as a workspace: ``appeal.yaml`` and ``recipients.yaml``
with a comment on every field a person should check, and ``IMPORT.md``, the review report,
which ends with what ``check`` says about the result.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from ..compose import review
from ..errors import AppealLettersError, ValidationError
from ..files import atomic_write, make_folder
from ..model import load_campaign
from ..render import trial_layout
from .found import Addressee, Found, Imported

FILES = ("appeal.yaml", "recipients.yaml", "IMPORT.md")

#: appeal.yaml's fields in the order a reader expects them; required ones are written even
#: when empty, so that ``check`` names them.
APPEAL_FIELDS = (
    ("code", True), ("title", True), ("issuer", True), ("authorities", False),
    ("place", False), ("date", True), ("country", True), ("language", False),
    ("index", False), ("deadline", False), ("update", False), ("earlier_codes", False),
    ("copies_to", False),
    ("summary", True),
)  # fmt: skip
RECIPIENT_FIELDS = (
    ("id", True), ("office", True), ("gender", False), ("honorific", False), ("name", True),
    ("title", True), ("institution", False), ("country", True), ("language", False),
    ("address", False),
)  # fmt: skip


@dataclass
class Written:
    """The workspace written, and what ``check`` says about it."""

    folder: Path
    to_check: int
    problems: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)


def _dump(key: str, value: Any, indent: str) -> str:
    if isinstance(value, dt.date):
        value = value.isoformat()
    text = yaml.safe_dump({key: value}, allow_unicode=True, sort_keys=False, width=96)
    if value is None:
        text = f"{key}:\n"
    return "".join(indent + line + "\n" for line in text.splitlines())


def _comment(found: Found | None, indent: str, *, line: bool = True) -> str:
    """One comment line: where the value came from, how it was written, what to check."""
    if found is None:
        return ""
    notes = []
    if found.line and line:
        notes.append(f"line {found.line}")
    if found.written:
        notes.append(f"written '{found.written}'")
    if found.check:
        notes.append("check: " + found.check)
    return f"{indent}# {' · '.join(notes)}\n" if notes else ""


def appeal_yaml(imported: Imported) -> str:
    out = [
        f"# Imported by appeal-letters from {shown(imported.source)}: review every 'check:'.\n"
        "# IMPORT.md lists them all. Field reference: docs/workspace.md.\n\n"
    ]
    fields = imported.appeal
    for name, required in APPEAL_FIELDS:
        found = fields.get(name, Found())
        if found.missing and not required:
            continue
        out.append(_comment(found, "") + _dump(name, found.value, ""))
    out.append("\n# The actions requested, word for word from the appeal.\n")
    if imported.actions:
        out.append("actions:\n")
        for action in imported.actions:
            out.append(
                _comment(action, "  ")
                + "".join(
                    "  " + line + "\n"
                    for line in yaml.safe_dump(
                        [action.value], allow_unicode=True, width=96
                    ).splitlines()
                )
            )
    else:
        out.append("# check: no requests found in the appeal; copy them here.\nactions:\n")
    return "".join(out)


def _recipient(addressee: Addressee, written_in: str) -> str:
    out = [f"  # line {addressee.line}: {addressee.source.splitlines()[0][:100]}\n"]
    first = True
    for name, required in RECIPIENT_FIELDS:
        found = addressee.fields.get(name, Found())
        if found.missing and not required:
            continue
        text = _comment(found, "    ", line=False) + _dump(name, found.value, "    ")
        if first:
            text, first = "  - " + text.lstrip(), False
        out.append(text)
        if name == "language" and found.value != written_in:
            out.append(
                f"    # the fields above are in '{written_in}'; add localized.{found.value} "
                "with the names in the letters' language\n"
                + _dump("written_in", written_in, "    ")
            )
    salutations = dict(addressee.value("salutation") or {})
    if written_in in salutations:
        out.append(_dump("salutation", salutations.pop(written_in), "    "))
    channels = {k: addressee.value(k) for k in ("fax", "email", "web_form") if addressee.value(k)}
    if channels:
        notes = [addressee.fields[k] for k in channels]
        out.append("".join(_comment(f, "    ", line=False) for f in notes))
        out.append(_dump("channels", channels, "    "))
    if salutations:
        localized = {lang: {"salutation": text} for lang, text in salutations.items()}
        out.append(_dump("localized", localized, "    "))
    for note in addressee.notes:
        out.append(f"    # note: {note}\n")
    return "".join(out)


def recipients_yaml(imported: Imported) -> str:
    written_in = str(imported.appeal["language"].value)
    out = [
        f"# Imported by appeal-letters from {shown(imported.source)}: contact data as the appeal "
        "gives it, nothing added.\n# IMPORT.md lists what to check. Field reference: "
        "docs/workspace.md.\n\nrecipients:\n"
    ]
    if not imported.addressees:
        return out[0].replace(
            "recipients:\n", "# check: no addressees found; write them here.\nrecipients: []\n"
        )
    out += [_recipient(a, written_in) + "\n" for a in imported.addressees]
    return "".join(out)


def _to_check(imported: Imported) -> list[tuple[str, Found]]:
    found = [(f"appeal.{k}", v) for k, v in imported.appeal.items() if v.check]
    found += [(f"appeal.actions[{i + 1}]", a) for i, a in enumerate(imported.actions) if a.check]
    for a in imported.addressees:
        found += [(f"{a.value('id')}.{k}", v) for k, v in a.fields.items() if v.check]
    return found


def report(imported: Imported, written: Written) -> str:
    def cell(value: Any) -> str:
        text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        if isinstance(value, dict):
            text = "; ".join(f"{k}: {v}" for k, v in value.items())
        return text.replace("|", "\\|").replace("\n", " ")[:160]

    appeal = imported.appeal
    checks = _to_check(imported)
    out = [
        f"# Import of {shown(imported.source)}\n\n",
        f"Code **{cell(appeal['code'].value)}**, {len(imported.actions)} requests, "
        f"{len(imported.addressees)} addressees, text in '{appeal['language'].value}' "
        f"(read as {imported.kind}).\n\n",
        f"## To check before sending letters ({len(checks)})\n\n",
    ]
    out += [f"- [ ] `{name}` (line {f.line or '-'}): {f.check}\n" for name, f in checks]
    notes = imported.notes + [f"{a.value('id')}: {n}" for a in imported.addressees for n in a.notes]
    if notes:
        out.append("\n## Notes\n\n" + "".join(f"- {n}\n" for n in notes))
    out.append("\n## What `appeal-letters check` says\n\n")
    if written.problems or written.findings:
        out += [f"- {p}\n" for p in written.problems + written.findings]
    else:
        out.append("Nothing: the workspace is valid.\n")
    out.append(
        "\n## Every field and where it came from\n\n| field | value | line |\n|---|---|---|\n"
    )
    for name, f in appeal.items():
        out.append(
            f"| {name} | {cell(f.value) if not f.missing else '(none)'} | {f.line or ''} |\n"
        )
    for i, action in enumerate(imported.actions, 1):
        out.append(f"| actions[{i}] | {cell(action.value)} | {action.line} |\n")
    for a in imported.addressees:
        for name, f in a.fields.items():
            if not f.missing:
                out.append(f"| {a.value('id')}.{name} | {cell(f.value)} | {f.line or ''} |\n")
    return "".join(out)


def shown(name: str) -> str:
    """A file name safe inside a YAML comment or a Markdown heading: line breaks (U+2028
    included), controls and invisible characters shown as '?'."""
    return "".join(c if c.isprintable() else "?" for c in name)


def _check(files: dict[str, str], folder: Path, letters: bool) -> tuple[list[str], list[str]]:
    """What ``check`` says about the two files (``files``: name -> text), run on copies in a
    scratch folder so that a failure leaves the workspace as it was; messages name the files
    where they will be."""
    with tempfile.TemporaryDirectory(prefix="appeal-import-") as scratch:
        here = Path(scratch)
        for name, text in files.items():
            (here / name).write_text(text, encoding="utf-8")
        try:
            campaign = load_campaign(here / "appeal.yaml", [here / "recipients.yaml"])
        except ValidationError as exc:
            return [str(replace(p, file=folder / p.file.name)) for p in exc.problems], []
        findings = [str(f) for f in review(campaign, dt.date.today())]
        if letters:
            findings += trial_layout(campaign, None)
        return [], findings


def write_workspace(
    imported: Imported, folder: Path, *, force: bool = False, letters: bool = True
) -> Written:
    """Write the three files, all or none: an existing workspace is kept unless ``force``, and
    if one file cannot be written the ones already replaced get their old contents back.
    ``letters``: also lay out every letter (DIN layout), so that the report names an address
    line that wraps in the envelope window (about 0.1 s a letter)."""
    existing = [name for name in FILES if os.path.lexists(folder / name)]
    if existing and not force:
        raise AppealLettersError(
            f"{folder / existing[0]}: already exists; import into a new folder (--out) or "
            "give --force to replace the workspace"
        )
    contents = {
        "appeal.yaml": appeal_yaml(imported),
        "recipients.yaml": recipients_yaml(imported),
    }
    written = Written(folder, len(_to_check(imported)))
    written.problems, written.findings = _check(contents, folder, letters)
    contents["IMPORT.md"] = report(imported, written)
    make_folder(folder)
    before: dict[str, bytes | None] = {}
    for name in FILES:
        path = folder / name
        before[name] = path.read_bytes() if path.is_file() and not path.is_symlink() else None
    done: list[str] = []
    try:
        for name, text in contents.items():
            atomic_write(folder / name, text.encode("utf-8"))
            done.append(name)
    except BaseException:
        for name in done:
            old = before[name]
            with contextlib.suppress(OSError, AppealLettersError):
                if old is None:
                    (folder / name).unlink()
                else:
                    atomic_write(folder / name, old)
        raise
    return written
