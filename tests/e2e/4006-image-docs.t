#!/bin/sh
# igny8-image(1): mandoc-clean, every long option, every exit status.
. "$(dirname "$0")/../lib.sh"

command -v mandoc >/dev/null || skip_all "mandoc is not installed"
MAN=$TOP/man/igny8-image.1

# Warnings and errors fail; STYLE notes about pages not installed do not.
ok "mandoc -Tlint -W warning is clean" mandoc -Tlint -W warning "$MAN"

# Long options: the command's own rows and the shared table.
sed -n 's/^[[:space:]]*{ "\([a-z-]*\)", .*/\1/p' "$TOP/cmd/igny8-image.c" \
	"$TOP/lib/opt.h" | sort -u >opts
while read -r o; do
	grep -q "^\.It .*Fl -$o\b" "$MAN" || echo "$o"
done <opts >missing
is "every long option is in OPTIONS ($(wc -l <opts) options)" "" "$(cat missing)"
igny8-image --help >help 2>&1
sed -n 's/^[[:space:]]*{ "\([a-z-]*\)", .*/\1/p' "$TOP/cmd/igny8-image.c" | while read -r o; do
	grep -q -- "--$o" help || echo "$o"
done >missing
is "every own option is in --help" "" "$(cat missing)"

# Exit statuses: the enum in lib/err.h against EXIT STATUS.
sed -n 's/^[[:space:]]*IG_[A-Z]* = \([0-9]*\),.*/\1/p; s/^[[:space:]]*IG_[A-Z]* = \([0-9]*\)[[:space:]]*\/\*.*/\1/p' \
	"$TOP/lib/err.h" | sort -un >codes
sed -n '/^\.Sh EXIT STATUS/,/^\.Sh/s/^\.It \([0-9][0-9]*\)$/\1/p' "$MAN" | sort -un >documented
is_same "EXIT STATUS lists exactly lib/err.h's statuses" codes documented
done_testing
