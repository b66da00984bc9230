"""The command line: click commands that parse options, call the library and print.

The only layer that prints or exits; every ``AppealLettersError`` becomes one line and exit 1.
"""

from .main import main

__all__ = ["main"]
