#!/bin/sh
# One-off use: plain text stands for a stage's natural input, --title and
# --keyword give it on the command line, a bare filter on a terminal says
# what it waits for; workspace data is never asked of a workspace that is
# not there, and records make one, saying so.
. "$(dirname "$0")/../lib.sh"
new_workspace

# -- the workspace rule ------------------------------------------------------------
expect_status "--all without a workspace is 66" 66 igny8-cluster --all
like "it says where it looked" "^igny8-cluster: $T/ws\\.db: no workspace here" "$T/err"
ok "and makes none" test ! -e "$T/ws.db"
expect_status "ids without a workspace too" 66 igny8-write --task 3
ok "still none" test ! -e "$T/ws.db"
expect_status "records make one" 0 igny8-cluster --method local --keyword "trail shoes"
like "saying so" "^igny8-cluster: created workspace $T/ws\\.db$" "$T/err"
is "once" 1 "$(grep -c 'created workspace' "$T/err")"
expect_status "the next run" 0 igny8-cluster --method local --keyword "road shoes"
unlike "does not say it again" 'created workspace' "$T/err"

# -- without a key, clustering is offline and says so -------------------------------
expect_status "cluster without a key" 0 igny8-cluster --keyword "hiking boots" --keyword "hiking socks"
like "says it clusters offline" '^igny8-cluster: no API key: clustering offline \(--method local\)$' "$T/err"
like "and counts what it did" '^igny8-cluster: clustered 2 keywords$' "$T/err"

# -- plain text and flags ------------------------------------------------------------
printf 'How to choose running shoes\n  Trail shoes for winter  \n' >titles.txt
expect_status "write takes titles as plain text" 0 igny8-write --dry-run titles.txt
is "one request per title" 2 "$(grep -c '"type":"request"' "$T/out")"
like "the title, trimmed, is in the prompt" 'Title: Trail shoes for winter\\n' "$T/out"
expect_status "--title" 0 igny8-write --dry-run --title "How to choose running shoes"
like "its request" 'Title: How to choose running shoes' "$T/out"
expect_status "a title as a file name is 66" 66 igny8-write "How to choose running shoes"
like "and says how to give one" "How to choose running shoes: No such file or directory \\(a title is given with --title TEXT\\)" "$T/err"
printf 'mountain bikes\n{"type":"keyword","keyword":"gravel bikes"}\n' |
	igny8-cluster --method local --emit keywords >"$T/out" 2>"$T/err" || fail "cluster plain text"
like "cluster takes keywords as plain text" '"keyword":"mountain bikes"' "$T/out"
like "beside JSON lines" '"keyword":"gravel bikes"' "$T/out"
expect_status "image reads JSON only" 65 sh -c 'echo "trail running" | igny8-image'
like "and says what a line must be" '^igny8-image: stdin:1: not a JSON record: each line must be one JSON object \(see igny8-records\(5\)\)$' "$T/err"

# -- a topic for ideas -----------------------------------------------------------------
printf 'Trail running\n  winter hiking  \n' >topics.txt
expect_status "ideas takes topics as plain text" 0 igny8-ideas --dry-run topics.txt
is "one request per topic" 2 "$(grep -c '"type":"request"' "$T/out")"
like "the topic, trimmed, is the cluster asked about" 'Cluster: winter hiking\\n' "$T/out"
like "its one keyword" '\[\{\\"keyword\\":\\"Trail running\\"\}\]' "$T/out"
expect_status "--topic" 0 igny8-ideas --dry-run --topic "Trail running" --topic "Road running"
like "its request" 'Cluster: Road running' "$T/out"

# -- a bare filter on a terminal -------------------------------------------------------
# tty CMD...: CMD's stderr with stdin on a pseudo-terminal that ends at once.
tty() {
	"$PY" - "$@" <<'PY'
import os, pty, subprocess, sys
m, s = pty.openpty()
p = subprocess.Popen(sys.argv[1:], stdin=s, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
os.close(s)
os.write(m, b"\x04")
err = p.communicate(timeout=20)[1]
os.close(m)
sys.stdout.write(err.decode())
PY
}
tty igny8-write --dry-run >"$T/err" 2>&1
like "write says what it reads" '^igny8-write: reading task records from the terminal \(JSON lines, or a title a line\); end with Ctrl-D' "$T/err"
tty igny8-ideas --dry-run >"$T/err" 2>&1
like "ideas too" '^igny8-ideas: reading cluster records from the terminal \(JSON lines, or a topic a line\); end with Ctrl-D' "$T/err"
tty igny8-write -q --dry-run >"$T/err" 2>&1
unlike "-q silences it" 'reading' "$T/err"
igny8-write --dry-run </dev/null >/dev/null 2>"$T/err"
unlike "not when stdin is not a terminal" 'reading' "$T/err"

# -- a topic's cluster, made once ----------------------------------------------------
fake_start || exit 1
expect_status "ideas for a topic" 0 igny8-ideas --count 2 --topic "Trail running"
is "its ideas" 2 "$(grep -c '"type":"idea"' "$T/out")"
is "of a cluster made for it, the topic its keyword" "Trail running|topic|Trail running" \
	"$(sqlite3 "$T/ws.db" "SELECT c.name, c.method, k.keyword FROM clusters c
		JOIN keywords k ON k.cluster_id = c.id WHERE c.name = 'Trail running'")"
n=$(fake_count)
expect_status "the same topic again, spelt otherwise, as plain text" 0 \
	sh -c 'echo "trail  RUNNING" | igny8-ideas --count 2'
is "writes its ideas again" 2 "$(grep -c '"type":"idea"' "$T/out")"
is "sends nothing" "$n" "$(fake_count)"
is "and makes no second cluster" 1 \
	"$(sqlite3 "$T/ws.db" "SELECT count(*) FROM clusters WHERE name_norm = 'trail running'")"
expect_status "a topic that is a keyword of another cluster" 0 igny8-ideas --count 1 --topic "hiking boots"
is "leaves the keyword where it was" "hiking boots|local" \
	"$(sqlite3 "$T/ws.db" "SELECT k.keyword, c.method FROM keywords k
		JOIN clusters c ON c.id = k.cluster_id WHERE k.norm = 'hiking boots'")"
expect_status "a topic over 500 bytes is a bad record" 65 \
	igny8-ideas --topic "$(printf '%0501d' 0)"
like "saying so" 'topic longer than 500 bytes' "$T/err"
expect_status "a topic as a file name is 66" 66 igny8-ideas "trail running"
like "and says how to give one" "trail running: No such file or directory \\(a topic is given with --topic TEXT\\)" "$T/err"
done_testing
