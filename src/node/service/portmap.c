/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <miniupnpc/miniupnpc.h>
#include <miniupnpc/upnpcommands.h>
#include <natpmp.h>

#include "common/log.h"
#include "portmap.h"

#define STOP_WAIT_S 5
#define UPNP_TTL 2
#define UPNP_DESCRIPTION "ZeroTier"
#define UPNP_IGD_TYPE "urn:schemas-upnp-org:device:InternetGatewayDevice:1"

/* What the thread holds between renewals, to remove it at the end. */
struct mapping {
	enum svc_portmap_method method;
	struct zt_inetaddr external;
	struct UPNPUrls urls;
	struct IGDdatas igd;
	bool have_urls;
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleeps up to ms, returning early (true) when asked to stop. */
static bool wait_stop(struct svc_portmap *pm, int64_t ms)
{
	struct pollfd p = { .fd = pm->wakefd, .events = POLLIN };

	if (atomic_load(&pm->stop))
		return true;
	if (ms > 0)
		poll(&p, 1, (int)ms);
	return atomic_load(&pm->stop);
}

/* ---------------------------------------------------------------- NAT-PMP */

/* Sends nothing itself: waits for the answer to the request just sent, resending as libnatpmp says. */
static int natpmp_answer(struct svc_portmap *pm, natpmp_t *n, natpmpresp_t *r)
{
	int64_t deadline = mono_ms() + SVC_PORTMAP_REPLY_MS;

	for (;;) {
		struct timeval tv;
		int64_t left = deadline - mono_ms(), wait;
		struct pollfd p[2] = { { .fd = n->s, .events = POLLIN }, { .fd = pm->wakefd, .events = POLLIN } };
		int rc;

		if (left <= 0 || atomic_load(&pm->stop))
			return NATPMP_TRYAGAIN;
		wait = getnatpmprequesttimeout(n, &tv) == 0 ? (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000 : left;
		poll(p, 2, (int)(wait < left ? (wait > 0 ? wait : 0) : left));
		rc = readnatpmpresponseorretry(n, r);
		if (rc != NATPMP_TRYAGAIN)
			return rc;
	}
}

static bool natpmp_map(struct svc_portmap *pm, uint16_t port, uint32_t lifetime, struct zt_inetaddr *ext)
{
	natpmp_t n;
	natpmpresp_t r;
	uint8_t ip[4];
	bool ok = false;

	if (initnatpmp(&n, 0, 0) < 0)
		return false; /* no default gateway */
	if (sendpublicaddressrequest(&n) < 0 || natpmp_answer(pm, &n, &r) < 0)
		goto out;
	memcpy(ip, &r.pnu.publicaddress.addr, 4);
	if (sendnewportmappingrequest(&n, NATPMP_PROTOCOL_UDP, port, port, lifetime) < 0 ||
	    natpmp_answer(pm, &n, &r) < 0)
		goto out;
	zt_inetaddr_set_v4(ext, ip, r.pnu.newportmapping.mappedpublicport);
	ok = true;
out:
	closenatpmp(&n);
	return ok;
}

/* ---------------------------------------------------------------- UPnP IGD */

static bool upnp_map(uint16_t port, struct mapping *m)
{
	char lan[64], extip[40], p[8], life[16];
	int err = 0, igd;
	struct UPNPDev *devs;
	struct zt_inetaddr a;

	/* One search type only: upnpDiscover() tries four, each waiting the full delay when nobody answers. */
	devs = upnpDiscoverDevice(UPNP_IGD_TYPE, SVC_PORTMAP_REPLY_MS, NULL, NULL, 0, 0, UPNP_TTL, &err);
	if (!devs)
		return false;
	if (m->have_urls)
		FreeUPNPUrls(&m->urls);
	memset(&m->urls, 0, sizeof m->urls);
	igd = UPNP_GetValidIGD(devs, &m->urls, &m->igd, lan, sizeof lan);
	freeUPNPDevlist(devs);
	m->have_urls = igd != 0;
	if (igd != 1)
		return false;
	snprintf(p, sizeof p, "%u", port);
	snprintf(life, sizeof life, "%d", SVC_PORTMAP_LIFETIME_S);
	if (UPNP_GetExternalIPAddress(m->urls.controlURL, m->igd.first.servicetype, extip) != UPNPCOMMAND_SUCCESS ||
	    zt_inetaddr_parse(&a, extip) != ZT_OK)
		return false;
	if (UPNP_AddPortMapping(m->urls.controlURL, m->igd.first.servicetype, p, p, lan, UPNP_DESCRIPTION, "UDP", NULL,
				life) != UPNPCOMMAND_SUCCESS)
		return false;
	a.port = port;
	m->external = a;
	return true;
}

static void upnp_unmap(uint16_t port, struct mapping *m)
{
	char p[8];

	snprintf(p, sizeof p, "%u", port);
	UPNP_DeletePortMapping(m->urls.controlURL, m->igd.first.servicetype, p, "UDP", NULL);
}

/* ---------------------------------------------------------------- the thread */

static void report(struct svc_portmap *pm, const struct mapping *m)
{
	struct svc_portmap_result r = { .external = m->external, .method = m->method };

	/* Smaller than PIPE_BUF: written whole or not at all. A full pipe drops a report the next replaces. */
	if (write(pm->pipefd[1], &r, sizeof r) < 0)
		return;
}

static void *portmap_main(void *arg)
{
	struct svc_portmap *pm = arg;
	struct mapping m = { 0 };
	bool first = true;

	while (!atomic_load(&pm->stop)) {
		struct mapping now = m;
		bool ok;

		now.method = SVC_PORTMAP_NONE;
		memset(&now.external, 0, sizeof now.external);
		ok = natpmp_map(pm, pm->port, SVC_PORTMAP_LIFETIME_S, &now.external);
		if (ok)
			now.method = SVC_PORTMAP_NATPMP;
		else if (!atomic_load(&pm->stop) && upnp_map(pm->port, &now))
			now.method = SVC_PORTMAP_UPNP;
		bool changed = first || now.method != m.method || !zt_inetaddr_equal(&now.external, &m.external);

		m = now; /* holds the UPnP URLs from here on, to remove the mapping at the end */
		if (atomic_load(&pm->stop))
			break; /* an attempt cut short reports nothing */
		if (changed)
			report(pm, &m);
		first = false;
		if (wait_stop(pm, m.method ? SVC_PORTMAP_RENEW_MS : SVC_PORTMAP_RETRY_MS))
			break;
	}
	if (m.method == SVC_PORTMAP_NATPMP) {
		struct zt_inetaddr ignored;

		atomic_store(&pm->stop, false); /* let the one removal exchange run */
		natpmp_map(pm, pm->port, 0, &ignored);
	} else if (m.method == SVC_PORTMAP_UPNP) {
		upnp_unmap(pm->port, &m);
	}
	if (m.have_urls)
		FreeUPNPUrls(&m.urls);
	return NULL;
}

void svc_portmap_init(struct svc_portmap *pm)
{
	memset(pm, 0, sizeof *pm);
	pm->pipefd[0] = pm->pipefd[1] = pm->wakefd = -1;
}

zt_err svc_portmap_start(struct svc_portmap *pm, uint16_t port)
{
	svc_portmap_stop(pm);
	if (pipe2(pm->pipefd, O_NONBLOCK | O_CLOEXEC) != 0)
		return -errno;
	pm->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (pm->wakefd < 0) {
		zt_err e = -errno;

		svc_portmap_stop(pm);
		return e;
	}
	atomic_store(&pm->stop, false);
	pm->port = port;
	if (pthread_create(&pm->thread, NULL, portmap_main, pm) != 0) {
		svc_portmap_stop(pm);
		return -EAGAIN;
	}
	pm->running = true;
	log_info("port mapping: asking the gateway for udp %u (NAT-PMP, then UPnP)", port);
	return ZT_OK;
}

void svc_portmap_stop(struct svc_portmap *pm)
{
	if (pm->running) {
		uint64_t one = 1;
		struct timespec until;

		atomic_store(&pm->stop, true);
		if (write(pm->wakefd, &one, sizeof one) < 0)
			one = 0;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += STOP_WAIT_S;
		if (pthread_timedjoin_np(pm->thread, NULL, &until) != 0) {
			/* Stuck in a library call: leave it (and its fds) to the process exit. */
			log_warnx("port mapping: the helper thread did not stop within %d s", STOP_WAIT_S);
			pthread_detach(pm->thread);
			pm->running = false;
			pm->pipefd[0] = pm->pipefd[1] = pm->wakefd = -1;
			return;
		}
		pm->running = false;
	}
	for (int i = 0; i < 2; i++)
		if (pm->pipefd[i] >= 0)
			close(pm->pipefd[i]);
	if (pm->wakefd >= 0)
		close(pm->wakefd);
	pm->pipefd[0] = pm->pipefd[1] = pm->wakefd = -1;
}

int svc_portmap_fd(const struct svc_portmap *pm)
{
	return pm->running ? pm->pipefd[0] : -1;
}

bool svc_portmap_read(struct svc_portmap *pm, struct svc_portmap_result *out)
{
	return pm->pipefd[0] >= 0 && read(pm->pipefd[0], out, sizeof *out) == (ssize_t)sizeof *out;
}

const char *svc_portmap_method_name(enum svc_portmap_method m)
{
	return m == SVC_PORTMAP_NATPMP ? "NAT-PMP" : m == SVC_PORTMAP_UPNP ? "UPnP" : "none";
}
