#!/bin/sh
# make install into a DESTDIR with PREFIX=/usr: the installed filter finds
# its prompts and data beside itself, pkg-config and a tiny program link
# against the installed library, and make uninstall removes every file.
. "$(dirname "$0")/../lib.sh"
. "$TESTS/seed.sh"

# The install runs `make` in the tree: only for the plain build, whose
# objects it would otherwise rebuild with other flags.
[ "$IGNY8_BUILD" = "$TOP" ] || skip_all "install is tested on the plain build only"
command -v make >/dev/null || skip_all "no make"

D=$T/dest
MK="make -s -C $TOP DESTDIR=$D PREFIX=/usr"

ok "make install DESTDIR=... PREFIX=/usr" $MK install
cp "$T/.ok.err" install.err
for f in bin/igny8 bin/igny8-ideas bin/igny8-write lib/libigny8.a \
	lib/pkgconfig/igny8.pc include/igny8/err.h include/igny8/engine.h \
	share/igny8/defaults.yaml share/igny8/prices.yaml \
	share/igny8/prompts/ideas.md share/igny8/prompts/write.md \
	share/man/man1/igny8.1 share/man/man1/igny8-ideas.1 \
	share/man/man5/igny8-records.5 share/man/man5/igny8.yaml.5 \
	share/man/man7/igny8.7 \
	share/bash-completion/completions/igny8 \
	share/bash-completion/completions/igny8-ideas \
	share/zsh/site-functions/_igny8 share/fish/vendor_completions.d/igny8.fish \
	share/fish/vendor_completions.d/igny8-write.fish; do
	[ -f "$D/usr/$f" ] || missing="${missing:-} $f"
done
is "every part is installed where it belongs" "" "${missing:-}"
is "private headers are not installed" "" "$(cd "$D/usr/include/igny8" && ls ./*_priv.h 2>/dev/null)"
ls -l "$D/usr/bin/igny8-ideas" "$D/usr/lib/libigny8.a" >lsl
like "binaries are installed executable" '^-rwxr-xr-x .*igny8-ideas$' lsl
like "the library is not" '^-rw-r--r-- .*libigny8.a$' lsl

# -- the installed filter finds DESTDIR/usr/share/igny8 beside itself ---------------

# Nothing else to find: no IGNY8_DATADIR, no tree on the path, and a marker
# in the installed prompt that only that copy has.
unset IGNY8_DATADIR
PATH=$D/usr/bin:/usr/bin:/bin
printf '\nInstalled-prompt marker 9200.\n' >>"$D/usr/share/igny8/prompts/ideas.md"
fake_start || exit 1
new_workspace
seed_clusters 1 || exit 1
cluster_records 1 >clusters.jsonl
expect_status "the installed igny8-ideas runs against the fake server" 0 \
	"$D/usr/bin/igny8-ideas" --count 2 clusters.jsonl
is "it wrote two ideas" 2 "$(wc -l <"$T/out" | tr -d ' ')"
unlike "no warning about missing data files" 'not found' "$T/err"
grep -c 'Installed-prompt marker 9200' "$FAKE_LOG" >marker.n
is "the prompt sent is the installed one (found via <exe>/../share/igny8)" 1 "$(cat marker.n)"
expect_status "the installed igny8 runs its subcommands" 0 "$D/usr/bin/igny8" status
expect_status "igny8 ideas runs the installed igny8-ideas" 0 \
	"$D/usr/bin/igny8" ideas --dry-run --progress none clusters.jsonl
expect_status "man finds the installed page" 0 mandoc -Tlint -Wwarning "$D/usr/share/man/man1/igny8-ideas.1"

# -- pkg-config and linking --------------------------------------------------------

PKG_CONFIG_PATH=$D/usr/lib/pkgconfig
PKG_CONFIG_SYSROOT_DIR=$D
export PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
expect_status "pkg-config --cflags --libs igny8" 0 pkg-config --cflags --libs igny8
flags=$(cat "$T/out")
like "cflags point into the installed include dir" "-I$D/usr/include/igny8" "$T/out"
like "libs name the installed library" "-L$D/usr/lib .*-ligny8" "$T/out"
is "pkg-config --modversion igny8" "$(sed -n 's/^VERSION = //p' "$TOP/Makefile")" \
	"$(pkg-config --modversion igny8)"
cat >tiny.c <<'EOF'
#include <stdio.h>
#include "err.h"

int
main(void)
{
	struct ig_err err = { 0 };

	ig_err_set(&err, IG_ECONFIG, "%s: %d", "tiny", 78);
	printf("%s %s %d\n", err.msg, ig_exit_name(IG_ETEMP), err.code);
	return 0;
}
EOF
# shellcheck disable=SC2086
ok "a tiny program links against the installed libigny8.a" \
	${CC:-cc} -std=c11 -o tiny tiny.c $flags
expect_status "and runs" 0 ./tiny
like "calling the library" '^tiny: 78 [a-z]+ 78$' "$T/out"

# -- uninstall --------------------------------------------------------------------

ok "make uninstall with the same DESTDIR and PREFIX" $MK uninstall
find "$D" ! -type d >left
is "nothing but directories is left under DESTDIR" "" "$(cat left)"

done_testing
