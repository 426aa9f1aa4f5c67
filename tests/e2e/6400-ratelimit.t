#!/bin/sh
# Rate limits learned from the headers alone (the fake enforcing them as
# OpenAI documents: continuously refilled buckets, 429 at once when over):
# paced to the refill rate, never stalled until the reset, admitted by the
# token cost too, and no record fails for a 429 under a known limit.
. "$(dirname "$0")/../lib.sh"
. "$TESTS/seed.sh"

N=12
fake_start || exit 1
new_workspace
seed_clusters $N || exit 1
cluster_records $N >clusters.jsonl

# limited JSON: run igny8-ideas over the N clusters at -j 8 against a fresh
# fake enforcing the ratelimit object JSON (buckets empty at the start);
# leaves the wall time in $wall, the answers in $ok200 and $n429.
limited() {
	_rl=$1
	shift
	printf '{"latency_ms": 100, "ratelimit": %s}\n' "$_rl" >limit.json
	rm -f "$T/fake/log.jsonl"
	fake_start limit.json || return 1
	rm -f "$T/ws.db" "$T/ws.db-wal" "$T/ws.db-shm"
	seed_clusters $N || return 1
	_t0=$("$PY" -c 'import time; print(time.time())')
	expect_status "$_rl: all $N records done" 0 igny8-ideas -j 8 --count 1 "$@" clusters.jsonl
	wall=$("$PY" -c "import time; print('%.2f' % (time.time() - $_t0))")
	ok200=$("$PY" -c 'import json,sys; print(sum(1 for l in open(sys.argv[1]) if json.loads(l)["status"] == 200))' "$FAKE_LOG")
	n429=$("$PY" -c 'import json,sys; print(sum(1 for l in open(sys.argv[1]) if json.loads(l)["status"] == 429))' "$FAKE_LOG")
	diag "$_rl: $wall s, $ok200 answered, $n429 refused"
}

# within LO HI X: LO <= X <= HI (decimals).
within() {
	"$PY" -c 'import sys; lo, hi, x = map(float, sys.argv[1:]); sys.exit(not lo <= x <= hi)' "$@"
}

# The same run with no limit in reach: what the machine itself takes (a
# sanitizer build on a busy machine is several times slower); the upper
# bounds below are the pacing's own time plus this.
limited '{"rpm": 1000000, "tpm": 1000000000, "fill": 1}'
base=$wall
slack() { "$PY" -c 'import sys; print(float(sys.argv[1]) + float(sys.argv[2]))' "$1" "$base"; }

# Requests: 600 a minute (10 a second).  From an empty bucket 12 requests
# need about 1.2 s; the first request goes alone, meets the empty bucket
# and teaches the limiter, which then keeps to the refill rate.
limited '{"rpm": 600, "fill": 0}'
is "every record answered once" $N "$ok200"
ok "only the first request is refused ($n429 429s)" within 0 2 "$n429"
ok "paced to the limit, not slower ($wall s)" within 1.0 "$(slack 3.5)" "$wall"
is "summary" 1 "$(grep -c "$N done, 0 failed" "$T/err")"

# Reset semantics: at 240 a minute an empty bucket says "reset in 1m0s",
# yet the next request fits after a quarter of a second: no stall until
# the reset.
limited '{"rpm": 240, "fill": 0}'
ok "never waits for the full reset ($wall s for $N at 4/s)" within 2.5 "$(slack 7)" "$wall"
ok "only the first request is refused ($n429 429s)" within 0 2 "$n429"

# Tokens: each ideas request counts its prompt plus its 4,000-token cap
# (about 5,000), so 1,500,000 tokens a minute allow about five requests a
# second; the request limit is far away.
limited '{"rpm": 100000, "tpm": 1500000, "fill": 0}'
ok "token-bound: paced by the token cost ($wall s)" within 1.5 "$(slack 5)" "$wall"
ok "only the first request is refused ($n429 429s)" within 0 2 "$n429"

# A run that outlasts a limit: with no retry allowed at all, the first
# wave is refused, and no record fails for it: a 429 under a known limit
# is a wait, not a failed try.
limited '{"rpm": 300, "fill": 0}' --set providers.openai.max_retries=0
ok "429s with no retries allowed, none failed ($n429 429s)" within 1 100 "$n429"

# The quota is another matter: insufficient_quota ends the run with 77.
cat >quota.json <<'J'
{"ratelimit": {"rpm": 600},
 "faults": {"rate": 1, "kinds": ["quota"], "paths": ["/v1/chat/completions"]}}
J
fake_start quota.json || exit 1
rm -f "$T/ws.db" "$T/ws.db-wal" "$T/ws.db-shm"
seed_clusters $N || exit 1
expect_status "insufficient_quota under a limit ends the run with 77" 77 \
	igny8-ideas -j 8 --count 1 clusters.jsonl
like "and says why" 'exceeded your current quota' "$T/err"

done_testing
