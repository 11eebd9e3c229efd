/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "stats.h"

const char *root_drop_reason_name(enum root_drop_reason r)
{
	static const char *names[ROOT_DROP_MAX] = {
		[ROOT_DROP_JUNK] = "junk",
		[ROOT_DROP_OVERSIZE] = "oversize",
		[ROOT_DROP_SELF] = "self",
		[ROOT_DROP_HOPS] = "hop_limit",
		[ROOT_DROP_UNKNOWN_DEST] = "unknown_destination",
		[ROOT_DROP_NO_PATH] = "no_path",
		[ROOT_DROP_UNKNOWN_SOURCE] = "unknown_source",
		[ROOT_DROP_AUTH] = "authentication",
		[ROOT_DROP_MALFORMED] = "malformed",
		[ROOT_DROP_RATELIMIT] = "rate_limited",
		[ROOT_DROP_INVALID_IDENTITY] = "invalid_identity",
		[ROOT_DROP_QUEUE_FULL] = "validation_queue_full",
		[ROOT_DROP_FRAGMENT] = "fragment",
		[ROOT_DROP_CIPHER] = "cipher",
	};
	return (unsigned)r < ROOT_DROP_MAX ? names[r] : "unknown";
}

#define LOAD(x) atomic_load_explicit(&(x), memory_order_relaxed)

void root_counters_sum(struct root_totals *t, struct root_counters *const *blocks, int n)
{
	memset(t, 0, sizeof *t);
	for (int i = 0; i < n; i++) {
		struct root_counters *c = blocks[i];
		t->rx_packets += LOAD(c->rx_packets);
		t->rx_bytes += LOAD(c->rx_bytes);
		t->tx_packets += LOAD(c->tx_packets);
		t->tx_bytes += LOAD(c->tx_bytes);
		t->relayed_packets += LOAD(c->relayed_packets);
		t->relayed_bytes += LOAD(c->relayed_bytes);
		for (int r = 0; r < ROOT_DROP_MAX; r++) {
			uint64_t d = LOAD(c->dropped[r]);
			t->dropped[r] += d;
			t->dropped_total += d;
		}
		t->dropped_bytes += LOAD(c->dropped_bytes);
		for (int v = 0; v < ROOT_VERBS; v++)
			t->verbs[v] += LOAD(c->verbs[v]);
		for (int l = 0; l < ROOT_LIMIT_MAX; l++)
			t->limited[l] += LOAD(c->limited[l]);
		t->validations_ok += LOAD(c->validations_ok);
		t->validations_failed += LOAD(c->validations_failed);
		t->rendezvous_sent += LOAD(c->rendezvous_sent);
		t->replies += LOAD(c->replies);
		t->kernel_drops += LOAD(c->kernel_drops);
	}
}

void root_history_init(struct root_history *h)
{
	memset(h, 0, sizeof *h);
	pthread_mutex_init(&h->lock, NULL);
}

void root_history_free(struct root_history *h)
{
	pthread_mutex_destroy(&h->lock);
}

static double per_second(uint64_t now, uint64_t before, double seconds)
{
	return now >= before ? (double)(now - before) / seconds : 0.0;
}

void root_history_sample(struct root_history *h, const struct root_totals *cur, uint64_t peers_online, int64_t now)
{
	pthread_mutex_lock(&h->lock);
	if (h->last_t && now > h->last_t) {
		double s = (double)(now - h->last_t) / 1000.0;
		const double mib = 1048576.0;
		struct root_rates r = {
			.t = now,
			.rx_pps = per_second(cur->rx_packets, h->last.rx_packets, s),
			.tx_pps = per_second(cur->tx_packets, h->last.tx_packets, s),
			.relayed_pps = per_second(cur->relayed_packets, h->last.relayed_packets, s),
			.dropped_pps = per_second(cur->dropped_total, h->last.dropped_total, s),
			.rx_mibps = per_second(cur->rx_bytes, h->last.rx_bytes, s) / mib,
			.tx_mibps = per_second(cur->tx_bytes, h->last.tx_bytes, s) / mib,
			.relayed_mibps = per_second(cur->relayed_bytes, h->last.relayed_bytes, s) / mib,
			.dropped_mibps = per_second(cur->dropped_bytes, h->last.dropped_bytes, s) / mib,
			.peers_online = peers_online,
		};
		h->samples[(h->head + h->len) % ROOT_HISTORY] = r;
		if (h->len < ROOT_HISTORY)
			h->len++;
		else
			h->head = (h->head + 1) % ROOT_HISTORY;
	}
	h->last = *cur;
	h->last_t = now;
	pthread_mutex_unlock(&h->lock);
}

int root_history_get(struct root_history *h, struct root_rates *out, int max)
{
	pthread_mutex_lock(&h->lock);
	int n = h->len < max ? h->len : max;
	int skip = h->len - n;
	for (int i = 0; i < n; i++)
		out[i] = h->samples[(h->head + skip + i) % ROOT_HISTORY];
	pthread_mutex_unlock(&h->lock);
	return n;
}

struct root_rates root_history_latest(struct root_history *h)
{
	struct root_rates r;
	memset(&r, 0, sizeof r);
	pthread_mutex_lock(&h->lock);
	if (h->len)
		r = h->samples[(h->head + h->len - 1) % ROOT_HISTORY];
	pthread_mutex_unlock(&h->lock);
	return r;
}
