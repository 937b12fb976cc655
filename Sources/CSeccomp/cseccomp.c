/*
 * cseccomp.c - implementation of the non-variadic seccomp wrappers declared
 * in include/cseccomp.h.  See that header for the contract of each function.
 */
#define _GNU_SOURCE
#include "cseccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sched.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* Older UAPI headers may lack the newer flags; the values are ABI. */
#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif
#ifndef PR_SET_MDWE
#define PR_SET_MDWE 65
#define PR_GET_MDWE 66
#endif
#ifndef PR_MDWE_REFUSE_EXEC_GAIN
#define PR_MDWE_REFUSE_EXEC_GAIN (1UL << 0)
#endif
#ifndef SECCOMP_GET_ACTION_AVAIL
#define SECCOMP_GET_ACTION_AVAIL 2
#endif

const unsigned int CSECCOMP_FILTER_FLAG_TSYNC = SECCOMP_FILTER_FLAG_TSYNC;
const unsigned int CSECCOMP_FILTER_FLAG_LOG = SECCOMP_FILTER_FLAG_LOG;
const unsigned int CSECCOMP_FILTER_FLAG_SPEC_ALLOW = SECCOMP_FILTER_FLAG_SPEC_ALLOW;
const unsigned int CSECCOMP_FILTER_FLAG_NEW_LISTENER = SECCOMP_FILTER_FLAG_NEW_LISTENER;
const unsigned int CSECCOMP_FILTER_FLAG_TSYNC_ESRCH = SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
const unsigned int CSECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV =
    SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;

const unsigned int CSECCOMP_AUDIT_ARCH_X86_64 = AUDIT_ARCH_X86_64;
const unsigned int CSECCOMP_AUDIT_ARCH_I386 = AUDIT_ARCH_I386;
const unsigned int CSECCOMP_X32_SYSCALL_BIT = 0x40000000U;

/* Turn a libc-style result (-1 with errno set) into -errno. */
static long neg_errno(long rc)
{
    return rc == -1 ? -(long)errno : rc;
}

int cseccomp_set_no_new_privs(void)
{
    return (int)neg_errno(prctl(PR_SET_NO_NEW_PRIVS, 1UL, 0UL, 0UL, 0UL));
}

int cseccomp_get_no_new_privs(void)
{
    return (int)neg_errno(prctl(PR_GET_NO_NEW_PRIVS, 0UL, 0UL, 0UL, 0UL));
}

long cseccomp_install(const struct sock_filter *insns, unsigned short count,
                      unsigned int flags)
{
    /* The kernel copies the program; sock_fprog's pointer is non-const only
     * because the structure is shared with setsockopt(SO_ATTACH_FILTER). */
    struct sock_fprog prog = {
        .len = count,
        .filter = (struct sock_filter *)insns,
    };
    return neg_errno(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                             (unsigned long)flags, &prog));
}

int cseccomp_action_available(unsigned int action)
{
    long rc = syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0UL, &action);
    if (rc == 0)
        return 1;
    if (errno == EOPNOTSUPP)
        return 0;
    return -errno;
}

long cseccomp_syscall6(long nr, unsigned long a0, unsigned long a1,
                       unsigned long a2, unsigned long a3, unsigned long a4,
                       unsigned long a5)
{
#if defined(__x86_64__)
    /* x86_64 syscall ABI: nr in rax, arguments in rdi rsi rdx r10 r8 r9;
     * the instruction clobbers rcx (return rip) and r11 (rflags). */
    register unsigned long r10 __asm__("r10") = a3;
    register unsigned long r8 __asm__("r8") = a4;
    register unsigned long r9 __asm__("r9") = a5;
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8),
                       "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
#else
    /* Portable fallback: the libc wrapper, with -1/errno folded back.  A
     * successful result of exactly -1 cannot be told apart here. */
    return neg_errno(syscall(nr, a0, a1, a2, a3, a4, a5));
#endif
}

int cseccomp_get_filter(int pid, unsigned long index, struct sock_filter *buf,
                        int capacity)
{
    /* With a NULL buffer the kernel only reports the instruction count. */
    long count = ptrace(PTRACE_SECCOMP_GET_FILTER, (pid_t)pid, (void *)index,
                        NULL);
    if (count < 0)
        return -errno;
    if (buf == NULL || capacity <= 0)
        return (int)count;
    /* The kernel writes the whole program without a size limit, so refuse
     * rather than overflow the caller's buffer.  A filter never changes
     * once installed, so the count cannot grow between the two calls. */
    if (count > capacity)
        return -ENOSPC;
    count = ptrace(PTRACE_SECCOMP_GET_FILTER, (pid_t)pid, (void *)index, buf);
    return count < 0 ? -errno : (int)count;
}

int cseccomp_ptrace_seize_and_stop(int pid)
{
    /* Attach without stopping, then interrupt: the tracee stops wherever it is
     * (e.g. blocked in a syscall) and the caller waits for the stop. */
    if (ptrace(PTRACE_SEIZE, (pid_t)pid, NULL, NULL) < 0)
        return -errno;
    if (ptrace(PTRACE_INTERRUPT, (pid_t)pid, NULL, NULL) < 0)
        return -errno;
    int status = 0;
    if (waitpid((pid_t)pid, &status, __WALL) < 0)
        return -errno;
    return 0;
}

int cseccomp_ptrace_detach(int pid)
{
    return ptrace(PTRACE_DETACH, (pid_t)pid, NULL, NULL) < 0 ? -errno : 0;
}

int cseccomp_stage_exit_status(int stage, int err)
{
    switch (stage) {
    case CSECCOMP_STAGE_CHDIR: return CSECCOMP_EXIT_CHDIR;
    case CSECCOMP_STAGE_GROUP: return CSECCOMP_EXIT_GROUP;
    case CSECCOMP_STAGE_USER: return CSECCOMP_EXIT_USER;
    case CSECCOMP_STAGE_NO_NEW_PRIVS: return CSECCOMP_EXIT_NO_NEW_PRIVILEGES;
    case CSECCOMP_STAGE_SECCOMP: return CSECCOMP_EXIT_SECCOMP;
    /* MemoryDenyWriteExecute= relies on PR_SET_MDWE: without it the filter is weaker. */
    case CSECCOMP_STAGE_MDWE: return CSECCOMP_EXIT_SECCOMP;
    case CSECCOMP_STAGE_EXEC: return err == ENOENT ? CSECCOMP_EXIT_NOT_FOUND : CSECCOMP_EXIT_NOT_EXECUTABLE;
    default: return 0;
    }
}

int cseccomp_mdwe_available(void)
{
    return prctl(PR_GET_MDWE, 0UL, 0UL, 0UL, 0UL) >= 0 ? 1 : 0;
}

int cseccomp_mdwe_flags(void)
{
    int r = prctl(PR_GET_MDWE, 0UL, 0UL, 0UL, 0UL);
    return r >= 0 ? r : -errno;
}

int cseccomp_set_child_subreaper(void)
{
    return (int)neg_errno(prctl(PR_SET_CHILD_SUBREAPER, 1UL, 0UL, 0UL, 0UL));
}

/* What the child of cseccomp_spawn reports: the failing stage (0 while none
 * failed) and its errno. It lives in a MAP_SHARED page, so the parent reads it
 * whether or not the child shares its memory. */
struct cseccomp_child_report {
    volatile int stage;
    volatile int err;
};

/* What cseccomp_spawn hands its child (read only there). */
struct cseccomp_spawn_args {
    const char *path;
    char *const *argv;
    char *const *envp;
    const struct sock_filter *insns;
    unsigned short count;
    unsigned int flags;
    int set_nnp, set_mdwe;
    const char *dir;
    int umask_value;
    long uid, gid;
    int listener_socket; /* the child's end of the listener socketpair, or -1 */
    int parent_socket;   /* the parent's end (closed in the child), or -1 */
    struct cseccomp_child_report *report;
};

/* Records the failing stage and errno for the parent and exits with the
 * status of that stage. */
static void cseccomp_child_fail(struct cseccomp_spawn_args *a, int stage)
{
    int e = errno;
    a->report->err = e;
    a->report->stage = stage;
    _exit(cseccomp_stage_exit_status(stage, e));
}

/* The child of cseccomp_spawn. It may share the parent's memory until execve:
 * only raw system calls and glibc's thin wrappers run here (no locks, no
 * allocation, no atfork handlers), and set*id go to the kernel directly,
 * because glibc's wrappers would broadcast the change to the parent's threads. */
static int cseccomp_spawn_child(void *p)
{
    struct cseccomp_spawn_args *a = p;
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int s = 1; s < NSIG; s++)
        if (s != SIGKILL && s != SIGSTOP)
            sigaction(s, &dfl, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (a->parent_socket >= 0)
        close(a->parent_socket);
    if (a->umask_value >= 0)
        umask((mode_t)a->umask_value);
    if (a->dir != NULL && chdir(a->dir) < 0)
        cseccomp_child_fail(a, CSECCOMP_STAGE_CHDIR);
    if (a->gid >= 0 && (syscall(SYS_setgroups, 0, NULL) < 0 || syscall(SYS_setgid, (gid_t)a->gid) < 0))
        cseccomp_child_fail(a, CSECCOMP_STAGE_GROUP);
    if (a->uid >= 0 && syscall(SYS_setuid, (uid_t)a->uid) < 0)
        cseccomp_child_fail(a, CSECCOMP_STAGE_USER);
    if (a->set_nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        cseccomp_child_fail(a, CSECCOMP_STAGE_NO_NEW_PRIVS);
    if (a->set_mdwe && prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0UL, 0UL, 0UL) < 0)
        cseccomp_child_fail(a, CSECCOMP_STAGE_MDWE);
    if (a->count > 0) {
        int want_listener = a->listener_socket >= 0;
        struct sock_fprog prog = { .len = a->count, .filter = (struct sock_filter *)a->insns };
        long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, a->flags, &prog);
        if (want_listener ? r < 0 : r != 0) {
            if (r > 0)
                errno = ESRCH; /* TSYNC could not synchronize a thread */
            cseccomp_child_fail(a, CSECCOMP_STAGE_SECCOMP);
        }
        if (want_listener) {
            /* The listener is close-on-exec: hand it over before exec.
             * A datagram in flight keeps the file alive. */
            int fd = (int)r;
            char byte = 'L';
            struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
            union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
            } control;
            memset(&control, 0, sizeof control);
            struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
                                  .msg_control = control.buf,
                                  .msg_controllen = sizeof control.buf };
            struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
            c->cmsg_level = SOL_SOCKET;
            c->cmsg_type = SCM_RIGHTS;
            c->cmsg_len = CMSG_LEN(sizeof(int));
            memcpy(CMSG_DATA(c), &fd, sizeof fd);
            /* The one call between the filter and exec (both fds are
             * close-on-exec): a learner discounts it. */
            if (sendmsg(a->listener_socket, &msg, 0) != 1)
                cseccomp_child_fail(a, CSECCOMP_STAGE_SECCOMP);
        }
    }
    execve(a->path, a->argv, a->envp);
    cseccomp_child_fail(a, CSECCOMP_STAGE_EXEC);
    return 127;
}

/* The child's report page and stack: it only runs cseccomp_spawn_child (a few
 * hundred bytes of frames, a message header, signal sets). */
#define CSECCOMP_CHILD_STACK (64 * 1024)

pid_t cseccomp_spawn(const char *path, char *const argv[], char *const envp[],
                     const struct sock_filter *insns, unsigned short count,
                     unsigned int flags, int set_nnp, int set_mdwe,
                     const char *dir, int umask_value, long uid, long gid,
                     int *child_stage, int *child_errno, int *listener_fd)
{
    int sockfd[2] = { -1, -1 };
    int want_listener = (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) != 0;
    sigset_t all, old;

    *child_stage = 0;
    *child_errno = 0;
    if (listener_fd != NULL)
        *listener_fd = -1;
    if (want_listener && listener_fd == NULL)
        return -EINVAL;
    if (want_listener && socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sockfd) < 0)
        return -errno;
    void *stack = mmap(NULL, CSECCOMP_CHILD_STACK, PROT_READ | PROT_WRITE,
                       MAP_SHARED | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) {
        int e = errno;
        if (sockfd[0] >= 0) {
            close(sockfd[0]);
            close(sockfd[1]);
        }
        return -e;
    }
    struct cseccomp_spawn_args args = {
        .path = path, .argv = argv, .envp = envp, .insns = insns, .count = count,
        .flags = flags, .set_nnp = set_nnp, .set_mdwe = set_mdwe, .dir = dir,
        .umask_value = umask_value, .uid = uid, .gid = gid,
        .listener_socket = sockfd[1], .parent_socket = sockfd[0],
        .report = (struct cseccomp_child_report *)stack,
    };
    args.report->stage = 0;
    args.report->err = 0;
    /* Block every signal around the clone so no handler of the parent runs in
     * the child before its dispositions are reset. CLONE_VFORK: this thread
     * resumes only once the child has exec'd or exited, so `args` and the
     * stack stay valid for it and its report is complete when read.
     * CLONE_VM: no copy of the parent's page tables (the binary is large) --
     * except with PR_SET_MDWE, which is a property of the address space: set
     * in a child sharing it, it would stay on the parent for good. */
    int share_memory = set_mdwe ? 0 : CLONE_VM;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    /* The stack's top, below the report at the mapping's start. */
    pid_t pid = clone(cseccomp_spawn_child, (char *)stack + CSECCOMP_CHILD_STACK,
                      share_memory | CLONE_VFORK | SIGCHLD, &args);
    int clone_errno = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (pid >= 0 && args.report->stage != 0) {
        *child_stage = args.report->stage;
        *child_errno = args.report->err;
    }
    munmap(stack, CSECCOMP_CHILD_STACK);
    if (sockfd[1] >= 0)
        close(sockfd[1]);
    if (pid < 0) {
        if (sockfd[0] >= 0)
            close(sockfd[0]);
        return -clone_errno;
    }
    if (sockfd[0] >= 0) {
        /* The child sent the listener before it exec'd. */
        char byte;
        struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
        union {
            char buf[CMSG_SPACE(sizeof(int))];
            struct cmsghdr align;
        } control;
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
                              .msg_control = control.buf,
                              .msg_controllen = sizeof control.buf };
        if (recvmsg(sockfd[0], &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) == 1) {
            struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
            if (c != NULL && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
                memcpy(listener_fd, CMSG_DATA(c), sizeof(int));
        }
        close(sockfd[0]);
    }
    return pid;
}

int cseccomp_notif_receive(int listener, struct cseccomp_notification *out)
{
    /* The kernel copies its own struct size; ask for it and zero the buffer. */
    struct seccomp_notif_sizes sizes;
    if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
        return -errno;
    size_t size = sizes.seccomp_notif > sizeof(struct seccomp_notif) ? sizes.seccomp_notif
                                                                     : sizeof(struct seccomp_notif);
    union {
        struct seccomp_notif n;
        char bytes[256];
    } buf;
    if (size > sizeof buf)
        return -EOVERFLOW;
    memset(&buf, 0, sizeof buf);
    if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &buf.n) < 0)
        return -errno;
    out->id = buf.n.id;
    out->pid = buf.n.pid;
    out->nr = buf.n.data.nr;
    out->arch = buf.n.data.arch;
    out->ip = buf.n.data.instruction_pointer;
    for (int i = 0; i < 6; i++)
        out->args[i] = buf.n.data.args[i];
    return 0;
}

int cseccomp_notif_continue(int listener, uint64_t id)
{
    struct seccomp_notif_resp resp;
    memset(&resp, 0, sizeof resp);
    resp.id = id;
    resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    return ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 ? -errno : 0;
}

int cseccomp_notif_id_valid(int listener, uint64_t id)
{
    return ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0 ? 1 : 0;
}
