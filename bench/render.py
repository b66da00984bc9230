"""How long a supporter waits: `appeal-letters render` for the ten seed letters.

Prints the wall time of the command as a fresh process (interpreter start and imports
included, best and median of several runs), the in-process render loop in letters/s, and
whether WeasyPrint can use HarfBuzz's fast font subsetter. Goal: under 1.5 s wall.

    python bench/render.py [--runs 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def command_wall_times(runs: int) -> list[float]:
    exe = Path(sys.executable).with_name("appeal-letters")
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("appeal.yaml", "recipients.yaml", "sender.example.yaml"):
            shutil.copy(ROOT / name, Path(tmp) / name)
        for i in range(runs):
            start = time.perf_counter()
            subprocess.run(
                [
                    str(exe),
                    "render",
                    "--sender",
                    "sender.example.yaml",
                    "--out",
                    f"out{i}",
                    "--date",
                    "2026-11-26",
                ],
                cwd=tmp,
                check=True,
                capture_output=True,
            )
            times.append(time.perf_counter() - start)
    return times


def render_loop(rounds: int) -> tuple[float, int]:
    from appeal_letters.compose import Composer
    from appeal_letters.model import load_campaign, load_sender
    from appeal_letters.render import PdfRenderer, RenderOptions, render_letter

    campaign = load_campaign(ROOT / "appeal.yaml", [ROOT / "recipients.yaml"])
    sender = load_sender(ROOT / "sender.example.yaml")
    composer, renderer = Composer(), PdfRenderer()
    options = RenderOptions(date=dt.date(2026, 11, 26))
    render_letter(composer, renderer, campaign, campaign.recipients[0], sender, options)  # warm
    count = 0
    start = time.perf_counter()
    for _ in range(rounds):
        for recipient in campaign.recipients:
            render_letter(composer, renderer, campaign, recipient, sender, options)
            count += 1
    return time.perf_counter() - start, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh-process runs (default 5)")
    parser.add_argument("--rounds", type=int, default=3, help="in-process rounds of 10 letters")
    args = parser.parse_args()

    from appeal_letters.render import harfbuzz_subset_available

    print(f"harfbuzz-subset available: {harfbuzz_subset_available()}")
    times = command_wall_times(args.runs)
    print(
        f"appeal-letters render, 10 letters, fresh process: best {min(times):.2f} s, "
        f"median {statistics.median(times):.2f} s over {len(times)} runs (goal < 1.5 s)"
    )
    seconds, count = render_loop(args.rounds)
    print(
        f"render loop in one process: {count} letters in {seconds:.2f} s = "
        f"{count / seconds:.1f} letters/s ({1000 * seconds / count:.0f} ms per letter)"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak:.0f} MB")


if __name__ == "__main__":
    main()
