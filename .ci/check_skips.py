"""Fail when a test was skipped that .ci/allowed_skips.txt does not allow.

    python .ci/check_skips.py SKIP_LOG ALLOW_LIST

SKIP_LOG has one "node id<TAB>reason" line per skipped test (written by
tests/conftest.py when FARM_GUI_SKIP_LOG is set). ALLOW_LIST has "pattern<TAB>why"
lines (fnmatch over node ids); '#' starts a comment.
"""

from __future__ import annotations

import sys
from fnmatch import fnmatchcase
from pathlib import Path


def read_allowed(path: Path) -> list[str]:
    patterns = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        pattern, _, why = line.partition("\t")
        if not why.strip():
            raise SystemExit(f"{path}: '{pattern}' has no justification (pattern<TAB>why)")
        patterns.append(pattern.strip())
    return patterns


def main(log: Path, allow: Path) -> int:
    allowed = read_allowed(allow)
    skipped = [ln.split("\t", 1) for ln in log.read_text(encoding="utf-8").splitlines() if ln.strip()] \
        if log.exists() else []
    bad = [(node, why) for node, *rest in skipped for why in [rest[0] if rest else ""]
           if not any(fnmatchcase(node, p) for p in allowed)]
    print(f"skips: {len(skipped)} skipped, {len(skipped) - len(bad)} allowed, {len(bad)} not allowed")
    for node, why in bad:
        print(f"  NOT ALLOWED: {node}: {why}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
