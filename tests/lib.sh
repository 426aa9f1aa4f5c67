# tests/lib.sh: shared setup and TAP helpers for the end-to-end tests.
# Sourced (POSIX sh; dash and bash) by every tests/e2e/NNNN-*.t:
#     . "$(dirname "$0")/../lib.sh"
# It gives each test a private temp dir $T (also the cwd, HOME and
# XDG_CONFIG_HOME), a clean environment, TAP output helpers and the fake
# API server (tests/fakeapi/fakeapi.py).  Set IGNY8_KEEP=1 to keep $T.

set -u

# -- locations ---------------------------------------------------------------
if [ -n "${BASH_VERSION:-}" ]; then
	# shellcheck disable=SC3028,SC3054
	_ig_lib=${BASH_SOURCE[0]}
else
	_ig_lib=$(dirname "$0")/../lib.sh
fi
TESTS=$(cd "$(dirname "$_ig_lib")" && pwd)
TOP=$(dirname "$TESTS")
IGNY8_BUILD=${IGNY8_BUILD:-$TOP}
PATH=$IGNY8_BUILD/bin:$PATH
IGNY8_DATADIR=$TOP
export IGNY8_BUILD IGNY8_DATADIR PATH

if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
export PY

# -- clean environment -------------------------------------------------------
unset OPENAI_API_KEY RUNWARE_API_KEY OPENAI_BASE_URL RUNWARE_BASE_URL \
	IGNY8_WORKSPACE IGNY8_CONFIG IGNY8_IMAGE_ALLOW_LOOPBACK
NO_COLOR=1
LC_ALL=C.UTF-8
# Make sanitizer reports abort (status > 128) so expect_status catches them.
ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-abort_on_error=1:halt_on_error=1:print_stacktrace=1}
export NO_COLOR LC_ALL ASAN_OPTIONS UBSAN_OPTIONS

T=$(mktemp -d "${TMPDIR:-/tmp}/igny8-t.XXXXXX") || exit 1
HOME=$T/home
XDG_CONFIG_HOME=$HOME/.config
mkdir -p "$XDG_CONFIG_HOME"
export T HOME XDG_CONFIG_HOME
cd "$T" || exit 1

_tap_n=0
_tap_failed=0
_tap_planned=

cleanup() {
	_rc=$?
	fake_stop
	cd / || :
	if [ "${IGNY8_KEEP:-0}" = 1 ]; then
		echo "# kept $T" >&2
	else
		rm -rf "$T"
	fi
	if [ -n "$_tap_planned" ] && [ "$_tap_planned" != "$_tap_n" ]; then
		echo "# planned $_tap_planned tests but ran $_tap_n" >&2
	fi
	if [ "$_rc" -eq 0 ] && [ "$_tap_failed" -gt 0 ]; then
		_rc=$((_tap_failed > 254 ? 254 : _tap_failed))
	fi
	trap - EXIT
	exit "$_rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# -- TAP -----------------------------------------------------------------------

# diag MSG...: print MSG as a TAP comment on stderr.
diag() {
	printf '%s\n' "$*" | sed 's/^/# /' >&2
}

# _diag_file FILE [MAX]: show the first MAX (40) lines of FILE as comments.
_diag_file() {
	[ -s "$1" ] || return 0
	head -n "${2:-40}" "$1" | sed 's/^/#   /' >&2
}

_tap_result() { # PASS(0|1) DESC
	_tap_n=$((_tap_n + 1))
	if [ "$1" = 1 ]; then
		echo "ok $_tap_n - $2"
	else
		_tap_failed=$((_tap_failed + 1))
		echo "not ok $_tap_n - $2"
	fi
}

plan() {
	_tap_planned=$1
	echo "1..$1"
}

pass() { _tap_result 1 "$1"; }
fail() { _tap_result 0 "$1"; }

skip_all() {
	echo "1..0 # SKIP $*"
	_tap_planned=
	exit 0
}

# skip DESC REASON: record one skipped test.
skip() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $1 # SKIP ${2:-}"
}

done_testing() {
	[ -n "$_tap_planned" ] || echo "1..$_tap_n"
	_tap_planned=$_tap_n
	exit $((_tap_failed > 254 ? 254 : _tap_failed))
}

# run CMD...: run a command, under valgrind when IGNY8_VALGRIND=1 and CMD is
# an igny8 binary.  (Indirect calls, e.g. inside sh -c, go through the
# wrappers in $T/vg, put first on PATH below.)
run() {
	if [ "${IGNY8_VALGRIND:-0}" = 1 ]; then
		case ${1##*/} in
		igny8 | igny8-*)
			_bin=$1
			case $_bin in */*) ;; *) _bin=$IGNY8_BUILD/bin/$1 ;; esac
			shift
			valgrind -q --leak-check=full --errors-for-leak-kinds=definite \
				--error-exitcode=99 "$_bin" "$@"
			return
			;;
		esac
	fi
	"$@"
}

if [ "${IGNY8_VALGRIND:-0}" = 1 ] && [ -d "$IGNY8_BUILD/bin" ]; then
	mkdir -p "$T/vg"
	for _b in "$IGNY8_BUILD"/bin/igny8*; do
		[ -x "$_b" ] || continue
		printf '#!/bin/sh\nexec valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 "%s" "$@"\n' \
			"$_b" >"$T/vg/${_b##*/}"
		chmod +x "$T/vg/${_b##*/}"
	done
	PATH=$T/vg:$PATH
fi

# _crashed STATUS ERRFILE: true when the status or stderr shows a crash,
# a sanitizer report or a valgrind error.
_crashed() {
	[ "$1" -gt 128 ] || [ "$1" -eq 127 ] && return 0
	[ "${IGNY8_VALGRIND:-0}" = 1 ] && [ "$1" -eq 99 ] && return 0
	grep -qE 'ERROR: (Address|Leak|Memory|Thread)Sanitizer|runtime error:|^==[0-9]+== [A-Z]' \
		"$2" 2>/dev/null
}

# ok DESC CMD...: pass when CMD exits 0 (its output goes to $T/.ok.out/.err).
ok() {
	_d=$1
	shift
	run "$@" >"$T/.ok.out" 2>"$T/.ok.err"
	_st=$?
	if [ "$_st" -eq 0 ] && ! _crashed 0 "$T/.ok.err"; then
		_tap_result 1 "$_d"
	else
		_tap_result 0 "$_d"
		diag "command: $* (status $_st)"
		_diag_file "$T/.ok.out"
		_diag_file "$T/.ok.err"
	fi
}

# expect_status DESC CODE CMD...: run CMD with stdout in $T/out and stderr in
# $T/err; pass when it exits CODE.  A crash (status 127 or > 128), sanitizer
# report or valgrind error always fails.
expect_status() {
	_d=$1
	_want=$2
	shift 2
	run "$@" >"$T/out" 2>"$T/err"
	_st=$?
	if [ "$_st" -eq "$_want" ] && ! _crashed "$_st" "$T/err"; then
		_tap_result 1 "$_d"
		return 0
	fi
	_tap_result 0 "$_d"
	if _crashed "$_st" "$T/err"; then
		diag "CRASH: $* exited $_st (wanted $_want)"
	else
		diag "$* exited $_st, wanted $_want"
	fi
	_diag_file "$T/err" 60
	return 1
}

# is DESC EXPECTED ACTUAL: string equality.
is() {
	if [ "$2" = "$3" ]; then
		_tap_result 1 "$1"
	else
		_tap_result 0 "$1"
		diag "expected: '$2'" "     got: '$3'"
	fi
}

# is_same DESC EXPECTED_FILE ACTUAL_FILE: files identical (diff -u on failure).
is_same() {
	if diff -u "$2" "$3" >"$T/.diff" 2>&1; then
		_tap_result 1 "$1"
	else
		_tap_result 0 "$1"
		_diag_file "$T/.diff" 80
	fi
}

# like DESC ERE FILE / unlike DESC ERE FILE: grep -E on FILE.
like() {
	if grep -qE -- "$2" "$3" 2>/dev/null; then
		_tap_result 1 "$1"
	else
		_tap_result 0 "$1"
		diag "no line of $3 matches /$2/"
		_diag_file "$3" 20
	fi
}

unlike() {
	if [ -e "$3" ] && ! grep -qE -- "$2" "$3"; then
		_tap_result 1 "$1"
	else
		_tap_result 0 "$1"
		diag "$3 matches /$2/ (or is missing):"
		grep -nE -- "$2" "$3" 2>/dev/null | head -n 10 | sed 's/^/#   /' >&2
	fi
}

# jq_py EXPR [FILE]: print the Python expression EXPR evaluated with d = the
# JSON in FILE (or stdin); strings print raw, other values as JSON.
jq_py() {
	"$PY" -c '
import json, sys
d = json.load(open(sys.argv[2]) if len(sys.argv) > 2 else sys.stdin)
v = eval(sys.argv[1], {"json": json}, {"d": d})
print(v if isinstance(v, str) else json.dumps(v))' "$@"
}

# -- the fake API server -------------------------------------------------------

FAKE_PID=

_randhex() { # NBYTES
	od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'
}

# fake_start [SCRIPT.json]: start tests/fakeapi/fakeapi.py and point the
# OpenAI and Runware settings at it.
fake_start() {
	fake_stop
	mkdir -p "$T/fake"
	rm -f "$T/fake/port"
	FAKE_LOG=$T/fake/log.jsonl
	set -- "$@" ""
	if [ -n "$1" ]; then
		case $1 in /*) _s=$1 ;; *) _s=$PWD/$1 ;; esac
		"$PY" "$TESTS/fakeapi/fakeapi.py" --port-file "$T/fake/port" \
			--log "$FAKE_LOG" --script "$_s" >"$T/fake/stdout" 2>"$T/fake/stderr" &
	else
		"$PY" "$TESTS/fakeapi/fakeapi.py" --port-file "$T/fake/port" \
			--log "$FAKE_LOG" >"$T/fake/stdout" 2>"$T/fake/stderr" &
	fi
	FAKE_PID=$!
	_i=0
	while [ ! -s "$T/fake/port" ]; do
		if ! kill -0 "$FAKE_PID" 2>/dev/null || [ "$_i" -ge 200 ]; then
			diag "fake_start: the fake API server did not start"
			_diag_file "$T/fake/stderr"
			FAKE_PID=
			return 1
		fi
		sleep 0.05
		_i=$((_i + 1))
	done
	FAKE_PORT=$(cat "$T/fake/port")
	FAKE_URL=http://127.0.0.1:$FAKE_PORT
	OPENAI_BASE_URL=$FAKE_URL/v1
	RUNWARE_BASE_URL=$FAKE_URL/runware/v1
	OPENAI_API_KEY=sk-test-$(_randhex 12)
	RUNWARE_API_KEY=rw-test-$(_randhex 12)
	# The fake serves its image URLs on 127.0.0.1, which an answer may
	# only name when this setting allows it.
	IGNY8_IMAGE_ALLOW_LOOPBACK=true
	export FAKE_PORT FAKE_URL FAKE_LOG OPENAI_BASE_URL RUNWARE_BASE_URL \
		OPENAI_API_KEY RUNWARE_API_KEY IGNY8_IMAGE_ALLOW_LOOPBACK
}

# fake_stop: stop the fake server (SIGTERM, then SIGKILL after 5 s).
fake_stop() {
	[ -n "${FAKE_PID:-}" ] || return 0
	kill -TERM "$FAKE_PID" 2>/dev/null
	_i=0
	while kill -0 "$FAKE_PID" 2>/dev/null && [ "$_i" -lt 100 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	kill -KILL "$FAKE_PID" 2>/dev/null
	wait "$FAKE_PID" 2>/dev/null
	FAKE_PID=
}

# _fake_post PATH [FILE|-]: POST FILE (or stdin, or nothing) to a control path.
_fake_post() {
	"$PY" -c '
import sys, urllib.request
url, src = sys.argv[1], sys.argv[2]
data = b"" if not src else (sys.stdin.buffer.read() if src == "-" else open(src, "rb").read())
urllib.request.urlopen(urllib.request.Request(url, data=data, method="POST"), timeout=10).read()
' "${FAKE_URL:?fake_start first}$1" "${2:-}"
}

# fake_script FILE|-: replace the fake's script at runtime (- = stdin).
fake_script() {
	_fake_post /__fake/script "$1"
}

# fake_reset: clear the fake's rule counters, files, batches and request log.
fake_reset() {
	_fake_post /__fake/reset
}

# takes_signals PID: waits (up to 30 s) until the run PID has set up its
# Ctrl-C handling (SIGINT blocked in its main thread, taken by a watcher);
# before that, a background job of a script ignores SIGINT.
takes_signals() {
	_i=0
	while [ $_i -lt 300 ]; do
		_b=$(sed -n 's/^SigBlk:[[:space:]]*//p' "/proc/$1/status" 2>/dev/null)
		_b=${_b#"${_b%?}"}
		[ -n "$_b" ] && [ $((0x$_b & 2)) -ne 0 ] && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# fake_count [PATH]: number of requests received (to PATH; "P*" = prefix).
fake_count() {
	"$PY" - "${FAKE_LOG:-/nonexistent}" "${1:-}" <<'EOF'
import json, sys
log, want = sys.argv[1], sys.argv[2]
n = 0
try:
    f = open(log, encoding="utf-8")
except OSError:
    f = []
for line in f:
    p = json.loads(line)["path"]
    if not want or p == want or (want.endswith("*") and p.startswith(want[:-1])):
        n += 1
print(n)
EOF
}

# fake_log: print the path of the fake's request log (JSON lines).
fake_log() {
	echo "$FAKE_LOG"
}

# -- workspace and checks ----------------------------------------------------------

# new_workspace: use a fresh workspace database $T/ws.db.
new_workspace() {
	IGNY8_WORKSPACE=$T/ws.db
	export IGNY8_WORKSPACE
}

# no_key_leak DESC FILE...: neither API key appears in the files, nor in the
# workspace database (and its WAL) when there is one.
no_key_leak() {
	_d=$1
	shift
	_leaks=
	for _f in "$@" "$T/ws.db" "$T/ws.db-wal"; do
		[ -f "$_f" ] || continue
		for _k in "${OPENAI_API_KEY:-}" "${RUNWARE_API_KEY:-}"; do
			[ -n "$_k" ] || continue
			grep -aqF -- "$_k" "$_f" && _leaks="$_leaks $_f"
		done
	done
	if [ -z "$_leaks" ]; then
		_tap_result 1 "$_d"
	else
		_tap_result 0 "$_d"
		diag "API key found in:$_leaks"
	fi
}

# validate_requests DESC: every request body in the fake's log conforms to the
# OpenAI request schemas (tests/validate-requests).
validate_requests() {
	"$PY" "$TESTS/validate-requests" "${FAKE_LOG:-/nonexistent}" >"$T/.vr.out" 2>&1
	_st=$?
	if [ "$_st" -eq 77 ]; then
		skip "$1" "$(head -n 1 "$T/.vr.out")"
	elif [ "$_st" -eq 0 ]; then
		_tap_result 1 "$1"
	else
		_tap_result 0 "$1"
		_diag_file "$T/.vr.out" 60
	fi
}
