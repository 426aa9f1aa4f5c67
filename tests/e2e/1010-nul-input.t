#!/bin/sh
# A NUL in an input string, escaped in JSON (\u0000) or raw in a CSV row,
# would cut the text there: the record is rejected with a message naming
# its line (65), in igny8 import, igny8-cluster and igny8-write, and
# nothing of it is saved.
. "$(dirname "$0")/../lib.sh"
new_workspace
sql() { sqlite3 "$IGNY8_WORKSPACE" "$1"; }

plan 16

ok "init" igny8 init
printf '{"keyword":"fine"}\n{"keyword":"esc\\u0000nul"}\n' >kw.jsonl
expect_status "import: an escaped NUL in a keyword" 65 igny8 import kw.jsonl
like "names the line" 'kw.jsonl:2: NUL character \(\\u0000\) in a string' err
is "nothing imported" "0" "$(sql 'SELECT count(*) FROM keywords')"

printf 'Keyword,Volume\nfine,1\nab\000cd,10\n' >kw.csv
expect_status "import: a raw NUL in a CSV row" 65 igny8 import kw.csv
like "names the line" 'kw.csv:3: NUL byte in a field' err
is "nothing imported" "0" "$(sql 'SELECT count(*) FROM keywords')"
expect_status "import -k: the row is skipped, the rest kept" 65 igny8 import -k kw.csv
is "only the good row" "fine" "$(sql 'SELECT group_concat(keyword) FROM keywords')"

expect_status "igny8-cluster: an escaped NUL in a keyword" 65 \
	igny8-cluster --method local kw.jsonl
like "names the line" 'kw.jsonl:2: NUL character' err
is "no keyword cut at the NUL" "0" "$(sql "SELECT count(*) FROM keywords WHERE keyword = 'esc'")"

printf '{"type":"task","title":"nul\\u0000title"}\n' >task.jsonl
expect_status "igny8-write: an escaped NUL in a title" 65 igny8-write -n task.jsonl
like "names the line" 'task.jsonl:1: NUL character' err
expect_status "igny8-write without -n" 65 igny8-write task.jsonl
is "no task saved" "0" "$(sql 'SELECT count(*) FROM tasks')"
done_testing
