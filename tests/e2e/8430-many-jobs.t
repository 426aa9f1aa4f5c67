#!/bin/sh
# -j 256 under the common soft limit of 1024 open files: every worker has a
# read connection of its own (three descriptors) beside its HTTP
# connection, so the run raises its soft limit to the hard one and does
# not run out of descriptors ("could not connect").
. "$(dirname "$0")/../lib.sh"
. "$TESTS/seed.sh"

fake_start || exit 1
new_workspace
seed_clusters 300 || exit 1
cluster_records 300 >many.jsonl
[ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -ge 4096 ] ||
	skip_all "the hard limit on open files is below 4096"
ulimit -Sn 1024
expect_status "-j 256 with a soft limit of 1024 descriptors" 0 \
	igny8-ideas -q -j 256 --count 1 many.jsonl
unlike "... connects every time" 'could not connect' "$T/err"
is "... writes every record" 300 "$(wc -l <"$T/out" | tr -d ' ')"
done_testing
