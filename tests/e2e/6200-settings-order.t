#!/bin/sh
# The order of the model settings (igny8-prompts(5), "Model settings"): -m,
# then the user's own prompt file's front matter, then the user's
# configuration, then the shipped prompt's front matter, then the shipped
# defaults.yaml.  Read from the requests --dry-run shows.
. "$(dirname "$0")/../lib.sh"
new_workspace

# A shipped data directory whose defaults.yaml differs from the shipped
# write prompt (max_tokens 8000, temperature 0.7), so the two can be told apart.
mkdir -p share/prompts
cp "$TOP"/prompts/*.md share/prompts/
cp "$IGNY8_BUILD"/share/igny8/prices.yaml share/
# The shipped text model is a reasoning model, which is sent no temperature;
# a plain model in its place lets the temperature's source be seen too.
sed -e 's/max_tokens: 8000/max_tokens: 7777/' -e 's/model: gpt-5\.4-mini/model: shipped-model/' \
	"$IGNY8_BUILD"/share/igny8/defaults.yaml >share/defaults.yaml
IGNY8_DATADIR=$T/share
export IGNY8_DATADIR
grep -q 'max_tokens: 7777' share/defaults.yaml || fail "the shipped defaults.yaml changed shape"

# A task long enough that the cap sized to it (twice its words plus 2,500)
# is over every setting below, which then shows.
sed 's/"words":900/"words":4000/' "$TOP/examples/task.jsonl" >task.jsonl
grep -q '"words":4000' task.jsonl || fail "the example task changed shape"

# sent DESC WANT ARGS...: igny8-write --dry-run ARGS sends "max_tokens temperature model".
sent() {
	_d=$1 _w=$2
	shift 2
	igny8-write --dry-run "$@" <task.jsonl >"$T/out" 2>"$T/err" ||
		{ fail "$_d"; diag "$(cat "$T/err")"; return; }
	is "$_d" "$_w" "$("$PY" -c '
import json, sys
b = json.loads(open(sys.argv[1]).readline())["body"]
print(b.get("max_completion_tokens", b.get("max_tokens")), b.get("temperature"), b["model"])' "$T/out")"
}

sent "the shipped prompt beats the shipped defaults.yaml" "8000 0.7 shipped-model"
cat >igny8.yaml <<'Y'
functions:
  write: {max_tokens: 3000, model: my-writer}
Y
sent "the user's configuration beats the shipped prompt" "3000 0.7 my-writer"
sent "--set too" "3000 1.3 my-writer" --set functions.write.temperature=1.3
mkdir -p "$XDG_CONFIG_HOME/igny8/prompts"
{
	printf -- '---\nmax_tokens: 500\nmodel: prompt-model\n---\n'
	sed '1,/^---$/d' "$TOP/prompts/write.md"
} >"$XDG_CONFIG_HOME/igny8/prompts/write.md"
grep -q 'IGNY8_TITLE' "$XDG_CONFIG_HOME/igny8/prompts/write.md" || fail "the prompt's body"
sent "the user's prompt file beats the configuration" "500 1.3 prompt-model" \
	--set functions.write.temperature=1.3 --set functions.write.max_tokens=999
sent "what it leaves out comes from the configuration" "500 0.7 prompt-model"
sent "-m beats them all" "500 0.7 flag-model" -m flag-model
sed '1,/^---$/d' "$TOP/prompts/write.md" >"$XDG_CONFIG_HOME/igny8/prompts/write.md"
sent "a prompt file without front matter: the configuration" "3000 0.7 my-writer"
rm igny8.yaml
sent "and without configuration: the shipped prompt" "8000 0.7 shipped-model"
printf -- '---\ntemperature: 0.1\n---\n' >p.md
sed '1,/^---$/d' "$TOP/prompts/write.md" >>p.md
sent "--prompt FILE is the user's prompt file" "8000 0.1 shipped-model" --prompt p.md \
	--set functions.write.temperature=1.9
# A short task: the cap is sized to it, under the shipped prompt's ceiling.
sed 's/"words":900/"words":1000/' "$TOP/examples/task.jsonl" >task.jsonl
sent "a shipped ceiling gives way to the cap sized to the task" "4500 0.7 shipped-model"
done_testing
