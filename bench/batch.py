"""Batch production speed: the naive loop against `appeal-letters batch`, in the same run.

Builds a synthetic supporters file, then prints letters/s, the ratio to the naive loop, peak
memory, bytes per letter and bundle size for:
- the naive loop: one WeasyPrint document per letter, one after the other, in one process;
- `appeal-letters batch` end to end as a fresh process (letters, bundles, manifest), from
  shared bodies (the default) and with --full-layout;
- the same with a personal paragraph for every supporter (such letters are laid out in full);
- one authority's letters for many supporters (--one-authority, 10,000 by default): the case
  where each letter pays for its supporter's own lines, and its bundle's size;
- the supporters' page's path in this process: one supporter's ten letters, bodies warm;
- Typst (typst-py) making a comparable one-page letter per supporter, as a yardstick, if it is
  installed (`pip install typst`; it is not a dependency of the project).

    python bench/batch.py [--supporters 1000] [--one-authority 10000] [--naive-sample 100]
                          [--skip-full] [--typst-sample 500] [--scale 50000]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import re
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


def unique_name(i: int) -> str:
    """The ``i``th supporter's name, different for each of the first 180,000 or so (as in a real
    file, where names rarely repeat but cities do): first name, an initial, a double surname."""
    first, i = FIRST[i % len(FIRST)], i // len(FIRST)
    initial, i = chr(ord("A") + i % 26), i // 26
    last, other = LAST[i % len(LAST)], LAST[(i // len(LAST) + 3) % len(LAST)]
    return f"{first} {initial}. {last}-{other}" if last != other else f"{first} {initial}. {last}"


def make_supporters(path: Path, count: int, paragraph: bool) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["id", "name", "address", "postcode", "city", "country", "email", "paragraph"]
        )
        for i in range(count):
            city, country = CITIES[i % len(CITIES)]
            writer.writerow(
                [
                    f"S{i:06d}",
                    unique_name(i),
                    f"{STREETS[(i // 7) % len(STREETS)]} {(i * 7919) % 997 + 1}",
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


#: `appeal-letters` in a process that says, when it ends, its own peak memory (the main
#: process alone; its workers are measured as its children).
MEASURED = """
import resource, sys
from appeal_letters.cli import main
try:
    main(sys.argv[1:])
finally:
    print("main process peak KB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
          file=sys.stderr)
"""


def run_batch(
    workspace: Path, source: str, out: str, *extra: str
) -> tuple[float, int, float, float]:
    """`appeal-letters batch` as a fresh process: seconds, letters, peak RSS of any process of
    the batch, peak RSS of its main process (MB)."""
    command = [
        sys.executable,
        "-c",
        MEASURED,
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
    main = re.search(r"main process peak KB (\d+)", result.stderr)
    return seconds, letters, peak, int(main.group(1)) / 1024 if main else float("nan")


def page_path(workspace: Path, source: str, count: int) -> tuple[float, float]:
    """One supporter's ten letters as the page makes them (bodies warm, lines drawn once a
    sample is known): median and 95th percentile in ms over ``count`` supporters."""
    sys.path.insert(0, str(ROOT / "src"))
    from appeal_letters.batch.single import LetterShop
    from appeal_letters.model import load_campaign, read_supporters

    campaign = load_campaign(workspace / "appeal.yaml", [workspace / "recipients.yaml"])
    supporters = read_supporters(workspace / source).supporters
    shop = LetterShop(campaign)
    date = dt.date(2026, 11, 26)
    for supporter in supporters[:50]:  # bodies and the samples of the common shapes
        shop.letters(supporter.sender, campaign.recipients, layout="din", language=None, date=date)
    times = []
    for index in range(50, 50 + count):  # a small file's supporters come round again
        supporter = supporters[index % len(supporters)]
        start = time.perf_counter()
        shop.letters(supporter.sender, campaign.recipients, layout="din", language=None, date=date)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return times[len(times) // 2], times[int(len(times) * 0.95)]


TYPST_LETTER = r"""#set page(paper: "a4", margin: (top: 27mm, left: 25mm, right: 20mm, bottom: 15mm)
)
#set text(font: "Noto Serif", size: 10.5pt, lang: "en")
#set par(leading: 0.55em)
#text(size: 14pt, weight: "bold")[#sys.inputs.name] \
#text(size: 9.5pt)[#sys.inputs.address]
#v(20mm)
#text(size: 7pt)[#sys.inputs.name, #sys.inputs.address]
#v(4mm)
Mr Vladimir Putin \ President of the Russian Federation \ 23, Ilyinka Street \ Moscow, 103132
#v(8mm)
*Russian Federation: harassment of a human rights defender*

Dear Mr President,

#sys.inputs.body

Yours sincerely,
#v(10mm)
*#sys.inputs.name*
"""


def typst_rate(workspace: Path, source: str, count: int) -> float | None:
    """Letters/s for Typst compiling a comparable letter per supporter (one process), or None
    if typst-py is not installed."""
    try:
        import typst
    except ImportError:
        return None
    sys.path.insert(0, str(ROOT / "src"))
    from appeal_letters.model import load_campaign, read_supporters

    campaign = load_campaign(workspace / "appeal.yaml", [workspace / "recipients.yaml"])
    text = campaign.appeal.text("en")
    body = " ".join([text.summary, *text.actions])  # inserted as text: no markup to escape
    template = workspace / "letter.typ"
    template.write_text(TYPST_LETTER, encoding="utf-8")
    fonts = [str(ROOT / "src" / "appeal_letters" / "fonts")]
    supporters = read_supporters(workspace / source).supporters[:count]
    compiler = typst.Compiler(str(template), font_paths=fonts)
    start = time.perf_counter()
    for supporter in supporters:
        sender = supporter.sender
        inputs = {"name": sender.name, "address": ", ".join(sender.address), "body": body}
        compiler.compile(format="pdf", sys_inputs=inputs)
    return len(supporters) / (time.perf_counter() - start)


def folder_bytes(folder: Path, pattern: str) -> list[int]:
    return [p.stat().st_size for p in folder.rglob(pattern)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--supporters", type=int, default=1000)
    parser.add_argument(
        "--naive-sample", type=int, default=100, help="letters timed in the naive loop (it is slow)"
    )
    parser.add_argument(
        "--one-authority",
        type=int,
        default=10000,
        help="supporters writing to one authority (the president) in the one-authority run",
    )
    parser.add_argument(
        "--skip-full",
        action="store_true",
        help="leave out the --full-layout and personal-paragraph runs (they take many minutes)",
    )
    parser.add_argument(
        "--scale",
        type=int,
        default=0,
        help="also one authority's letters for this many supporters (50000, say: minutes), to "
        "see whether the main process's memory grows with them",
    )
    parser.add_argument("--page-sample", type=int, default=200, help="supporters on the page path")
    parser.add_argument("--typst-sample", type=int, default=500, help="letters Typst makes")
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
        runs: list[tuple[str, str, str, tuple[str, ...]]] = [
            ("shared bodies, letters + bundles", "plain.csv", "shared", ())
        ]
        if not args.skip_full:
            runs += [
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
            ]
        for label, source, out, extra in runs:
            seconds, letters, peak, _ = run_batch(workspace, source, out, *extra)
            rate = letters / seconds
            sizes = folder_bytes(workspace / out / "supporters", "*.pdf")
            bundles = folder_bytes(workspace / out / "bundles", "*.pdf")
            print(
                f"batch, {label}: {letters} letters in {seconds:.1f} s = {rate:.1f} "
                f"letters/s, {rate / rates[source]:.2f}x the naive loop; peak RSS "
                f"{peak:.0f} MB; {sum(sizes) / len(sizes) / 1024:.1f} KB per letter; largest "
                f"bundle {max(bundles) / 1024 / 1024:.1f} MB"
            )
        # One authority: every letter pays for its supporter's own lines. Its bundles store the
        # body once, fonts once per face.
        make_supporters(workspace / "many.csv", args.one_authority, paragraph=False)
        seconds, letters, peak, main_peak = run_batch(
            workspace, "many.csv", "many", "--recipient", "president"
        )
        parts = folder_bytes(workspace / "many" / "bundles", "*.pdf")
        size = sum(parts)
        rate = letters / seconds
        drawn = re.search(
            r"(\d+) letters? with them drawn", (workspace / "many" / "summary.txt").read_text()
        )
        print(
            f"batch, {letters} supporters x 1 authority, letters + bundles: {seconds:.1f} s = "
            f"{rate:.1f} letters/s, {rate / rates['plain.csv']:.1f}x the naive loop; peak RSS "
            f"{peak:.0f} MB, main process {main_peak:.0f} MB; lines drawn for "
            f"{drawn.group(1) if drawn else 0} letters; bundles {size / 1024 / 1024:.2f} MB in "
            f"{len(parts)} part(s) ({size / letters / 1024:.2f} KB a letter)"
        )
        if args.scale:
            # The same with many more supporters: the main process's memory should not grow.
            make_supporters(workspace / "scale.csv", args.scale, paragraph=False)
            shutil.rmtree(workspace / "many")
            big_seconds, big_letters, _, big_main = run_batch(
                workspace, "scale.csv", "scale", "--recipient", "president"
            )
            growth = (big_main - main_peak) * 1024 / max(1, big_letters - letters)
            print(
                f"batch, {big_letters} supporters x 1 authority: {big_seconds:.1f} s = "
                f"{big_letters / big_seconds:.1f} letters/s; main process peak {big_main:.0f} MB "
                f"against {main_peak:.0f} MB for {letters}: {growth:.2f} KB more for each "
                "supporter more"
            )
        median, p95 = page_path(workspace, "plain.csv", args.page_sample)
        naive_ms = 10 * 1000 / rates["plain.csv"]
        print(
            f"page path, one supporter's ten letters, bodies warm: median {median:.1f} ms, p95 "
            f"{p95:.1f} ms ({naive_ms / median:.0f}x the naive loop's {naive_ms:.0f} ms)"
        )
        typst_letters = typst_rate(workspace, "plain.csv", args.typst_sample)
        if typst_letters is None:
            print("Typst yardstick: typst-py is not installed (pip install typst); not measured")
        else:
            print(
                f"Typst yardstick, a comparable one-page letter per supporter, one process: "
                f"{typst_letters:.1f} letters/s; the one-authority batch makes "
                f"{rate / typst_letters:.2f}x as many a second (on {os.cpu_count()} cores)"
            )


if __name__ == "__main__":
    main()
