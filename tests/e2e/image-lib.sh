# image-lib.sh: fixtures shared by the igny8-image tests (tests/e2e/4*.t).
# Sourced after lib.sh.

# article TASK_ID TITLE: a task and its article (three H2 sections) in the
# workspace $T/ws.db, created by running igny8-image on no input first.
article() {
	[ -f "$T/ws.db" ] || igny8-image </dev/null >/dev/null 2>&1
	sqlite3 "$T/ws.db" <<SQL
INSERT INTO tasks (id, title, status, created_at, updated_at)
  VALUES ($1, '$2', 'done', '2026-11-27T00:00:00Z', '2026-11-27T00:00:00Z');
INSERT INTO content (task_id, title, html, created_at, updated_at)
  VALUES ($1, '$2',
  '<p>Intro to $2.</p><h2>Choosing a tent</h2><p>Size and weight matter.</p>'
  || '<h2>Packing the bag</h2><p>Heavy items go low.</p>'
  || '<h2>Setting up camp</h2><p>Find flat ground.</p>',
  '2026-11-27T00:00:00Z', '2026-11-27T00:00:00Z');
SQL
}

# images_rows [WHERE]: "kind position device status" per images row.
images_rows() {
	sqlite3 "$T/ws.db" "SELECT kind, position, device, status FROM images
		${1:+WHERE $1} ORDER BY task_id, kind = 'in_article', position, device"
}

# field NAME FILE: NAME of every record in FILE, one per line.
field() {
	"$PY" -c '
import json, sys
for line in open(sys.argv[2]):
    v = json.loads(line).get(sys.argv[1])
    print(v if isinstance(v, str) else json.dumps(v))' "$1" "$2"
}
