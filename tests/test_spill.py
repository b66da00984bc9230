"""A batch's long lists kept on disk: the spill, the recorded letters, the letters made.

What a batch does with them end to end (resume, manifest, bundles) is test_batch's; here,
each store on its own, attacked: items across read blocks, a forked reader, a full disk, a
folder that cannot be written, keys whose hashes collide, later records of one letter.
"""

from __future__ import annotations

import errno
import json
import multiprocessing as mp
import os
from pathlib import Path

import pytest

from appeal_letters import spill
from appeal_letters.batch import progress
from appeal_letters.batch.plan import Letters
from appeal_letters.batch.progress import PROGRESS, Done, Recorded
from appeal_letters.errors import OutputError
from appeal_letters.spill import Spill


def done(key: str, recipient: str = "president", sha: str = "0" * 64) -> Done:
    return Done(key, recipient, f"supporters/{key}/01.pdf", 1, sha, "f" * 64, "fax", "ru")


def test_a_spill_gives_back_what_it_was_given_and_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(spill, "_BLOCK", 100)  # several read blocks, items larger than one
    items = [("row", n, "x" * (n * 7 % 300), {"é": [n]}) for n in range(200)]
    kept = Spill(tmp_path, items)
    assert list(tmp_path.iterdir()) == []  # unlinked from the start: a killed run leaves none
    assert len(kept) == 200 and kept
    assert list(kept) == items
    assert kept[0] == items[0] and kept[-1] == items[-1] and kept[57] == items[57]
    assert kept[10:13] == items[10:13]
    with pytest.raises(IndexError):
        kept[200]
    kept.append(("late", 1, "", {}))
    assert kept[-1] == ("late", 1, "", {}) and len(kept) == 201
    assert not Spill(tmp_path)
    kept.close()


def _read_in_child(kept: Spill[str], out: mp.Queue[list[str]]) -> None:
    out.put([kept[1], *kept])


def test_a_forked_process_reads_the_spill_it_inherited(tmp_path: Path) -> None:
    """Bundle workers read the batch's records through the spill they inherit."""
    kept = Spill(tmp_path, ["a", "b", "c"])
    context = mp.get_context("fork")
    out: mp.Queue[list[str]] = context.Queue()
    child = context.Process(target=_read_in_child, args=(kept, out))
    child.start()
    assert out.get(timeout=30) == ["b", "a", "b", "c"]
    child.join(timeout=30)
    assert child.exitcode == 0
    assert list(kept) == ["a", "b", "c"]  # the parent's reading is not moved by the child's


def test_a_full_disk_or_a_folder_out_of_reach_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Items are written a block at a time; a full disk is one clear error, and nothing kept
    is lost: the items not written stay in memory, written with the next block."""
    monkeypatch.setattr(spill, "_BLOCK", 1)  # every item its own block
    kept = Spill(tmp_path, ["a"])
    write = os.pwrite

    def full(*args: object) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(spill.os, "pwrite", full)
    with pytest.raises(OutputError, match=r"cannot keep a batch's records on disk: No space"):
        kept.append("b")
    assert list(kept) == ["a", "b"] and kept[1] == "b"

    def half(fd: int, data: bytes, offset: int) -> int:  # the disk fills half-way
        monkeypatch.setattr(spill.os, "pwrite", full)
        return write(fd, data[: len(data) // 2], offset)

    monkeypatch.setattr(spill.os, "pwrite", half)
    with pytest.raises(OutputError, match="No space"):
        kept.append("a longer item, written in part")
    assert list(kept) == ["a", "b", "a longer item, written in part"]
    monkeypatch.setattr(spill.os, "pwrite", write)  # space again
    kept.append("d")
    assert not kept._pending  # all of it on disk now
    assert list(kept) == ["a", "b", "a longer item, written in part", "d"]
    assert kept[2] == "a longer item, written in part"
    with pytest.raises(OutputError, match="nowhere: cannot write there"):
        Spill(tmp_path / "nowhere")


def test_items_are_read_back_whether_written_or_still_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(spill, "_BLOCK", 300)
    items = [f"item {n} " * (n % 13) for n in range(100)]
    kept = Spill(tmp_path)
    for count, item in enumerate(items, start=1):
        kept.append(item)
        assert kept[count - 1] == item and list(kept) == items[:count]
    assert kept._flushed > 0 and kept._pending  # some on disk, the last ones in memory


def test_recorded_letters_are_found_by_key_even_when_every_hash_collides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The index holds hashes, not keys: a record read back is compared with the key asked
    for, keys of one hash are told apart, and a later line for the same letter wins."""
    lines = [done("s1"), done("s2"), done("s1", "prosecutor"), done("s1", sha="1" * 64)]
    (tmp_path / PROGRESS).write_text(
        "".join(json.dumps(d.__dict__) + "\n" for d in lines) + '{"cut short', encoding="utf-8"
    )
    for collide in (False, True):
        if collide:
            monkeypatch.setattr(progress, "_hash", lambda key: 7)
        recorded = Recorded(tmp_path)
        assert recorded.get("s1", "president") == lines[3]
        assert recorded.get("s2", "president") == lines[1]
        assert recorded.get("s1", "prosecutor") == lines[2]
        assert recorded.get("s3", "president") is None
        assert recorded.get("s2", "prosecutor") is None
        recorded.close()


def test_letters_are_numbered_supporter_by_supporter_and_read_per_authority(
    tmp_path: Path,
) -> None:
    letters = Letters(tmp_path, supporters=4, recipients=3)
    made = {0: done("a", "r0"), 2: done("a", "r2"), 4: done("b", "r1"), 5: done("b", "r2"),
            11: done("d", "r2")}  # fmt: skip
    for number in sorted(made, reverse=True):  # recorded as they come back, in any order
        letters.put(number, made[number])
    letters.put(4, made[4])  # a letter made again counts once
    assert len(letters) == 5
    assert list(letters) == [made[n] for n in sorted(made)]
    assert letters.get(1) is None and letters.get(11) == made[11]
    assert list(letters.to(2)) == [(2, made[2]), (5, made[5]), (11, made[11])]
    assert list(letters.to(2, start=3)) == [(5, made[5]), (11, made[11])]
    assert list(letters.to(2, start=6)) == [(11, made[11])]
    assert list(letters.to(1, start=4)) == [(4, made[4])]
    assert list(letters.to(0, start=1)) == []
    letters.close()


def test_the_table_of_hashes_finds_every_number_as_it_grows() -> None:
    import random

    table = progress._Numbers()
    rng = random.Random(15)
    keys = list({rng.randint(-(2**63), 2**63 - 1) for _ in range(5000)} | {0, -1})
    for number, key in enumerate(keys):
        table.put(key, number)
    table.put(keys[7], 99999)  # a later record for the same key
    assert all(table.get(key) == n for n, key in enumerate(keys) if n != 7)
    assert table.get(keys[7]) == 99999
    assert table.get(12345678901) is None


def test_a_full_disk_while_recording_letters_is_one_clear_error(tmp_path: Path) -> None:
    """The letters' records go to progress.jsonl as each letter comes back: a full disk there
    is said in one line naming the file (never a traceback), and what was recorded stays."""
    from appeal_letters.batch.progress import progress_log, read_progress

    class FullDisk:
        def write(self, text: str) -> int:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with progress_log(tmp_path) as log:
        log.record(done("s1"))
    with (
        pytest.raises(OutputError, match=r"progress.jsonl: cannot record the letters made: No s"),
        progress_log(tmp_path) as log,
    ):
        log.handle = FullDisk()  # type: ignore[assignment]
        log.record(done("s2"))
    assert list(read_progress(tmp_path)) == [("s1", "president")]
