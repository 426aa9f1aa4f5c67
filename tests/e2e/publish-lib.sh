# tests/e2e/publish-lib.sh: a workspace of finished articles with images,
# for the igny8-publish and igny8 report tests.  Sourced after lib.sh.

# publish_fixture: the demo keywords through every stage against the fake
# API (figures inserted), records in $T/done.jsonl; returns 1 on failure.
publish_fixture() {
	fake_start || return 1
	new_workspace
	igny8-cluster <"$TOP/examples/keywords.jsonl" 2>"$T/fix.err" |
		igny8-ideas --count 1 2>>"$T/fix.err" |
		igny8-write --words 300 -j 4 2>>"$T/fix.err" |
		igny8-image --max-images 1 --insert -j 4 >"$T/done.jsonl" 2>>"$T/fix.err"
	_st=$?
	if [ "$_st" -ne 0 ] || [ ! -s "$T/done.jsonl" ]; then
		diag "publish_fixture: the pipeline failed ($_st)"
		_diag_file "$T/fix.err"
		return 1
	fi
	NARTICLES=$(sqlite3 "$IGNY8_WORKSPACE" "SELECT count(*) FROM content")
	export NARTICLES
}

# ws_dump: the workspace's data, but for the runs table, which logs every
# invocation (a dry run's too).
ws_dump() {
	sqlite3 "$IGNY8_WORKSPACE" .dump | grep -v '^INSERT INTO runs '
}

# tree_sums DIR: every file under DIR with its checksum, sorted.
tree_sums() {
	(cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
}
