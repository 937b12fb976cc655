/*
 * cnetlink.c - NETLINK_AUDIT and proc connector helpers (see cnetlink.h).
 * Kernel ABI: include/uapi/linux/{netlink,audit,connector,cn_proc}.h.
 */
#define _GNU_SOURCE
#include "cnetlink.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>

/* userspace libaudit's CNETLINK_MAX_MESSAGE; the kernel accepts larger user messages too. */
#define CNETLINK_MAX_MESSAGE 8970

#ifndef AUDIT_NLGRP_READLOG
#define AUDIT_NLGRP_READLOG 1
#endif

static unsigned int next_sequence = 1;

static void grow_receive_buffer(int fd, int rcvbuf, int *effective)
{
    if (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    if (effective) {
        int size = 0;
        socklen_t len = sizeof size;
        *effective = getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, &len) == 0 ? size : 0;
    }
}

/* A non-blocking netlink socket of `type` and `protocol`, its receive buffer grown, bound to
 * the multicast `groups`. Returns the fd or -errno. */
static int open_multicast(int type, int protocol, unsigned int groups, int rcvbuf, int *effective_rcvbuf)
{
    int fd = socket(AF_NETLINK, type | SOCK_CLOEXEC | SOCK_NONBLOCK, protocol);
    if (fd < 0)
        return -errno;
    grow_receive_buffer(fd, rcvbuf, effective_rcvbuf);
    struct sockaddr_nl addr;
    memset(&addr, 0, sizeof addr);
    addr.nl_family = AF_NETLINK;
    addr.nl_groups = groups;
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

int cnetlink_audit_open_reader(int rcvbuf, int *effective_rcvbuf)
{
    return open_multicast(SOCK_RAW, NETLINK_AUDIT, 1u << (AUDIT_NLGRP_READLOG - 1), rcvbuf, effective_rcvbuf);
}

int cnetlink_audit_open_control(void)
{
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
    if (fd < 0)
        return -errno;
    struct sockaddr_nl addr;
    memset(&addr, 0, sizeof addr);
    addr.nl_family = AF_NETLINK;
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

/* Sends one request with `payload` to the kernel. Returns its sequence number or -errno. */
static long send_request(int fd, int type, int flags, const void *payload, size_t size)
{
    char buf[NLMSG_SPACE(CNETLINK_MAX_MESSAGE)];
    if (size > CNETLINK_MAX_MESSAGE)
        return -EMSGSIZE;
    memset(buf, 0, sizeof buf);
    struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
    nlh->nlmsg_len = NLMSG_LENGTH(size);
    nlh->nlmsg_type = (unsigned short)type;
    nlh->nlmsg_flags = (unsigned short)(NLM_F_REQUEST | flags);
    nlh->nlmsg_seq = __atomic_fetch_add(&next_sequence, 1, __ATOMIC_RELAXED);
    if (size)
        memcpy(NLMSG_DATA(nlh), payload, size);
    struct sockaddr_nl kernel;
    memset(&kernel, 0, sizeof kernel);
    kernel.nl_family = AF_NETLINK;
    ssize_t n;
    do {
        n = sendto(fd, buf, nlh->nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    return nlh->nlmsg_seq;
}

long cnetlink_receive(int fd, void *buf, size_t len, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int r;
    do {
        r = poll(&p, 1, timeout_ms);
    } while (r < 0 && errno == EINTR);
    if (r < 0)
        return -errno;
    if (r == 0)
        return 0;
    ssize_t n;
    do {
        n = recv(fd, buf, len, MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -errno;
    return n;
}

int cnetlink_next_message(const void *buf, long len, long *offset, int *type,
                          const void **payload, long *payload_len)
{
    long at = *offset;
    if (at < 0 || len - at < (long)NLMSG_HDRLEN)
        return 0;
    const struct nlmsghdr *nlh = (const struct nlmsghdr *)((const char *)buf + at);
    if (nlh->nlmsg_len < NLMSG_HDRLEN || (long)nlh->nlmsg_len > len - at)
        return 0;
    *type = nlh->nlmsg_type;
    *payload = NLMSG_DATA(nlh);
    *payload_len = (long)nlh->nlmsg_len - NLMSG_HDRLEN;
    *offset = at + NLMSG_ALIGN(nlh->nlmsg_len);
    return 1;
}

/* Waits for the reply to request `seq`: the error/ack (returns its -errno or 0),
 * or with want_type a message of that type (copied into out). */
static int await_reply(int fd, long seq, int want_type, void *out, size_t out_size, int timeout_ms)
{
    char buf[NLMSG_SPACE(CNETLINK_MAX_MESSAGE)] __attribute__((aligned(8)));
    for (int round = 0; round < 64; round++) {
        long n = cnetlink_receive(fd, buf, sizeof buf, timeout_ms);
        if (n < 0)
            return (int)n;
        if (n == 0)
            return -ETIMEDOUT;
        long offset = 0;
        int type;
        const void *payload;
        long payload_len;
        while (cnetlink_next_message(buf, n, &offset, &type, &payload, &payload_len)) {
            const struct nlmsghdr *nlh = (const struct nlmsghdr *)((const char *)payload - NLMSG_HDRLEN);
            if ((long)nlh->nlmsg_seq != seq)
                continue;
            if (type == NLMSG_ERROR && payload_len >= (long)sizeof(struct nlmsgerr)) {
                const struct nlmsgerr *err = payload;
                if (err->error != 0 || want_type == 0)
                    return err->error;
            } else if (want_type != 0 && type == want_type) {
                size_t copy = (size_t)payload_len < out_size ? (size_t)payload_len : out_size;
                memset(out, 0, out_size);
                memcpy(out, payload, copy);
                return 0;
            }
        }
    }
    return -ETIMEDOUT;
}

int cnetlink_audit_get_status(int fd, struct cnetlink_audit_status *out, int timeout_ms)
{
    long seq = send_request(fd, AUDIT_GET, 0, NULL, 0);
    if (seq < 0)
        return (int)seq;
    struct audit_status status;
    int r = await_reply(fd, seq, AUDIT_GET, &status, sizeof status, timeout_ms);
    if (r != 0)
        return r;
    out->enabled = status.enabled;
    out->pid = status.pid;
    out->rate_limit = status.rate_limit;
    out->backlog_limit = status.backlog_limit;
    out->lost = status.lost;
    out->backlog = status.backlog;
    return 0;
}

int cnetlink_audit_send_user(int fd, int type, const char *text, int timeout_ms)
{
    long seq = send_request(fd, type, NLM_F_ACK, text, strlen(text) + 1);
    if (seq < 0)
        return (int)seq;
    return await_reply(fd, seq, 0, NULL, 0, timeout_ms);
}

int cnetlink_proc_open(int rcvbuf, int *effective_rcvbuf)
{
    int fd = open_multicast(SOCK_DGRAM, NETLINK_CONNECTOR, CN_IDX_PROC, rcvbuf, effective_rcvbuf);
    if (fd < 0)
        return fd;
    char buf[NLMSG_SPACE(sizeof(struct cn_msg) + sizeof(enum proc_cn_mcast_op))] __attribute__((aligned(8)));
    memset(buf, 0, sizeof buf);
    struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
    nlh->nlmsg_len = NLMSG_LENGTH(sizeof(struct cn_msg) + sizeof(enum proc_cn_mcast_op));
    nlh->nlmsg_type = NLMSG_DONE;
    nlh->nlmsg_pid = 0;
    struct cn_msg *msg = NLMSG_DATA(nlh);
    msg->id.idx = CN_IDX_PROC;
    msg->id.val = CN_VAL_PROC;
    msg->len = sizeof(enum proc_cn_mcast_op);
    enum proc_cn_mcast_op op = PROC_CN_MCAST_LISTEN;
    memcpy(msg->data, &op, sizeof op);
    ssize_t n;
    do {
        n = send(fd, buf, nlh->nlmsg_len, 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

int cnetlink_proc_parse(const void *buf, long len, struct cnetlink_proc_event *events, int capacity)
{
    long offset = 0;
    int type, count = 0;
    const void *payload;
    long payload_len;
    while (count < capacity && cnetlink_next_message(buf, len, &offset, &type, &payload, &payload_len)) {
        if (payload_len < (long)sizeof(struct cn_msg))
            continue;
        const struct cn_msg *msg = payload;
        if (msg->id.idx != CN_IDX_PROC || msg->id.val != CN_VAL_PROC)
            continue;
        if ((long)msg->len > payload_len - (long)sizeof(struct cn_msg) ||
            msg->len < offsetof(struct proc_event, event_data))
            continue;
        struct proc_event ev;
        memset(&ev, 0, sizeof ev);
        memcpy(&ev, msg->data, msg->len < sizeof ev ? msg->len : sizeof ev);
        struct cnetlink_proc_event *out = &events[count];
        memset(out, 0, sizeof *out);
        out->what = (int)ev.what;
        switch (ev.what) {
        case PROC_EVENT_FORK:
            out->parent_pid = ev.event_data.fork.parent_pid;
            out->parent_tgid = ev.event_data.fork.parent_tgid;
            out->child_pid = ev.event_data.fork.child_pid;
            out->child_tgid = ev.event_data.fork.child_tgid;
            break;
        case PROC_EVENT_EXIT:
            out->child_pid = ev.event_data.exit.process_pid;
            out->child_tgid = ev.event_data.exit.process_tgid;
            break;
        case PROC_EVENT_NONE:
            out->error = (int)ev.event_data.ack.err;
            break;
        default:
            continue;
        }
        count++;
    }
    return count;
}
