#!/bin/sh
# The same record given more than once in one input is done once: later
# copies are reported as duplicates of the first, never paid for again,
# never mistaken for a record "running in another live process", with one
# job or eight.
. "$(dirname "$0")/../lib.sh"
. "$TESTS/seed.sh"
fake_start || skip_all "the fake API server did not start"
sql() { sqlite3 "$IGNY8_WORKSPACE" "$1"; }
chat() { fake_count /v1/chat/completions; }

plan 24

cluster_records 5 >five.jsonl
cat five.jsonl five.jsonl five.jsonl >thrice.jsonl
for j in 8 1; do
	IGNY8_WORKSPACE=$T/ws$j.db
	export IGNY8_WORKSPACE
	seed_clusters 5 || exit 1
	fake_reset
	expect_status "ideas -j $j, five clusters each given three times" 0 \
		igny8-ideas -j "$j" --count 2 thrice.jsonl
	is "ideas -j $j: five requests paid" "5" "$(chat)"
	is "ideas -j $j: ideas saved once per cluster" "10" "$(sql 'SELECT count(*) FROM ideas')"
	like "ideas -j $j: a later copy is named a duplicate of the first" \
		'thrice.jsonl:6: cluster:1: duplicate of thrice.jsonl:1; done once' err
	is "ideas -j $j: ten duplicates reported" "10" "$(grep -c 'duplicate of' err)"
	is "ideas -j $j: each cluster's ideas written once" "10" "$(grep -c '"type":"idea"' out)"
done

# igny8-write: five ideas, each given three times.
IGNY8_WORKSPACE=$T/ws8.db
sql "SELECT json_object('type', 'idea', 'id', id) FROM ideas WHERE id % 2 = 1" >ideas5.jsonl
cat ideas5.jsonl ideas5.jsonl ideas5.jsonl >ideas15.jsonl
fake_reset
expect_status "write -j 8, five ideas each given three times" 0 \
	igny8-write -j 8 --words 200 ideas15.jsonl
is "write: five requests paid" "5" "$(chat)"
is "write: five articles written" "5" "$(grep -c '"type":"content"' out)"
unlike "write: no false 'another live process' warning" 'another live process' err
is "write: ten duplicates reported" "10" "$(grep -c 'duplicate of' err)"
is "write: every task done" "done|5" "$(sql 'SELECT status, count(*) FROM tasks GROUP BY status')"

# --task given twice on the command line.
fake_reset
expect_status "write --task 1 --task 1 --refresh" 0 igny8-write --task 1 --task 1 --refresh
like "an id given twice is named once" 'task:1: given more than once; done once' err

# igny8-image: the same article three times costs what it costs once.
sql "SELECT json_object('type', 'task', 'id', id) FROM tasks WHERE id <= 2" >t2.jsonl
fake_reset
expect_status "image, two tasks" 0 igny8-image -j 8 --no-cache --max-images 1 t2.jsonl
once=$(fake_count)
sql "DELETE FROM images"
cat t2.jsonl t2.jsonl t2.jsonl >t6.jsonl
fake_reset
expect_status "image -j 8, two tasks each given three times" 0 \
	igny8-image -j 8 --no-cache --max-images 1 t6.jsonl
is "image: as many requests as for each task once" "$once" "$(fake_count)"
is "image: four duplicates reported" "4" "$(grep -c 'duplicate of' err)"
done_testing
