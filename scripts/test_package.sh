#!/usr/bin/env bash
# Test the packaged build as a user gets it: unpack the archive into an empty folder, start
# the application offscreen (window shown, with its icon), run a short run headless with it,
# open that run's workspace in the window, install its desktop entry, list the models, run a
# small experiment on worker processes, and check that no kernel had to be compiled.
#   bash scripts/test_package.sh [dist/farm-gui-<version>-linux-<arch>.tar.gz]
set -euo pipefail
cd "$(dirname "$0")/.."
archive=${1:-$(ls -t dist/farm-gui-*-linux-*.tar.gz 2>/dev/null | head -1)}
[ -n "$archive" ] && [ -f "$archive" ] || { echo "no package: run 'make package' first" >&2; exit 2; }
archive=$(realpath "$archive")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/app" "$tmp/home"
tar -C "$tmp/app" -xzf "$archive"
exe="$tmp/app/farm-gui/farm-gui"
[ -x "$exe" ] || { echo "FAIL: $exe missing from the archive" >&2; exit 1; }
kernels=$(find "$tmp/app" -name '*.nbi' | wc -l)
touch "$tmp/unpacked.stamp"  # tar keeps the files' times: anything written later is newer

# Nothing from the build machine's user: a home, data and settings of its own.
export HOME="$tmp/home" XDG_DATA_HOME="$tmp/home/share" XDG_CONFIG_HOME="$tmp/home/config"
export XDG_CACHE_HOME="$tmp/home/cache" FARM_GUI_SETTINGS="$tmp/settings.ini" QT_QPA_PLATFORM=offscreen
unset PYTHONPATH PYTHONHOME VIRTUAL_ENV

fail() { echo "FAIL: $*" >&2; exit 1; }
field() { sed -n "s/.*\"$2\": \([^,}]*\).*/\1/p" "$1"; }

# 1. Start: the window is shown on the default workspace, with the application icon.
FARM_GUI_STARTUP_T0=$(date +%s.%N) FARM_GUI_STARTUP_PROBE="$tmp/start.json" timeout 300 "$exe" \
    || fail "the application did not start"
[ "$(field "$tmp/start.json" icon)" = true ] || fail "no window icon: $(cat "$tmp/start.json")"
echo "started: $(cat "$tmp/start.json")"

# 2. A short run, headless.
run_id=$(timeout 300 "$exe" run --preset default --steps 50 --snapshot-every 10 --quiet \
    --db "$tmp/work.farmws") || fail "the headless run failed"
timeout 120 "$exe" runs --db "$tmp/work.farmws" | grep -q "finished *50/50" \
    || fail "run $run_id is not stored as finished"
echo "headless run $run_id: finished, 50 steps"

# 3. Its workspace opened in the window (as `farm-gui PATH` / a double-click does).
FARM_GUI_STARTUP_T0=$(date +%s.%N) FARM_GUI_STARTUP_PROBE="$tmp/open.json" timeout 300 "$exe" \
    "$tmp/work.farmws" || fail "the application did not open the workspace"
[ "$(field "$tmp/open.json" runs)" = 1 ] || fail "the workspace's run is not listed: $(cat "$tmp/open.json")"
grep -q "\"workspace\": \"$tmp/work.farmws\"" "$tmp/open.json" || fail "wrong workspace: $(cat "$tmp/open.json")"
echo "opened: $(cat "$tmp/open.json")"

# 4. Its desktop entry runs the unpacked executable.
"$exe" desktop-install > /dev/null || fail "desktop-install failed"
grep -qx "Exec=$exe %f" "$XDG_DATA_HOME/applications/farm-gui.desktop" \
    || fail "the desktop entry does not run $exe: $(grep Exec= "$XDG_DATA_HOME/applications/farm-gui.desktop")"
"$exe" desktop-uninstall > /dev/null || fail "desktop-uninstall failed"
echo "desktop entry: Exec=$exe %f"

# 5. Every built-in model is there (found through the package's own entry points), and an
#    experiment runs on the local pool, whose workers are the frozen executable again.
for model in foraging wolf_sheep schelling boltzmann_wealth; do
    "$exe" models | grep -q "^$model " || fail "model $model is missing: $("$exe" models 2>&1 | head -3)"
done
printf 'model: wolf_sheep\nfactors:\n  initial_wolves: {values: [20, 50]}\nreplications: 2\nsteps: 30\nseed: 1\n' \
    > "$tmp/sweep.yaml"
experiment=$(timeout 300 "$exe" experiment run "$tmp/sweep.yaml" --db "$tmp/work.farmws" --workers 2 --quiet) \
    || fail "the experiment failed"
timeout 120 "$exe" experiment show "$experiment" --db "$tmp/work.farmws" | grep -q "4 of 4 done (4 finished" \
    || fail "experiment $experiment did not finish its 4 runs"
echo "models listed; experiment $experiment: 4 runs on 2 workers"

# 6. The numba kernels came compiled with the package: nothing new was compiled.
compiled=$(find "$tmp/app" "$tmp/home" -name '*.nb[ic]' -newer "$tmp/unpacked.stamp" | wc -l)
[ "$kernels" -gt 0 ] || fail "the package holds no compiled kernels"
[ "$compiled" = 0 ] || fail "$compiled numba cache files were written: kernels compiled at start"
echo "package test passed ($kernels cached kernels, none compiled)"
