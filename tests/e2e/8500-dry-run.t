#!/bin/sh
# --dry-run sends nothing and saves nothing, for every program and every
# kind of input: a full dump of the workspace (every table, the runs and
# the log included) is the same before and after, and the fake API sees no
# request.  Then a property test: every stage under --dry-run on generated
# inputs leaves the workspace unchanged.
. "$(dirname "$0")/../lib.sh"
fake_start || skip_all "the fake API server did not start"
new_workspace
EX=$TOP/examples/keywords.jsonl
sql() { sqlite3 "$IGNY8_WORKSPACE" "$1"; }

# A workspace with something of every kind: clusters with and without
# ideas, ideas with and without tasks, queued, failed and done tasks,
# content with and without images.
head -n 40 "$EX" | igny8-cluster -q --method local >clusters.jsonl || exit 1
igny8 import "$EX" 2>/dev/null || exit 1
head -n 3 clusters.jsonl | igny8-ideas -q --count 2 >ideas.jsonl || exit 1
head -n 3 ideas.jsonl | igny8-write -q --words 200 >content.jsonl || exit 1
head -n 1 content.jsonl | igny8-image -q --max-images 1 >images.jsonl || exit 1
sed -n 4p ideas.jsonl | igny8-write -q --words 200 --set \
	providers.openai.base_url=http://127.0.0.1:9/v1 --set \
	providers.openai.max_retries=0 >/dev/null 2>&1
printf '{"type":"task","title":"A queued one"}\n' >task.json
sql "INSERT INTO tasks (title, status, created_at, updated_at)
     VALUES ('Queued by hand', 'queued', 'now', 'now')" || exit 1
is "the fixture has a failed task" "1" "$(sql "SELECT count(*) FROM tasks WHERE status = 'failed'")"

# dry DESC STATUS CMD...: CMD exits STATUS, sends nothing, saves nothing.
n_dry=0
dry() {
	_dd=$1
	_s=$2
	shift 2
	sqlite3 "$IGNY8_WORKSPACE" .dump >before.sql
	_sent=$(fake_count)
	expect_status "$_dd: runs" "$_s" "$@"
	sqlite3 "$IGNY8_WORKSPACE" .dump >after.sql
	is_same "$_dd: saves nothing" before.sql after.sql
	is "$_dd: sends nothing" "$_sent" "$(fake_count)"
	n_dry=$((n_dry + 1))
}

printf '{"keyword":"brand new keyword","volume":5}\n{"keyword":"another new one"}\n' >newkw.jsonl
dry "cluster, new keywords, local" 0 igny8-cluster -n --method local newkw.jsonl
dry "cluster, new keywords, ai" 0 igny8-cluster -n --method ai newkw.jsonl
dry "cluster, new keywords, embed" 0 igny8-cluster -n --method embed newkw.jsonl
dry "cluster, known keywords" 0 igny8-cluster -n --method ai "$EX"
dry "cluster --ids" 0 igny8-cluster -n --method ai --ids 41,42
dry "cluster --all --rebuild -f" 0 igny8-cluster -n --method local --all --rebuild -f
dry "ideas, cluster records" 0 igny8-ideas -n clusters.jsonl
dry "ideas --cluster" 0 igny8-ideas -n --cluster 5
dry "ideas --all --more" 0 igny8-ideas -n --all --more
dry "ideas --batch" 0 igny8-ideas -n --batch --all
dry "write, idea records" 0 igny8-write -n ideas.jsonl
dry "write, a new task record" 0 igny8-write -n task.json
dry "write --task (done) --refresh" 0 igny8-write -n --task 1 --refresh
dry "write --queued" 0 igny8-write -n --queued
dry "write --batch" 0 igny8-write -n --batch ideas.jsonl
dry "image, content records" 0 igny8-image -n content.jsonl
dry "image, task records" 0 sh -c 'printf "{\"type\":\"task\",\"id\":2}\n" | igny8-image -n'
dry "image --pending --insert" 0 igny8-image -n --pending --insert
printf 'kw one\nkw two\n' >kw.txt
printf 'Keyword,Volume\ncsv kw,10\n' >kw.csv
dry "import -n, JSON lines" 0 igny8 import -n newkw.jsonl
dry "import -n, text" 0 igny8 import -n kw.txt
dry "import -n, CSV" 0 igny8 import -n kw.csv

# A dry run on a workspace that does not exist creates none.
expect_status "dry run without a workspace" 0 env IGNY8_WORKSPACE=$T/none.db \
	igny8-cluster -n --method local newkw.jsonl
ok "creates no file" test ! -e "$T/none.db"

# Property: generated inputs (seeded, so a failure can be replayed) through
# every stage under --dry-run never change the workspace.
"$PY" - "${IGNY8_DRY_SEED:-1}" <<'EOF2'
import json, random, sys
rnd = random.Random(int(sys.argv[1]))
words = ["run", "shoe", "bread", "credit", "yoga", "tea", "café", "x" * 40,
         "best", "how", "to", "why", "ünïcode", "2026", "a-b"]
def phrase(n):
    return " ".join(rnd.choice(words) for _ in range(n))
for k in range(8):
    with open("gen-%d.jsonl" % k, "w") as f:
        for _ in range(rnd.randint(1, 12)):
            kind = rnd.choice(["keyword", "keyword", "cluster", "idea", "task", "content"])
            r = {"type": kind}
            if kind == "keyword":
                r["keyword"] = phrase(rnd.randint(1, 4))
                if rnd.random() < .5:
                    r["volume"] = rnd.randint(0, 10000)
                if rnd.random() < .3:
                    r["sector"] = rnd.choice(["food", "fitness"])
            elif rnd.random() < .6:
                r["id"] = rnd.randint(1, 15)
            else:
                r["title" if kind in ("idea", "task") else "name"] = phrase(3)
                if kind == "idea":
                    r["cluster_id"] = rnd.randint(1, 9)
            f.write(json.dumps(r) + "\n")
EOF2
bad=
for f in gen-*.jsonl; do
	for prog in igny8-cluster igny8-ideas igny8-write igny8-image; do
		sqlite3 "$IGNY8_WORKSPACE" .dump >before.sql
		sent=$(fake_count)
		run "$prog" -n -k "$f" >/dev/null 2>"$T/prop.err"
		st=$?
		sqlite3 "$IGNY8_WORKSPACE" .dump >after.sql
		if _crashed "$st" "$T/prop.err" || ! cmp -s before.sql after.sql ||
			[ "$sent" != "$(fake_count)" ]; then
			bad="$bad $prog<$f(status $st)"
		fi
	done
done
is "every stage under --dry-run on generated inputs changes nothing" "" "$bad"
done_testing
