#!/bin/sh
# Per-record options follow the rules of the flags they stand for: a bad
# value is a bad record (65) named by its line, never sent to the model as
# "about -5 words"; members of the wrong kind are errors, not absent; and
# -m '' is a usage error.
. "$(dirname "$0")/../lib.sh"
fake_start || skip_all "the fake API server did not start"
new_workspace
sql() { sqlite3 "$IGNY8_WORKSPACE" "$1"; }

ok "init" igny8 init

# bad RECORD PATTERN DESC: igny8-write rejects RECORD at line 2, saying PATTERN.
bad() {
	printf '{"type":"task","title":"Fine"}\n%s\n' "$1" >rec.jsonl
	expect_status "$3: 65" 65 igny8-write -n rec.jsonl
	like "$3: named by its line" "^igny8-write: rec.jsonl:2: $2" err
}
bad '{"type":"task","title":"T","options":{"words":-5}}' \
	"task option 'words': '-5' is not a number from 50 to 50000" "words -5"
bad '{"type":"task","title":"T","options":{"words":"many"}}' \
	"task option 'words': 'many' is not a number from 50 to 50000" "words \"many\""
bad '{"type":"task","title":"T","options":{"words":49}}' \
	"task option 'words': '49' is not a number" "words below --words' range"
bad '{"type":"task","title":"T","options":{"words":900.5}}' \
	"task option 'words': '900.5' is not a number" "words not whole"
bad '{"type":"task","title":"T","options":{"format":"pdf"}}' \
	"task option: 'write.format' must be one of html, markdown" "format pdf"
bad '{"type":"task","title":"T","options":{"tone":7}}' \
	"task option 'tone' must be a string" "tone a number"
bad '{"type":"task","title":"T","options":{"colour":"red"}}' \
	"unknown task option 'colour'" "an unknown option"
bad '{"type":42,"id":1}' "'type' must be a string" "type 42"
is "no task saved by any of them" "0" "$(sql 'SELECT count(*) FROM tasks')"

printf '{"type":"task","title":"Good","options":{"words":"800","tone":"dry","format":"markdown"}}\n' >good.jsonl
expect_status "good options are taken" 0 igny8-write good.jsonl
like "the prompt asks for them" 'about 800 words' "$FAKE_LOG"

printf '{"keyword":"fine"}\n{"keyword":"k","sector":5}\n' >kw.jsonl
expect_status "igny8-cluster: a numeric sector" 65 igny8-cluster --method local kw.jsonl
like "named by its line" "kw.jsonl:2: 'sector' must be a string" err
expect_status "igny8 import: a numeric sector" 65 igny8 import kw.jsonl
like "named by its line" "kw.jsonl:2: 'sector' must be a string" err
is "no keyword saved with a NULL sector for it" "0" \
	"$(sql "SELECT count(*) FROM keywords WHERE keyword = 'k'")"

expect_status "-m '' is a usage error" 64 igny8-write -m '' good.jsonl
like "saying why" "igny8-write: --model: the name is empty" err
done_testing
