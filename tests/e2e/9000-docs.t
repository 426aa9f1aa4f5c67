#!/bin/sh
# Docs in step with the code: man pages lint clean and have the required
# sections, EXIT STATUS agrees with lib/err.h, every long option of every
# binary is in its --help, its option table and its man page (and back),
# and the command-line conventions the pages promise hold.
. "$(dirname "$0")/../lib.sh"
. "$TESTS/seed.sh"

MAN=$TOP/man
VERSION=$(sed -n 's/^VERSION = //p' "$TOP/Makefile")

# -- helpers -------------------------------------------------------------------

# section PAGE NAME: the lines of section .Sh NAME of PAGE.
section() {
	awk -v want="$2" '/^\.Sh / { s = substr($0, 5); gsub(/"/, "", s); on = (s == want); next }
		on' "$1"
}

# help_opts CMD...: the long options named in CMD's --help, one a line.
help_opts() {
	"$@" --help 2>/dev/null | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}

# table_opts SRC [FUNC]: the long options of the getopt_long tables in SRC
# (only inside function FUNC when given), plus OPT_COMMON_LONG when used.
table_opts() {
	awk -v fn="${2:-}" '
		fn != "" && $0 ~ "^" fn "\\(" { on = 1 }
		fn != "" && on && /^}/ { on = 0 }
		(fn == "" || on) && /\{ "[a-z][a-z0-9-]*", *(no|required|optional)_argument/ {
			s = $0; sub(/.*\{ "/, "", s); sub(/".*/, "", s); print "--" s }
		(fn == "" || on) && /OPT_COMMON_LONG,/ { common = 1 }
		on && /json_args\(/ { print "--help"; print "--json" }
		END { if (common) print "COMMON" }' "$1" >"$T/.tab"
	if grep -q COMMON "$T/.tab"; then
		grep -oE '\{ "[a-z][a-z0-9-]*", (no|required|optional)_argument' \
			"$TOP/lib/opt.h" | sed 's/{ "/--/; s/".*//' >>"$T/.tab"
	fi
	grep -v COMMON "$T/.tab" | sort -u
}

# man_opts PAGE: every long option the page names with .Fl.
man_opts() {
	grep -oE 'Fl -[a-z][a-z0-9-]*' "$1" | sed 's/^Fl -/--/' | sort -u
}

# man_item_opts PAGE: the long options of the .It Fl items in OPTIONS and
# COMMANDS (the options the page documents as such).
man_item_opts() {
	{ section "$1" OPTIONS; section "$1" COMMANDS; } |
		grep -E '^\.It (Fl|Cm)' | grep -oE 'Fl -[a-z][a-z0-9-]*' |
		sed 's/^Fl -/--/' | sort -u
}

# subset DESC A B: every line of file A is in file B.
subset() {
	sort -u "$2" >"$T/.sub.a"
	sort -u "$3" >"$T/.sub.b"
	_missing=$(comm -23 "$T/.sub.a" "$T/.sub.b" | tr '\n' ' ')
	if [ -z "$_missing" ]; then
		pass "$1"
	else
		fail "$1"
		diag "missing: $_missing"
	fi
}

# -- man pages -------------------------------------------------------------------

PAGES=$(ls "$MAN"/*.[1-8])
for p in $PAGES; do
	n=${p##*/}
	if mandoc -Tlint -Wwarning "$p" >"$T/lint" 2>&1; then
		pass "$n: mandoc -Tlint clean"
	else
		fail "$n: mandoc -Tlint clean"
		_diag_file "$T/lint"
	fi
	miss=
	for s in DESCRIPTION "EXIT STATUS" ENVIRONMENT FILES EXAMPLES "SEE ALSO"; do
		grep -q "^\.Sh \"*$s\"*\$" "$p" || miss="$miss '$s'"
	done
	is "$n: has the required sections" "" "$miss"
	# A reference to another igny8 page must resolve, unless it is the page
	# of a binary that has not landed yet.
	bad=
	for x in $(grep -oE '^\.Xr igny8[a-z.-]* [1-8]' "$p" | sed 's/^\.Xr //; s/ /./' | sort -u); do
		[ -f "$MAN/$x" ] && continue
		[ ! -x "$IGNY8_BUILD/bin/${x%.*}" ] && [ "${x##*.}" = 1 ] && continue
		bad="$bad $x"
	done
	is "$n: every .Xr to an igny8 page resolves" "" "$bad"
done

# -- exit statuses agree with lib/err.h --------------------------------------------

sed -n '/^enum ig_exit {/,/^}/p' "$TOP/lib/err.h" |
	grep -oE '= *[0-9]+' | tr -dc '0-9\n' | sort -n >"$T/enum"
is "lib/err.h enum ig_exit parsed" 14 "$(wc -l <"$T/enum" | tr -d ' ')"
for p in $PAGES; do
	n=${p##*/}
	section "$p" "EXIT STATUS" >"$T/es"
	if grep -q '^\.It [0-9]' "$T/es"; then
		grep -oE '^\.It [0-9]+' "$T/es" | tr -dc '0-9\n' | sort -n >"$T/listed"
		is_same "$n: EXIT STATUS lists exactly the values of enum ig_exit" \
			"$T/enum" "$T/listed"
	else
		# A page that only mentions statuses must mention real ones.
		grep -oE '\b[0-9]{1,3}\b' "$T/es" | sort -nu >"$T/listed"
		subset "$n: EXIT STATUS mentions only values of enum ig_exit" \
			"$T/listed" "$T/enum"
	fi
done

# -- options: --help, the option table and the man page agree -------------------------

for b in "$IGNY8_BUILD"/bin/igny8-*; do
	n=${b##*/}
	help_opts "$b" >"$T/help.$n"
	table_opts "$TOP/cmd/$n.c" >"$T/tab.$n"
	is_same "$n: --help names every option of its table, and no other" \
		"$T/tab.$n" "$T/help.$n"
	if [ -f "$MAN/$n.1" ]; then
		man_opts "$MAN/$n.1" >"$T/man.$n"
		subset "$n: every --help option is in $n(1)" "$T/help.$n" "$T/man.$n"
		man_item_opts "$MAN/$n.1" >"$T/item.$n"
		subset "$n(1): every documented option exists" "$T/item.$n" "$T/help.$n"
		section "$MAN/$n.1" SYNOPSIS >"$T/syn"
		like "$n(1): SYNOPSIS shows [options] [file ...] as --help does" \
			'^\.Op Ar options' "$T/syn"
	else
		skip "$n(1) not written yet" "man/$n.1 missing"
	fi
done

# igny8: the global options and every subcommand's.
help_opts igny8 >"$T/help.igny8"
table_opts "$TOP/cmd/igny8.c" main >"$T/tab.igny8"
is_same "igny8: --help names every global option" "$T/tab.igny8" "$T/help.igny8"
igny8 --help | sed -n 's/^commands: //p' | tr ' ' '\n' | sort >"$T/subs"
grep -oE '\{ "[a-z]+", cmd_[a-z]+,' "$TOP/cmd/igny8.c" | sed 's/{ "//; s/".*//' |
	sort >"$T/subs.tab"
is_same "igny8 --help lists every subcommand" "$T/subs.tab" "$T/subs"
section "$MAN/igny8.1" COMMANDS | sed -n 's/^\.It Cm \([a-z]*\).*/\1/p' | sort >"$T/subs.man"
is_same "igny8(1) describes every subcommand" "$T/subs" "$T/subs.man"
man_opts "$MAN/igny8.1" >"$T/man.igny8"
cp "$T/help.igny8" "$T/allhelp.igny8"
for s in $(cat "$T/subs"); do
	expect_status "igny8 $s --help exits 0" 0 igny8 "$s" --help
	grep -oE -- '--[a-z][a-z0-9-]*' "$T/out" | sort -u >"$T/help.igny8.$s"
	# Every command takes --help (igny8(1) says so once); its usage need
	# not repeat it.
	table_opts "$TOP/cmd/igny8.c" "cmd_$s" | grep -vx -- --help >"$T/tab.igny8.$s"
	is_same "igny8 $s --help names every other option of its table" \
		"$T/tab.igny8.$s" "$T/help.igny8.$s"
	subset "igny8 $s: every option is in igny8(1)" "$T/help.igny8.$s" "$T/man.igny8"
	cat "$T/help.igny8.$s" >>"$T/allhelp.igny8"
done
sort -u "$T/allhelp.igny8" -o "$T/allhelp.igny8"
man_item_opts "$MAN/igny8.1" >"$T/item.igny8"
subset "igny8(1): every documented option exists" "$T/item.igny8" "$T/allhelp.igny8"

# -- conventions ----------------------------------------------------------------

for b in "$IGNY8_BUILD"/bin/igny8*; do
	n=${b##*/}
	expect_status "$n --help exits 0" 0 "$b" --help
	like "$n --help is on stdout" '^usage: ' "$T/out"
	is "$n --help writes nothing on stderr" "" "$(cat "$T/err")"
	expect_status "$n -V exits 0" 0 "$b" -V
	is "$n -V prints NAME VERSION" "$n $VERSION" "$(cat "$T/out")"
	expect_status "$n --version too" 0 "$b" --version
	is "$n --version prints NAME VERSION" "$n $VERSION" "$(cat "$T/out")"
	expect_status "$n: a bad option is a usage error" 64 "$b" --no-such-option
	is "$n: the message is 'program: what'" \
		"$n: unrecognized option '--no-such-option'" "$(head -n 1 "$T/err")"
	is "$n: a usage error writes nothing on stdout" "" "$(cat "$T/out")"
done
expect_status "igny8 export: a bad option is a usage error" 64 igny8 export --bogus
is "and the message names program and command" \
	"igny8: export: unrecognized option '--bogus'" "$(head -n 1 "$T/err")"
expect_status "igny8-ideas: a missing option value is a usage error" 64 igny8-ideas --count
is "named 'program: what'" "igny8-ideas: option '--count' requires an argument" \
	"$(head -n 1 "$T/err")"

# Nothing but records on stdout; JSON events only on stderr with --progress json.
new_workspace
seed_clusters 2 || exit 1
cluster_records 2 >clusters.jsonl
expect_status "igny8-ideas --dry-run" 0 igny8-ideas --dry-run --progress json clusters.jsonl
cp "$T/out" dry.jsonl
cp "$T/err" dry.err
is "one request record per cluster" 2 "$(wc -l <dry.jsonl | tr -d ' ')"
ok "every stdout line is a JSON object with a type" each_line \
	'isinstance(d, dict) and isinstance(d.get("type"), str)' dry.jsonl
cp dry.err dry.events
ok "stderr carries JSON events only" each_line \
	'isinstance(d, dict) and d.get("event") in ("phase", "retry", "record", "message", "summary")' dry.events
like "the events end with a summary" '"event":"summary"' dry.events

# '-' is stdin and '--' ends the options.
expect_status "'-' reads stdin" 0 igny8-ideas --dry-run --progress none - <clusters.jsonl
is_same "the same records as from the file" dry.jsonl "$T/out"
cp clusters.jsonl ./-odd.jsonl
expect_status "'--' ends the options" 0 igny8-ideas --dry-run --progress none -- -odd.jsonl
is_same "so '-odd.jsonl' is a file" dry.jsonl "$T/out"
expect_status "without '--' it is an option" 64 igny8-ideas --dry-run -odd.jsonl

# NO_COLOR: on a terminal, stderr has no colour escapes.
if command -v script >/dev/null 2>&1; then
	NO_COLOR=1 script -qec "igny8-ideas --dry-run --progress tty -k clusters.jsonl \
		not-there.jsonl >/dev/null" /dev/null >tty.err 2>&1
	unlike "NO_COLOR: no colour escapes on a terminal" "$(printf '\033')\\[[0-9;]*m" tty.err
	like "the terminal did get the progress line" 'done' tty.err
else
	skip "NO_COLOR on a terminal" "no script(1)"
	skip "NO_COLOR on a terminal (progress)" "no script(1)"
fi

done_testing
