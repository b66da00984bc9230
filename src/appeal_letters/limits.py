"""A time limit on work done inside libraries that catch ordinary exceptions (WeasyPrint,
Jinja): a template of one's own must not keep a run busy for minutes.

The timer raises TimeUp, a BaseException, and keeps raising it every half second: a library
that catches even that once (WeasyPrint does around an SVG image) meets it again at once. The
``expired`` flag tells the caller afterwards, whatever was caught on the way. Only the main
thread can take signals; elsewhere no limit is set. An alarm the caller had set is put back.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass


class TimeUp(BaseException):
    """Raised by the timer inside the limited block."""


@dataclass
class Deadline:
    expired: bool = False


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[Deadline]:
    """Run the block for at most ``seconds``; raises TimeUp past that."""
    deadline = Deadline()
    if threading.current_thread() is not threading.main_thread():
        yield deadline
        return

    def expire(signum: int, frame: object) -> None:
        deadline.expired = True
        raise TimeUp

    started = time.monotonic()
    previous_handler = signal.signal(signal.SIGALRM, expire)
    previous_delay, previous_interval = signal.setitimer(signal.ITIMER_REAL, seconds, 0.5)
    try:
        yield deadline
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_delay > 0:  # the caller's own alarm, less the time spent here
            remaining = max(previous_delay - (time.monotonic() - started), 0.001)
            signal.setitimer(signal.ITIMER_REAL, remaining, previous_interval)
