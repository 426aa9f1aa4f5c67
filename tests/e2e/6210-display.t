#!/bin/sh
# The live display (lib/progress.c, board.c, display.c) under tmux: the
# README's four-stage pipeline in one pane gets one line per running stage,
# none wider than the pane (50 and 120 columns), and leaves no trace in the
# scrollback when it ends; a stage whose stderr is not a terminal draws
# nothing but is shown by the one that draws; --quiet and TERM=dumb draw
# nothing; redraws come at most four times a second; `igny8 status --watch`
# shows the same lines from anywhere.
. "$(dirname "$0")/../lib.sh"

command -v tmux >/dev/null 2>&1 ||
	skip_all "tmux is not installed (scripts/deps installs it): the display is tested in a tmux pane"

fake_start || exit 1
sed -n 1,10p "$TOP/examples/keywords.jsonl" >kw.jsonl

# The fake holds the first chat request (the cluster stage's one) for
# 4 s, so that all four stages are up at once, and answers the rest after
# 300 ms, so that the last three overlap.  No assertion depends on these
# times: each looks for something that some capture shows.
cat >slow.json <<'J'
{"latency_ms": 300,
 "rules": [{"path": "/v1/chat/completions", "times": 1, "reply": {"delay_ms": 4000}}]}
J
fake_script slow.json

TMUX_SOCK=$T/tmux.sock
tmx() { tmux -S "$TMUX_SOCK" -f /dev/null "$@"; }
trap '_st=$?; tmx kill-server >/dev/null 2>&1; (exit $_st); cleanup' EXIT

# pipeline NAME [OPTS]: writes NAME.sh, the README's pipeline on a fresh
# workspace NAME.db, each stage with OPTS, statuses in NAME.st.<stage>.
# IDEAS_ERR may send igny8-ideas's stderr elsewhere; WRITE_OPTS and
# IMAGE_OPTS are more options for those stages.
pipeline() {
	cat >"$1.sh" <<EOF
export IGNY8_WORKSPACE=$T/$1.db
{ igny8-cluster ${2:-} <kw.jsonl; echo \$? >$1.st.cluster; } |
	{ igny8-ideas -j 1 --count 1 ${2:-} ${IDEAS_ERR:-}; echo \$? >$1.st.ideas; } |
	{ igny8-write --words 300 -j 2 ${2:-} ${WRITE_OPTS:-}; echo \$? >$1.st.write; } |
	{ igny8-image --max-images 0 -j 4 ${2:-} ${IMAGE_OPTS:-} >$1.out; echo \$? >$1.st.image; }
EOF
}

# pane NAME WIDTH: runs NAME.sh in a detached WIDTH x 20 pane, saving the
# screen (wrapped lines joined) as NAME.cap.N every 0.2 s until it ends,
# then the whole history as NAME.hist.
pane() {
	fake_reset
	tmx new-session -d -c "$T" -x "$2" -y 20 "sh $1.sh; echo end >$1.end; sleep 600"
	_n=0
	while [ ! -e "$1.end" ] && [ "$_n" -lt 1500 ]; do
		tmx capture-pane -p -J >"$1.cap.$_n" 2>/dev/null
		_n=$((_n + 1))
		sleep 0.2
	done
	tmx capture-pane -p -J -S - >"$1.hist"
	tmx kill-server
}

# check NAME PYTHON: runs PYTHON over the captures, with caps (a list of
# lists of lines, in order), hist (the final history's lines), width and
# line(s) (the stage a display line is for, or None).
check() {
	"$PY" - "$@" <<'EOF'
import glob, json, re, sys, unicodedata
name, width, code = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def cols(s):
    return sum(0 if unicodedata.combining(c) else
               2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
def line(s):
    m = re.match(r"(cluster|ideas|write|image) +(waiting for input|\d+/\d+ done)", s)
    return m and m.group(1)
caps = [open(f, encoding="utf-8").read().splitlines() for f in
        sorted(glob.glob(name + ".cap.*"), key=lambda f: int(f.rsplit(".", 1)[1]))]
hist = open(name + ".hist", encoding="utf-8").read().splitlines()
ok = eval("(" + code + ")")
if not ok:
    for c in caps[-3:]:
        print("# capture:", file=sys.stderr)
        for l in c:
            print("#   " + l, file=sys.stderr)
sys.exit(0 if ok else 1)
EOF
}

stages="cluster ideas write image"
for w in 120 50; do
	pipeline w$w
	pane w$w $w
	is "$w columns: every stage exits 0" "0 0 0 0" \
		"$(for s in $stages; do cat w$w.st.$s 2>/dev/null || echo -; done | tr '\n' ' ' | sed 's/ $//')"
	ok "$w columns: one line per stage, all four at once" check w$w $w \
		'any(sorted(filter(None, map(line, c))) == sorted(["cluster", "ideas", "write", "image"]) for c in caps)'
	ok "$w columns: a stage is never on two lines" check w$w $w \
		'all(len(set(s)) == len(s) for c in caps for s in [[x for x in map(line, c) if x]])'
	ok "$w columns: the stages' lines are together, at the bottom" check w$w $w \
		'all(not d or d == list(range(d[0], d[0] + len(d))) and all(not x.strip() for x in c[d[-1] + 1:])
		     for c in caps for d in [[i for i, x in enumerate(c) if line(x)]])'
	ok "$w columns: no line is wider than the pane less one column" check w$w $w \
		'all(cols(x) < width for c in caps + [hist] for x in c if line(x))'
	ok "$w columns: two stages at work at once, each with its counts" check w$w $w \
		'any(sum(1 for x in c if re.match(r"(ideas|write|image) +\d+/\d+ done, \d+ failed", x)) >= 2 for c in caps)'
	ok "$w columns: a phase in flight and the spend are shown" check w$w $w \
		'any(re.search(r"(PREP|AI_CALL|PARSE|SAVE) \d+  \$\d+\.\d{4}", x) for c in caps for x in c)'
	ok "$w columns: no display line is left in the scrollback" check w$w $w \
		'not any(line(x) for x in hist)'
	ok "$w columns: each stage's summary is there once" check w$w $w \
		'all(sum(1 for x in hist if x.startswith("igny8-%s: " % s) and " done, " in x) ==
		     (s not in sys.argv[4:]) for s in ["cluster", "ideas", "write", "image"])' \
		${IDEAS_ERR:+ideas}
	ok "$w columns: and nothing else but messages" check w$w $w \
		'all(not x.strip() or x.startswith("igny8-") for x in hist)'
	IDEAS_ERR="2>$T/ideas.err"
done
IDEAS_ERR=
ok "120 columns: the ETA and the current record are shown" check w120 120 \
	'any(re.search(r"ETA \d+[smh].*  (cluster|task|content|stdin):\d+$", x) for c in caps for x in c)'
ok "a stage whose stderr is a file draws nothing there" sh -c \
	"test -s ideas.err && ! grep -q \"\$(printf '\\033')\" ideas.err"
ok "but its line is shown by the stage that draws" check w50 50 \
	'any("ideas" in map(line, c) for c in caps)'

# --quiet: no display at all, nor summaries; TERM=dumb: no display.
echo '{"latency_ms": 300}' | fake_script -
pipeline quiet -q
pane quiet 80
is "--quiet: every stage exits 0" "0 0 0 0" \
	"$(for s in $stages; do cat quiet.st.$s 2>/dev/null || echo -; done | tr '\n' ' ' | sed 's/ $//')"
ok "--quiet: nothing is drawn, nothing is said" check quiet 80 \
	'not any(x.strip() for c in caps + [hist] for x in c)'
pipeline dumb
sed -i '1i export TERM=dumb' dumb.sh
pane dumb 80
ok "TERM=dumb: no display, only the summaries" check dumb 80 \
	'not any(line(x) for c in caps for x in c) and sum(" done, " in x for x in hist) == 4'

# At most four redraws a second: forced on a file, the display's draws
# (an erase not followed by a message) are counted against the run's time.
new_workspace
igny8-cluster <kw.jsonl >clusters.jsonl 2>/dev/null
echo '{"latency_ms": 300}' | fake_script -
expect_status "--progress tty to a file" 0 igny8-ideas -j 1 --count 1 --progress tty clusters.jsonl
cp "$T/err" tty.err
ok "draws at most four times a second" "$PY" -c '
import re, sys
t = open("tty.err", encoding="utf-8", newline="").read()
secs = float(re.search(r"igny8-ideas: \d+ done.* ([\d.]+) s\n", t).group(1))
draws = len(re.findall("\x1b\\[J\r(?!igny8-)", t))
print(draws, secs)
sys.exit(0 if 1 <= draws <= 4 * secs + 2 else 1)'
expect_status "auto, stderr a file" 0 env IGNY8_WORKSPACE="$T/auto.db" igny8-cluster kw.jsonl
ok "auto: nothing drawn when stderr is not a terminal" sh -c \
	"! grep -q \"\$(printf '\\033')\" '$T/err'"

# Records written to the same terminal (as JSON lines, --json): the display
# is erased before them.
# Meanwhile the same stage runs on the same workspace from another process
# group: its line is not this pipeline's.
echo "igny8-ideas --more -j 1 --count 1 --json clusters.jsonl" >rec.sh
igny8-ideas --more -j 1 --count 1 clusters.jsonl >other.out 2>other.err &
other=$!
pane rec 80
wait "$other"
ok "records on the terminal: whole, and no display line among them" check rec 80 \
	'sum(1 for x in hist if x.startswith("{") and json.loads(x)["type"] == "idea") >= 2 and
	 not any(line(x) for x in hist) and all(not x.strip() or x[0] in "{i" for x in hist)'
ok "another process group's stage on the workspace is not shown" check rec 80 \
	'any(line(x) == "ideas" for c in caps for x in c) and
	 all([line(x) for x in c].count("ideas") <= 1 for c in caps)'

# The same as text (a terminal gets records rendered, igny8(7)): whole too.
echo "igny8-ideas --more -j 1 --count 1 clusters.jsonl" >text.sh
pane text 80
ok "records as text on the terminal: no display line among them" check text 80 \
	'sum(1 for x in hist if x.startswith("Idea ")) >= 2 and not any(line(x) for x in hist)'

# igny8 status --watch: the board from another place (the stages' stderr
# is a file here, so none of them draws).
WRITE_OPTS="--progress json" IMAGE_OPTS=-q
pipeline watch
WRITE_OPTS= IMAGE_OPTS=
fake_script slow.json && fake_reset
sh watch.sh 2>watch.err &
pipe=$!
n=0
while [ "$n" -lt 200 ]; do
	IGNY8_WORKSPACE=$T/watch.db igny8 status --watch >watch.once 2>&1
	[ "$(grep -cE '^(cluster|ideas|write|image) ' watch.once)" -ge 4 ] && break
	n=$((n + 1))
	sleep 0.1
done
is "status --watch, not on a terminal: the four stages once, -q and json ones too" \
	"cluster ideas write image" "$(cut -d' ' -f1 watch.once | tr '\n' ' ' | sed 's/ $//')"
tmx new-session -d -c "$T" -x 50 -y 10 \
	"IGNY8_WORKSPACE=$T/watch.db igny8 status --watch; echo \$? >watch.st; sleep 600"
n=0
while [ ! -e watch.st.image ] && [ "$n" -lt 1500 ]; do
	tmx capture-pane -p -J >"watch.cap.$n" 2>/dev/null
	n=$((n + 1))
	sleep 0.2
done
wait "$pipe"
while [ "$n" -lt 1500 ] && ! grep -q "no stage is running" "watch.cap.$((n - 1))"; do
	tmx capture-pane -p -J >"watch.cap.$n" 2>/dev/null
	n=$((n + 1))
	sleep 0.2
done
tmx send-keys C-c
n=0
while [ ! -e watch.st ] && [ "$n" -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
tmx capture-pane -p -J -S - >watch.hist
tmx kill-server
ok "status --watch: a line per stage, at most 49 columns" check watch 50 \
	'any(len(set(filter(None, map(line, c)))) >= 3 for c in caps) and
	 all(cols(x) < width for c in caps for x in c)'
ok "status --watch: 'no stage is running' when they are done" check watch 50 \
	'any("no stage is running" in x for x in caps[-1])'
is "status --watch: ends with 0 on SIGINT" 0 "$(cat watch.st 2>/dev/null)"
ok "and erases its lines" check watch 50 'not any(line(x) or "no stage" in x for x in hist)'
tmx new-session -d -c "$T" -x 50 -y 10 "IGNY8_WORKSPACE=$T/watch.db igny8 status --watch &
	echo \$! >watch.pid; wait \$!; echo \$? >watch.term; sleep 600"
n=0
while [ ! -s watch.pid ] && [ "$n" -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
sleep 1
kill -TERM "$(cat watch.pid)"
while [ ! -e watch.term ] && [ "$n" -lt 200 ]; do sleep 0.1; n=$((n + 1)); done
tmx kill-server
is "status --watch: ends with 0 on SIGTERM" 0 "$(cat watch.term 2>/dev/null)"
ok "the stages left nothing beside the workspace" test ! -e "$T/watch.db-progress"
done_testing
