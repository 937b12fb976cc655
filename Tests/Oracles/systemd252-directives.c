// A test oracle, compiled by Tests/SeccomposeCompilerTests/Systemd252DirectiveOracleTests.swift:
// a child installs the filters that systemd 252 itself builds for one exec directive (through
// libsystemd-shared-252.so, the code systemd runs), then makes the probe syscalls given on the
// command line and prints each result. Nothing is installed into the calling process.
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sys/prctl.h>

typedef struct Set Set;
Set *_set_new(const void *hash_ops);
int set_put(Set *s, const void *key);
int seccomp_restrict_namespaces(unsigned long retain);
int seccomp_restrict_address_families(Set *address_families, bool allow_list);
int seccomp_restrict_realtime_full(int error_code);
int seccomp_memory_deny_write_execute(void);
int seccomp_lock_personality(unsigned long personality);
int seccomp_protect_sysctl(void);
int seccomp_protect_syslog(void);
int seccomp_restrict_suid_sgid(void);
int seccomp_protect_hostname(void);
int seccomp_restrict_archs(Set *archs);

static long sys32(long nr, long a0, long a1, long a2, long a3) {
    long ret;
    register long ebx asm("rbx") = a0;
    asm volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(ebx), "c"(a1), "d"(a2), "S"(a3) : "memory", "r8", "r9", "r10", "r11");
    return ret;
}

// Probe: abi (64, x32, 32), nr, args. Prints the raw result.
static void probe(const char *abi, long nr, unsigned long a0, unsigned long a1, unsigned long a2, unsigned long a3) {
    long r;
    if (!strcmp(abi, "32")) {
        r = sys32(nr, a0, a1, a2, a3);
        if (r < 0 && r > -4096) { errno = -r; r = -1; }
    } else {
        long n = !strcmp(abi, "x32") ? (nr | 0x40000000) : nr;
        r = syscall(n, a0, a1, a2, a3, 0, 0);
    }
    if (r == -1) printf("%s %ld %#lx %#lx %#lx %#lx -> errno %d\n", abi, nr, a0, a1, a2, a3, errno);
    else printf("%s %ld %#lx %#lx %#lx %#lx -> ok %ld\n", abi, nr, a0, a1, a2, a3, r);
    fflush(stdout);
}

int main(int argc, char **argv) {
    // argv[1]: setup; argv[2...]: probes "abi:nr:a0:a1:a2:a3"
    const char *setup = argv[1];
    pid_t pid = fork();
    if (pid == 0) {
        int r = 0;
        if (!strncmp(setup, "ns=", 3)) r = seccomp_restrict_namespaces(strtoul(setup + 3, NULL, 0));
        else if (!strncmp(setup, "rafa=", 5) || !strncmp(setup, "rafd=", 5)) {
            Set *s = _set_new(NULL);
            char *list = strdup(setup + 5);
            for (char *t = strtok(list, ","); t; t = strtok(NULL, ",")) if (*t) set_put(s, (void *)(uintptr_t)atoi(t));
            r = seccomp_restrict_address_families(s, setup[3] == 'a');
        } else if (!strcmp(setup, "rt")) r = seccomp_restrict_realtime_full(EPERM);
        else if (!strcmp(setup, "mdwe")) r = seccomp_memory_deny_write_execute();
        else if (!strncmp(setup, "lp=", 3)) r = seccomp_lock_personality(strtoul(setup + 3, NULL, 0));
        else if (!strcmp(setup, "sysctl")) r = seccomp_protect_sysctl();
        else if (!strcmp(setup, "syslog")) r = seccomp_protect_syslog();
        else if (!strcmp(setup, "suid")) r = seccomp_restrict_suid_sgid();
        else if (!strcmp(setup, "hostname")) r = seccomp_protect_hostname();
        printf("setup %s -> %d\n", setup, r);
        fflush(stdout);
        for (int i = 2; i < argc; i++) {
            char abi[8]; unsigned long nr, a[4] = {0};
            char *p = argv[i];
            char *c = strchr(p, ':'); memcpy(abi, p, c - p); abi[c - p] = 0; p = c + 1;
            nr = strtoul(p, &p, 0);
            for (int k = 0; k < 4 && *p == ':'; k++) a[k] = strtoul(p + 1, &p, 0);
            probe(abi, nr, a[0], a[1], a[2], a[3]);
        }
        _exit(0);
    }
    int st; waitpid(pid, &st, 0);
    if (WIFSIGNALED(st)) printf("child killed by signal %d\n", WTERMSIG(st));
    return 0;
}
