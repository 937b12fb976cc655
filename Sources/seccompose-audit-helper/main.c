/*
 * seccompose-audit-helper - makes system calls for the audit reader tests,
 * run under a filter installed by the launcher (Launcher.spawn).
 *
 * usage: seccompose-audit-helper burst COUNT NR
 *          makes system call NR (x86_64, no arguments) COUNT times
 *        seccompose-audit-helper thread NR [FILE]
 *          makes system call NR once in a second thread, joins it, and
 *          prints "pid P tid T" (the process id and the thread's id) to
 *          FILE (default: stdout)
 *
 * Exit status 0, or 2 for a usage error.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static long thread_nr;
static long thread_tid;

static void *thread_main(void *arg)
{
    (void)arg;
    thread_tid = syscall(SYS_gettid);
    syscall(thread_nr);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "burst") == 0) {
        long count = strtol(argv[2], NULL, 10), nr = strtol(argv[3], NULL, 10);
        for (long i = 0; i < count; i++)
            syscall(nr);
        return 0;
    }
    if ((argc == 3 || argc == 4) && strcmp(argv[1], "thread") == 0) {
        pthread_t t;
        thread_nr = strtol(argv[2], NULL, 10);
        if (pthread_create(&t, NULL, thread_main, NULL) != 0)
            return 1;
        pthread_join(t, NULL);
        FILE *out = argc == 4 ? fopen(argv[3], "w") : stdout;
        if (!out)
            return 1;
        fprintf(out, "pid %ld tid %ld\n", (long)getpid(), thread_tid);
        return fclose(out) == 0 ? 0 : 1;
    }
    fprintf(stderr, "usage: seccompose-audit-helper burst COUNT NR | thread NR [FILE]\n");
    return 2;
}
