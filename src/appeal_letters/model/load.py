"""Read the workspace's YAML files into validated models, keeping every error's position.

PyYAML's composed node tree gives each value its line and column; pydantic gives each
error a location (``recipients[2].channels.fax[0]``). Joining the two lets every problem
be reported as ``FILE:LINE:COLUMN: field.path: what is wrong``, all at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import phonenumbers
import pydantic
import yaml

from ..errors import Problem, ValidationError
from .campaign import OFFICES, Appeal, Campaign, Recipient, Sender
from .values import LINE_PATTERN, TEXT_PATTERN

Path_ = tuple[str | int, ...]
M = TypeVar("M", bound=pydantic.BaseModel)

#: Guards against alias bombs and absurd inputs: no real appeal file comes near these.
MAX_FILE_BYTES = 2_000_000
MAX_NODES = 200_000


class YamlDocument:
    """A YAML document as plain Python data, with the position of every key and item."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.positions: dict[Path_, tuple[int, int]] = {}
        self.problems: list[Problem] = []
        self.data: Any = None
        self.parsed = False
        self._nodes = 0
        self._constructor = yaml.SafeLoader("")

    def problem(self, path: Path_, message: str) -> None:
        line, column = self.position(path)
        self.problems.append(Problem(self.file, line, column, dotted(path), message))

    def position(self, path: Path_) -> tuple[int, int]:
        """The position of the deepest part of ``path`` that exists in the file."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.positions:
                return self.positions[path[:end]]
        return (1, 1)

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise _TooBig
        self.positions.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self._constructor.construct_object(key_node)
                if not isinstance(key, str | int) or isinstance(key, bool):
                    self.positions[(*path, "?")] = _mark(key_node)
                    self.problem((*path, "?"), "keys must be plain words")
                    continue
                if key in result:
                    self.positions[(*path, key, "")] = _mark(key_node)
                    self.problem((*path, key, ""), f"'{key}' is given twice; keep only one")
                    continue
                self.positions[(*path, key)] = _mark(key_node)
                result[key] = self.build(value_node, (*path, key))
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        try:
            return self._constructor.construct_object(node)
        except ValueError as exc:  # a date such as 2016-13-45 matches YAML's pattern only
            self.problem(path, f"'{node.value}' is not a valid date ({exc}); write YYYY-MM-DD")
            return node.value


class _TooBig(Exception):
    pass


def _mark(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def dotted(path: Sequence[str | int]) -> str:
    """``("recipients", 2, "channels", "fax")`` -> ``recipients[2].channels.fax``."""
    text = ""
    for part in path:
        if part == "":
            continue
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def read_yaml(file: Path) -> YamlDocument:
    """Parse one YAML file; problems (unreadable, syntax) are kept on the document."""
    doc = YamlDocument(file)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        doc.problems.append(Problem(file, 1, 1, "", f"cannot read the file: {exc.strerror}"))
        return doc
    if len(raw) > MAX_FILE_BYTES:
        doc.problems.append(
            Problem(file, 1, 1, "", "file is larger than 2 MB; is it the right file?")
        )
        return doc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        doc.problems.append(
            Problem(file, 1, 1, "", f"not UTF-8 text (byte {exc.start}); save the file as UTF-8")
        )
        return doc
    return parse_yaml(doc, text)


def parse_yaml(doc: YamlDocument, text: str) -> YamlDocument:
    """Parse ``text`` into ``doc``: node-limited (no alias bomb), every position kept."""
    file = doc.file
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        doc.data = doc.build(node, ()) if node is not None else None
        doc.parsed = True
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = exc.problem or "not valid YAML"
        doc.problems.append(Problem(file, line, column, "", f"YAML syntax: {what}"))
        return doc
    except yaml.YAMLError as exc:
        doc.problems.append(Problem(file, 1, 1, "", f"YAML syntax: {exc}"))
        return doc
    except _TooBig:
        doc.problems.append(Problem(file, 1, 1, "", "too many values (alias bomb?)"))
    return doc


_FRIENDLY = {
    "missing": "required field is missing",
    "string_type": "must be text",
    "list_type": "must be a list",
    "dict_type": "must be a mapping of keys to values",
    "model_type": "must be a mapping of keys to values",
    "date_from_datetime_parsing": "must be a date written YYYY-MM-DD",
    "date_type": "must be a date written YYYY-MM-DD",
    "date_parsing": "must be a date written YYYY-MM-DD",
    "string_too_short": "must not be empty",
}


def pydantic_problems(
    doc: YamlDocument, exc: pydantic.ValidationError, prefix: Path_, model: type[pydantic.BaseModel]
) -> None:
    for error in exc.errors(include_url=False):
        path = (*prefix, *error["loc"])
        kind = error["type"]
        pattern = error.get("ctx", {}).get("pattern")
        if kind == "extra_forbidden":
            allowed = _allowed_keys(model, error["loc"][:-1])
            message = "unknown field (a typo?)" + (f"; allowed: {allowed}" if allowed else "")
        elif kind == "literal_error":
            expected = error.get("ctx", {}).get("expected", "")
            message = f"must be one of {expected}"
        elif kind == "string_pattern_mismatch" and pattern == LINE_PATTERN:
            message = (
                "must be one line, without line breaks, control characters, bidi overrides "
                "or invisible characters"
            )
        elif kind == "string_pattern_mismatch" and pattern == TEXT_PATTERN:
            message = "must not hold control characters, bidi overrides or invisible characters"
        elif kind == "string_pattern_mismatch":
            message = "must be lower-case letters, digits, '-' or '_' (e.g. prosecutor-general)"
        elif kind == "string_too_long":
            message = f"is too long (at most {error.get('ctx', {}).get('max_length')} characters)"
        elif kind == "too_short":
            message = "must not be empty"
        elif kind == "value_error":
            message = str(error.get("ctx", {}).get("error", error["msg"]))
        else:
            message = _FRIENDLY.get(kind, error["msg"])
        doc.problem(path, message)


def _allowed_keys(model: type[pydantic.BaseModel], loc: Iterable[str | int]) -> str:
    """Name the keys a mapping accepts, to help fix a typo."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = getattr(current, "model_fields", {}).get(part)
        annotation = getattr(field, "annotation", None)
        args = getattr(annotation, "__args__", ())
        candidates = [annotation, *args]
        current = next(
            (c for c in candidates if isinstance(c, type) and issubclass(c, pydantic.BaseModel)),
            None,
        )
        if current is None:
            return ""
    return ", ".join(getattr(current, "model_fields", {}))


def top_mapping(doc: YamlDocument, data: Any, what: str) -> dict[str, Any] | None:
    if not isinstance(data, dict):
        doc.problem((), f"the file must be a mapping ({what}); see the README's field reference")
        return None
    return data


def load_appeal(file: Path) -> Appeal:
    """Read and validate ``appeal.yaml``."""
    appeal, doc = _load_appeal(file)
    if doc.problems or appeal is None:
        raise ValidationError(doc.problems)
    return appeal


def _load_appeal(file: Path) -> tuple[Appeal | None, YamlDocument]:
    doc = read_yaml(file)
    if not doc.parsed:
        return None, doc
    mapping = top_mapping(doc, doc.data, "code: ..., title: ..., actions: [...]")
    if mapping is None:
        return None, doc
    try:
        appeal = Appeal.model_validate(mapping)
    except pydantic.ValidationError as exc:
        pydantic_problems(doc, exc, (), Appeal)
        return None, doc
    for language, translation in appeal.translations.items():
        where: Path_ = ("translations", language)
        if translation.actions is not None and len(translation.actions) != len(appeal.actions):
            doc.problem(
                (*where, "actions"),
                f"has {len(translation.actions)} actions but the appeal has "
                f"{len(appeal.actions)}; translate each action, in the same order",
            )
        for key in translation.office_notes:
            if key not in appeal.office_notes:
                doc.problem(
                    (*where, "office_notes", key),
                    f"'{key}' has no note in the appeal's own language",
                )
    return (None if doc.problems else appeal), doc


def _load_recipients(file: Path) -> tuple[list[tuple[Recipient, YamlDocument, int]], list[Problem]]:
    doc = read_yaml(file)
    if not doc.parsed:
        return [], doc.problems
    mapping = top_mapping(doc, doc.data, "recipients: [ ... ]")
    if mapping is None:
        return [], doc.problems
    for key in mapping:
        if key != "recipients":
            doc.problem((key,), "unknown field (a typo?); allowed: recipients")
    items = mapping.get("recipients")
    if not isinstance(items, list) or not items:
        doc.problem(("recipients",), "must be a list with at least one authority")
        return [], doc.problems
    found: list[tuple[Recipient, YamlDocument, int]] = []
    for index, item in enumerate(items):
        prefix: Path_ = ("recipients", index)
        if not isinstance(item, dict):
            doc.problem(prefix, "each recipient must be a mapping (id: ..., name: ...)")
            continue
        country = item.get("country")
        region = country.upper() if isinstance(country, str) else None
        context = {"region": region if region in phonenumbers.SUPPORTED_REGIONS else None}
        try:
            found.append((Recipient.model_validate(item, context=context), doc, index))
        except pydantic.ValidationError as exc:
            pydantic_problems(doc, exc, prefix, Recipient)
    return found, doc.problems


def load_recipients(files: Sequence[Path]) -> tuple[Recipient, ...]:
    """Read one or more recipients files; ids must be unique across all of them."""
    recipients, problems = _recipients_from(files)
    if problems:
        raise ValidationError(problems)
    return tuple(recipients)


def _recipients_from(files: Sequence[Path]) -> tuple[list[Recipient], list[Problem]]:
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    recipients: list[Recipient] = []
    for file in files:
        found, file_problems = _load_recipients(file)
        problems += file_problems
        for recipient, doc, index in found:
            path: Path_ = ("recipients", index, "id")
            if recipient.id in seen:
                line, column = doc.position(path)
                problems.append(
                    Problem(
                        file,
                        line,
                        column,
                        dotted(path),
                        f"duplicate id '{recipient.id}' (first at {seen[recipient.id]}); "
                        "give each authority its own id",
                    )
                )
                continue
            line, _ = doc.position(path)
            seen[recipient.id] = f"{file}:{line}"
            recipients.append(recipient)
    return recipients, problems


def load_model(file: Path, model: type[M], hint: str) -> M:
    """Read a YAML file holding one mapping and validate it as ``model``, or raise every problem.

    ``hint`` shows the expected shape when the file is not a mapping at all.
    """
    doc = read_yaml(file)
    mapping = top_mapping(doc, doc.data, hint) if doc.parsed else None
    if mapping is not None:
        try:
            value = model.model_validate(mapping)
        except pydantic.ValidationError as exc:
            pydantic_problems(doc, exc, (), model)
        else:
            if not doc.problems:
                return value
    raise ValidationError(doc.problems)


def load_sender(file: Path) -> Sender:
    """Read and validate a sender file (the supporter who signs)."""
    return load_model(file, Sender, "name: ..., address: [...]")


def sender_from_options(
    name: str,
    address: Sequence[str],
    email: str | None,
    paragraph: str | None = None,
    country: str | None = None,
    town: str | None = None,
) -> Sender:
    """Build a sender from command-line options; errors name the option, not a file."""
    lines = [line.strip() for value in address for line in value.splitlines() if line.strip()]
    data: dict[str, Any] = {"name": name, "address": lines}
    if email:
        data["email"] = email
    if paragraph:
        data["paragraph"] = paragraph
    if country:
        data["country"] = country
    if town:
        data["town"] = town
    try:
        return Sender.model_validate(data)
    except pydantic.ValidationError as exc:
        doc = YamlDocument(Path("<command line>"))
        pydantic_problems(doc, exc, (), Sender)
        raise ValidationError(doc.problems) from exc


def load_campaign(appeal_file: Path, recipient_files: Sequence[Path]) -> Campaign:
    """Load and cross-check the appeal and all recipients, reporting every problem at once."""
    appeal, doc = _load_appeal(appeal_file)
    recipients, problems = _recipients_from(recipient_files)
    if appeal is not None and not problems:
        known = set(OFFICES) | {r.id for r in recipients}
        for key in appeal.office_notes:
            if key not in known:
                doc.problem(
                    ("office_notes", key),
                    f"'{key}' is neither an office ({', '.join(OFFICES)}) nor a recipient id",
                )
    problems += doc.problems
    if problems or appeal is None:
        raise ValidationError(problems)
    return Campaign(appeal=appeal, recipients=tuple(recipients))
