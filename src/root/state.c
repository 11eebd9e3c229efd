/* SPDX-License-Identifier: Apache-2.0 */
#include <time.h>

#include "conf.h"
#include "root.h"

int64_t root_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void root_totals(struct root *r, struct root_totals *t)
{
	struct root_counters *blocks[257];
	int n = 0;
	for (int i = 0; i < r->nworkers && n < 256; i++)
		blocks[n++] = &r->workers[i].counters;
	blocks[n++] = &r->misc_counters;
	root_counters_sum(t, blocks, n);
}

struct online_count {
	int64_t since;
	uint64_t n;
};

static bool count_online(const struct root_peer *p, void *arg)
{
	struct online_count *oc = arg;
	if (p->last_rx >= oc->since)
		oc->n++;
	return true;
}

uint64_t root_peers_online(struct root *r, int64_t now)
{
	struct online_count oc = { now - ROOT_ONLINE_WINDOW_MS, 0 };
	root_cache_foreach(&r->cache, count_online, &oc);
	return oc.n;
}
