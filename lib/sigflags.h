/* Signals as flags for a poll loop: SIGTERM and SIGINT set sigflag_stop,
 * SIGHUP sigflag_reload, SIGPIPE is ignored (a write to a closed socket
 * fails with EPIPE instead). The loop blocks them and lets them in only
 * inside ppoll, so a flag set just before it is never missed. */
#ifndef PXEKIT_SIGFLAGS_H
#define PXEKIT_SIGFLAGS_H

#include <signal.h>

extern volatile sig_atomic_t sigflag_stop, sigflag_reload;

void sigflags_install(void);

/* The signals the flags stand for, to block outside ppoll. */
void sigflags_set(sigset_t *set);

#endif
