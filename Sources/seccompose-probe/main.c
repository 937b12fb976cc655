/*
 * seccompose-probe - install a raw seccomp program and make system calls on
 * any x86 ABI, reporting what each call returned.  A test tool for
 * Seccompose: the compiler's output is installed for real and probed.
 *
 * usage: seccompose-probe [--no-nnp] [--flags N] [--listener ERRNO] [--trap]
 *                         FILTER.bin [CALL...]
 *
 * FILTER.bin  raw little-endian array of struct sock_filter (8 bytes per
 *             instruction: u16 code, u8 jt, u8 jf, u32 k), as written by
 *             libseccomp's seccomp_export_bpf.  "-" or "" installs nothing.
 * CALL        ABI:NR[:A0[:A1...]] with ABI x86_64, x32 or i386 and at most
 *             six arguments.  Numbers are decimal or 0x-prefixed hex, 64-bit
 *             unsigned; a leading '-' negates (two's complement).
 *
 * Options
 *   --no-nnp          do not set no_new_privs before installing (installing
 *                     then needs CAP_SYS_ADMIN)
 *   --flags N         seccomp(2) SECCOMP_FILTER_FLAG_* bits for the install
 *   --listener ERRNO  install with SECCOMP_FILTER_FLAG_NEW_LISTENER; an
 *                     unfiltered supervisor process answers every user
 *                     notification with error -ERRNO (0: success, value 0)
 *                     and prints "notif syscall=%d arch=0x%x"
 *   --trap            catch SIGSYS, print "trap syscall=%d arch=0x%x
 *                     errno=%d" and continue with the next CALL
 *
 * Output (stdout, each line with a single write(2) as soon as it is known,
 * since the next call may kill the process; stdio is not used for stdout):
 *   call N: ret=R     the call succeeded with result R (signed decimal; for
 *                     i386 the 32-bit result sign-extended)
 *   call N: errno=E   the kernel returned -E (1 <= E <= 4095)
 * After a trapped call the kernel has rolled the return register back to
 * the system call number, so "call N: ret=<NR>" follows the "trap" line.
 *
 * Exit status: 0 when every CALL was made; 2 usage or input error; 3 the
 * filter (or no_new_privs) could not be installed, reported on stderr as
 * "install: -ERRNO NAME".  A filter that kills shows up as death by SIGSYS.
 *
 * Once the filter is installed, the probe's own system calls go through it
 * too; these are exactly: write (one per output line), exit_group, and
 * depending on options sendmsg and two close (handing the listener to the
 * supervisor, before the first CALL), rt_sigreturn (after a --trap report),
 * kill and wait4 (stopping the supervisor, after the last CALL).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tool_number.h"

#include <linux/filter.h>
#include <linux/seccomp.h>

#if !defined(__x86_64__)
#error "seccompose-probe makes x86_64, x32 and i386 system calls: build it for x86_64"
#endif

#define EXIT_USAGE 2
#define EXIT_INSTALL 3

/* Bit that selects the x32 ABI in the x86_64 system call number. */
#define X32_SYSCALL_BIT 0x40000000UL

/* Largest program the 16-bit sock_fprog.len can describe. */
#define MAX_INSNS 0xffff

enum abi { ABI_X86_64, ABI_X32, ABI_I386 };

struct call {
    enum abi abi;
    uint64_t nr;
    uint64_t args[6];
};

static const char usage_text[] =
    "usage: seccompose-probe [--no-nnp] [--flags N] [--listener ERRNO] [--trap]"
    " FILTER.bin [CALL...]\n"
    "       CALL is ABI:NR[:A0[:A1...]] with ABI x86_64, x32 or i386\n";

/* Report a usage error ("what" followed by an optional argument); exit 2. */
static void usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "seccompose-probe: %s%s%s\n", what, arg ? " " : "", arg ? arg : "");
    fputs(usage_text, stderr);
    exit(EXIT_USAGE);
}

/* Symbolic name of an errno value, e.g. "EINVAL". */
static const char *errno_name(int err)
{
    const char *name = strerrorname_np(err);
    return name != NULL ? name : "E?";
}

/*
 * Print one line to stdout with exactly one write(2) (barring a short
 * write).  stdio is not used for stdout: its first use may fstat(2) the
 * stream and allocate, i.e. make system calls the installed filter may kill.
 * vsnprintf itself makes no system calls.
 */
static void emit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void emit(const char *fmt, ...)
{
    char line[256];
    va_list ap;
    int len;
    size_t done = 0;

    va_start(ap, fmt);
    len = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (len < 0)
        return;
    if ((size_t)len >= sizeof(line))
        len = (int)sizeof(line) - 1;
    while (done < (size_t)len) {
        ssize_t n = write(STDOUT_FILENO, line + done, (size_t)len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; /* stdout is gone or the filter refused write(2) */
        done += (size_t)n;
    }
}

/* Parse "ABI:NR[:A0...]" into *call; returns 0 or -1. */
static int parse_call(const char *text, struct call *call)
{
    char *copy = strdup(text);
    char *rest = copy;
    char *field;
    int nargs = 0;
    int ok = 0;

    if (copy == NULL) {
        perror("seccompose-probe: strdup");
        exit(EXIT_USAGE);
    }
    memset(call, 0, sizeof(*call));

    field = strsep(&rest, ":");
    if (strcmp(field, "x86_64") == 0)
        call->abi = ABI_X86_64;
    else if (strcmp(field, "x32") == 0)
        call->abi = ABI_X32;
    else if (strcmp(field, "i386") == 0)
        call->abi = ABI_I386;
    else
        goto out;

    field = strsep(&rest, ":");
    if (field == NULL || tool_parse_u64(field, 1, &call->nr) != 0)
        goto out;

    while ((field = strsep(&rest, ":")) != NULL) {
        if (nargs == 6 || tool_parse_u64(field, 1, &call->args[nargs]) != 0)
            goto out;
        nargs++;
    }
    ok = 1;
out:
    free(copy);
    return ok ? 0 : -1;
}

/*
 * Read FILTER.bin into a freshly allocated instruction array.  Decodes the
 * little-endian file format explicitly rather than relying on host layout.
 */
static struct sock_filter *read_filter(const char *path, size_t *count)
{
    FILE *f = fopen(path, "rb");
    unsigned char *bytes = NULL;
    size_t size = 0, cap = 0, n;
    struct sock_filter *insns;

    if (f == NULL) {
        fprintf(stderr, "seccompose-probe: %s: %s\n", path, strerror(errno));
        exit(EXIT_USAGE);
    }
    for (;;) {
        if (size == cap) {
            cap = cap ? cap * 2 : 4096;
            bytes = realloc(bytes, cap);
            if (bytes == NULL) {
                perror("seccompose-probe: realloc");
                exit(EXIT_USAGE);
            }
        }
        n = fread(bytes + size, 1, cap - size, f);
        size += n;
        if (n == 0)
            break;
    }
    if (ferror(f)) {
        fprintf(stderr, "seccompose-probe: %s: read error\n", path);
        exit(EXIT_USAGE);
    }
    fclose(f);

    if (size % 8 != 0 || size / 8 > MAX_INSNS) {
        fprintf(stderr,
                "seccompose-probe: %s: %zu bytes is not a whole program of at most %d instructions\n",
                path, size, MAX_INSNS);
        exit(EXIT_USAGE);
    }
    *count = size / 8;
    insns = calloc(*count ? *count : 1, sizeof(*insns));
    if (insns == NULL) {
        perror("seccompose-probe: calloc");
        exit(EXIT_USAGE);
    }
    for (size_t i = 0; i < *count; i++) {
        const unsigned char *p = bytes + 8 * i;
        insns[i].code = (uint16_t)(p[0] | p[1] << 8);
        insns[i].jt = p[2];
        insns[i].jf = p[3];
        insns[i].k = (uint32_t)p[4] | (uint32_t)p[5] << 8 |
                     (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
    }
    free(bytes);
    return insns;
}

/* ---- making the calls ---------------------------------------------------- */

/*
 * The 64-bit `syscall` instruction: nr in rax, arguments in rdi rsi rdx
 * r10 r8 r9; rcx and r11 are clobbered.  Used for x86_64 and (with the x32
 * bit set in nr) for x32.  Returns the raw kernel result.
 */
static long syscall_insn(uint64_t nr, const uint64_t *a)
{
    register uint64_t r10 __asm__("r10") = a[3];
    register uint64_t r8 __asm__("r8") = a[4];
    register uint64_t r9 __asm__("r9") = a[5];
    long ret;

    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a[0]), "S"(a[1]), "d"(a[2]), "r"(r10),
                       "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory", "cc");
    return ret;
}

/*
 * The i386 `int $0x80` gate from 64-bit code: nr in eax, arguments in ebx
 * ecx edx esi edi ebp.  The kernel hands the full 64-bit registers to
 * seccomp (seccomp_data.args), so every operand is explicitly zero-extended
 * from its low 32 bits, as a real 32-bit process would present them.
 *
 * rbp may be the compiler's frame pointer, so it cannot be an operand: it
 * is swapped with a scratch register around the instruction instead of
 * being pushed (pushing would clobber the red zone).  The compat entry may
 * zero r8-r11.  Returns the 32-bit result sign-extended.
 */
static long int80_insn(uint64_t nr, const uint64_t *a)
{
    uint64_t rax = (uint32_t)nr;
    uint64_t rbx = (uint32_t)a[0], rcx = (uint32_t)a[1], rdx = (uint32_t)a[2];
    uint64_t rsi = (uint32_t)a[3], rdi = (uint32_t)a[4];
    uint64_t rbp_arg = (uint32_t)a[5];

    __asm__ volatile("xchg %%rbp, %[arg5]\n\t"
                     "int $0x80\n\t"
                     "xchg %%rbp, %[arg5]"
                     : "+a"(rax), [arg5] "+r"(rbp_arg)
                     : "b"(rbx), "c"(rcx), "d"(rdx), "S"(rsi), "D"(rdi)
                     : "r8", "r9", "r10", "r11", "memory", "cc");
    return (long)(int32_t)(uint32_t)rax;
}

static void make_call(unsigned index, const struct call *call)
{
    long ret;

    switch (call->abi) {
    case ABI_X86_64:
        ret = syscall_insn(call->nr, call->args);
        break;
    case ABI_X32:
        ret = syscall_insn(call->nr | X32_SYSCALL_BIT, call->args);
        break;
    case ABI_I386:
    default:
        ret = int80_insn(call->nr, call->args);
        break;
    }
    /* The kernel reports failure as a result in [-4095, -1]. */
    if (ret < 0 && ret >= -4095)
        emit("call %u: errno=%ld\n", index, -ret);
    else
        emit("call %u: ret=%ld\n", index, ret);
}

/* ---- SIGSYS handler (--trap) --------------------------------------------- */

/* Append a decimal or hex number to buf at *len; async-signal-safe. */
static void put_number(char *buf, size_t *len, unsigned long value, int negative,
                       unsigned base)
{
    char digits[24];
    size_t n = 0;

    if (negative)
        buf[(*len)++] = '-';
    do {
        digits[n++] = "0123456789abcdef"[value % base];
        value /= base;
    } while (value != 0);
    while (n > 0)
        buf[(*len)++] = digits[--n];
}

static void put_string(char *buf, size_t *len, const char *s)
{
    while (*s != '\0')
        buf[(*len)++] = *s++;
}

static void put_int(char *buf, size_t *len, int value)
{
    unsigned long magnitude =
        value < 0 ? (unsigned long)0 - (unsigned long)(long)value : (unsigned long)value;
    put_number(buf, len, magnitude, value < 0, 10);
}

/*
 * Report a SECCOMP_RET_TRAP and return, so the interrupted call "returns"
 * and the next CALL runs.  si_errno carries the action's 16 data bits.
 */
static void on_sigsys(int sig, siginfo_t *info, void *context)
{
    char line[128];
    size_t len = 0;
    int saved_errno = errno;

    (void)sig;
    (void)context;
    put_string(line, &len, "trap syscall=");
    put_int(line, &len, info->si_syscall);
    put_string(line, &len, " arch=0x");
    put_number(line, &len, info->si_arch, 0, 16);
    put_string(line, &len, " errno=");
    put_int(line, &len, info->si_errno);
    line[len++] = '\n';
    /* Nothing useful can be done if stdout is gone: ignore the result. */
    ssize_t written = write(STDOUT_FILENO, line, len);
    (void)written;
    errno = saved_errno;
}

static void install_trap_handler(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSYS, &sa, NULL) != 0) {
        perror("seccompose-probe: sigaction");
        exit(EXIT_USAGE);
    }
}

/* ---- user-notification supervisor (--listener) --------------------------- */

/* Supervisor main loop: answer every notification with -answer_errno. */
static void serve_notifications(int listener, int answer_errno)
{
    for (;;) {
        struct seccomp_notif req;
        struct seccomp_notif_resp resp;

        /* The kernel insists on a zeroed request buffer. */
        memset(&req, 0, sizeof(req));
        if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) {
            /* EINTR: a signal; ENOENT: the target went away meanwhile. */
            if (errno == EINTR || errno == ENOENT)
                continue;
            return;
        }
        emit("notif syscall=%d arch=0x%x\n", req.data.nr, req.data.arch);

        memset(&resp, 0, sizeof(resp));
        resp.id = req.id;
        resp.error = -answer_errno;
        resp.val = 0;
        resp.flags = 0;
        /* ENOENT here means the notified call was interrupted: ignore. */
        (void)ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
    }
}

/* Receive one file descriptor over a unix socket (SCM_RIGHTS); -1 on error. */
static int receive_fd(int sock)
{
    char byte;
    struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } control;
    struct msghdr msg;
    struct cmsghdr *cmsg;
    int fd;

    memset(&msg, 0, sizeof(msg));
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof(control.buf);
    if (recvmsg(sock, &msg, 0) <= 0)
        return -1;
    cmsg = CMSG_FIRSTHDR(&msg);
    if (cmsg == NULL || cmsg->cmsg_level != SOL_SOCKET ||
        cmsg->cmsg_type != SCM_RIGHTS || cmsg->cmsg_len != CMSG_LEN(sizeof(int)))
        return -1;
    memcpy(&fd, CMSG_DATA(cmsg), sizeof(fd));
    return fd;
}

/* Send one file descriptor over a unix socket (SCM_RIGHTS); 0 or -1. */
static int send_fd(int sock, int fd)
{
    char byte = 0;
    struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } control;
    struct msghdr msg;
    struct cmsghdr *cmsg;

    memset(&control, 0, sizeof(control));
    memset(&msg, 0, sizeof(msg));
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof(control.buf);
    cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &fd, sizeof(fd));
    return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

/*
 * Fork the supervisor before the filter exists, so that its own system
 * calls are never filtered (a filtered supervisor could end up waiting on a
 * notification of its own).  It gets the listener fd over *sock once the
 * filter is installed, and dies with the probe.  Returns its pid.
 */
static pid_t start_supervisor(int answer_errno, int *sock)
{
    int pair[2];
    pid_t parent = getpid();
    pid_t child;

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
        perror("seccompose-probe: socketpair");
        exit(EXIT_USAGE);
    }
    fflush(NULL); /* do not duplicate buffered output */
    child = fork();
    if (child < 0) {
        perror("seccompose-probe: fork");
        exit(EXIT_USAGE);
    }
    if (child == 0) {
        int listener;

        close(pair[0]);
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
            _exit(0);
        listener = receive_fd(pair[1]);
        if (listener >= 0)
            serve_notifications(listener, answer_errno);
        _exit(0);
    }
    close(pair[1]);
    *sock = pair[0];
    return child;
}

static void stop_supervisor(pid_t pid)
{
    /* Only wait if the kill worked: the filter may deny or notify kill(2). */
    if (pid > 0 && kill(pid, SIGKILL) == 0)
        (void)waitpid(pid, NULL, 0);
}

/* ---- main ------------------------------------------------------------------ */

int main(int argc, char **argv)
{
    int set_nnp = 1, trap = 0, use_listener = 0;
    uint64_t flags = 0, answer_errno = 0;
    const char *filter_path;
    struct sock_filter *insns = NULL;
    size_t ninsns = 0;
    struct call *calls;
    int ncalls, i;
    pid_t supervisor = -1;
    int supervisor_sock = -1;
    struct rlimit no_core = { 0, 0 };

    /* Options come first; "--" ends them. */
    for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        } else if (strcmp(argv[i], "--no-nnp") == 0) {
            set_nnp = 0;
        } else if (strcmp(argv[i], "--trap") == 0) {
            trap = 1;
        } else if (strcmp(argv[i], "--flags") == 0) {
            if (++i == argc || tool_parse_u64(argv[i], 1, &flags) != 0 || flags > UINT32_MAX)
                usage_error("--flags needs a 32-bit number", NULL);
        } else if (strcmp(argv[i], "--listener") == 0) {
            if (++i == argc || tool_parse_u64(argv[i], 1, &answer_errno) != 0 ||
                answer_errno > 4095)
                usage_error("--listener needs an errno value 0..4095", NULL);
            use_listener = 1;
        } else {
            usage_error("unknown option", argv[i]);
        }
    }
    if (i == argc)
        usage_error("missing FILTER.bin", NULL);
    filter_path = argv[i++];

    /* Parse every call up front so that a typo never half-runs a test. */
    ncalls = argc - i;
    calls = calloc((size_t)(ncalls ? ncalls : 1), sizeof(*calls));
    if (calls == NULL) {
        perror("seccompose-probe: calloc");
        return EXIT_USAGE;
    }
    for (int c = 0; c < ncalls; c++)
        if (parse_call(argv[i + c], &calls[c]) != 0)
            usage_error("bad CALL", argv[i + c]);

    int install = !(filter_path[0] == '\0' || strcmp(filter_path, "-") == 0);
    if (install)
        insns = read_filter(filter_path, &ninsns);
    else if (use_listener)
        usage_error("--listener needs a filter", NULL);

    /* Seccomp kills dump core; keep test directories free of core files. */
    (void)setrlimit(RLIMIT_CORE, &no_core);

    if (use_listener) {
        flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
        supervisor = start_supervisor((int)answer_errno, &supervisor_sock);
    }
    if (trap)
        install_trap_handler();

    if (set_nnp && prctl(PR_SET_NO_NEW_PRIVS, 1UL, 0UL, 0UL, 0UL) != 0) {
        int err = errno;
        fprintf(stderr, "nnp: -%d %s\n", err, errno_name(err));
        stop_supervisor(supervisor);
        return EXIT_INSTALL;
    }

    if (install) {
        struct sock_fprog prog = { .len = (unsigned short)ninsns, .filter = insns };
        long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, (unsigned long)flags, &prog);

        if (rc < 0) {
            int err = errno;
            fprintf(stderr, "install: -%d %s\n", err, errno_name(err));
            stop_supervisor(supervisor);
            return EXIT_INSTALL;
        }
        if (use_listener) {
            /* Hand the listener over; dropping our copy means the calls
             * fail with ENOSYS instead of hanging if the supervisor dies. */
            (void)send_fd(supervisor_sock, (int)rc);
            close((int)rc);
            close(supervisor_sock);
        }
    }

    for (int c = 0; c < ncalls; c++)
        make_call((unsigned)c, &calls[c]);

    stop_supervisor(supervisor);
    return 0;
}
