#!/bin/sh
# Shell completions: bash (driven through compgen with COMP_WORDS), fish
# (complete -C) and zsh (syntax, and the options named) offer every long
# option each program's --help names, and the values of the options that
# take a fixed set.
. "$(dirname "$0")/../lib.sh"

C=$TOP/completions
command -v bash >/dev/null || skip_all "no bash"

# help_opts CMD...: the long options named in CMD's --help.
help_opts() {
	"$@" --help 2>/dev/null | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}

# bash_complete WORD...: COMPREPLY, one a line, for the command line WORD...
# with the cursor on the last word.
bash_complete() {
	bash -c '
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		f=$(complete -p "$1" | sed "s/.* -F \([^ ]*\) .*/\1/")
		"$f" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}"' sh "$C/igny8.bash" "$@" | sort -u
}

fish_complete() {
	fish -c "source '$C/igny8.fish'; complete -C '$*'" | cut -f1 | sort -u
}

# has DESC WANTED_FILE GOT_FILE: every line of WANTED is in GOT.
has() {
	_missing=$(sort -u "$2" | comm -23 - "$3" | tr '\n' ' ')
	if [ -z "$_missing" ]; then
		pass "$1"
	else
		fail "$1"
		diag "missing: $_missing"
	fi
}

words() { printf '%s\n' "$@" | sort -u >"$T/want"; }

ok "igny8.bash: bash -n" bash -n "$C/igny8.bash"
if command -v zsh >/dev/null; then
	ok "_igny8: zsh -n" zsh -n "$C/_igny8"
else
	skip "_igny8: zsh -n" "no zsh"
fi
if command -v fish >/dev/null; then
	ok "igny8.fish: fish -n" fish -n "$C/igny8.fish"
	FISH=1
else
	skip "igny8.fish: fish -n" "no fish"
	FISH=
fi

# -- every option of every program ------------------------------------------------

for b in "$IGNY8_BUILD"/bin/igny8-*; do
	n=${b##*/}
	help_opts "$b" >"$T/help"
	bash_complete "$n" -- >"$T/got"
	has "bash: $n -- offers every --help option" "$T/help" "$T/got"
	if [ -n "$FISH" ]; then
		fish_complete "$n" -- >"$T/got"
		has "fish: $n -- offers every --help option" "$T/help" "$T/got"
	fi
	# zsh: the options are written in the program's _arguments spec.
	awk -v n="$n" '$0 ~ "^  " n "\\)" { on = 1; next } on { print; if (/;;/) on = 0 }' \
		"$C/_igny8" >"$T/zspec"
	sed -n '/^local -a _igny8_common=(/,/^)/p' "$C/_igny8" >>"$T/zspec"
	grep -oE -- '--[a-z][a-z0-9-]*' "$T/zspec" | sort -u >"$T/got"
	has "zsh: $n's spec names every --help option" "$T/help" "$T/got"
done

help_opts igny8 >"$T/help"
bash_complete igny8 -- >"$T/got"
has "bash: igny8 -- offers the global options" "$T/help" "$T/got"
igny8 --help | sed -n 's/^commands: //p' | tr ' ' '\n' >"$T/subs"
printf '%s\n' cluster ideas write image >>"$T/subs"
bash_complete igny8 "" >"$T/got"
has "bash: igny8 offers every subcommand" "$T/subs" "$T/got"
[ -n "$FISH" ] && fish_complete igny8 "" >"$T/got" &&
	has "fish: igny8 offers every subcommand" "$T/subs" "$T/got"
for s in $(igny8 --help | sed -n 's/^commands: //p'); do
	igny8 "$s" --help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u >"$T/help"
	bash_complete igny8 -w x.db "$s" -- >"$T/got"
	has "bash: igny8 $s -- offers every option" "$T/help" "$T/got"
	if [ -n "$FISH" ]; then
		fish_complete igny8 "$s" -- >"$T/got"
		has "fish: igny8 $s -- offers every option" "$T/help" "$T/got"
	fi
	grep -oE -- "--[a-z][a-z0-9-]*" "$C/_igny8" | sort -u >"$T/got"
	has "zsh: igny8 $s's options are named" "$T/help" "$T/got"
done

# -- option values --------------------------------------------------------------------

words auto tty json none
bash_complete igny8-ideas --progress "" >"$T/got"
is_same "bash: --progress modes" "$T/want" "$T/got"
bash_complete igny8 ideas --progress "" >"$T/got"
is_same "bash: igny8 ideas --progress modes" "$T/want" "$T/got"
words html markdown
bash_complete igny8-write --format "" >"$T/got"
is_same "bash: igny8-write --format" "$T/want" "$T/got"
words auto ai local embed
bash_complete igny8-cluster --method "" >"$T/got"
is_same "bash: igny8-cluster --method" "$T/want" "$T/got"
words openai runware
bash_complete igny8-image --provider "" >"$T/got"
is_same "bash: igny8-image --provider" "$T/want" "$T/got"
words auto jsonl text csv
bash_complete igny8 import -f "" >"$T/got"
is_same "bash: igny8 import -f" "$T/want" "$T/got"
igny8 export --help | sed -n '3p' | tr ' ' '\n' | grep . | sort -u >"$T/want"
bash_complete igny8 export "" >"$T/got"
is_same "bash: igny8 export tables, as its --help lists them" "$T/want" "$T/got"
words function model day
bash_complete igny8 costs --by "" >"$T/got"
is_same "bash: igny8 costs --by" "$T/want" "$T/got"
words clusters content calls
bash_complete igny8 export c >"$T/got"
is_same "bash: a table by its prefix" "$T/want" "$T/got"
: >"$T/f.jsonl"
bash_complete igny8-ideas "$T/f." >"$T/got"
is "bash: file names for inputs" "$T/f.jsonl" "$(cat "$T/got")"
if [ -n "$FISH" ]; then
	words auto tty json none
	fish_complete igny8-write --progress "" >"$T/got"
	is_same "fish: --progress modes" "$T/want" "$T/got"
	words html markdown
	fish_complete igny8-write --format "" >"$T/got"
	is_same "fish: igny8-write --format" "$T/want" "$T/got"
fi

# -- model names: the settings in effect, from every layer (igny8 config) -------------

IGNY8_DATADIR=$IGNY8_BUILD/share/igny8
export IGNY8_DATADIR
mkdir -p "$XDG_CONFIG_HOME/igny8"
cat >"$XDG_CONFIG_HOME/igny8/config.yaml" <<'EOF'
# my models
functions:
  write: {model: my-writer, max_tokens: 9000}
  ideas:
    model: "my-planner"   # quoted
image:
  provider: runware
  model: "runware:100@1"
EOF
printf 'functions.cluster.model: flat-model\n' >igny8.yaml
# The text models of defaults.yaml (functions.*.model but embed and
# moderation) and its image models (image.model, image_models.*).
igny8 config | sed -n 's/^functions\.\(cluster\|ideas\|write\|image_prompts\)\.model = \([^	]*\)	.*defaults\.yaml.*/\2/p' |
	sort -u >"$T/text-defaults"
igny8 config | sed -n -e 's/^image\.model = \([^	]*\)	.*defaults\.yaml.*/\1/p' \
	-e 's/^image_models\.\(.*\)\.provider = .*/\1/p' | sort -u >"$T/image-defaults"
ok "defaults.yaml has image models" test -s "$T/image-defaults"
words my-writer my-planner flat-model
cat "$T/text-defaults" >>"$T/want"
bash_complete igny8-write -m "" >"$T/got"
has "bash: igny8-write -m offers the text models of defaults.yaml and the user's files" "$T/want" "$T/got"
unlike "bash: and no image, embedding or moderation model, nor other values" \
	'^(gpt-image|runware|text-embedding|omni-moderation|png|9000|provider)' "$T/got"
bash_complete igny8-write --model my- >"$T/got"
words my-planner my-writer
is_same "bash: model names by prefix" "$T/want" "$T/got"
words runware:100@1
sort -u "$T/image-defaults" "$T/want" -o "$T/want"
bash_complete igny8-image -m "" >"$T/got"
is_same "bash: igny8-image -m offers the image models only" "$T/want" "$T/got"
bash_complete igny8-cluster -m "" >"$T/got"
like "bash: igny8-cluster -m offers the embedding model" '^text-embedding-' "$T/got"
like "bash: and the text models" '^my-planner$' "$T/got"
unlike "bash: but no image model" '^(gpt-image|runware)' "$T/got"
bash_complete igny8 write -m "" >"$T/got"
unlike "bash: igny8 write -m is igny8-write -m" '^(gpt-image|runware|text-embedding)' "$T/got"
if [ -n "$FISH" ]; then
	words my-writer my-planner flat-model
	fish_complete igny8-ideas -m "" >"$T/got"
	has "fish: -m offers the user's models" "$T/want" "$T/got"
	unlike "fish: igny8-ideas -m offers no image model" '^(gpt-image|runware)' "$T/got"
	fish_complete igny8-image -m "" >"$T/got"
	like "fish: igny8-image -m offers the user's image model" '^runware:100@1$' "$T/got"
	unlike "fish: and no text model" '^my-' "$T/got"
fi
if command -v zsh >/dev/null; then
	# zsh's helper run outside completion must find the same names.
	zsh -c 'source "$1" 2>/dev/null; _describe() { print -l ${(P)4}; }
		_igny8_models text' zsh "$C/_igny8" 2>/dev/null | sort -u >"$T/got"
	words my-writer my-planner flat-model
	has "zsh: model helper reads the user's text models" "$T/want" "$T/got"
	unlike "zsh: and no image model" '^runware' "$T/got"
	zsh -c 'source "$1" 2>/dev/null; _describe() { print -l ${(P)4}; }
		_igny8_models image' zsh "$C/_igny8" 2>/dev/null | sort -u >"$T/got"
	like "zsh: image models" '^runware:100@1$' "$T/got"
fi

# -- --set keys and workspace ids --------------------------------------------------------

bash_complete igny8-write --set functions.write.max_t >"$T/got"
is "bash: --set completes a key" "functions.write.max_tokens=" "$(cat "$T/got")"
bash_complete igny8-write --set functions.write.max_tokens= >"$T/got"
is "bash: but not its value" "" "$(cat "$T/got")"
igny8 -q init && printf 'alpha\nbeta\ngamma\n' | igny8 -q import - || fail "a workspace"
sqlite3 igny8.db "INSERT INTO clusters (id, name, name_norm, created_at, updated_at)
	VALUES (7, 'Greek', 'greek', 'x', 'x');
	INSERT INTO tasks (id, title, status, created_at, updated_at) VALUES (12, 'T', 'queued', 'x', 'x')"
words 7
bash_complete igny8-ideas --cluster "" >"$T/got"
is_same "bash: --cluster offers the workspace's cluster ids" "$T/want" "$T/got"
bash_complete igny8 export -c "" >"$T/got"
is_same "bash: igny8 export -c too" "$T/want" "$T/got"
words 12
bash_complete igny8-write --task "" >"$T/got"
is_same "bash: --task offers task ids" "$T/want" "$T/got"
words 1 2 3
bash_complete igny8-cluster --ids "" >"$T/got"
is_same "bash: --ids offers keyword ids" "$T/want" "$T/got"
if [ -n "$FISH" ]; then
	words 7
	fish_complete igny8-ideas --cluster "" >"$T/got"
	is_same "fish: --cluster offers cluster ids" "$T/want" "$T/got"
	fish_complete igny8-write --set functions.write.max_t >"$T/got"
	is "fish: --set completes a key" "functions.write.max_tokens=" "$(cat "$T/got")"
fi
if command -v zsh >/dev/null; then
	zsh -c 'source "$1" 2>/dev/null; compadd() { shift; print -l ${(P)1}; }
		_igny8_ids tasks' zsh "$C/_igny8" 2>/dev/null >"$T/got"
	is "zsh: the id helper lists task ids" 12 "$(cat "$T/got")"
fi
sqlite3 igny8.db "INSERT INTO ai_log (id, function, outcome, created_at) VALUES (5, 'write', 'ok', 'x')"
words 5
bash_complete igny8 log --show "" >"$T/got"
is_same "bash: igny8 log --show offers call ids" "$T/want" "$T/got"
if [ -n "$FISH" ]; then
	fish_complete igny8 log --show "" >"$T/got"
	is_same "fish: igny8 log --show offers call ids" "$T/want" "$T/got"
fi
if command -v zsh >/dev/null; then
	zsh -c 'source "$1" 2>/dev/null; compadd() { shift; print -l ${(P)1}; }
		_igny8_ids calls' zsh "$C/_igny8" 2>/dev/null >"$T/got"
	is "zsh: and call ids" 5 "$(cat "$T/got")"
	ok "zsh: which igny8 log --show uses" grep -q -- "--show=}.*_igny8_ids calls" "$C/_igny8"
fi

done_testing
