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

/* The .note.dlopen ELF note, laid out as the specification
 * (https://systemd.io/ELF_DLOPEN_METADATA/) and the ELF note format say: a
 * 4-byte-aligned header of name size, descriptor size (the JSON with its NUL)
 * and type 0x407c0c0a, the owner "FDO" with its NUL, then the JSON array
 * describing the library, zero-padded to 4 bytes. */
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

/* Every function resolved, once: the X-macro below makes each pointer (typed
 * with typeof() of the header's declaration) and its entry in the name table
 * from the same name, so a name cannot be paired with another's pointer. */
#define CJOURNAL_FUNCTIONS(X)                                                                         \
    X(sd_journal_sendv)                                                                               \
    X(sd_journal_open)                                                                                \
    X(sd_journal_open_directory)                                                                      \
    X(sd_journal_close)                                                                               \
    X(sd_journal_flush_matches)                                                                       \
    X(sd_journal_add_match)                                                                           \
    X(sd_journal_seek_head)                                                                           \
    X(sd_journal_seek_realtime_usec)                                                                  \
    X(sd_journal_next)                                                                                \
    X(sd_journal_get_data)

#define CJOURNAL_POINTER(name) static typeof(name) *p_##name;
CJOURNAL_FUNCTIONS(CJOURNAL_POINTER)

#define CJOURNAL_NAME(name) #name,
static const char *const function_names[] = { CJOURNAL_FUNCTIONS(CJOURNAL_NAME) };
#define FUNCTION_COUNT (sizeof(function_names) / sizeof(function_names[0]))

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
        found[i] = dlsym(handle, function_names[i]);
        if (found[i] == NULL) {
            snprintf(error, size, "%s has no %s: it is not libsystemd", soname, function_names[i]);
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
            /* Each pointer from the slot of its own name (the same X-macro order). */
            size_t i = 0;
#define CJOURNAL_STORE(name) p_##name = (typeof(p_##name))found[i++];
            CJOURNAL_FUNCTIONS(CJOURNAL_STORE)
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

/* Whether the calls below may be made (a load succeeded). */
static int cseccomp_journal_loaded(void) { return __atomic_load_n(&loaded, __ATOMIC_ACQUIRE); }

const void *cseccomp_journal_function(const char *name) {
    if (!cseccomp_journal_loaded())
        return NULL;
#define CJOURNAL_FIND(function)                                                                       \
    if (strcmp(#function, name) == 0)                                                                 \
        return (const void *)p_##function;
    CJOURNAL_FUNCTIONS(CJOURNAL_FIND)
    return NULL;
}

#define REQUIRE_LOADED(failure)                                                                       \
    do {                                                                                              \
        if (!cseccomp_journal_loaded())                                                               \
            return failure;                                                                           \
    } while (0)

int cseccomp_journal_sendv(const struct iovec *iov, int n) {
    REQUIRE_LOADED(-ENOPKG);
    return p_sd_journal_sendv(iov, n);
}

int cseccomp_journal_open_local(cseccomp_journal **journal) {
    REQUIRE_LOADED(-ENOPKG);
    return p_sd_journal_open((sd_journal **)journal, SD_JOURNAL_LOCAL_ONLY);
}

int cseccomp_journal_open_directory(cseccomp_journal **journal, const char *path) {
    REQUIRE_LOADED(-ENOPKG);
    return p_sd_journal_open_directory((sd_journal **)journal, path, 0);
}

void cseccomp_journal_close(cseccomp_journal *journal) {
    REQUIRE_LOADED();
    p_sd_journal_close((sd_journal *)journal);
}

void cseccomp_journal_flush_matches(cseccomp_journal *journal) {
    REQUIRE_LOADED();
    p_sd_journal_flush_matches((sd_journal *)journal);
}

int cseccomp_journal_add_match(cseccomp_journal *journal, const void *data, size_t size) {
    REQUIRE_LOADED(-ENOPKG);
    return p_sd_journal_add_match((sd_journal *)journal, data, size);
}

int cseccomp_journal_seek_head(cseccomp_journal *journal) {
    REQUIRE_LOADED(-ENOPKG);
    return p_sd_journal_seek_head((sd_journal *)journal);
}

int cseccomp_journal_seek_realtime_usec(cseccomp_journal *journal, uint64_t usec) {
    REQUIRE_LOADED(-ENOPKG);
    return p_sd_journal_seek_realtime_usec((sd_journal *)journal, usec);
}

int cseccomp_journal_next(cseccomp_journal *journal) {
    REQUIRE_LOADED(-ENOPKG);
    return p_sd_journal_next((sd_journal *)journal);
}

int cseccomp_journal_get_data(cseccomp_journal *journal, const char *field, const void **data, size_t *length) {
    REQUIRE_LOADED(-ENOPKG);
    return p_sd_journal_get_data((sd_journal *)journal, field, data, length);
}
