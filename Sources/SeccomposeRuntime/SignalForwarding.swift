// SignalForwarding.swift: SIGINT, SIGTERM and SIGHUP sent to a supervisor passed on to the
// commands it waits for, through a plain async-signal-safe handler (CSeccomp's csignals.c):
// no dispatch queue or thread is started for it.

import CSeccomp

#if canImport(Glibc)
    import Glibc
#endif

/// Forwarding the signals that stop a service (SIGINT, SIGTERM, SIGHUP) to launched processes.
///
/// While at least one process is registered, this process does not act on those signals
/// itself: each is sent to every registered process instead. Registrations may overlap (one
/// per concurrent wait, up to 64).
public enum SignalForwarding {
    /// Forwards the signals to `pid` until `stop(pid)`. Returns false when they cannot be
    /// forwarded (64 processes are registered already, or a handler cannot be installed): the
    /// signals then keep their previous effect on this process.
    public static func start(_ pid: pid_t) -> Bool {
        cseccomp_forward_signals_add(pid) == 0
    }

    /// Stops forwarding to `pid`; the last registration's removal restores the previous actions.
    public static func stop(_ pid: pid_t) {
        cseccomp_forward_signals_remove(pid)
    }
}
