"""Keep letters made from a shared body fully tagged (PDF/UA): the supporter's lines join the
body's structure tree where a letter laid out in full has them.

WeasyPrint tags the body and each document of supporters' lines. The supporter's letterhead
becomes the first element of the letter's document element (as the ``<header>`` is in a whole
letter), the return address goes into the body's empty return-line paragraph, the introduction
into the body's empty introduction zone (the first empty division of its ``<main>``), and the
signature lines into the body's empty signature zone. Their marked content lives in the two
Form XObjects, so they are referred to with marked-content references (``/Stm``) and the forms
get their own entries in the parent tree. When a template gives a tree of another shape, nothing
is guessed: the letter is made without these tags and does not claim PDF/UA.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pikepdf
from pikepdf import Name

if TYPE_CHECKING:
    from .objects import Objects


def _kids(element: Any) -> list[Any]:
    kids = element.get(Name.K)
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _elements(element: Any) -> Iterator[Any]:
    """Struct elements below ``element`` in document order (itself first)."""
    yield element
    for kid in _kids(element):
        if isinstance(kid, pikepdf.Dictionary) and Name.S in kid:
            yield from _elements(kid)


def _is_empty(element: Any) -> bool:
    return not _kids(element)


@dataclass(frozen=True)
class BodyTags:
    """Where a body's letters take their supporter's struct elements, numbered for the letter."""

    document: int
    document_entries: bytes  # the dictionary without /K, ready to close
    document_kids: bytes
    return_line: int
    return_line_entries: bytes
    intro_zone: int
    intro_zone_entries: bytes
    signer_zone: int
    signer_zone_entries: bytes
    parent_tree: int
    parent_tree_nums: bytes
    next_key: int
    page: int


def body_tags(pdf: Any, objects: Objects, page_number: int) -> BodyTags | None:
    """Find the body's document element, return-line paragraph, introduction and signature
    zones.

    Their numbers are reserved in ``objects`` (they are written anew for every letter). None if
    the tree is not the shape the letter template gives.
    """
    tree = pdf.Root.get(Name.StructTreeRoot)
    if tree is None or Name.ParentTree not in tree:
        return None
    top = _kids(tree)
    if len(top) != 1 or str(top[0].get(Name.S)) != "/Document":
        return None
    document = top[0]
    order = list(_elements(document))
    paragraphs = [e for e in order if str(e.S) == "/P"]
    zones = [e for e in order if str(e.S) == "/Div" and _is_empty(e)]
    if not paragraphs or not _is_empty(paragraphs[0]) or not zones:
        return None
    return_line, signer_zone = paragraphs[0], zones[-1]
    main = [kid for kid in _kids(document) if str(kid.get(Name.S)) == "/Part"]
    intros = [
        kid
        for kid in (_kids(main[0]) if len(main) == 1 else [])
        if str(kid.get(Name.S)) == "/Div" and _is_empty(kid)
    ]
    if not intros or intros[0].objgen == signer_zone.objgen:
        return None
    intro_zone = intros[0]
    nums = list(tree.ParentTree.get(Name.Nums, []))
    if Name.Kids in tree.ParentTree or not nums:
        return None
    numbers = {}
    for element in (document, return_line, intro_zone, signer_zone, tree.ParentTree):
        numbers[element.objgen] = objects.memo[element.objgen] = objects.reserve()

    def entries(element: Any) -> bytes:
        return objects.dump_dict({k: v for k, v in element.items() if k != "/K"})

    return BodyTags(
        numbers[document.objgen],
        entries(document),
        b" ".join(objects.dump(kid) for kid in _kids(document)),
        numbers[return_line.objgen],
        entries(return_line),
        numbers[intro_zone.objgen],
        entries(intro_zone),
        numbers[signer_zone.objgen],
        entries(signer_zone),
        numbers[tree.ParentTree.objgen],
        b" ".join(objects.dump(item) for item in nums),
        max(int(nums[i]) for i in range(0, len(nums), 2)) + 1,
        page_number,
    )


@dataclass(frozen=True)
class _Node:
    """A struct element to copy: its entries (without /K, /P, /Pg) and what it holds."""

    entries: bytes
    parent: int  # index of the parent node; -1 to -4: letterhead, return line, signer zone, intro
    kids: tuple[tuple[str, int, int], ...]  # ("mcid", form 0 or 1, id) or ("node", index, 0)


@dataclass(frozen=True)
class PartTags:
    """A supporter's struct elements in a document of supporters' lines, ready to copy."""

    nodes: tuple[_Node, ...]


def part_tags(
    pdf: Any, index: int, objects: Objects, contents: tuple[bytes, bytes]
) -> PartTags | None:
    """The struct elements of the ``index``-th supporter's two pages, or None.

    ``contents``: the two pages' drawing; every marked-content id drawn must belong to exactly
    one of the elements, numbered from 0 without gaps (as the parent tree lists them).
    """
    tree = pdf.Root.get(Name.StructTreeRoot)
    top = _kids(tree) if tree is not None else []
    if len(top) != 1:
        return None
    sections = _kids(top[0])
    if len(sections) < 2 * index + 2:
        return None
    sheet, main = sections[2 * index], sections[2 * index + 1]
    parts = [k for k in _kids(sheet) if isinstance(k, pikepdf.Dictionary)]
    zones = [e for e in _elements(main) if str(e.S) == "/Div" and not _is_empty(e)]
    if len(parts) != 3 or not zones:
        return None
    paragraphs = [e for e in _elements(parts[1]) if str(e.S) == "/P"]
    if not paragraphs:
        return None
    pages = {pdf.pages[2 * index].obj.objgen: 0, pdf.pages[2 * index + 1].obj.objgen: 1}
    nodes: list[_Node] = []

    def plan(element: Any, parent: int) -> int:
        position = len(nodes)
        nodes.append(_Node(b"", parent, ()))
        kids: list[tuple[str, int, int]] = []
        page = element.get(Name.Pg)
        for kid in _kids(element):
            if isinstance(kid, int):
                if page is None or page.objgen not in pages:
                    raise ValueError("marked content outside the supporter's pages")
                kids.append(("mcid", pages[page.objgen], kid))
            elif isinstance(kid, pikepdf.Dictionary) and Name.S in kid:
                kids.append(("node", plan(kid, position), 0))
            else:
                raise ValueError("a struct element kid of an unexpected kind")
        before = objects.next
        entries = objects.dump_dict(
            {k: v for k, v in element.items() if k not in ("/K", "/P", "/Pg")}
        )
        if objects.next != before:
            raise ValueError("a struct element refers to other objects")
        nodes[position] = _Node(entries, parent, tuple(kids))
        return position

    try:
        plan(parts[0], -1)
        for kid in _kids(paragraphs[0]):
            if isinstance(kid, pikepdf.Dictionary):
                plan(kid, -2)
        for kid in _kids(zones[-1]):
            if isinstance(kid, pikepdf.Dictionary):
                plan(kid, -3)
        for kid in _kids(parts[2]):
            if isinstance(kid, pikepdf.Dictionary):
                plan(kid, -4)
    except ValueError:
        return None
    for form, content in enumerate(contents):
        owned = sorted(m for node in nodes for k, f, m in node.kids if k == "mcid" and f == form)
        drawn = sorted(int(m) for m in re.findall(rb"/MCID (\d+)", content))
        if owned != drawn or owned != list(range(len(owned))):
            return None
    return PartTags(tuple(nodes))


def write_tags(
    objects: Objects, body: BodyTags, part: PartTags, head: int, signature: int
) -> tuple[int, int]:
    """Write this letter's document element, return line, signature zone and parent tree.

    Returns the parent-tree keys of the head and signature forms (their /StructParents).
    """
    numbers = [objects.reserve() for _ in part.nodes]
    forms = (head, signature)
    owners: tuple[dict[int, int], dict[int, int]] = ({}, {})
    places = {-1: body.document, -2: body.return_line, -3: body.signer_zone, -4: body.intro_zone}
    tops: dict[int, list[bytes]] = {-1: [], -2: [], -3: [], -4: []}
    for number, node in zip(numbers, part.nodes, strict=True):
        kids = []
        for kind, which, mcid in node.kids:
            if kind == "node":
                kids.append(b"%d 0 R" % numbers[which])
            else:
                owners[which][mcid] = number
                kids.append(
                    b"<< /Type /MCR /Pg %d 0 R /Stm %d 0 R /MCID %d >>"
                    % (body.page, forms[which], mcid)
                )
        parent = places.get(node.parent) or numbers[node.parent]
        if node.parent < 0:
            tops[node.parent].append(b"%d 0 R" % number)
        objects.put(
            number,
            node.entries[:-2]
            + b"/P %d 0 R\n/Pg %d 0 R\n/K [%s]\n>>" % (parent, body.page, b" ".join(kids)),
        )
    for number, entries, kids in (
        (body.document, body.document_entries, [*tops[-1], body.document_kids]),
        (body.return_line, body.return_line_entries, tops[-2]),
        (body.intro_zone, body.intro_zone_entries, tops[-4]),
        (body.signer_zone, body.signer_zone_entries, tops[-3]),
    ):
        objects.put(number, entries[:-2] + b"/K [%s]\n>>" % b" ".join(kids))
    nums = [body.parent_tree_nums]
    for key, mcids in ((body.next_key, owners[0]), (body.next_key + 1, owners[1])):
        nums.append(b"%d [%s]" % (key, b" ".join(b"%d 0 R" % mcids[i] for i in sorted(mcids))))
    objects.put(body.parent_tree, b"<< /Nums [%s] >>" % b" ".join(nums))
    return body.next_key, body.next_key + 1


def write_untagged(objects: Objects, body: BodyTags) -> None:
    """The body's own elements unchanged, for a letter whose supporter's lines are not tagged."""
    for number, entries, kids in (
        (body.document, body.document_entries, body.document_kids),
        (body.return_line, body.return_line_entries, b""),
        (body.intro_zone, body.intro_zone_entries, b""),
        (body.signer_zone, body.signer_zone_entries, b""),
    ):
        objects.put(number, entries[:-2] + b"/K [%s]\n>>" % kids)
    objects.put(body.parent_tree, b"<< /Nums [%s] >>" % body.parent_tree_nums)
