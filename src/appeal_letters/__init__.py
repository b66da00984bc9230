"""appeal-letters: turn a human-rights urgent appeal into ready-to-send letters."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("appeal-letters")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"
