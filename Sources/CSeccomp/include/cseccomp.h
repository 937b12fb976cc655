/*
 * cseccomp.h - thin, non-variadic C wrappers around the Linux seccomp
 * interfaces, for use from Swift (SeccomposeRuntime).
 *
 * Swift cannot call variadic C functions such as prctl(2), ptrace(2) or
 * syscall(2), and it does not import function-like or composite macros such
 * as SECCOMP_FILTER_FLAG_TSYNC ((1UL << 0)).  This target provides plain
 * functions and constants instead.
 *
 * Error convention: every function returns a negative errno value
 * (-EINVAL, -EPERM, ...) on failure, never -1 with errno set, so callers do
 * not have to read the thread-local errno.
 */
#ifndef CSECCOMP_H
#define CSECCOMP_H

/* Kernel UAPI headers, re-exported so Swift sees struct sock_filter,
 * struct sock_fprog, the SECCOMP_RET_* values and the AUDIT_ARCH_* values. */
#include <stdint.h>
#include <sys/types.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/audit.h>

#ifdef __cplusplus
extern "C" {
#endif

/* --- seccomp(2) filter flags (SECCOMP_FILTER_FLAG_*) -------------------- */

/** Synchronise the filter onto all threads of the process. */
extern const unsigned int CSECCOMP_FILTER_FLAG_TSYNC;
/** Log all non-ALLOW actions of the filter. */
extern const unsigned int CSECCOMP_FILTER_FLAG_LOG;
/** Do not enable the speculative store bypass mitigation. */
extern const unsigned int CSECCOMP_FILTER_FLAG_SPEC_ALLOW;
/** Return a user-notification listener fd from the install call. */
extern const unsigned int CSECCOMP_FILTER_FLAG_NEW_LISTENER;
/** With TSYNC: report a failing thread as -ESRCH instead of its tid. */
extern const unsigned int CSECCOMP_FILTER_FLAG_TSYNC_ESRCH;
/** Make a notified task wait killably once its notification was received. */
extern const unsigned int CSECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;

/* --- values of macros Swift does not import ---------------------------- */

/** seccomp_data.arch of the x86_64 and x32 ABIs (AUDIT_ARCH_X86_64). */
extern const unsigned int CSECCOMP_AUDIT_ARCH_X86_64;
/** seccomp_data.arch of the i386 ABI (AUDIT_ARCH_I386). */
extern const unsigned int CSECCOMP_AUDIT_ARCH_I386;
/** Bit set in seccomp_data.nr for x32 system calls (__X32_SYSCALL_BIT). */
extern const unsigned int CSECCOMP_X32_SYSCALL_BIT;

/* --- no_new_privs ------------------------------------------------------- */

/**
 * Set the calling thread's no_new_privs bit (prctl PR_SET_NO_NEW_PRIVS).
 * Returns 0 or -errno.
 */
int cseccomp_set_no_new_privs(void);

/**
 * Read the calling thread's no_new_privs bit (prctl PR_GET_NO_NEW_PRIVS).
 * Returns 0 or 1, or -errno.
 */
int cseccomp_get_no_new_privs(void);

/* --- seccomp(2) ----------------------------------------------------------- */

/**
 * Install the classic-BPF program insns[0..count) on the calling thread with
 * seccomp(SECCOMP_SET_MODE_FILTER, flags, &prog).
 *
 * Returns the kernel's non-negative result (0, or the listener fd when
 * CSECCOMP_FILTER_FLAG_NEW_LISTENER is set, or with TSYNC the id of a thread
 * that could not be synchronised), or -errno.
 *
 * Unless the caller has CAP_SYS_ADMIN in its user namespace, no_new_privs
 * must be set first (otherwise -EACCES).
 */
long cseccomp_install(const struct sock_filter *insns, unsigned short count,
                      unsigned int flags);

/**
 * Ask the kernel whether a filter return action (SECCOMP_RET_* without the
 * data bits) is supported (SECCOMP_GET_ACTION_AVAIL).
 *
 * Returns 1 if it is, 0 if the kernel reports EOPNOTSUPP, or -errno for any
 * other failure (e.g. -EINVAL on kernels without SECCOMP_GET_ACTION_AVAIL).
 */
int cseccomp_action_available(unsigned int action);

/* --- raw system calls ----------------------------------------------------- */

/**
 * Make system call nr of the native ABI with six arguments and return the
 * kernel's raw result: a value in [-4095, -1] is -errno, anything else is the
 * successful result.  errno is not touched (on x86_64).
 */
long cseccomp_syscall6(long nr, unsigned long a0, unsigned long a1,
                       unsigned long a2, unsigned long a3, unsigned long a4,
                       unsigned long a5);

/* --- ptrace(2) ------------------------------------------------------------ */

/**
 * Fetch the classic-BPF program of filter number `index` of the stopped
 * tracee `pid` (PTRACE_SECCOMP_GET_FILTER; index 0 is the OLDEST filter:
 * the kernel's get_nth_filter() walks back from the newest count-index-1
 * times, whatever ptrace(2) says; DumpLiveTests checks the order).  The caller must already be ptrace-attached to `pid`,
 * `pid` must be in a ptrace stop, and the caller needs CAP_SYS_ADMIN.
 *
 * If buf is NULL or capacity is 0, only the number of instructions is
 * returned.  Otherwise the program is copied into buf and its instruction
 * count is returned; if it has more than `capacity` instructions nothing is
 * copied and -ENOSPC is returned (query the size first).
 *
 * Returns the instruction count or -errno (-ENOENT: no such filter index,
 * -EMEDIUMTYPE: the filter is not a classic-BPF filter, -ESRCH: pid is not
 * a stopped tracee of the caller, -EACCES: missing CAP_SYS_ADMIN or the
 * caller itself runs under seccomp).
 */
/* Seizes and interrupts a process (which must be a child or allowed by
 * ptrace_scope), waiting until it stops: then cseccomp_get_filter() works.
 * Returns 0 or -errno. */
int cseccomp_ptrace_seize_and_stop(int pid);

/* Detaches from a tracee (it continues). Returns 0 or -errno. */
int cseccomp_ptrace_detach(int pid);

/* --- the launch child path --------------------------------------------- */

/* The stages of the child path, in order; CSECCOMP_STAGE_NONE means the child
 * reached execve (or no child failed). */
enum cseccomp_stage {
    CSECCOMP_STAGE_NONE = 0,
    CSECCOMP_STAGE_CHDIR = 1,
    CSECCOMP_STAGE_GROUP = 2,
    CSECCOMP_STAGE_USER = 3,
    CSECCOMP_STAGE_NO_NEW_PRIVS = 4,
    CSECCOMP_STAGE_SECCOMP = 5,
    CSECCOMP_STAGE_EXEC = 6,
    CSECCOMP_STAGE_MDWE = 7,
};

/* The exit statuses of the child path: systemd's for the stages it shares
 * (src/basic/exit-status.h), the shell's for a command that cannot be
 * executed.  The one table: Swift's ExitStatus reads these values. */
enum cseccomp_exit_status {
    CSECCOMP_EXIT_CHDIR = 200,
    CSECCOMP_EXIT_GROUP = 216,
    CSECCOMP_EXIT_USER = 217,
    CSECCOMP_EXIT_NO_NEW_PRIVILEGES = 227,
    CSECCOMP_EXIT_SECCOMP = 228,
    CSECCOMP_EXIT_NOT_EXECUTABLE = 126,
    CSECCOMP_EXIT_NOT_FOUND = 127,
};

/* The exit status the child path uses when `stage` fails with `err`. */
int cseccomp_stage_exit_status(int stage, int err);

/* Whether the running kernel has PR_SET_MDWE (Linux 6.3+): 1 or 0. */
int cseccomp_mdwe_available(void);

/* The calling process's PR_SET_MDWE flags (PR_GET_MDWE: 0 when none is set),
 * or -errno (-EINVAL on kernels without it). */
int cseccomp_mdwe_flags(void);

/* Makes the calling process a child subreaper (PR_SET_CHILD_SUBREAPER), so
 * orphaned descendants are reparented to it.  Returns 0 or -errno. */
int cseccomp_set_child_subreaper(void);

/* Starts `path` (an absolute path) with argv/envp in a new process that first
 * resets signal dispositions and mask, then sets the umask (umask_value >= 0),
 * changes directory (dir != NULL), drops supplementary groups and switches
 * group (gid >= 0) and user (uid >= 0), sets no_new_privs (set_nnp), sets
 * PR_SET_MDWE with PR_MDWE_REFUSE_EXEC_GAIN (set_mdwe), installs the filter
 * (count > 0) with `flags`, and execs. The child is made with CLONE_VFORK (the
 * calling thread waits until it has exec'd or exited) and, unless set_mdwe,
 * CLONE_VM (no copy of the page tables; PR_SET_MDWE belongs to the address
 * space, so it needs a copy); it runs only raw system calls. Returns the child's pid or -errno. When the child failed before exec,
 * *child_stage is its enum cseccomp_stage and *child_errno its errno (the
 * child has exited with cseccomp_stage_exit_status()); otherwise both are 0.
 * With CSECCOMP_FILTER_FLAG_NEW_LISTENER in `flags`, the child passes the
 * listener to the parent (SCM_RIGHTS) before it execs, and *listener_fd is
 * the parent's copy (close-on-exec), or -1 when the child failed before. */
pid_t cseccomp_spawn(const char *path, char *const argv[], char *const envp[],
                     const struct sock_filter *insns, unsigned short count,
                     unsigned int flags, int set_nnp, int set_mdwe,
                     const char *dir, int umask_value, long uid, long gid,
                     int *child_stage, int *child_errno, int *listener_fd);

/* --- user notifications (SECCOMP_RET_USER_NOTIF) ---------------------------- */

/* One notification: the call a filtered task is blocked in. */
struct cseccomp_notification {
    uint64_t id;          /* the cookie to answer with */
    uint32_t pid;         /* the thread, in the listener's pid namespace (0: outside it) */
    int32_t nr;           /* the syscall number as the filter saw it */
    uint32_t arch;        /* AUDIT_ARCH_* */
    uint64_t ip;          /* the instruction pointer */
    uint64_t args[6];     /* the argument registers */
};

/* Waits for the next notification on `listener` (SECCOMP_IOCTL_NOTIF_RECV).
 * Returns 0, or -errno (-ENOENT: the task left the call before it was
 * received; -EINTR: interrupted). */
int cseccomp_notif_receive(int listener, struct cseccomp_notification *out);

/* Lets the notified call run as if the filter had allowed it
 * (SECCOMP_USER_NOTIF_FLAG_CONTINUE). Returns 0 or -errno (-ENOENT: the task
 * is gone or no longer waits). */
int cseccomp_notif_continue(int listener, uint64_t id);

/* Whether notification `id` is still pending (SECCOMP_IOCTL_NOTIF_ID_VALID):
 * memory read from the task before this returned 1 belongs to the call.
 * Returns 1 or 0. */
int cseccomp_notif_id_valid(int listener, uint64_t id);

int cseccomp_get_filter(int pid, unsigned long index, struct sock_filter *buf,
                        int capacity);

#ifdef __cplusplus
}
#endif

#endif /* CSECCOMP_H */
