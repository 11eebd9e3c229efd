/* SPDX-License-Identifier: Apache-2.0 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "node/buf.h"
#include "node/crypto.h"
#include "node/fragment.h"
#include "node/packet.h"
#include "node/verbs.h"
#include "nodesim.h"

struct zt_inetaddr sim_addr(const char *str)
{
	struct zt_inetaddr a;
	ck_assert_msg(zt_inetaddr_parse(&a, str) == ZT_OK, "bad address %s", str);
	return a;
}

struct zt_identity sim_identity(const char *str)
{
	struct zt_identity id;
	ck_assert_msg(zt_identity_from_string(&id, str) == ZT_OK, "bad identity %s", str);
	return id;
}

/* ---------------------------------------------------------------- callbacks */

static void queue_push(struct sim *s, struct sim_dgram *d)
{
	if (s->qn == s->qcap) {
		s->qcap = s->qcap ? s->qcap * 2 : 256;
		s->q = realloc(s->q, s->qcap * sizeof *s->q);
		ck_assert_ptr_nonnull(s->q);
	}
	s->q[s->qn++] = *d;
	if (s->logn == s->logcap) {
		s->logcap = s->logcap ? s->logcap * 2 : 1024;
		s->log = realloc(s->log, s->logcap * sizeof *s->log);
		ck_assert_ptr_nonnull(s->log);
	}
	struct sim_dgram *l = &s->log[s->logn++];
	*l = *d;
	l->at = s->now;
	l->data = malloc(d->len ? d->len : 1);
	ck_assert_ptr_nonnull(l->data);
	memcpy(l->data, d->data, d->len);
}

static int cb_send(void *ctx, zt_node_socket sock, const struct zt_inetaddr *to, const void *data, size_t len,
		   unsigned ttl)
{
	struct sim_node *sn = ctx;
	struct sim *s = sn->sim;
	(void)sock;
	ck_assert_uint_le(len, ZT_DEFAULT_PHYSMTU);
	ck_assert(to->family == ZT_INETADDR_V4 || to->family == ZT_INETADDR_V6);
	struct sim_dgram d = { .at = s->now + s->latency, .src = sn->idx, .from = sn->addr, .to = *to, .ttl = ttl,
			       .len = len };
	d.data = malloc(len ? len : 1);
	ck_assert_ptr_nonnull(d.data);
	memcpy(d.data, data, len);
	queue_push(s, &d);
	return 0;
}

static int cb_put(void *ctx, enum zt_node_state_type type, uint64_t id, const void *data, size_t len)
{
	struct sim_node *sn = ctx;
	struct sim_state *free_slot = NULL;
	sn->state_puts++;
	for (unsigned i = 0; i < SIM_MAX_STATES; i++) {
		struct sim_state *st = &sn->states[i];
		if (st->used && st->type == (int)type && st->id == id) {
			free_slot = st;
			break;
		}
		if (!st->used && !free_slot)
			free_slot = st;
	}
	if (!data) {
		if (free_slot && free_slot->used && free_slot->id == id)
			free_slot->used = false;
		return 0;
	}
	if (!free_slot || len > sizeof free_slot->data)
		return ZT_ENOSPACE;
	free_slot->used = true;
	free_slot->type = (int)type;
	free_slot->id = id;
	free_slot->len = len;
	memcpy(free_slot->data, data, len);
	return 0;
}

static long cb_get(void *ctx, enum zt_node_state_type type, uint64_t id, void *buf, size_t cap)
{
	struct sim_node *sn = ctx;
	sn->state_gets++;
	for (unsigned i = 0; i < SIM_MAX_STATES; i++) {
		struct sim_state *st = &sn->states[i];
		if (st->used && st->type == (int)type && st->id == id) {
			if (st->len > cap)
				return ZT_ENOSPACE;
			memcpy(buf, st->data, st->len);
			return (long)st->len;
		}
	}
	return ZT_ENOTFOUND;
}

static void cb_event(void *ctx, const struct zt_node_event *ev)
{
	struct sim_node *sn = ctx;
	if (ev->type == ZT_NODE_EVENT_LOG)
		ck_assert_ptr_nonnull(ev->message);
	if (sn->nevents >= SIM_MAX_EVENTS)
		return;
	struct sim_event *e = &sn->events[sn->nevents++];
	e->type = ev->type;
	e->at = sn->sim->now;
	e->address = ev->address;
	e->cookie = ev->cookie;
	e->rtt = ev->rtt_ms;
	e->addr = ev->addr;
}

/* ---------------------------------------------------------------- setup */

void sim_init(struct sim *s)
{
	memset(s, 0, sizeof *s);
	ck_assert_int_eq(zt_crypto_init(), ZT_OK);
	s->now = SIM_START_TIME;
	s->latency = 10;
}

static void clear_q(struct sim *s)
{
	for (size_t i = 0; i < s->qn; i++)
		free(s->q[i].data);
	s->qn = 0;
}

void sim_free(struct sim *s)
{
	for (int i = 0; i < s->count; i++)
		zt_node_free(s->nodes[i].node);
	clear_q(s);
	free(s->q);
	for (size_t i = 0; i < s->logn; i++)
		free(s->log[i].data);
	free(s->log);
	memset(s, 0, sizeof *s);
}

static struct zt_node_config node_cfg;

static void node_create(struct sim *s, struct sim_node *sn)
{
	struct zt_node_callbacks cb = { .ctx = sn, .send = cb_send, .state_put = cb_put, .state_get = cb_get,
					.event = cb_event };
	ck_assert_int_eq(zt_node_new(&sn->node, &cb, &node_cfg, &sn->id, s->now), ZT_OK);
	sn->deadline = s->now;
}

int sim_add(struct sim *s, const char *secret, const char *ip_port, const struct zt_node_config *cfg)
{
	ck_assert_int_lt(s->count, SIM_MAX_NODES);
	struct sim_node *sn = &s->nodes[s->count];
	memset(sn, 0, sizeof *sn);
	sn->sim = s;
	sn->idx = s->count;
	sn->id = sim_identity(secret);
	sn->addr = sim_addr(ip_port);
	sn->up = true;
	if (cfg)
		node_cfg = *cfg;
	else
		memset(&node_cfg, 0, sizeof node_cfg);
	node_create(s, sn);
	return s->count++;
}

void sim_restart(struct sim *s, int i)
{
	struct sim_node *sn = &s->nodes[i];
	zt_node_free(sn->node);
	memset(&node_cfg, 0, sizeof node_cfg);
	node_create(s, sn);
	sn->nevents = 0;
}

void sim_extra(struct sim *s, const struct zt_identity *secret)
{
	ck_assert_int_lt(s->extra_count, SIM_MAX_EXTRA);
	s->extra[s->extra_count++] = *secret;
}

void sim_kick(struct sim *s, int i)
{
	s->nodes[i].deadline = s->now;
}

/* ---------------------------------------------------------------- running */

static struct sim_node *node_at(struct sim *s, const struct zt_inetaddr *a)
{
	for (int i = 0; i < s->count; i++)
		if (zt_inetaddr_equal(&s->nodes[i].addr, a))
			return &s->nodes[i];
	return NULL;
}

static struct sim_node *node_by_zt(struct sim *s, uint64_t address)
{
	for (int i = 0; i < s->count; i++)
		if (s->nodes[i].id.address == address)
			return &s->nodes[i];
	return NULL;
}

int sim_inject(struct sim *s, int i, const struct zt_inetaddr *from, const void *data, size_t len)
{
	struct sim_node *sn = &s->nodes[i];
	int64_t dl;
	int rc = zt_node_receive(sn->node, s->now, 0, from, data, len, &dl);
	sn->deadline = dl;
	return rc;
}

static void deliver(struct sim *s, struct sim_dgram *d)
{
	struct sim_node *sn = node_at(s, &d->to);
	if (!sn || !sn->up) {
		s->dropped++;
		return;
	}
	enum zt_datagram_kind kind = zt_packet_classify(d->data, d->len);
	if (sn->relay && (kind == ZT_DATAGRAM_HEAD || kind == ZT_DATAGRAM_FRAGMENT)) {
		uint64_t dest = zt_be40(d->data + ZT_PACKET_IDX_DEST);
		struct sim_node *target = dest != sn->id.address ? node_by_zt(s, dest) : NULL;
		if (target) {
			struct sim_dgram f = { .at = s->now + s->latency, .src = sn->idx, .from = sn->addr,
					       .to = target->addr, .len = d->len };
			f.data = malloc(d->len);
			memcpy(f.data, d->data, d->len);
			zt_packet_hops_increment(f.data, f.len);
			queue_push(s, &f);
			return;
		}
	}
	int64_t dl;
	zt_node_receive(sn->node, s->now, 0, &d->from, d->data, d->len, &dl);
	sn->deadline = dl;
}

void sim_run(struct sim *s, int64_t ms)
{
	int64_t target = s->now + ms;
	for (;;) {
		size_t qi = SIZE_MAX;
		for (size_t i = 0; i < s->qn; i++)
			if (qi == SIZE_MAX || s->q[i].at < s->q[qi].at)
				qi = i;
		int ni = -1;
		for (int i = 0; i < s->count; i++)
			if (s->nodes[i].up && (ni < 0 || s->nodes[i].deadline < s->nodes[ni].deadline))
				ni = i;
		int64_t tq = qi != SIZE_MAX ? s->q[qi].at : INT64_MAX;
		int64_t tn = ni >= 0 ? s->nodes[ni].deadline : INT64_MAX;
		int64_t t = tq < tn ? tq : tn;
		if (t > target)
			break;
		if (t > s->now)
			s->now = t;
		if (tq <= tn) {
			struct sim_dgram d = s->q[qi];
			s->q[qi] = s->q[--s->qn];
			deliver(s, &d);
			free(d.data);
		} else {
			struct sim_node *sn = &s->nodes[ni];
			int64_t dl;
			zt_node_background(sn->node, s->now, &dl);
			sn->deadline = dl > s->now ? dl : s->now + 1;
		}
	}
	s->now = target;
}

/* ---------------------------------------------------------------- inspection */

unsigned sim_events(const struct sim *s, int i, enum zt_node_event_type type, uint64_t address)
{
	unsigned c = 0;
	const struct sim_node *sn = &s->nodes[i];
	for (unsigned k = 0; k < sn->nevents; k++)
		if (sn->events[k].type == type && (!address || sn->events[k].address == address))
			c++;
	return c;
}

const struct sim_event *sim_last_event(const struct sim *s, int i, enum zt_node_event_type type)
{
	const struct sim_node *sn = &s->nodes[i];
	for (unsigned k = sn->nevents; k-- > 0;)
		if (sn->events[k].type == type)
			return &sn->events[k];
	return NULL;
}

static const struct zt_identity *known_identity(const struct sim *s, uint64_t address)
{
	for (int i = 0; i < s->count; i++)
		if (s->nodes[i].id.address == address)
			return &s->nodes[i].id;
	for (int i = 0; i < s->extra_count; i++)
		if (s->extra[i].address == address)
			return &s->extra[i];
	return NULL;
}

int sim_open(const uint8_t *d, size_t len, const struct zt_identity *a, const struct zt_identity *b, uint8_t *out,
	     size_t *outlen)
{
	if (len < ZT_PROTO_MIN_PACKET_LENGTH || len > ZT_PROTO_MAX_PACKET_LENGTH)
		return -1;
	uint8_t key[ZT_SYMMETRIC_KEY_SIZE];
	struct zt_peer_key pk;
	if (zt_identity_agree(a, b, key) != ZT_OK || zt_peer_key_init(&pk, key) != ZT_OK)
		return -1;
	memcpy(out, d, len);
	int verb = -1;
	size_t l = len;
	if (zt_packet_dearmor(out, l, &pk) == ZT_OK && zt_packet_decompress(out, &l, ZT_PROTO_MAX_PACKET_LENGTH) == ZT_OK)
		verb = (int)zt_packet_verb(out);
	zt_peer_key_free(&pk);
	if (outlen)
		*outlen = l;
	return verb;
}

int sim_decode(const struct sim *s, const struct sim_dgram *d, uint8_t *out, size_t *len, int *in_re)
{
	if (in_re)
		*in_re = -1;
	if (zt_packet_classify(d->data, d->len) != ZT_DATAGRAM_HEAD || zt_packet_fragmented(d->data))
		return -1;
	const struct zt_identity *src = known_identity(s, zt_packet_source(d->data));
	const struct zt_identity *dst = known_identity(s, zt_packet_dest(d->data));
	if (!src || !dst)
		return -1;
	int verb = sim_open(d->data, d->len, src, dst, out, len);
	if (verb >= 0 && in_re && (verb == ZT_VERB_OK || verb == ZT_VERB_ERROR) && *len > ZT_PACKET_IDX_PAYLOAD)
		*in_re = out[ZT_PACKET_IDX_PAYLOAD];
	return verb;
}

unsigned sim_count(const struct sim *s, int64_t since, const struct zt_inetaddr *from, const struct zt_inetaddr *to,
		   int verb, int in_re)
{
	static uint8_t buf[ZT_PROTO_MAX_PACKET_LENGTH];
	unsigned c = 0;
	for (size_t i = 0; i < s->logn; i++) {
		const struct sim_dgram *d = &s->log[i];
		if (d->at < since || (from && !zt_inetaddr_equal(from, &d->from)) || (to && !zt_inetaddr_equal(to, &d->to)))
			continue;
		if (verb < 0) {
			c++;
			continue;
		}
		size_t len;
		int ir;
		if (sim_decode(s, d, buf, &len, &ir) == verb && (in_re < 0 || ir == in_re))
			c++;
	}
	return c;
}

/* ---------------------------------------------------------------- crafting */

size_t sim_craft(uint8_t *out, const struct zt_identity *from, const struct zt_identity *to, uint8_t verb,
		 const void *payload, size_t len, unsigned cipher, unsigned hops, bool compress, bool fragmented,
		 uint64_t *packet_id)
{
	uint8_t key[ZT_SYMMETRIC_KEY_SIZE];
	struct zt_peer_key pk;
	ck_assert_int_eq(zt_identity_agree(from, to, key), ZT_OK);
	ck_assert_int_eq(zt_peer_key_init(&pk, key), ZT_OK);
	size_t l = zt_packet_init(out, zt_random_u64(), to->address, from->address, verb);
	if (len)
		memcpy(out + l, payload, len);
	l += len;
	if (compress) {
		bool c;
		ck_assert_int_eq(zt_packet_compress(out, &l, &c), ZT_OK);
	}
	zt_packet_set_fragmented(out, fragmented);
	ck_assert_int_eq(zt_packet_armor(out, l, &pk, cipher), ZT_OK);
	out[ZT_PACKET_IDX_FLAGS] = (uint8_t)((out[ZT_PACKET_IDX_FLAGS] & ~ZT_PACKET_FLAGS_HOPS_MASK) | (hops & 7));
	if (packet_id)
		*packet_id = zt_packet_id(out);
	zt_peer_key_free(&pk);
	return l;
}

size_t sim_craft_hello(uint8_t *out, const struct zt_identity *from, const struct zt_identity *to,
		       const struct zt_inetaddr *sent_to, int64_t timestamp, uint64_t *packet_id)
{
	uint8_t key[ZT_SYMMETRIC_KEY_SIZE];
	struct zt_peer_key pk;
	ck_assert_int_eq(zt_identity_agree(from, to, key), ZT_OK);
	ck_assert_int_eq(zt_peer_key_init(&pk, key), ZT_OK);
	static struct zt_verb_hello h;
	memset(&h, 0, sizeof h);
	h.proto_version = ZT_PROTO_VERSION;
	h.major = 1;
	h.minor = 14;
	h.revision = 1;
	h.timestamp = (uint64_t)timestamp;
	h.identity = *from;
	h.identity.has_private = false;
	if (sent_to)
		h.sent_to = *sent_to;
	size_t l = zt_packet_init(out, zt_random_u64(), to->address, from->address, ZT_VERB_HELLO);
	struct zt_wbuf w = zt_wbuf_init(out + l, ZT_PROTO_MAX_PACKET_LENGTH - l);
	size_t cf;
	ck_assert_int_eq(zt_verb_hello_encode(&h, &w, &cf), ZT_OK);
	l += w.len;
	ck_assert_int_eq(zt_packet_hello_cryptfield(out, l, ZT_PACKET_IDX_PAYLOAD + cf, pk.key), ZT_OK);
	ck_assert_int_eq(zt_packet_armor(out, l, &pk, ZT_CIPHER_POLY1305_NONE), ZT_OK);
	if (packet_id)
		*packet_id = zt_packet_id(out);
	zt_peer_key_free(&pk);
	return l;
}
