"""The actions an appeal requests: a numbered or bulleted list after its "Actions requested"
heading or Amnesty's "write immediately", else the one sentence of a model letter ("I urge
you to ... and to ..."), split into requests marked for review.

Each request is kept word for word; only its list marker is dropped.
"""

from __future__ import annotations

from .found import Found, missing
from .header import is_stop
from .lines import Block, blocks, find_heading, heading_of
from .words import ASK_LEADS, NOT_A_VERB, SPLIT_AND, URGE, WRITE_NOW


def _list_after(lines: list[str], start: int) -> tuple[list[Block], Block | None]:
    """The list items after line index ``start``, and the lead-in before them."""
    items: list[Block] = []
    lead: Block | None = None
    kind: str | None = None
    for block in blocks(lines, start + 1):
        if is_stop(block.text) or (heading_of(block.text) and heading_of(block.text) != "actions"):
            break
        if block.marker is None:
            if items:
                break
            if lead is None or ASK_LEADS.search(block.text):
                lead = block
            continue
        if kind is None:
            kind = block.marker
        elif block.marker != kind:
            break
        items.append(block)
    return items, lead


def find_actions(lines: list[str]) -> tuple[list[Found], Found]:
    """The requested actions and whom they are asked of ("the authorities of ...")."""
    starts = [find_heading(lines, "actions")]
    starts += [
        index
        for index, line in enumerate(lines)
        if any(line.casefold().startswith(w) for w in WRITE_NOW)
    ]
    for start in (s for s in starts if s is not None):
        items, lead = _list_after(lines, start)
        if items:
            who = _authorities(lead)
            return [Found(item.text, item.line) for item in items], who
    return _from_model_letter(lines)


def _authorities(lead: Block | None) -> Found:
    if lead is None:
        return missing(
            "whom the requests are asked of is not said: write it as it reads "
            "after 'I urge', e.g. 'the authorities of ...'"
        )
    match = ASK_LEADS.search(lead.text)
    if not match:
        return missing(f"the lead-in '{lead.text[:80]}' does not say whom to write to: write it")
    who = match["who"].strip()
    # French "aux autorités" / "au Président" reads "les autorités" / "le Président" after
    # "Je demande instamment à ...": only the article changes.
    # Russian "напишите властям ..." (dative) reads "власти ..." after "призываю".
    articles = (("aux ", "les "), ("au ", "le "), ("à ", ""), ("a ", ""), ("al ", "el "),
                ("властям ", "власти "), ("руководству ", "руководство "))  # fmt: skip
    for before, after in articles:
        if who.casefold().startswith(before):
            who = after + who[len(before) :]
            break
    return Found(
        who, lead.line, "as the appeal's lead-in names them: check it reads after 'I urge'"
    )


def _from_model_letter(lines: list[str]) -> tuple[list[Found], Found]:
    """Requests written as one sentence of a model letter, split where "and to" starts a new
    request (not "to his family and to a lawyer")."""
    for block in blocks(lines):
        match = URGE.search(block.text)
        if not match:
            continue
        sentence = block.text[match.end() :]
        end = sentence.find(". ")
        sentence = sentence if end < 0 else sentence[: end + 1]
        pieces: list[str] = []
        rest = sentence
        while True:
            split = next(
                (m for m in SPLIT_AND.finditer(rest) if m["next"].casefold() not in NOT_A_VERB),
                None,
            )
            if split is None:
                pieces.append(rest.strip())
                break
            pieces.append(rest[: split.start()].strip())
            rest = rest[split.end() :]
        why = (
            f"split from the one sentence '{block.text[match.start() : match.end()].strip()} ...' "
            "of the model letter: check each request reads whole"
            if len(pieces) > 1
            else "from the model letter's request: check it"
        )
        actions = [Found(piece, block.line, why) for piece in pieces if piece]
        return actions, missing(
            "the appeal asks the official addressed ('I urge you to'): letters say 'I therefore "
            "respectfully urge you to:'; write `authorities` only to ask others"
        )
    return [], missing("no requests found")
