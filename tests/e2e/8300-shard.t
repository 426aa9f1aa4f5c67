#!/bin/sh
# Beyond one machine, with standard tools: split the input, run one
# pipeline per shard, each with its own workspace, in parallel (on one
# machine or many), then merge the shard workspaces into one:
#
#     split -n l/3 keywords.jsonl shard-
#     for s in shard-a?; do
#         IGNY8_WORKSPACE=$s.db sh -c 'igny8-cluster <"$1" | igny8-ideas \
#             | igny8-write >"$1.out"' - "$s" &
#     done; wait
#     for s in shard-a?; do igny8 -w all.db merge "$s.db"; done
. "$(dirname "$0")/../lib.sh"

fake_start || exit 1
sqlv() { sqlite3 "$1" "$2"; }

split -n l/3 "$TOP/examples/keywords.jsonl" shard-
ls shard-a? >shards
is "three shards" 3 "$(wc -l <shards)"
for s in $(cat shards); do
	(IGNY8_WORKSPACE=$T/$s.db
	export IGNY8_WORKSPACE
	igny8 init 2>/dev/null &&
		igny8-cluster --jobs 4 <"$s" 2>>"$s.err" |
		igny8-ideas --jobs 4 --count 1 2>>"$s.err" |
		igny8-write --jobs 4 --words 200 >"$s.out" 2>"$s.err"
	echo $? >"$s.st") &
	pids="${pids:-} $!"
done
for p in $pids; do wait "$p"; done
for s in $(cat shards); do
	is "$s: its pipeline exits 0" 0 "$(cat "$s.st")"
done
total() { # SQL: summed over the shards
	n=0
	for s in $(cat shards); do n=$((n + $(sqlv "$s.db" "$1"))); done
	echo "$n"
}
ok "merge target" igny8 -w all.db init
for s in $(cat shards); do
	ok "merge $s" igny8 -w all.db merge "$s.db"
done
for t in keywords ideas tasks content; do
	is "all.db has every shard's $t" "$(total "SELECT count(*) FROM $t")" \
		"$(sqlv all.db "SELECT count(*) FROM $t")"
done
is "every task done" "$(sqlv all.db "SELECT count(*) FROM tasks")" \
	"$(sqlv all.db "SELECT count(*) FROM tasks WHERE status = 'done'")"
is "the shards' AI calls come along" "$(total "SELECT count(*) FROM ai_log")" \
	"$(sqlv all.db "SELECT count(*) FROM ai_log")"
ok "merging a shard again" igny8 -w all.db merge shard-aa.db
is "adds nothing" "$(total "SELECT count(*) FROM content")" \
	"$(sqlv all.db "SELECT count(*) FROM content")"
ok "the merged workspace answers like any other" igny8 -w all.db costs
done_testing
