#!/usr/bin/env bash
# Set up a machine for appeal-letters: system libraries WeasyPrint needs, then a virtual
# environment with the project installed. Safe to run again: it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
# pango: WeasyPrint's text layout; harfbuzz-subset: fast font subsetting (3x faster letters);
# fonts-droid-fallback: Chinese, Japanese and Korean names (through fontconfig; the other
# scripts' faces ship with the package);
# poppler-utils: pdftotext/pdffonts/pdftoppm, used by the tests to read letters back;
# openssl: a certificate for the tests of `receipts --imap` over TLS.
DEBS="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils fontconfig fonts-droid-fallback openssl"

missing=""
for deb in $DEBS; do
  dpkg-query -W -f='${Status}' "$deb" 2>/dev/null | grep -q "install ok installed" || missing="$missing $deb"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq $missing >/dev/null
  elif command -v sudo >/dev/null; then
    echo "setup: installing Debian packages with sudo:$missing"
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  else
    echo "setup: please install these Debian packages, then run again:$missing" >&2
    exit 1
  fi
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -e '.[dev]'
echo "setup: ready ($("$VENV/bin/appeal-letters" --version))"
