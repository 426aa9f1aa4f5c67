/*
 * interrupt.c: Ctrl-C and SIGTERM for a run that has threads.
 *
 * A handler runs on whichever thread the kernel picks, and under a
 * sanitizer's runtime it may be put off until that thread leaves a
 * blocking call it does not know about: a thread parked on a mutex then
 * delays Ctrl-C until whoever holds the mutex is done, which can be a
 * busy wait of a minute.  So the signals are blocked everywhere and one
 * thread waits for them with sigwait(); the flag it sets is polled by
 * every wait that can be long (busy waits, HTTP transfers, pacing).
 */
#include <pthread.h>
#include <signal.h>
#include <string.h>

#include "interrupt.h"

static pthread_t reader;
static atomic_int *cancel_flag;

/* Its only job is to make a blocked read() return EINTR. */
static void
on_wake(int sig)
{
	(void)sig;
}

static void
stop_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
}

static void *
watch(void *arg)
{
	sigset_t set;
	int sig;

	(void)arg;
	stop_set(&set);
	if (sigwait(&set, &sig) != 0)
		return NULL;
	atomic_store(cancel_flag, 1);
	pthread_kill(reader, SIGUSR1);
	/* The first signal stops the run cleanly; a second one kills it. */
	if (sigwait(&set, &sig) != 0)
		return NULL;
	signal(sig, SIG_DFL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	return NULL;
}

int
interrupt_start(atomic_int *flag)
{
	struct sigaction sa;
	sigset_t set, old;
	pthread_t t;

	signal(SIGPIPE, SIG_IGN);
	cancel_flag = flag;
	reader = pthread_self();
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_wake;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: the point is to cut the read short. */
	sigaction(SIGUSR1, &sa, NULL);
	/*
	 * A background job of a script starts with SIGINT ignored, and an
	 * ignored signal may be dropped before sigwait() sees it; a handler
	 * that never runs (the signals stay blocked) keeps them coming.
	 */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	stop_set(&set);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	if (pthread_create(&t, NULL, watch, NULL) != 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		return -1;
	}
	pthread_detach(t);
	return 0;
}
