/*
 * cnetlink.h - small C helpers for the two netlink families SeccomposeRuntime
 * reads: NETLINK_AUDIT (the kernel's audit records, multicast group
 * AUDIT_NLGRP_READLOG, and status/user-message requests) and
 * NETLINK_CONNECTOR (the proc connector's fork/exit events).
 *
 * Error convention as in cseccomp.h: negative errno values, never -1 with
 * errno set.
 */
#ifndef CNETLINK_H
#define CNETLINK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The kernel's audit status (struct audit_status, the fields we use). */
struct cnetlink_audit_status {
    uint32_t enabled;       /* 0 off, 1 on, 2 locked */
    uint32_t pid;           /* auditd's pid, 0 when none */
    uint32_t rate_limit;    /* records per second, 0 unlimited */
    uint32_t backlog_limit; /* queued records before waiting/dropping */
    uint32_t lost;          /* records the kernel dropped since boot */
    uint32_t backlog;       /* records queued now */
};

/**
 * Opens a NETLINK_AUDIT socket bound to the AUDIT_NLGRP_READLOG multicast
 * group (needs CAP_AUDIT_READ), non-blocking and close-on-exec, with a
 * receive buffer of at least rcvbuf bytes (SO_RCVBUFFORCE when permitted,
 * else SO_RCVBUF). *effective_rcvbuf gets the buffer size the kernel reports.
 * Returns the fd or -errno (-EPERM: no CAP_AUDIT_READ; -EPROTONOSUPPORT or
 * -ECONNREFUSED: no audit in this kernel or network namespace).
 */
int cnetlink_audit_open_reader(int rcvbuf, int *effective_rcvbuf);

/** Opens an unbound NETLINK_AUDIT socket for requests. Returns fd or -errno. */
int cnetlink_audit_open_control(void);

/**
 * Sends AUDIT_GET on a control socket and waits up to timeout_ms for the
 * reply (needs CAP_AUDIT_CONTROL). Returns 0 or -errno (-ETIMEDOUT).
 */
int cnetlink_audit_get_status(int fd, struct cnetlink_audit_status *out, int timeout_ms);

/**
 * Sends a user message of `type` (AUDIT_USER or AUDIT_USER_AVC ...) with
 * `text` and waits up to timeout_ms for the kernel's acknowledgement (needs
 * CAP_AUDIT_WRITE, the initial user and pid namespace). Returns 0 or -errno.
 */
int cnetlink_audit_send_user(int fd, int type, const char *text, int timeout_ms);

/**
 * Waits up to timeout_ms (-1: forever) until fd is readable, then reads one
 * datagram. Returns its length, 0 on timeout or when nothing is queued
 * (EAGAIN), or -errno (-ENOBUFS: the socket overran and messages were lost).
 */
long cnetlink_receive(int fd, void *buf, size_t len, int timeout_ms);

/**
 * Walks the netlink messages in buf[0..len): at *offset, stores the message
 * type, its payload and the payload's length and advances *offset. Returns 1
 * when a message was stored, 0 at the end or on a malformed message.
 */
int cnetlink_next_message(const void *buf, long len, long *offset, int *type,
                          const void **payload, long *payload_len);

/* --- proc connector ------------------------------------------------------ */

/**
 * Opens a NETLINK_CONNECTOR socket in the CN_IDX_PROC group and sends
 * PROC_CN_MCAST_LISTEN (needs CAP_NET_ADMIN; the kernel ignores the request
 * outside the initial user and pid namespace). Non-blocking, close-on-exec,
 * receive buffer as for the audit reader. Returns the fd or -errno.
 */
int cnetlink_proc_open(int rcvbuf, int *effective_rcvbuf);

/** One proc connector event, reduced to what process tracking needs. */
struct cnetlink_proc_event {
    int what;         /* 1 fork, 0x80000000 exit, 0 none (ack), other: ignored */
    int parent_pid;   /* fork: parent thread id; exit: the exiting thread's parent tgid (if known) */
    int parent_tgid;  /* fork: parent process */
    int child_pid;    /* fork: new thread id; exit: exiting thread id */
    int child_tgid;   /* fork: new thread's process; exit: exiting thread's process */
    int error;        /* none/ack: the error of PROC_CN_MCAST_LISTEN */
};

/**
 * Parses the proc connector events in one datagram buf[0..len) into
 * events[0..capacity). Returns the number stored.
 */
int cnetlink_proc_parse(const void *buf, long len, struct cnetlink_proc_event *events, int capacity);

#ifdef __cplusplus
}
#endif

#endif /* CNETLINK_H */
