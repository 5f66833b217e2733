#!/usr/bin/env bash
# httpsd's whole test suite: dependencies, build, every meson test suite
# (unit + integration), and a one-line summary.
#
#   scripts/test.sh [MESON TEST ARGS...]    e.g. --suite unit, --list
#
# The last line is exactly "N passed, N failed" (from meson's testlog.json:
# OK/EXPECTEDFAIL passed; FAIL/TIMEOUT/ERROR/UNEXPECTEDPASS/INTERRUPT
# failed; SKIP neither, listed on the line before). Exit status non-zero
# if anything failed or the build did not succeed.
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${HS_BUILD_DIR:-$TOP/build}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

case "${1:-}" in
-h|--help)
	cat <<EOF
usage: $0 [MESON TEST ARGS...]

Runs scripts/deps.sh, configures ($BUILD, if absent) and builds, then
'meson test --print-errorlogs' for all suites: unit tests and the
integration tests (root needed; they are skipped otherwise, and run one at
a time in network namespaces they create). Extra arguments go to meson
test (e.g. --suite unit). Prints "N passed, N failed" last.

Environment: SKIP_DEPS=1 (no deps.sh), CI=true (plain output),
HS_BUILD_DIR=DIR (default: build).
EOF
	exit 0
	;;
esac

if [ "${CI:-}" = true ]; then
	export NO_COLOR=1 CLICOLOR=0 TERM=dumb
fi

say() { printf '==> %s\n' "$*"; }

# "N passed, N failed" when nothing could be run.
give_up() {
	printf 'test.sh: %s\n' "$*" >&2
	echo "0 passed, 1 failed"
	exit 1
}

start=$(date +%s)

if [ "${SKIP_DEPS:-0}" != 1 ]; then
	say "dependencies (scripts/deps.sh)"
	bash "$TOP/scripts/deps.sh" || give_up "scripts/deps.sh failed"
fi

say "build ($BUILD)"
if [ ! -f "$BUILD/build.ninja" ]; then
	meson setup "$BUILD" "$TOP" || give_up "meson setup failed"
fi
ninja -C "$BUILD" || give_up "build failed"

[ "$(id -u)" -eq 0 ] || say "not root: integration tests will be skipped"

say "meson test"
LOG=$BUILD/meson-logs/testlog.json
rm -f "$LOG"
meson test -C "$BUILD" --print-errorlogs "$@"
mrc=$?

[ -f "$LOG" ] || give_up "meson test wrote no $LOG (exit status $mrc)"

summary=$("$PY" - "$LOG" <<'EOF'
import json
import sys

passed, failed, skipped = [], [], []
with open(sys.argv[1]) as f:
    for line in f:
        line = line.strip()
        if not line:
            continue
        t = json.loads(line)
        r = t.get("result", "")
        name = t.get("name", "?")
        if r in ("OK", "EXPECTEDFAIL"):
            passed.append(name)
        elif r == "SKIP":
            skipped.append(name)
        else:
            failed.append("%s (%s)" % (name, r))
if skipped:
    print("skipped: %d: %s" % (len(skipped), ", ".join(skipped)))
if failed:
    print("failed: %s" % ", ".join(failed))
print("%d passed, %d failed" % (len(passed), len(failed)))
EOF
) || give_up "cannot read $LOG"

failed=$(tail -n 1 <<<"$summary" | awk '{print $3}')
if [ "$failed" = 0 ] && [ "$mrc" -ne 0 ]; then
	# meson failed without a failing test in the log: still a failure.
	summary=$(sed '$d' <<<"$summary")$'\n'"meson test exited $mrc"$'\n'"$(tail -n 1 <<<"$summary" | awk '{print $1}') passed, 1 failed"
	failed=1
fi
say "done in $(($(date +%s) - start)) s"
printf '%s\n' "$summary" | sed '/^$/d'
[ "$failed" = 0 ]
