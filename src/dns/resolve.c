/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ares.h>

#include "dns/msg.h"
#include "dns/resolve.h"

#define DNS_CLASS_IN 1
#define DNS_TYPE_TXT 16
#define MS_PER_S 1000
#define US_PER_MS 1000

struct zt_dns_resolver {
	ares_channel channel;
	unsigned pending;
};

/* One lookup in flight. */
struct query {
	struct zt_dns_resolver *r;
	struct zt_dns_name name;
	struct zt_rootset_state cur;
	zt_dns_result_fn fn;
	void *arg;
};

/* The one place c-ares status codes become zt_err. */
static zt_err ares_to_zt(int status)
{
	switch (status) {
	case ARES_SUCCESS:
		return ZT_OK;
	case ARES_ENODATA:   /* the name exists, without TXT records */
	case ARES_ENOTFOUND: /* NXDOMAIN */
		return ZT_ENOTFOUND;
	case ARES_ENOMEM:
		return -ENOMEM;
	case ARES_ECANCELLED:
	case ARES_EDESTRUCTION:
		return -ECANCELED;
	case ARES_EBADNAME:
		return ZT_EMALFORMED;
	default: /* ETIMEOUT, ECONNREFUSED, ESERVFAIL, EREFUSED, EBADRESP, ... */
		return ZT_EDNS;
	}
}

static void deliver(struct query *q, struct zt_dns_result *res)
{
	res->name = &q->name;
	if (!res->detail)
		res->detail = "";
	q->r->pending--;
	q->fn(q->arg, res);
	free(q);
}

/* Turns an answer into a verdict on the root set it carries. */
static void answer_evaluate(struct query *q, const uint8_t *abuf, size_t alen, struct zt_dns_result *res,
			    struct zt_rootset *set)
{
	struct zt_dns_txt *recs = calloc(ZT_DNS_MSG_MAX_TXT, sizeof *recs);
	uint8_t *buf = malloc(alen ? alen : 1);
	size_t n = 0;

	res->err = -ENOMEM;
	if (!recs || !buf)
		goto out;
	res->err = zt_dns_msg_txt(abuf, alen, recs, ZT_DNS_MSG_MAX_TXT, &n, buf, alen, &res->ttl);
	if (res->err) {
		res->detail = "the DNS answer does not parse";
		goto out;
	}
	res->err = zt_dns_rootset_from_txt(&q->name, recs, n, q->cur.valid ? &q->cur : NULL, set, &res->verdict);
	if (!res->err) {
		res->set = set;
		res->unchanged = res->verdict.unchanged;
	}
out:
	free(recs);
	free(buf);
}

static void on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct query *q = arg;
	struct zt_dns_result res = { .err = ares_to_zt(status) };
	struct zt_rootset *set = NULL;

	if (status == ARES_EDESTRUCTION) {
		/* zt_dns_resolver_free: the owner is going away and no longer expects answers. */
		q->r->pending--;
		free(q);
		return;
	}
	if (status != ARES_SUCCESS) {
		res.detail = ares_strerror(status);
	} else if (!(set = malloc(sizeof *set))) {
		res.err = -ENOMEM;
	} else {
		answer_evaluate(q, abuf, alen > 0 ? (size_t)alen : 0, &res, set);
	}
	deliver(q, &res);
	free(set);
}

zt_err zt_dns_resolver_new(struct zt_dns_resolver **out, const struct zt_dns_resolver_config *cfg)
{
	struct ares_options opts;
	struct ares_addr_port_node *nodes = NULL;
	struct zt_dns_resolver *r;
	zt_err err = ZT_EDNS;
	int status;

	*out = NULL;
	for (size_t i = 0; cfg && i < cfg->server_count; i++) {
		const struct zt_inetaddr *a = &cfg->servers[i];
		if ((a->family != ZT_INETADDR_V4 && a->family != ZT_INETADDR_V6) || !a->port)
			return ZT_EINVALID;
	}
	r = calloc(1, sizeof *r);
	if (!r)
		return -ENOMEM;
	if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS)
		goto fail_free;
	memset(&opts, 0, sizeof opts);
	/* No search list: a dynamic root name is always absolute. EDNS avoids TCP for most sets. */
	opts.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_EDNS;
	opts.timeout = cfg && cfg->timeout_ms > 0 ? cfg->timeout_ms : ZT_DNS_DEFAULT_TIMEOUT_MS;
	opts.tries = cfg && cfg->tries > 0 ? cfg->tries : ZT_DNS_DEFAULT_TRIES;
	opts.ednspsz = ZT_DNS_EDNS_PAYLOAD;
	status = ares_init_options(&r->channel, &opts,
				   ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_EDNSPSZ);
	if (status != ARES_SUCCESS) {
		err = ares_to_zt(status) == -ENOMEM ? -ENOMEM : ZT_EDNS;
		goto fail_lib;
	}
	if (cfg && cfg->server_count) {
		nodes = calloc(cfg->server_count, sizeof *nodes);
		if (!nodes) {
			err = -ENOMEM;
			goto fail_channel;
		}
		for (size_t i = 0; i < cfg->server_count; i++) {
			const struct zt_inetaddr *a = &cfg->servers[i];

			nodes[i].next = i + 1 < cfg->server_count ? &nodes[i + 1] : NULL;
			nodes[i].udp_port = nodes[i].tcp_port = a->port;
			if (a->family == ZT_INETADDR_V4) {
				nodes[i].family = AF_INET;
				memcpy(&nodes[i].addr.addr4, a->ip, sizeof nodes[i].addr.addr4);
			} else {
				nodes[i].family = AF_INET6;
				memcpy(&nodes[i].addr.addr6, a->ip, sizeof nodes[i].addr.addr6);
			}
		}
		status = ares_set_servers_ports(r->channel, nodes);
		free(nodes);
		if (status != ARES_SUCCESS) {
			err = ares_to_zt(status) == -ENOMEM ? -ENOMEM : ZT_EDNS;
			goto fail_channel;
		}
	}
	*out = r;
	return ZT_OK;
fail_channel:
	ares_destroy(r->channel);
fail_lib:
	ares_library_cleanup();
fail_free:
	free(r);
	return err;
}

void zt_dns_resolver_free(struct zt_dns_resolver *r)
{
	if (!r)
		return;
	ares_destroy(r->channel); /* runs every pending callback with ARES_EDESTRUCTION */
	ares_library_cleanup();
	free(r);
}

zt_err zt_dns_resolve_rootset(struct zt_dns_resolver *r, const struct zt_dns_name *name,
			      const struct zt_rootset_state *cur, zt_dns_result_fn fn, void *arg)
{
	struct query *q = calloc(1, sizeof *q);

	if (!q)
		return -ENOMEM;
	q->r = r;
	q->name = *name;
	if (cur)
		q->cur = *cur;
	q->fn = fn;
	q->arg = arg;
	r->pending++;
	ares_query(r->channel, q->name.name, DNS_CLASS_IN, DNS_TYPE_TXT, on_answer, q);
	return ZT_OK;
}

unsigned zt_dns_resolver_pending(const struct zt_dns_resolver *r)
{
	return r->pending;
}

int zt_dns_resolver_pollfds(struct zt_dns_resolver *r, struct pollfd *fds, int max)
{
	ares_socket_t socks[ARES_GETSOCK_MAXNUM];
	int bits = ares_getsock(r->channel, socks, ARES_GETSOCK_MAXNUM);
	int n = 0;

	for (int i = 0; i < ARES_GETSOCK_MAXNUM && n < max; i++) {
		short events = 0;

		if (ARES_GETSOCK_READABLE(bits, i))
			events |= POLLIN;
		if (ARES_GETSOCK_WRITABLE(bits, i))
			events |= POLLOUT;
		if (!events)
			break; /* the sockets in use come first */
		fds[n].fd = socks[i];
		fds[n].events = events;
		fds[n].revents = 0;
		n++;
	}
	return n;
}

int zt_dns_resolver_timeout_ms(struct zt_dns_resolver *r)
{
	struct timeval tv, *t;
	long long ms;

	if (!r->pending)
		return -1;
	t = ares_timeout(r->channel, NULL, &tv);
	if (!t)
		return -1;
	ms = (long long)t->tv_sec * MS_PER_S + (t->tv_usec + US_PER_MS - 1) / US_PER_MS;
	return ms > INT32_MAX ? INT32_MAX : (int)ms;
}

void zt_dns_resolver_process(struct zt_dns_resolver *r, const struct pollfd *fds, int n)
{
	for (int i = 0; i < n; i++) {
		ares_socket_t rfd = ARES_SOCKET_BAD, wfd = ARES_SOCKET_BAD;

		if (fds[i].revents & (POLLIN | POLLERR | POLLHUP))
			rfd = fds[i].fd;
		if (fds[i].revents & POLLOUT)
			wfd = fds[i].fd;
		if (rfd != ARES_SOCKET_BAD || wfd != ARES_SOCKET_BAD)
			ares_process_fd(r->channel, rfd, wfd);
	}
	ares_process_fd(r->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD); /* timeouts and retries */
}

int64_t zt_dns_refresh_delay_ms(zt_err err, uint32_t ttl, unsigned failures)
{
	int64_t d;

	if (err == ZT_OK) {
		d = (int64_t)ttl * MS_PER_S;
		return d < ZT_DNS_REFRESH_MIN_MS ? ZT_DNS_REFRESH_MIN_MS : d > ZT_DNS_REFRESH_MAX_MS ? ZT_DNS_REFRESH_MAX_MS : d;
	}
	d = ZT_DNS_RETRY_MIN_MS;
	for (unsigned i = 1; i < failures && d < ZT_DNS_RETRY_MAX_MS; i++)
		d *= 2;
	return d > ZT_DNS_RETRY_MAX_MS ? ZT_DNS_RETRY_MAX_MS : d;
}
