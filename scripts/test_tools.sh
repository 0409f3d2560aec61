#!/usr/bin/env bash
# Debian tools the tests use, installed when missing (as root with apt-get; otherwise a
# message naming them): pdftoppm rasterises exported PDFs (PySide6-Essentials has no
# QtPdf); desktop-file-validate checks the desktop entry. `make test` runs this first.
set -euo pipefail
missing=()
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
command -v desktop-file-validate >/dev/null 2>&1 || missing+=(desktop-file-utils)
[ ${#missing[@]} -eq 0 ] && exit 0
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "== installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq || true
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
    echo "missing ${missing[*]} (Debian packages the tests need): sudo apt-get install ${missing[*]}" >&2
fi
