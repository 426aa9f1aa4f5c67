#!/bin/sh
# igny8 init and status: idempotent init, counts, --json, usage errors.
. "$(dirname "$0")/../lib.sh"
new_workspace

expect_status 'status without a workspace is 66' 66 igny8 status
like 'it says how to make one' "^igny8: status: .*ws.db: no workspace here" "$T/err"
expect_status 'init creates the workspace' 0 igny8 init
like 'init notes the path' '^igny8: created workspace .*/ws.db \(schema [0-9]+\)$' "$T/err"
expect_status 'init again is fine' 0 igny8 init
like 'and says so' '^igny8: using existing workspace' "$T/err"
expect_status 'init -q is silent' 0 igny8 -q init
is 'nothing on stderr' '' "$(cat "$T/err")"
expect_status '-w names another workspace' 0 igny8 -w "$T/other.db" init
ok 'which exists' test -f "$T/other.db"

printf 'alpha\nbeta\n' | igny8 -q import - || fail 'import'
sqlite3 "$T/ws.db" "UPDATE keywords SET cluster_id = NULL;
INSERT INTO clusters (name, name_norm, created_at, updated_at) VALUES ('C', 'c', 'x', 'x');
UPDATE keywords SET cluster_id = 1 WHERE norm = 'alpha';
INSERT INTO ideas (cluster_id, title, created_at) VALUES (1, 'I', 'x');
INSERT INTO tasks (idea_id, title, status, created_at, updated_at) VALUES (1, 'I', 'done', 'x', 'x');
INSERT INTO tasks (title, status, created_at, updated_at) VALUES ('J', 'failed', 'x', 'x');"
expect_status 'status' 0 igny8 status
like 'workspace line' "^workspace +$T/ws.db \\(schema [0-9]+\\)" "$T/out"
like 'keywords clustered and not' '^keywords +2 \(1 clustered, 1 unclustered\)$' "$T/out"
like 'tasks by status' '^tasks +2 \(done 1, failed 1\)$' "$T/out"
expect_status 'status --json' 0 igny8 status --json
is 'one JSON object' '1 1 2 1' "$(jq_py '"%d %d %d %d" % (d["keywords"]["clustered"], d["tasks"]["by_status"]["done"], d["tasks"]["total"], d["schema"] >= 1)' "$T/out")"

expect_status 'status --help goes to stdout' 0 igny8 status --help
like 'usage on stdout' '^usage: igny8 status' "$T/out"
expect_status 'bad option is 64' 64 igny8 status --bogus
like 'usage on stderr' '^usage: igny8 status' "$T/err"
expect_status 'no subcommand is 64' 64 igny8
expect_status 'unknown subcommand is 64' 64 igny8 frobnicate
like 'names it' "^igny8: 'frobnicate' is not an igny8 command" "$T/err"
like 'and lists the commands' '^commands: .*import.*status' "$T/err"
expect_status 'a near miss is 64' 64 igny8 cost
like 'and gets a suggestion' "^igny8: 'cost' is not an igny8 command; did you mean 'costs'\?$" "$T/err"
expect_status 'a near miss of a stage' 64 igny8 writ
like 'suggests the stage' "did you mean 'write'\?$" "$T/err"
expect_status 'igny8 --help' 0 igny8 --help
like 'lists the commands' '^commands: audit batch config costs doctor export import init log merge models prompts report runs status' "$T/out"
expect_status 'igny8 -V' 0 igny8 -V
like 'prints the version' '^igny8 [0-9]' "$T/out"
if [ -x "$IGNY8_BUILD/bin/igny8-ideas" ]; then
	expect_status 'external subcommand runs igny8-ideas' 0 igny8 ideas --help
	like 'its usage' '^usage: igny8-ideas' "$T/out"
else
	skip 'external subcommand' 'no igny8-ideas'
	skip 'its usage' 'no igny8-ideas'
fi
expect_status 'status to a full disk is 74' 74 sh -c 'igny8 status >/dev/full'
done_testing
