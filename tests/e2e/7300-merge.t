#!/bin/sh
# igny8 merge: a shard merges by natural keys, ids remapped, idempotent.
. "$(dirname "$0")/../lib.sh"
new_workspace

# seed DB PREFIX: a workspace with a run, a cluster, keywords, an idea, a
# task, its content and image, a call and a cache entry.
seed() {
	igny8 -q -w "$1" init &&
	printf 'shared kw\n%s only\n' "$2" | igny8 -q -w "$1" import -f text - &&
	sqlite3 "$1" <<EOS
INSERT INTO runs (program, pid, host, started_at, status)
  VALUES ('igny8-write', 42, 'h', '2026-01-0${3}T00:00:00Z', 'ok');
INSERT INTO clusters (name, name_norm, created_at, updated_at, run_id)
  VALUES ('Shared', 'shared', 'x', 'x', 1), ('$2 cluster', '$2 cluster', 'x', 'x', 1);
UPDATE keywords SET cluster_id = 2;
INSERT INTO ideas (cluster_id, title, created_at) VALUES (1, 'Shared idea', 'x'),
  (2, '$2 idea', 'x');
INSERT INTO tasks (idea_id, title, created_at, updated_at) VALUES (1, 'Shared idea', 'x', 'x'),
  (2, '$2 idea', 'x', 'x');
INSERT INTO content (task_id, html, created_at, updated_at) VALUES (2, '<p>$2</p>', 'x', 'x');
INSERT INTO images (task_id, kind, position, device, created_at, updated_at)
  VALUES (2, 'featured', 0, 'desktop', 'x', 'x');
INSERT INTO ai_log (run_id, function, record, outcome, cost, created_at)
  VALUES (1, 'write', 'idea:2', 'ok', 0.01, '2026-01-0${3}T00:00:01Z');
INSERT INTO cache (key, response, created_at) VALUES ('$2-key', '{}', 'x');
EOS
}

seed "$T/ws.db" main 1 || fail 'seed main'
seed "$T/shard.db" shard 2 || fail 'seed shard'

expect_status 'merge the shard' 0 igny8 merge "$T/shard.db"
like 'summary' '^igny8: merge: added 1 keywords, 1 clusters, 1 ideas, 1 tasks, 1 content, 1 images, 1 runs, 1 calls, 1 cache entries$' "$T/err"
q() { sqlite3 "$T/ws.db" "$1"; }
is 'keywords by norm' 3 "$(q 'SELECT count(*) FROM keywords')"
is 'shard keyword points at the remapped cluster' 'shard cluster' \
	"$(q "SELECT c.name FROM keywords k JOIN clusters c ON c.id = k.cluster_id WHERE k.norm = 'shard only'")"
is 'shared keyword keeps our cluster' 'main cluster' \
	"$(q "SELECT c.name FROM keywords k JOIN clusters c ON c.id = k.cluster_id WHERE k.norm = 'shared kw'")"
is 'idea under the remapped cluster' 'shard cluster' \
	"$(q "SELECT c.name FROM ideas i JOIN clusters c ON c.id = i.cluster_id WHERE i.title = 'shard idea'")"
is 'content follows its task' 'shard idea' \
	"$(q "SELECT t.title FROM content x JOIN tasks t ON t.id = x.task_id WHERE x.html = '<p>shard</p>'")"
is 'image follows its task' 1 \
	"$(q "SELECT count(*) FROM images g JOIN tasks t ON t.id = g.task_id WHERE t.title = 'shard idea'")"
is 'runs renumbered' '1 2026-01-01T00:00:00Z|2 2026-01-02T00:00:00Z' \
	"$(q "SELECT group_concat(id || ' ' || started_at, '|') FROM runs")"
is 'call points at the renumbered run' 2 \
	"$(q "SELECT run_id FROM ai_log WHERE created_at LIKE '2026-01-02%'")"
is 'cache merged' 2 "$(q 'SELECT count(*) FROM cache')"
ok 'foreign keys hold' sh -c "[ -z \"\$(sqlite3 '$T/ws.db' 'PRAGMA foreign_key_check')\" ]"

igny8 export keywords >"$T/k1" && igny8 export ideas >"$T/i1" && igny8 status >"$T/s1"
expect_status 'merge again' 0 igny8 merge "$T/shard.db"
like 'adds nothing' 'added 0 keywords, 0 clusters, 0 ideas, 0 tasks, 0 content, 0 images, 0 runs, 0 calls, 0 cache entries' "$T/err"
igny8 export keywords >"$T/k2" && igny8 export ideas >"$T/i2" && igny8 status >"$T/s2"
is_same 'keywords unchanged' "$T/k1" "$T/k2"
is_same 'ideas unchanged' "$T/i1" "$T/i2"
is_same 'status unchanged' "$T/s1" "$T/s2"

expect_status 'merging a missing file is 66' 66 igny8 merge "$T/nosuch.db"
expect_status 'merging into itself is 64' 64 igny8 merge "$T/ws.db"
like 'says so' 'cannot merge a workspace into itself' "$T/err"
expect_status 'merge needs one argument' 64 igny8 merge
printf 'not a database' >"$T/junk.db"
expect_status 'merging a non-database fails cleanly' 74 igny8 merge "$T/junk.db"
igny8 export keywords >"$T/k3"
is_same 'still unchanged' "$T/k1" "$T/k3"
done_testing
