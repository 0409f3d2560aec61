#!/usr/bin/env bash
# Build the packaged Linux application (`make package` runs this):
#   dist/farm-gui/                                  the application folder (farm-gui + _internal/)
#   dist/farm-gui-<version>-linux-<arch>.tar.gz     the same folder, to unpack anywhere
# PY: the Python whose environment is packaged (default .venv/bin/python); it needs PyInstaller
# (the `package` extra). The numba kernels are compiled into the folder before it is archived,
# so the application's first start compiles nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
DIST=${DIST:-dist}
WORK=${WORK:-build/pyinstaller}

version=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' farm_gui/__init__.py)
archive="$DIST/farm-gui-$version-linux-$(uname -m).tar.gz"
started=$(date +%s)
rm -rf "$DIST/farm-gui" "$archive"
"$PY" -m PyInstaller --noconfirm --log-level WARN --distpath "$DIST" --workpath "$WORK" \
    packaging/farm-gui.spec
# Compile and cache the numba functions inside the package (see farm_gui/warmup.py).
QT_QPA_PLATFORM=offscreen "$DIST/farm-gui/farm-gui" --compile-kernels
find "$DIST/farm-gui" -name '*.pyc' -path '*/farm_gui/*' -delete  # stale-prone; Python rebuilds them
tar -C "$DIST" -czf "$archive" farm-gui
echo "package_dir=$DIST/farm-gui"
echo "package_archive=$archive"
echo "package_unpacked_mb=$(du -sm "$DIST/farm-gui" | cut -f1)"
echo "package_archive_mb=$(du -sm "$archive" | cut -f1)"
echo "package_build_s=$(( $(date +%s) - started ))"
