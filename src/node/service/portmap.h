/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_SVC_PORTMAP_H
#define ZT_SVC_PORTMAP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "node/err.h"
#include "node/inetaddr.h"

/*
 * Port mapping (portMappingEnabled): a helper thread asks the gateway for a mapping of the primary
 * UDP port, by NAT-PMP first and UPnP IGD second, renews it, and removes it when stopped. It never
 * touches the engine: each change of the external address goes back to the event loop as one
 * fixed-size record through a pipe. Without a gateway (or with one that speaks neither protocol)
 * it reports nothing and retries now and then.
 */

#define SVC_PORTMAP_LIFETIME_S 3600
#define SVC_PORTMAP_RENEW_MS (20 * 60 * 1000)
#define SVC_PORTMAP_RETRY_MS (5 * 60 * 1000)
#define SVC_PORTMAP_REPLY_MS 2000 /* how long one NAT-PMP exchange or UPnP discovery may take */

enum svc_portmap_method { SVC_PORTMAP_NONE = 0, SVC_PORTMAP_NATPMP = 1, SVC_PORTMAP_UPNP = 2 };

/* One report: the mapped external address (nil when the mapping was lost) and how it was made. */
struct svc_portmap_result {
	struct zt_inetaddr external;
	enum svc_portmap_method method;
};

struct svc_portmap {
	pthread_t thread;
	bool running;
	int pipefd[2]; /* [0] read by the loop, [1] written by the thread */
	int wakefd;    /* eventfd: wakes the thread to stop */
	atomic_bool stop;
	uint16_t port;
};

void svc_portmap_init(struct svc_portmap *pm);
/* Starts mapping `port` (stops a previous thread first). Returns ZT_OK or -errno. */
zt_err svc_portmap_start(struct svc_portmap *pm, uint16_t port);
/* Stops the thread (removing its mapping), waiting at most a few seconds for it. */
void svc_portmap_stop(struct svc_portmap *pm);
/* The fd the loop polls for reports, -1 when not running. */
int svc_portmap_fd(const struct svc_portmap *pm);
/* Reads one report; false if none is waiting. */
bool svc_portmap_read(struct svc_portmap *pm, struct svc_portmap_result *out);
const char *svc_portmap_method_name(enum svc_portmap_method m);

#endif
