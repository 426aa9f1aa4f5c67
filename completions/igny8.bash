# igny8.bash: bash completion for igny8, igny8-cluster, igny8-ideas,
# igny8-write and igny8-image.  Installed once per command name in
# bash-completion's completions directory, or source it from ~/.bashrc.
# The option lists follow each program's --help; tests/e2e/9100-completion.t
# fails when they drift apart.

# Options every filter shares (lib/opt.c).
_igny8_common_opts="--workspace --config --model --jobs --quiet --verbose
	--debug --progress --dry-run --keep-going --no-cache --refresh --max-cost
	--unordered --json --prompt --set --help --version"

# Model names of one kind (text, embed or image): the models in effect
# for the functions of that kind (functions.*.model, image.model) and,
# for images, the models with rules (image_models.*), as igny8's own
# settings loader resolves them from every layer (`igny8 config`), so no
# second YAML reader here.  A stage is offered only its kinds' models.
_igny8_models()
{
	local e
	case $1 in
	text) e='s/^functions\.\(cluster\|ideas\|write\|image_prompts\)\.model = \([^	]*\)	.*/\2/p' ;;
	embed) e='s/^functions\.embed\.model = \([^	]*\)	.*/\1/p' ;;
	image) e='s/^image\.model = \([^	]*\)	.*/\1/p; s/^image_models\.\(.*\)\.[a-z_]* = .*/\1/p' ;;
	esac
	igny8 config 2>/dev/null | sed -n "$e" | sort -u
}

# The kinds of model a stage uses: --method embed clusters by embeddings.
_igny8_kinds()
{
	case $1 in
	igny8-cluster) echo "text embed" ;;
	igny8-image) echo image ;;
	*) echo text ;;
	esac
}

# Setting keys in effect, as KEY= for --set KEY=VALUE.
_igny8_keys()
{
	igny8 config 2>/dev/null | sed -n 's/^\([^ ]*\) = .*/\1=/p'
}

# Ids of a workspace table (clusters, tasks, keywords), from `igny8 export`.
_igny8_ids()
{
	igny8 export "$1" 2>/dev/null | sed -n 's/^{"type":"[a-z_]*","id":\([0-9]*\),.*/\1/p'
}

# _igny8_values PREV [CMD]: completes the value of option PREV of program
# CMD (igny8-write, ...); 1 if PREV takes none.
_igny8_values()
{
	local cur=${COMP_WORDS[COMP_CWORD]} words
	case $1 in
	--progress) words="auto tty json none" ;;
	--method) words="auto ai local embed" ;;
	--provider) words="openai runware" ;;
	--emit) words="clusters keywords" ;;
	--by|-b) words="function model day" ;;
	--outcome|-o) words="ok cached error refused truncated" ;;
	--function) words="cluster ideas write image_prompts image embed moderation" ;;
	--since) words="today yesterday 24h 7d 30d" ;;
	--status) words="queued running done failed flagged draft pending ok error" ;;
	-m|--model)
		local k
		words=
		for k in $(_igny8_kinds "$2"); do words="$words $(_igny8_models $k)"; done ;;
	--set)
		[ "$cur" = "${cur#*=}" ] || { COMPREPLY=(); return 0; }
		COMPREPLY=($(compgen -W "$(_igny8_keys)" -- "$cur"))
		compopt -o nospace 2>/dev/null
		return 0 ;;
	--cluster) words=$(_igny8_ids clusters) ;;
	--task) words=$(_igny8_ids tasks) ;;
	--ids) words=$(_igny8_ids keywords) ;;
	--show|-S) words=$(_igny8_ids calls) ;;
	-w|--workspace|-c|--config|--prompt)
		COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;
	-j|--jobs|--max-cost|--count|--words|--tone|--language|--title|--keyword|--topic|\
	--audience|--threshold|--batch-size|--max-images|--sector|-s|--run|-r|\
	-n|--number)
		COMPREPLY=(); return 0 ;;
	*) return 1 ;;
	esac
	COMPREPLY=($(compgen -W "$words" -- "$cur"))
	return 0
}

_igny8_filter()
{
	local cmd=${1##*/} cur=${COMP_WORDS[COMP_CWORD]} prev= opts
	[ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD-1]}
	case $cmd in
	igny8-cluster) opts="--all --ids --keyword --method --threshold --batch-size --rebuild --force --emit" ;;
	igny8-ideas) opts="--all --cluster --topic --count --more --batch" ;;
	igny8-write) opts="--all --queued --task --title --words --tone --language --audience
		--format --moderate --batch" ;;
	igny8-image) opts="--all --pending --task --max-images --provider --insert --batch" ;;
	igny8-publish) opts="--all --task --to --dir --status --date --recreate" ;;
	esac
	case $prev in
	--to) COMPREPLY=($(compgen -W "wordpress hugo jekyll astro" -- "$cur")); return 0 ;;
	--status) COMPREPLY=($(compgen -W "draft publish pending future" -- "$cur")); return 0 ;;
	--dir) COMPREPLY=($(compgen -d -- "$cur")); return 0 ;;
	esac
	if [ "$prev" = --format ]; then
		COMPREPLY=($(compgen -W "html markdown" -- "$cur"))
		return 0
	fi
	_igny8_values "$prev" "$cmd" && return 0
	case $cur in
	-*) COMPREPLY=($(compgen -W "$opts $_igny8_common_opts" -- "$cur")) ;;
	*) COMPREPLY=($(compgen -f -- "$cur")) ;;
	esac
}

_igny8()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev= i sub= opts
	local cmds="audit batch config costs doctor export import init log merge models prompts report runs status tasks cluster ideas write image publish"
	[ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD-1]}
	# The subcommand is the first word that is neither an option nor the
	# value of -w/-c.
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-w|-c|--workspace|--config) ((i++)) ;;
		-*) ;;
		*) sub=${COMP_WORDS[i]}; break ;;
		esac
	done
	if [ -z "$sub" ]; then
		case $prev in
		-w|--workspace|-c|--config) COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;
		esac
		case $cur in
		-*) COMPREPLY=($(compgen -W "--workspace --config --quiet --verbose
			--version --help" -- "$cur")) ;;
		*) COMPREPLY=($(compgen -W "$cmds" -- "$cur")) ;;
		esac
		return 0
	fi
	case $sub in
	cluster|ideas|write|image|publish)
		COMP_WORDS=("igny8-$sub" "${COMP_WORDS[@]:i+1}")
		COMP_CWORD=$((COMP_CWORD - i))
		_igny8_filter "igny8-$sub"
		return 0 ;;
	config|doctor) opts="--json" ;;
	models) opts="--json"
		[ "$cur" = "${cur#-}" ] && { COMPREPLY=($(compgen -W "openai runware" -- "$cur")); return 0; } ;;
	prompts)
		if [ "$COMP_CWORD" -eq $((i + 1)) ]; then
			COMPREPLY=($(compgen -W "list show set reset" -- "$cur"))
		elif [ "$COMP_CWORD" -eq $((i + 2)) ]; then
			COMPREPLY=($(compgen -W "cluster ideas write image_prompts image negative" -- "$cur"))
		else
			COMPREPLY=($(compgen -f -- "$cur"))
		fi
		return 0 ;;
	batch) opts="status collect --json --resubmit --jobs" ;;
	audit) opts="--task --json" ;;
	costs) opts="--by --since --json" ;;
	export) opts="--status --run --cluster --function" ;;
	import) opts="--format --sector --dry-run --keep-going" ;;
	init|merge) opts="" ;;
	log) opts="--run --last --function --outcome --steps --show --json" ;;
	report) opts="--html"
		[ "$prev" = --html ] && { COMPREPLY=($(compgen -d -- "$cur")); return 0; } ;;
	runs) opts="--number --json" ;;
	status) opts="--json --watch" ;;
	tasks) opts="--status"
		[ "$COMP_CWORD" -eq $((i + 1)) ] && opts="requeue delete --status"
		case ${COMP_WORDS[i+1]} in
		requeue|delete) [ "$cur" = "${cur#-}" ] && [ "$prev" != --status ] &&
			[ "$prev" != -s ] && { COMPREPLY=($(compgen -W "$(_igny8_ids tasks)" -- "$cur")); return 0; } ;;
		esac ;;
	esac
	opts="$opts --help"
	# Short options whose meaning depends on the subcommand.
	case $sub:$prev in
	tasks:-s) COMPREPLY=($(compgen -W "queued running done failed flagged" -- "$cur")); return 0 ;;
	import:-f|import:--format)
		COMPREPLY=($(compgen -W "auto jsonl text csv" -- "$cur")); return 0 ;;
	export:-f|log:-f)
		COMPREPLY=($(compgen -W "cluster ideas write image_prompts image embed
			moderation" -- "$cur")); return 0 ;;
	export:-c) COMPREPLY=($(compgen -W "$(_igny8_ids clusters)" -- "$cur")); return 0 ;;
	esac
	_igny8_values "$prev" && return 0
	case $cur in
	-*) COMPREPLY=($(compgen -W "$opts" -- "$cur")) ;;
	*)
		case $sub in
		export) COMPREPLY=($(compgen -W "keywords clusters ideas tasks content
			images runs calls batches prompts" -- "$cur")) ;;
		import|merge) COMPREPLY=($(compgen -f -- "$cur")) ;;
		esac ;;
	esac
}

complete -F _igny8 igny8
complete -F _igny8_filter -o filenames igny8-cluster igny8-ideas igny8-write igny8-image igny8-publish
