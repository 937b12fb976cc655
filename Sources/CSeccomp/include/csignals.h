/*
 * csignals.h - forwarding SIGINT, SIGTERM and SIGHUP from a supervisor to the commands it
 * waits for, with a plain async-signal-safe handler (no dispatch threads).
 *
 * Up to CSECCOMP_FORWARD_SLOTS processes can be registered at once (one per concurrent wait in
 * this process); every registered process gets every forwarded signal. The first registration
 * installs the handlers (saving the previous actions) and unblocks the three signals in the
 * calling thread; the last removal restores the previous actions.
 */
#ifndef CSIGNALS_H
#define CSIGNALS_H

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CSECCOMP_FORWARD_SLOTS 64

/** Forwards the three signals to `pid` from now on. 0, or -EBUSY when every slot is taken,
 *  or -errno when a handler cannot be installed (nothing is registered then). */
int cseccomp_forward_signals_add(pid_t pid);

/** Stops forwarding to `pid` (a pid never added is ignored). */
void cseccomp_forward_signals_remove(pid_t pid);

#ifdef __cplusplus
}
#endif

#endif
