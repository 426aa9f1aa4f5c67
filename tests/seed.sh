# seed.sh: fixtures for the e2e tests, sourced after lib.sh.

# seed_clusters N: a workspace with N clusters of three keywords each, made
# with the sqlite3 shell so the tests of later stages do not depend on
# igny8-cluster.
seed_clusters() {
	"${IGNY8_BUILD:-$TOP}/bin/igny8-ideas" --progress none -q </dev/null >/dev/null || return 1
	_i=1
	while [ "$_i" -le "$1" ]; do
		sqlite3 "$IGNY8_WORKSPACE" "
INSERT INTO clusters (name, name_norm, description, created_at, updated_at)
 VALUES ('Topic $_i', 'topic $_i', 'All about topic $_i', 'now', 'now');
INSERT INTO keywords (keyword, norm, volume, intent, cluster_id, created_at, updated_at) VALUES
 ('best topic$_i gear', 'best topic$_i gear', 900, 'commercial', last_insert_rowid(), 'now', 'now');
INSERT INTO keywords (keyword, norm, volume, intent, cluster_id, created_at, updated_at)
 SELECT 'how to use topic$_i', 'how to use topic$_i', 400, 'informational', id, 'now', 'now'
 FROM clusters WHERE name = 'Topic $_i';
INSERT INTO keywords (keyword, norm, volume, intent, cluster_id, created_at, updated_at)
 SELECT 'topic$_i for beginners', 'topic$_i for beginners', 200, 'informational', id, 'now', 'now'
 FROM clusters WHERE name = 'Topic $_i';" || return 1
		_i=$((_i + 1))
	done
}

# cluster_records N: records naming clusters 1..N, on stdout.
cluster_records() {
	_i=1
	while [ "$_i" -le "$1" ]; do
		printf '{"type":"cluster","id":%d}\n' "$_i"
		_i=$((_i + 1))
	done
}

# count_rows TABLE [WHERE]: rows in a workspace table.
count_rows() {
	sqlite3 "$IGNY8_WORKSPACE" "SELECT count(*) FROM $1 ${2:+WHERE $2}"
}

# each_line EXPR FILE: true when the Python expression holds for every
# JSON line of FILE (the line is d).
each_line() {
	"$PY" -c '
import json, sys
ok = all(eval(sys.argv[1], {"json": json, "d": json.loads(l)})
         for l in open(sys.argv[2]) if l.strip())
sys.exit(0 if ok else 1)' "$@"
}
