"""Batch production speed: the naive loop against `appeal-letters batch`, in the same run.

Builds a synthetic supporters file, then prints letters/s, the ratio to the naive loop, peak
memory, bytes per letter and bundle size for:
- the naive loop: one WeasyPrint document per letter, one after the other, in one process;
- `appeal-letters batch` end to end as a fresh process (letters, bundles, manifest), from
  shared bodies (the default) and with --full-layout;
- the same with a personal paragraph for every supporter (such letters are laid out in full);
- one authority's bundle of 2,000 letters (its size).

    python bench/batch.py [--supporters 1000] [--naive-sample 100]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CITIES = [
    ("Lisboa", "PT"),
    ("Paris", "FR"),
    ("London", "GB"),
    ("Praha", "CZ"),
    ("Genève", "CH"),
    ("Berlin", "DE"),
    ("Madrid", "ES"),
    ("Roma", "IT"),
    ("Oslo", "NO"),
    ("Dublin", "IE"),
]
# Names and streets as supporters across Europe write them, so that letters differ in their
# glyphs as real ones do (accents, capitals, digits), not only in a number.
FIRST = [
    "José",
    "Zoë",
    "Łukasz",
    "Anaïs",
    "Søren",
    "Mária",
    "Jürgen",
    "Siobhán",
    "Çağla",
    "Dimitrios",
    "Ewa",
    "François",
    "Núria",
    "Oğuz",
    "Pål",
    "Radka",
    "Teodor",
    "Ines",
]
LAST = [
    "Fernández",
    "Ünal-Øster",
    "Kowalczyk",
    "Lefèvre",
    "Ødegård",
    "Horváthová",
    "Müller",
    "Ó Briain",
    "Yılmaz",
    "Papadopoulos",
    "Wiśniewska",
    "Dubois",
    "Puigdemont",
    "Šimková",
    "Almeida",
    "Novák",
    "Grünewald",
    "Quinn",
    "Rossi",
    "Jansen",
]
STREETS = [
    "Rua das Flores",
    "Rue de la Paix",
    "Baker Street",
    "Na Příkopě",
    "Quai du Mont-Blanc",
    "Kastanienallee",
    "Calle de Alcalá",
    "Via del Corso",
    "Karl Johans gate",
    "Grafton Street",
]


def make_supporters(path: Path, count: int, paragraph: bool) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["id", "name", "address", "postcode", "city", "country", "email", "paragraph"]
        )
        for i in range(count):
            city, country = CITIES[i % len(CITIES)]
            first, last = FIRST[i % len(FIRST)], LAST[(i * 7 + i // 20) % len(LAST)]
            writer.writerow(
                [
                    f"S{i:06d}",
                    f"{first} {last}",
                    f"{STREETS[i % len(STREETS)]} {i % 200 + 1}",
                    f"{10000 + (i * 37) % 89999}",
                    city,
                    country,
                    f"supporter{i}@example.org",
                    (
                        f"As a member of our local group since {1990 + i % 30}, I follow this "
                        "case closely."
                    )
                    if paragraph
                    else "",
                ]
            )


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def naive(workspace: Path, source: str, sample: int) -> tuple[float, float]:
    """One document per letter, in this process; returns letters/s and MB of RSS per letter."""
    sys.path.insert(0, str(ROOT / "src"))
    from appeal_letters.compose import Composer
    from appeal_letters.model import load_campaign, read_supporters
    from appeal_letters.render import PdfRenderer, RenderOptions, render_letter

    campaign = load_campaign(workspace / "appeal.yaml", [workspace / "recipients.yaml"])
    supporters = read_supporters(workspace / source).supporters
    composer, renderer = Composer(), PdfRenderer()
    options = RenderOptions(date=dt.date(2026, 11, 26))
    out = workspace / f"naive-{source}"
    out.mkdir()
    pairs = [(s, r) for s in supporters for r in campaign.recipients][:sample]
    render_letter(composer, renderer, campaign, pairs[0][1], pairs[0][0].sender, options)
    before = rss_mb()
    start = time.perf_counter()
    for n, (supporter, recipient) in enumerate(pairs):
        item = render_letter(composer, renderer, campaign, recipient, supporter.sender, options)
        (out / f"{n}.pdf").write_bytes(item.pdf)
    seconds = time.perf_counter() - start
    return len(pairs) / seconds, (rss_mb() - before) / len(pairs)


def run_batch(workspace: Path, source: str, out: str, *extra: str) -> tuple[float, int, float]:
    """`appeal-letters batch` as a fresh process: seconds, letters, peak RSS of the child."""
    command = [
        str(Path(sys.executable).with_name("appeal-letters")),
        "batch",
        "--supporters",
        source,
        "--out",
        out,
        "--date",
        "2026-11-26",
        *extra,
    ]
    start = time.perf_counter()
    result = subprocess.run(command, cwd=workspace, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(result.stderr)
    letters = sum(1 for _ in (workspace / out / "supporters").rglob("*.pdf"))
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return seconds, letters, peak


def folder_bytes(folder: Path, pattern: str) -> list[int]:
    return [p.stat().st_size for p in folder.rglob(pattern)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--supporters", type=int, default=1000)
    parser.add_argument(
        "--naive-sample", type=int, default=100, help="letters timed in the naive loop (it is slow)"
    )
    parser.add_argument(
        "--bundle-letters", type=int, default=2000, help="size of the one-authority bundle measured"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Path(tmp)
        for name in ("appeal.yaml", "recipients.yaml"):
            shutil.copy(ROOT / name, workspace / name)
        make_supporters(workspace / "plain.csv", args.supporters, paragraph=False)
        make_supporters(workspace / "personal.csv", args.supporters, paragraph=True)
        print(f"{args.supporters} supporters x 10 authorities, {os.cpu_count()} cores")
        rates = {}
        for source in ("plain.csv", "personal.csv"):
            rates[source], leak = naive(workspace, source, args.naive_sample)
            print(
                f"naive loop, {source} (one document per letter, one process): "
                f"{rates[source]:.1f} letters/s over {args.naive_sample} letters; RSS grows "
                f"{leak:.2f} MB per letter"
            )
        runs = (
            ("shared bodies, letters + bundles", "plain.csv", "shared", ()),
            (
                "full layout of every letter (--full-layout)",
                "plain.csv",
                "full",
                ("--full-layout",),
            ),
            (
                "every letter with a personal paragraph (full layout)",
                "personal.csv",
                "personal",
                (),
            ),
        )
        for label, source, out, extra in runs:
            seconds, letters, peak = run_batch(workspace, source, out, *extra)
            rate = letters / seconds
            sizes = folder_bytes(workspace / out / "supporters", "*.pdf")
            bundles = folder_bytes(workspace / out / "bundles", "*.pdf")
            print(
                f"batch, {label}: {letters} letters in {seconds:.1f} s = {rate:.1f} "
                f"letters/s, {rate / rates[source]:.2f}x the naive loop; peak RSS "
                f"{peak:.0f} MB; {sum(sizes) / len(sizes) / 1024:.1f} KB per letter; largest "
                f"bundle {max(bundles) / 1024 / 1024:.1f} MB"
            )
        # One authority's bundle of many letters: the body is stored once, fonts once per face.
        make_supporters(workspace / "many.csv", args.bundle_letters, paragraph=False)
        seconds, letters, _ = run_batch(workspace, "many.csv", "many", "--recipient", "president")
        # Large bundles are written in parts (print jobs of a manageable size).
        parts = folder_bytes(workspace / "many" / "bundles", "*.pdf")
        size = sum(parts)
        print(
            f"bundle of {letters} letters to one authority: {size / 1024 / 1024:.2f} MB in "
            f"{len(parts)} part(s) ({size / letters / 1024:.2f} KB a letter; batch run "
            f"{seconds:.1f} s)"
        )


if __name__ == "__main__":
    main()
