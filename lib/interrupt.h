/* interrupt.h: Ctrl-C and SIGTERM for a run that has threads. */
#ifndef IGNY8_INTERRUPT_H
#define IGNY8_INTERRUPT_H

#include <stdatomic.h>

/*
 * From the calling thread on, SIGINT and SIGTERM reach only a watcher
 * thread: the first sets *flag and cuts a blocked read of the calling
 * thread short (EINTR); the second ends the process as the signal's
 * default would.  SIGPIPE is ignored: write() reports a closed pipe.
 * Call it once, from the thread that reads input, before making others
 * (they inherit the mask).  Returns -1 when no watcher could be started;
 * the signals then keep their defaults.
 */
int interrupt_start(atomic_int *flag);

#endif
