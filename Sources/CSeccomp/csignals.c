/*
 * csignals.c - signal forwarding for the supervisor (see csignals.h).
 */
#define _GNU_SOURCE
#include "csignals.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>

static const int forwarded[3] = { SIGINT, SIGTERM, SIGHUP };
static _Atomic pid_t targets[CSECCOMP_FORWARD_SLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int registered;
static struct sigaction saved[3];

/* Async-signal-safe: atomic loads and kill(2) only; errno is preserved. */
static void forward(int sig)
{
    int saved_errno = errno;
    for (int i = 0; i < CSECCOMP_FORWARD_SLOTS; i++) {
        pid_t p = atomic_load_explicit(&targets[i], memory_order_relaxed);
        if (p > 0)
            kill(p, sig);
    }
    errno = saved_errno;
}

int cseccomp_forward_signals_add(pid_t pid)
{
    if (pid <= 0)
        return -EINVAL;
    pthread_mutex_lock(&lock);
    int slot = -1;
    for (int i = 0; i < CSECCOMP_FORWARD_SLOTS; i++) {
        if (atomic_load(&targets[i]) == 0) {
            slot = i;
            break;
        }
    }
    if (slot < 0) {
        pthread_mutex_unlock(&lock);
        return -EBUSY;
    }
    if (registered == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = forward;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESTART;
        for (int k = 0; k < 3; k++) {
            if (sigaction(forwarded[k], &sa, &saved[k]) != 0) {
                int e = errno;
                for (int j = 0; j < k; j++)
                    sigaction(forwarded[j], &saved[j], NULL);
                pthread_mutex_unlock(&lock);
                return -e;
            }
        }
        /* A parent may have started us with them blocked; forwarding needs them delivered. */
        sigset_t set;
        sigemptyset(&set);
        for (int k = 0; k < 3; k++)
            sigaddset(&set, forwarded[k]);
        pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    }
    atomic_store(&targets[slot], pid);
    registered++;
    pthread_mutex_unlock(&lock);
    return 0;
}

void cseccomp_forward_signals_remove(pid_t pid)
{
    if (pid <= 0)
        return;
    pthread_mutex_lock(&lock);
    for (int i = 0; i < CSECCOMP_FORWARD_SLOTS; i++) {
        if (atomic_load(&targets[i]) == pid) {
            atomic_store(&targets[i], 0);
            if (--registered == 0) {
                for (int k = 0; k < 3; k++)
                    sigaction(forwarded[k], &saved[k], NULL);
            }
            break;
        }
    }
    pthread_mutex_unlock(&lock);
}
