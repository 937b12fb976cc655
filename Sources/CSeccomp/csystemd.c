/*
 * csystemd.c - sd-journal through dlopen (see csystemd.h).
 */
#define _GNU_SOURCE
#include "csystemd.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>

static struct {
    int (*sendv)(const struct iovec *, int);
    int (*open)(sd_journal **, int);
    int (*open_directory)(sd_journal **, const char *, int);
    void (*close)(sd_journal *);
    int (*add_match)(sd_journal *, const void *, size_t);
    void (*flush_matches)(sd_journal *);
    int (*seek_head)(sd_journal *);
    int (*seek_realtime_usec)(sd_journal *, uint64_t);
    int (*next)(sd_journal *);
    int (*get_data)(sd_journal *, const char *, const void **, size_t *);
    int loaded;
} fns;

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
    void *h = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!h)
        return;
    fns.sendv = (int (*)(const struct iovec *, int))dlsym(h, "sd_journal_sendv");
    fns.open = (int (*)(sd_journal **, int))dlsym(h, "sd_journal_open");
    fns.open_directory = (int (*)(sd_journal **, const char *, int))dlsym(h, "sd_journal_open_directory");
    fns.close = (void (*)(sd_journal *))dlsym(h, "sd_journal_close");
    fns.add_match = (int (*)(sd_journal *, const void *, size_t))dlsym(h, "sd_journal_add_match");
    fns.flush_matches = (void (*)(sd_journal *))dlsym(h, "sd_journal_flush_matches");
    fns.seek_head = (int (*)(sd_journal *))dlsym(h, "sd_journal_seek_head");
    fns.seek_realtime_usec = (int (*)(sd_journal *, uint64_t))dlsym(h, "sd_journal_seek_realtime_usec");
    fns.next = (int (*)(sd_journal *))dlsym(h, "sd_journal_next");
    fns.get_data = (int (*)(sd_journal *, const char *, const void **, size_t *))dlsym(h, "sd_journal_get_data");
    fns.loaded = fns.sendv && fns.open && fns.open_directory && fns.close && fns.add_match && fns.flush_matches
        && fns.seek_head && fns.seek_realtime_usec && fns.next && fns.get_data;
}

int csystemd_available(void)
{
    pthread_once(&once, load);
    return fns.loaded;
}

int csystemd_journal_sendv(const struct iovec *iov, int n)
{
    return csystemd_available() ? fns.sendv(iov, n) : -ENOSYS;
}

int csystemd_journal_open(sd_journal **ret, int flags)
{
    return csystemd_available() ? fns.open(ret, flags) : -ENOSYS;
}

int csystemd_journal_open_directory(sd_journal **ret, const char *path, int flags)
{
    return csystemd_available() ? fns.open_directory(ret, path, flags) : -ENOSYS;
}

void csystemd_journal_close(sd_journal *j)
{
    if (csystemd_available())
        fns.close(j);
}

int csystemd_journal_add_match(sd_journal *j, const void *data, size_t size)
{
    return csystemd_available() ? fns.add_match(j, data, size) : -ENOSYS;
}

void csystemd_journal_flush_matches(sd_journal *j)
{
    if (csystemd_available())
        fns.flush_matches(j);
}

int csystemd_journal_seek_head(sd_journal *j)
{
    return csystemd_available() ? fns.seek_head(j) : -ENOSYS;
}

int csystemd_journal_seek_realtime_usec(sd_journal *j, uint64_t usec)
{
    return csystemd_available() ? fns.seek_realtime_usec(j, usec) : -ENOSYS;
}

int csystemd_journal_next(sd_journal *j)
{
    return csystemd_available() ? fns.next(j) : -ENOSYS;
}

int csystemd_journal_get_data(sd_journal *j, const char *field, const void **data, size_t *length)
{
    return csystemd_available() ? fns.get_data(j, field, data, length) : -ENOSYS;
}
