#!/bin/sh
# A filter whose standard output is a terminal writes records for a person
# (an article as Markdown, clusters and ideas as lists); --json, a pipe or
# a file get JSON lines.
. "$(dirname "$0")/../lib.sh"

fake_start || exit 1
new_workspace

# on_tty CMD...: CMD with stdout on a pseudo-terminal (stdin from
# /dev/null, stderr to $T/err); what it wrote to the terminal goes to
# $T/out with the terminal's CR LF turned back into LF, and its exit status
# to $T/status.
on_tty() {
	"$PY" - "$T/out" "$T/err" "$T/status" "$@" <<'PY'
import os, pty, subprocess, sys
out, err, status, argv = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
m, s = pty.openpty()
with open(err, "wb") as e, open(os.devnull, "rb") as i:
    p = subprocess.Popen(argv, stdin=i, stdout=s, stderr=e)
os.close(s)
got = b""
while True:
    try:
        b = os.read(m, 65536)
    except OSError:  # EIO: the last writer closed the terminal
        break
    if not b:
        break
    got += b
os.close(m)
open(out, "wb").write(got.replace(b"\r\n", b"\n"))
open(status, "w").write("%d\n" % p.wait(timeout=60))
PY
}
# json_lines FILE: every line of FILE is a JSON object
json_lines() {
	"$PY" -c '
import json, sys
for line in open(sys.argv[1]):
    assert isinstance(json.loads(line), dict)' "$1"
}

# -- an article ------------------------------------------------------------------
on_tty igny8-write --title "How to choose running shoes"
is "write on a terminal exits 0" 0 "$(cat "$T/status")"
is "the article's title as a Markdown heading first" "# How to choose running shoes" \
	"$(head -n 1 "$T/out")"
like "its description quoted" '^> .*How to choose running shoes' "$T/out"
like "its sections as Markdown headings" '^## ' "$T/out"
like "its questions too" '^### Is How to choose running shoes hard\?$' "$T/out"
unlike "no HTML tags" '<(p|h2|h3|ul|li)>' "$T/out"
like "then what it is" '^Article 1 of task 1 \(words: [0-9]+, draft, slug: [a-z-]+\)$' "$T/out"
like "and its labels" '^Categories: Guides$' "$T/out"
unlike "no JSON" '^\{' "$T/out"
expect_status "the same, stdout a file" 0 igny8-write --title "How to choose running shoes"
ok "is JSON lines" json_lines "$T/out"
is "one content record" content "$(jq_py 'd["type"]' "$T/out")"
on_tty igny8-write --json --title "How to choose running shoes"
ok "--json on a terminal: JSON lines" json_lines "$T/out"
is "the content record" "content How to choose running shoes" \
	"$(jq_py 'd["type"] + " " + d["title"]' "$T/out")"
on_tty igny8-write --format markdown --title "How to choose running shoes" --refresh
like "a Markdown article as written" '^## What How to choose running shoes means$' "$T/out"

# -- clusters, keywords and ideas as lists ---------------------------------------------
on_tty igny8-cluster --method local --keyword "trail shoes" --keyword "trail running shoes" \
	--keyword "road shoes"
is "cluster on a terminal exits 0" 0 "$(cat "$T/status")"
like "a cluster, its name and size" '^Cluster [0-9]+: trail shoes \(keywords: 3\)$' "$T/out"
like "its keywords a line each" '^  - trail running shoes$' "$T/out"
unlike "no JSON" '^\{' "$T/out"
on_tty igny8-cluster --method local --emit keywords --keyword "trail shoes"
like "keywords a line each, with their cluster" '^- trail shoes \(cluster: trail shoes\)$' "$T/out"
on_tty igny8-ideas --all --count 2
like "an idea, its title and shape" '^Idea 1: .+ \((guide|how-to|listicle|comparison|review|question), ' "$T/out"
like "its keyword" '^  Keyword: ' "$T/out"
like "its outline as a list" '^  - .+$' "$T/out"
like "down to the H3s" '^    - .+$' "$T/out"
unlike "no JSON" '^\{' "$T/out"
expect_status "ideas again, to a pipe" 0 sh -c 'igny8-ideas --all --count 2 | cat'
ok "is JSON lines" json_lines "$T/out"

# -- images and publishing a line each ---------------------------------------------------
on_tty igny8-image --task 1 --max-images 0
is "image on a terminal exits 0" 0 "$(cat "$T/status")"
like "an image, what it is and its state" '^Image [0-9]+ of task 1 \(featured, desktop, done\)$' "$T/out"
like "and its file" '^  File: .+\.(png|jpeg|jpg|webp)$' "$T/out"
on_tty igny8-publish --to hugo --dir site -n --task 1
like "a publishing plan: where to" "^Would publish task:1 to hugo $T/site:\$" "$T/out"
like "and each file" "^  created $T/site/content/posts/.+/index\\.md\$" "$T/out"
on_tty igny8-publish --to hugo --dir site --task 1
like "what was published" "^Task 1 on hugo $T/site \\(created, publish\\)\$" "$T/out"

# -- a dry run says what it would send -------------------------------------------------
n=$(fake_count)
on_tty igny8-write -n --title "Trail shoes for winter"
like "one line per request" '^Would send write task:[0-9]+ to openai: about [0-9]+ tokens in, at most [0-9]+ out, (at most \$[0-9.]+|cost unknown)$' "$T/out"
is "and sends nothing" "$n" "$(fake_count)"
done_testing
