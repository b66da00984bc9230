"""Import speed: how long `appeal-letters import` takes on a ten-page appeal.

The goal (issue 12) is under 1 s for ten pages, plus PDF text extraction. Prints, for the
seed appeal (about 2 pages) and a ten-page one made from it (its background repeated):
- a whole fresh process (`appeal-letters import --json`, what a user waits for);
- in one process, warm: reading the text, parsing it, writing the workspace and checking it;
- the same appeal as a PDF (WeasyPrint-made): the text extraction alone.

    python bench/import_appeal.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "tests" / "data" / "appeals" / "obs-en-RUS-004-1214-OBS-093.1.txt"


def ten_pages() -> str:
    """The seed appeal with its background repeated until it fills about ten A4 pages."""
    text = SEED.read_text(encoding="utf-8")
    head, _, tail = text.partition("Actions requested:")
    background = head[head.index("Background information:") :]
    while len(head) < 36_000:
        head += "\n" + background
    return head + "Actions requested:" + tail


def best(runs: list[float]) -> str:
    return f"{min(runs) * 1000:7.0f} ms (median {statistics.median(runs) * 1000:.0f} ms)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from appeal_letters.importer import read_appeal, read_source, write_workspace

    folder = Path(tempfile.mkdtemp())
    long_appeal = folder / "ten-pages.txt"
    long_appeal.write_text(ten_pages(), encoding="utf-8")
    print(
        f"python {sys.version.split()[0]}, {long_appeal.stat().st_size / 1000:.0f} KB for ten pages"
    )
    for label, path in (("seed (2 pages)", SEED), ("ten pages", long_appeal)):
        process = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "appeal_letters", "import", str(path), "--json"],
                check=True,
                capture_output=True,
            )
            process.append(time.perf_counter() - start)
        reading, parsing, writing = [], [], []
        for number in range(args.repeat):
            start = time.perf_counter()
            source = read_source(str(path), path.read_bytes())
            read_at = time.perf_counter()
            imported = read_appeal(source)
            parsed_at = time.perf_counter()
            write_workspace(imported, folder / f"w{label[:4]}{number}")
            done = time.perf_counter()
            reading.append(read_at - start)
            parsing.append(parsed_at - read_at)
            writing.append(done - parsed_at)
        print(f"{label}:")
        print(f"  fresh process, import --json  {best(process)}")
        print(f"  warm: read text               {best(reading)}")
        print(f"  warm: find fields             {best(parsing)}")
        print(f"  warm: write + check workspace {best(writing)}")
    from weasyprint import HTML

    html = "".join(f"<p>{line}</p>" for line in ten_pages().splitlines() if line)
    pdf = HTML(string=html).write_pdf()
    import io

    import pypdf

    pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
    runs = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        read_source("ten-pages.pdf", pdf)
        runs.append(time.perf_counter() - start)
    print(f"ten-page appeal as a PDF ({pages} pages): text extraction {best(runs)}")


if __name__ == "__main__":
    main()
