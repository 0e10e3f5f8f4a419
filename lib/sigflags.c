#include "config.h"

#include <string.h>

#include "sigflags.h"

volatile sig_atomic_t sigflag_stop, sigflag_reload;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		sigflag_reload = 1;
	else
		sigflag_stop = 1;
}

void sigflags_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

void sigflags_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
}
