# tests/ioerr.sh: the fault-injection shim (tests/inject/ioerr.c) for the
# end-to-end tests that make writes fail.  Sourced after lib.sh; sets SHIM
# (the library to LD_PRELOAD) and lets ASan start with it preloaded.

SHIM=${IGNY8_T:-$IGNY8_BUILD/t}/ioerr.so
[ "$IGNY8_BUILD" = "$TOP" ] && SHIM=${IGNY8_T:-$TOP/build/t}/ioerr.so
ASAN_OPTIONS=$ASAN_OPTIONS:verify_asan_link_order=0
export ASAN_OPTIONS

# need_write_faults: skips the whole test where the shim cannot fail this
# build's writes (sanitizer runtimes bind pwrite to their own interceptors
# before any preload).
need_write_faults() {
	_probe=$(mktemp -d)
	if IGNY8_FAIL_PATH=-wal IGNY8_FAIL_AFTER=0 LD_PRELOAD=$SHIM \
		IGNY8_WORKSPACE=$_probe/p.db igny8-ideas -q </dev/null >/dev/null 2>&1; then
		rm -rf "$_probe"
		skip_all "the preloaded shim cannot fail this build's writes (sanitizer runtime)"
	fi
	rm -rf "$_probe"
}
