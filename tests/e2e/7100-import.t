#!/bin/sh
# igny8 import: the three CSV exports, UTF-16 Keyword Planner, JSON lines,
# text; bad rows with file:line; nothing saved after a failed import.
. "$(dirname "$0")/../lib.sh"
new_workspace
cp "$TESTS"/data/*.csv "$TESTS"/data/keywords.* "$T"/
igny8 -q init || fail 'init'

# kw FIELD NORM: one field of one stored keyword.
kw() {
	sqlite3 "$T/ws.db" "SELECT coalesce($1, 'NULL') FROM keywords WHERE norm = '$2'"
}

expect_status 'semrush export' 0 igny8 import semrush.csv
like 'summary note' '^igny8: import: imported 3 keywords \(3 new, 0 updated\), skipped 0 rows$' "$T/err"
is 'semrush volume with a thousands comma' 1900 "$(kw volume 'best crm for "small" business')"
is 'semrush 12.1K' 12100 "$(kw volume 'free crm')"
is 'semrush first intent' commercial "$(kw intent 'crm software')"
is 'semrush keyword difficulty' 89.0 "$(kw difficulty 'crm software')"

expect_status 'ahrefs export' 0 igny8 import ahrefs.csv
like 'one updated' '\(2 new, 1 updated\)' "$T/err"
is 'ahrefs quoted comma in keyword' 300 "$(kw volume 'crm, explained')"
is 'ahrefs <10 is 0' 0 "$(kw volume 'sales pipeline crm')"
is 'ahrefs empty difficulty stays unknown' NULL "$(kw difficulty 'sales pipeline crm')"

expect_status 'keyword planner UTF-16LE, tabs, title lines' 0 igny8 import keyword-planner-utf16.csv
is 'range takes the lower bound' 10000 "$(kw volume 'crm software')"
is 'indexed competition wins' 81.0 "$(kw difficulty 'crm software')"
is 'UTF-16 text decoded' 100 "$(kw volume 'crm för småföretag')"
is 'Low competition is 25' 25.0 "$(kw difficulty 'crm för småföretag')"

expect_status 'json lines' 0 igny8 import keywords.jsonl
is 'jsonl sector' saas "$(kw sector 'crm software')"
expect_status 'text with comments' 0 igny8 import --sector crm keywords.txt
is 'text keyword trimmed, sector applied' crm "$(kw sector 'crm for startups')"
printf '\357\273\277keyword\nbom first line\n' >"$T/bom.csv"
expect_status 'UTF-8 with a byte order mark' 0 igny8 import bom.csv
is 'the mark is not part of the header or the keyword' 'bom first line' "$(kw keyword 'bom first line')"
expect_status 'stdin with --format text' 0 sh -c 'echo "from stdin" | igny8 import -f text -'
is 'stdin keyword' 'from stdin' "$(kw keyword 'from stdin')"
expect_status 'same file again changes nothing' 0 igny8 import --sector crm keywords.txt
like 'nothing new' '\(0 new, 0 updated\)' "$T/err"

# A failed import leaves the workspace as it was.
igny8 export keywords >"$T/before.jsonl"
expect_status 'bad row stops the import with 65' 65 igny8 import keywords.txt bad.csv
is 'message has file:line and why' 'igny8: import: bad.csv:3: empty keyword' "$(cat "$T/err")"
igny8 export keywords >"$T/after.jsonl"
is_same 'workspace unchanged after a failed import' "$T/before.jsonl" "$T/after.jsonl"
expect_status 'missing file is 66' 66 igny8 import keywords.txt nosuch.csv
like 'names the file' '^igny8: import: nosuch.csv: cannot open: No such file' "$T/err"
igny8 export keywords >"$T/after.jsonl"
is_same 'workspace unchanged after a missing file' "$T/before.jsonl" "$T/after.jsonl"
expect_status '--dry-run saves nothing (65: rows were bad)' 65 igny8 import -n bad.csv -k
like 'dry run summary' 'would import 3 keywords \(3 new, 0 updated\), skipped 3 rows \(dry run\)' "$T/err"
igny8 export keywords >"$T/after.jsonl"
is_same 'workspace unchanged after --dry-run' "$T/before.jsonl" "$T/after.jsonl"

expect_status '--keep-going saves the good rows, exits 65' 65 igny8 import --keep-going bad.csv
cat >"$T/want.err" <<'EOW'
igny8: warning: import: bad.csv:3: ignoring row: empty keyword
igny8: warning: import: bad.csv:4: ignoring row: bad volume 'lots'
igny8: warning: import: bad.csv:5: ignoring row: bad difficulty '150'
igny8: import: imported 3 keywords (3 new, 0 updated), skipped 3 rows
igny8: import: skipped 3 bad rows
EOW
is_same 'each skipped row reported' "$T/want.err" "$T/err"
is 'multi-line quoted keyword kept' 40 "$(kw volume 'multi line')"
expect_status '-q keeps only the error' 65 igny8 -q import -k bad.csv
is 'just the error' 'igny8: import: skipped 3 bad rows' "$(cat "$T/err")"

printf 'Keyword\nok\nbad\377byte\n' >"$T/latin.csv"
expect_status 'invalid UTF-8 is a bad row' 65 igny8 import latin.csv
is 'located' 'igny8: import: latin.csv:3: invalid UTF-8' "$(cat "$T/err")"
printf '{"keyword":"x"}\nnot json\n' >"$T/broken.jsonl"
expect_status 'bad JSON line' 65 igny8 import broken.jsonl
like 'located' '^igny8: import: broken.jsonl:2: not valid JSON' "$T/err"
printf 'phrase,volume\nx,1\n' >"$T/nokw.csv"
expect_status 'CSV without a keyword column' 65 igny8 import nokw.csv
like 'says so' "no 'Keyword' column" "$T/err"
printf 'Keyword;Search Volume\nsemi;1.200\n' >"$T/semi.txt"
expect_status 'semicolons, --format csv' 0 igny8 import -f csv semi.txt
is 'European thousands' 1200 "$(kw volume semi)"
expect_status 'unknown format is 64' 64 igny8 import -f xls bad.csv
expect_status 'import --help' 0 igny8 import --help
like 'documents the policy' 'exit 65' "$T/out"
done_testing
