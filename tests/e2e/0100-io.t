#!/bin/sh
# Output that fails: a full disk (74, the work kept, a rerun pays only for
# what was never sent), writes cut after N bytes (nothing half-written),
# a reader that goes away (quiet, 0).
#
# "Nothing half-written" on a stream: the kernel may take part of a
# record before the disk fills, so the output may end in one partial,
# unterminated line.  What must hold is that every complete line is a
# whole record, the output is a byte prefix of what a clean run writes,
# a downstream filter refuses the partial tail (65, located) instead of
# taking half a record, and the workspace has every record whose request
# was sent, so a rerun writes the whole output again.
. "$(dirname "$0")/../lib.sh"
. "$TESTS/seed.sh"

N=12
fake_start || exit 1
new_workspace
seed_clusters $N || exit 1
cluster_records $N >clusters.jsonl
chats() { fake_count /v1/chat/completions; }
# into FILE CMD...: CMD with its stdout on FILE.
into() {
	_f=$1
	shift
	"$@" >"$_f"
}
# not_summary FILE: the lines of FILE other than the closing summary note.
not_summary() {
	grep -v '^igny8-[a-z]*: [0-9]* done, [0-9]* failed, ' "$1"
}
reset_ideas() {
	sqlite3 "$IGNY8_WORKSPACE" "DELETE FROM ideas; DELETE FROM cache" && fake_reset
}

# -- a full disk -------------------------------------------------------------------
expect_status "igny8-ideas >/dev/full exits 74" 74 \
	into /dev/full igny8-ideas --count 1 clusters.jsonl
is "with one message saying why" \
	"igny8-ideas: write error on standard output: No space left on device" \
	"$(not_summary "$T/err")"
sent=$(chats)
ok "it stopped starting work ($sent of $N sent)" test "$sent" -lt "$N"
is "every request it sent was saved" "$sent" "$(count_rows ideas)"
expect_status "rerun" 0 igny8-ideas --count 1 clusters.jsonl
is "pays only for what was never sent" "$N" "$(chats)"
is "and writes every idea" "$N" "$(wc -l <"$T/out")"
cp "$T/out" ideas.jsonl

fake_reset
expect_status "igny8-write >/dev/full exits 74" 74 into /dev/full igny8-write ideas.jsonl
like "saying why" '^igny8-write: write error on standard output: No space left on device$' "$T/err"
sent=$(chats)
is "every article it asked for was saved" "$sent" "$(count_rows content)"
is "no task is left running or failed" "" \
	"$(sqlite3 "$IGNY8_WORKSPACE" "SELECT id FROM tasks WHERE status NOT IN ('done', 'queued')")"
expect_status "rerun" 0 igny8-write ideas.jsonl
is "pays only for what was never sent" "$N" "$(chats)"
is "and writes every article" "$N" "$(wc -l <"$T/out")"

# -- writes cut after N bytes ------------------------------------------------------
. "$TESTS/ioerr.sh"
# cut BYTES CMD...: CMD with writes to stdout failing after BYTES bytes;
# stdout is a pipe, so records are flushed one by one.
cut_after() {
	_n=$1
	shift
	{
		IGNY8_FAIL_AFTER=$_n LD_PRELOAD=$SHIM "$@" 2>"$T/err"
		echo $? >"$T/st"
	} | cat >"$T/out"
}
# whole_but_last FILE: every line but the last is a JSON record; the last
# is unterminated and not JSON.
whole_but_last() {
	"$PY" -c '
import json, sys
data = open(sys.argv[1], "rb").read()
lines = data.split(b"\n")
for l in lines[:-1]:
    json.loads(l)
try:
    json.loads(lines[-1])
    sys.exit(1)
except ValueError:
    pass' "$1"
}
# prefix_of A B: file A is a byte prefix of file B, and shorter.
prefix_of() {
	"$PY" -c '
import sys
a, b = (open(f, "rb").read() for f in sys.argv[1:3])
sys.exit(0 if len(a) < len(b) and b.startswith(a) else 1)' "$1" "$2"
}

if [ ! -f "$SHIM" ]; then
	for _i in 1 2 3 4 5 6 7 8 9 10 11 12 13; do
		skip "cut output" "no $SHIM (make check builds it)"
	done
else
	reset_ideas
	cut_after 1500 igny8-ideas --count 1 -j 2 clusters.jsonl
	st=$(cat "$T/st")
	cp "$T/out" cut.jsonl
	is "writes failing after 1500 bytes: 74" 74 "$st"
	ok "no crash" eval '! _crashed "$st" "$T/err"'
	like "one message" '^igny8-ideas: write error on standard output: No space left on device$' "$T/err"
	is "1500 bytes came out" 1500 "$(wc -c <cut.jsonl)"
	ok "every complete line is a whole record, the cut one is not JSON" whole_but_last cut.jsonl
	sent=$(chats)
	is "every request it sent was saved" "$sent" "$(count_rows ideas)"
	expect_status "rerun" 0 igny8-ideas --count 1 clusters.jsonl
	is "pays only for what was never sent" "$N" "$(chats)"
	ok "the cut output is a prefix of the whole" prefix_of cut.jsonl "$T/out"
	expect_status "a filter downstream refuses the cut record" 65 igny8-write cut.jsonl
	n=$(wc -l <cut.jsonl)
	like "at its line" "^igny8-write: cut.jsonl:$((n + 1)): not valid JSON" "$T/err"

	cut_after 0 igny8-ideas --count 1 clusters.jsonl
	is "re-emitting into a stream that fails at once: 74" 74 "$(cat "$T/st")"
	is "nothing came out" 0 "$(wc -c <"$T/out")"
fi

# -- a reader that goes away -----------------------------------------------------
echo '{"latency_ms": 200}' >slow.json
fake_script slow.json
reset_ideas
{
	igny8-ideas --count 1 -j 2 clusters.jsonl 2>"$T/err"
	echo $? >"$T/st"
} | head -n 1 >first.jsonl
st=$(cat "$T/st")
is "igny8-ideas | head -n 1: 74, records were not read" 74 "$st"
ok "no crash" eval '! _crashed "$st" "$T/err"'
is "head got one record" 1 "$(wc -l <first.jsonl)"
is "no error on stderr, a note and the summary" \
	"igny8-ideas: standard output was closed: no more requests started; the run is recorded as interrupted" \
	"$(not_summary "$T/err")"
sent=$(chats)
ok "it stopped starting work ($sent of $N sent)" test "$sent" -lt "$N"
is "every request it sent was saved" "$sent" "$(count_rows ideas)"
is "the run is recorded as interrupted" "interrupted|74" \
	"$(sqlite3 "$IGNY8_WORKSPACE" 'SELECT status, exit_code FROM runs ORDER BY id DESC LIMIT 1')"

# The reader goes away while every request is slow: the closed pipe is
# noticed before the next request starts, not at the next record written.
echo '{"latency_ms": 600}' >slower.json
fake_script slower.json
reset_ideas
{
	igny8-ideas --count 1 -j 1 clusters.jsonl 2>"$T/err"
	echo $? >"$T/st"
} | { head -n 1 >first.jsonl; exec 0<&-; sleep 2; }
is "-j 1 into a reader that left: 74" 74 "$(cat "$T/st")"
n=$(chats)
ok "one request after the reader left, at most ($n in all)" test "$n" -le 2

no_key_leak "no key anywhere" "$T/out" "$T/err" ideas.jsonl
done_testing
