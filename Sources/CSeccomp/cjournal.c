/*
 * cjournal.c - sd-journal through dlopen(); see include/cjournal.h.
 *
 * libsystemd's header (libsystemd-dev) gives every type: each pointer below
 * is declared as typeof(the header's function) *, the way systemd itself
 * declares the libraries it loads on demand, so the calls are checked
 * against the real declarations although nothing is linked.
 */
#include "cjournal.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-journal.h>

const char *const CSECCOMP_JOURNAL_SONAME = "libsystemd.so.0";

/* The .note.dlopen ELF note (https://systemd.io/ELF_DLOPEN_METADATA/): owner
 * "FDO", type 0x407c0c0a, a JSON array describing the library loaded. */
#define CJOURNAL_NOTE_JSON                                                                            \
    "[{\"feature\":\"journal\",\"description\":\"systemd journal entries of seccompose run, "        \
    "seccomp audit records read back by seccompose learn\",\"priority\":\"recommended\","            \
    "\"soname\":[\"libsystemd.so.0\"]}]"

__attribute__((used, section(".note.dlopen"), aligned(4))) static const struct {
    uint32_t namesz, descsz, type;
    char name[4];
    _Alignas(4) char desc[(sizeof(CJOURNAL_NOTE_JSON) + 3) & ~(size_t)3];
} cjournal_dlopen_note = {
    .namesz = 4,
    .descsz = sizeof(CJOURNAL_NOTE_JSON),
    .type = 0x407c0c0a,
    .name = "FDO",
    .desc = CJOURNAL_NOTE_JSON,
};

static typeof(sd_journal_sendv) *p_sendv;
static typeof(sd_journal_open) *p_open;
static typeof(sd_journal_open_directory) *p_open_directory;
static typeof(sd_journal_close) *p_close;
static typeof(sd_journal_flush_matches) *p_flush_matches;
static typeof(sd_journal_add_match) *p_add_match;
static typeof(sd_journal_seek_head) *p_seek_head;
static typeof(sd_journal_seek_realtime_usec) *p_seek_realtime_usec;
static typeof(sd_journal_next) *p_next;
static typeof(sd_journal_get_data) *p_get_data;

/* Each function: its name in the library and where its pointer goes. */
static const struct {
    const char *name;
    void **slot;
} functions[] = {
    { "sd_journal_sendv", (void **)&p_sendv },
    { "sd_journal_open", (void **)&p_open },
    { "sd_journal_open_directory", (void **)&p_open_directory },
    { "sd_journal_close", (void **)&p_close },
    { "sd_journal_flush_matches", (void **)&p_flush_matches },
    { "sd_journal_add_match", (void **)&p_add_match },
    { "sd_journal_seek_head", (void **)&p_seek_head },
    { "sd_journal_seek_realtime_usec", (void **)&p_seek_realtime_usec },
    { "sd_journal_next", (void **)&p_next },
    { "sd_journal_get_data", (void **)&p_get_data },
};
#define FUNCTION_COUNT (sizeof(functions) / sizeof(functions[0]))

static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;
/* Set (release) once every pointer is stored; read (acquire) before a call. */
static int loaded;

/* Opens `soname` and finds every function; returns its handle with the
 * addresses in `found`, or NULL with a sentence in `error`. */
static void *resolve(const char *soname, void *found[], char *error, size_t size) {
    void *handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        const char *why = dlerror();
        snprintf(error, size, "cannot load %s: %s", soname, why ? why : "unknown error");
        return NULL;
    }
    for (size_t i = 0; i < FUNCTION_COUNT; i++) {
        found[i] = dlsym(handle, functions[i].name);
        if (found[i] == NULL) {
            snprintf(error, size, "%s has no %s: it is not libsystemd", soname, functions[i].name);
            dlclose(handle);
            return NULL;
        }
    }
    return handle;
}

int cseccomp_journal_load(const char *soname, char *error, size_t size) {
    if (__atomic_load_n(&loaded, __ATOMIC_ACQUIRE))
        return 0;
    pthread_mutex_lock(&load_lock);
    int result = 0;
    if (!loaded) {
        void *found[FUNCTION_COUNT];
        /* On success the handle stays open for the life of the process. */
        if (resolve(soname, found, error, size) == NULL) {
            result = -1;
        } else {
            for (size_t i = 0; i < FUNCTION_COUNT; i++)
                *functions[i].slot = found[i];
            __atomic_store_n(&loaded, 1, __ATOMIC_RELEASE);
        }
    }
    pthread_mutex_unlock(&load_lock);
    return result;
}

int cseccomp_journal_check(const char *soname, char *error, size_t size) {
    void *found[FUNCTION_COUNT];
    void *handle = resolve(soname, found, error, size);
    if (handle == NULL)
        return -1;
    dlclose(handle);
    return 0;
}

int cseccomp_journal_loaded(void) { return __atomic_load_n(&loaded, __ATOMIC_ACQUIRE); }

const void *cseccomp_journal_function(const char *name) {
    if (!cseccomp_journal_loaded())
        return NULL;
    for (size_t i = 0; i < FUNCTION_COUNT; i++)
        if (strcmp(functions[i].name, name) == 0)
            return *functions[i].slot;
    return NULL;
}

#define REQUIRE_LOADED(failure)                                                                       \
    do {                                                                                              \
        if (!cseccomp_journal_loaded())                                                               \
            return failure;                                                                           \
    } while (0)

int cseccomp_journal_sendv(const struct iovec *iov, int n) {
    REQUIRE_LOADED(-ENOPKG);
    return p_sendv(iov, n);
}

int cseccomp_journal_open_local(cseccomp_journal **journal) {
    REQUIRE_LOADED(-ENOPKG);
    return p_open((sd_journal **)journal, SD_JOURNAL_LOCAL_ONLY);
}

int cseccomp_journal_open_directory(cseccomp_journal **journal, const char *path) {
    REQUIRE_LOADED(-ENOPKG);
    return p_open_directory((sd_journal **)journal, path, 0);
}

void cseccomp_journal_close(cseccomp_journal *journal) {
    REQUIRE_LOADED();
    p_close((sd_journal *)journal);
}

void cseccomp_journal_flush_matches(cseccomp_journal *journal) {
    REQUIRE_LOADED();
    p_flush_matches((sd_journal *)journal);
}

int cseccomp_journal_add_match(cseccomp_journal *journal, const void *data, size_t size) {
    REQUIRE_LOADED(-ENOPKG);
    return p_add_match((sd_journal *)journal, data, size);
}

int cseccomp_journal_seek_head(cseccomp_journal *journal) {
    REQUIRE_LOADED(-ENOPKG);
    return p_seek_head((sd_journal *)journal);
}

int cseccomp_journal_seek_realtime_usec(cseccomp_journal *journal, uint64_t usec) {
    REQUIRE_LOADED(-ENOPKG);
    return p_seek_realtime_usec((sd_journal *)journal, usec);
}

int cseccomp_journal_next(cseccomp_journal *journal) {
    REQUIRE_LOADED(-ENOPKG);
    return p_next((sd_journal *)journal);
}

int cseccomp_journal_get_data(cseccomp_journal *journal, const char *field, const void **data, size_t *length) {
    REQUIRE_LOADED(-ENOPKG);
    return p_get_data((sd_journal *)journal, field, data, length);
}
