#!/bin/sh
# A crash leaves no core file, so no API key on disk; IGNY8_CORE_DUMPS=1
# brings core files back for debugging.
. "$(dirname "$0")/../lib.sh"

command -v igny8-ideas >/dev/null || skip_all "not built"
mkfifo in.fifo || skip_all "no mkfifo"
OPENAI_API_KEY=sk-core-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
export OPENAI_API_KEY

# crash PROG...: starts PROG (waiting on a fifo) in ./d with core files
# allowed, kills it with SIGSEGV; leaves its status in $st.
crash() {
	rm -rf d && mkdir d
	# ThreadSanitizer would catch the signal and report it (check-tsan):
	# let it kill the process as it would an ordinary build.
	(cd d && ulimit -c unlimited 2>/dev/null
	 TSAN_OPTIONS="${TSAN_OPTIONS:-} handle_segv=0"
	 export TSAN_OPTIONS
	 exec "$@" <../in.fifo >/dev/null 2>&1) &
	_p=$!
	exec 3>in.fifo		# the open lets it start; it then waits for a line
	sleep 0.5
	kill -SEGV "$_p"
	wait "$_p"
	st=$?
	exec 3>&-
}
cores() { ls d | grep -c '^core' ; }

crash igny8-ideas
# 139, or 134 when a sanitizer catches the signal and aborts.
ok "igny8-ideas killed by SIGSEGV" test "$st" -eq 139 -o "$st" -eq 134
is "no core file" 0 "$(cores)"
IGNY8_WORKSPACE=$T/ws.db
export IGNY8_WORKSPACE
igny8 init >/dev/null 2>&1
crash igny8 import -
ok "igny8 import killed by SIGSEGV" test "$st" -eq 139 -o "$st" -eq 134
is "no core file from igny8 either" 0 "$(cores)"

# The control: the same crash with core files asked for leaves one (when
# this system writes plain core files and the build does not stop them).
pattern=$(cat /proc/sys/kernel/core_pattern 2>/dev/null)
if [ "${IGNY8_VALGRIND:-0}" = 1 ] || ldd "$(command -v igny8-ideas)" | grep -qE 'lib[at]san' ||
	! case $pattern in core*) true ;; *) false ;; esac; then
	skip "IGNY8_CORE_DUMPS=1 leaves a core file" "core_pattern '$pattern', or a sanitizer build"
	skip "with the key in it" "no core files here"
else
	IGNY8_CORE_DUMPS=1 crash igny8-ideas
	is "IGNY8_CORE_DUMPS=1 leaves a core file" 1 "$(cores)"
	ok "with the key in it: what the default keeps off the disk" \
		grep -qaF "$OPENAI_API_KEY" d/core*
fi
done_testing
