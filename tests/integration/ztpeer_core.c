/* SPDX-License-Identifier: Apache-2.0 */
/* ztpeer: the instance, its peers, sending packets, and JSON events. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "node/crypto.h"
#include "node/hex.h"
#include "ztpeer.h"

volatile sig_atomic_t ztp_stop;

int64_t ztp_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t ztp_wallclock(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---------------------------------------------------------------- instance */

struct ztp *ztp_new(void)
{
	struct ztp *z = calloc(1, sizeof *z);
	if (!z)
		return NULL;
	z->defrag = malloc(sizeof *z->defrag);
	if (!z->defrag) {
		free(z);
		return NULL;
	}
	zt_defrag_init(z->defrag);
	z->fd = -1;
	z->cipher = ZT_CIPHER_AES_GMAC_SIV;
	z->proto = ZT_PROTO_VERSION;
	z->major = ZT_SOFTWARE_VERSION_MAJOR;
	z->minor = ZT_SOFTWARE_VERSION_MINOR;
	z->revision = ZT_SOFTWARE_VERSION_REVISION;
	z->timeout_ms = ZTP_DEFAULT_TIMEOUT_MS;
	z->mtu = ZT_DEFAULT_PHYSMTU;
	return z;
}

void ztp_free(struct ztp *z)
{
	if (!z)
		return;
	if (z->fd >= 0)
		close(z->fd);
	for (size_t i = 0; i < z->npeers; i++) {
		zt_peer_key_free(&z->peers[i]->key);
		free(z->peers[i]);
	}
	free(z->peers);
	for (size_t i = 0; i < ZTP_QUEUE_SLOTS; i++)
		free(z->queue[i].pkt);
	free(z->defrag);
	if (z->alt_key)
		zt_peer_key_free(z->alt_key);
	free(z->alt_key);
	ztp_lite_free(z);
	zt_identity_wipe(&z->self);
	free(z);
}

zt_err ztp_open(struct ztp *z, const struct zt_inetaddr *bind_addr)
{
	struct sockaddr_storage ss;
	socklen_t sl = zt_inetaddr_to_sockaddr(bind_addr, &ss);
	if (!sl)
		return ZT_EINVALID;
	z->fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (z->fd < 0)
		return -errno;
	/* Floods and relayed bursts: a larger receive buffer keeps the kernel from dropping them. */
	int size = 4 << 20;
	(void)setsockopt(z->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
	if (ss.ss_family == AF_INET6) {
		int on = 1;
		(void)setsockopt(z->fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
	}
	if (bind(z->fd, (struct sockaddr *)&ss, sl) < 0)
		return -errno;
	sl = sizeof ss;
	if (getsockname(z->fd, (struct sockaddr *)&ss, &sl) < 0)
		return -errno;
	return zt_inetaddr_from_sockaddr(&z->local, (struct sockaddr *)&ss, sl);
}

/* ---------------------------------------------------------------- peers */

struct ztp_peer *ztp_peer_find(struct ztp *z, uint64_t address)
{
	for (size_t i = 0; i < z->npeers; i++)
		if (z->peers[i]->id.address == address)
			return z->peers[i];
	return NULL;
}

const struct ztp_request *ztp_request_find(const struct ztp *z, uint64_t id, uint64_t from)
{
	for (size_t i = 0; i < ZTP_REQUESTS; i++)
		if (z->req[i].id == id && z->req[i].to == from && z->req[i].sent)
			return &z->req[i];
	return NULL;
}

void ztp_peer_remove(struct ztp *z, struct ztp_peer *p)
{
	for (size_t i = 0; i < z->npeers; i++) {
		if (z->peers[i] != p)
			continue;
		zt_peer_key_free(&p->key);
		free(p);
		z->peers[i] = z->peers[--z->npeers];
		return;
	}
}

struct ztp_peer *ztp_peer_add(struct ztp *z, const struct zt_identity *id)
{
	struct ztp_peer *p = ztp_peer_find(z, id->address);
	if (p)
		return zt_identity_equal(&p->id, id) ? p : NULL;
	if (z->npeers == z->peers_cap) {
		size_t cap = z->peers_cap ? z->peers_cap * 2 : 16;
		struct ztp_peer **n = realloc(z->peers, cap * sizeof *n);
		if (!n)
			return NULL;
		z->peers = n;
		z->peers_cap = cap;
	}
	p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	uint8_t key[ZT_SYMMETRIC_KEY_SIZE];
	zt_err err = zt_identity_agree(&z->self, id, key);
	if (!err)
		err = zt_peer_key_init(&p->key, key);
	zt_wipe(key, sizeof key);
	if (err) {
		free(p);
		return NULL;
	}
	p->id = *id;
	zt_identity_wipe(&p->id);
	p->id.has_private = false;
	p->proto = ZTP_NO_PROTO;
	z->peers[z->npeers++] = p;
	return p;
}

zt_err ztp_set_root(struct ztp *z, const struct zt_identity *id, const struct zt_inetaddr *path)
{
	struct ztp_peer *p = ztp_peer_add(z, id);
	if (!p)
		return ZT_ECRYPTO;
	p->is_root = true;
	z->root = p;
	z->root_path = *path;
	return ZT_OK;
}

unsigned ztp_cipher_for(const struct ztp *z, const struct ztp_peer *p)
{
	if (z->cipher == ZT_CIPHER_POLY1305_SALSA2012)
		return ZT_CIPHER_POLY1305_SALSA2012;
	return p->proto >= 12 ? ZT_CIPHER_AES_GMAC_SIV : ZT_CIPHER_POLY1305_SALSA2012;
}

/* ---------------------------------------------------------------- JSON events */

json_t *ztp_event(const char *name)
{
	json_t *o = json_object();
	ztp_jset_str(o, "event", name);
	return o;
}

void ztp_jset_str(json_t *o, const char *key, const char *s) { json_object_set_new(o, key, json_string(s)); }
void ztp_jset_int(json_t *o, const char *key, long long v) { json_object_set_new(o, key, json_integer(v)); }
void ztp_jset_bool(json_t *o, const char *key, bool v) { json_object_set_new(o, key, json_boolean(v)); }

void ztp_jset_u64(json_t *o, const char *key, uint64_t v)
{
	if (v <= (1ULL << 53)) {
		ztp_jset_int(o, key, (long long)v);
	} else {
		char s[24];
		snprintf(s, sizeof s, "%llu", (unsigned long long)v);
		ztp_jset_str(o, key, s);
	}
}

json_t *ztp_json_hex(const void *p, size_t n)
{
	char *s = malloc(2 * n + 1);
	if (!s)
		return NULL;
	zt_hex_encode(s, p, n);
	json_t *j = json_stringn(s, 2 * n);
	free(s);
	return j;
}

void ztp_jset_hex(json_t *o, const char *key, const void *p, size_t n) { json_object_set_new(o, key, ztp_json_hex(p, n)); }

void ztp_jset_hex64(json_t *o, const char *key, uint64_t v)
{
	char s[17];
	snprintf(s, sizeof s, "%016llx", (unsigned long long)v);
	ztp_jset_str(o, key, s);
}

void ztp_jset_address(json_t *o, const char *key, uint64_t address)
{
	char s[11];
	zt_address_format(s, address);
	ztp_jset_str(o, key, s);
}

void ztp_jset_inet(json_t *o, const char *key, const struct zt_inetaddr *a)
{
	char s[ZT_INETADDR_STRING_MAX];
	ztp_jset_str(o, key, zt_inetaddr_format(a, s, sizeof s));
}

void ztp_jset_group(json_t *o, uint64_t nwid, const uint8_t mac[static ZT_MAC_LEN], uint32_t adi)
{
	char s[18];
	ztp_jset_hex64(o, "nwid", nwid);
	snprintf(s, sizeof s, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	ztp_jset_str(o, "mac", s);
	ztp_jset_int(o, "adi", adi);
}

void ztp_emit(const struct ztp *z, json_t *ev)
{
	if (!ev)
		return;
	if (z && z->name)
		ztp_jset_str(ev, "node", z->name);
	char *s = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (s) {
		fputs(s, stdout);
		fputc('\n', stdout);
		fflush(stdout);
		free(s);
	}
	json_decref(ev);
}

static const char *const verb_names[] = {
	"NOP", "HELLO", "ERROR", "OK", "WHOIS", "RENDEZVOUS", "FRAME", "EXT_FRAME", "ECHO", "MULTICAST_LIKE",
	"NETWORK_CREDENTIALS", "NETWORK_CONFIG_REQUEST", "NETWORK_CONFIG", "MULTICAST_GATHER", "MULTICAST_FRAME",
	"UNUSED_0F", "PUSH_DIRECT_PATHS", "DEPRECATED_11", "ACK", "QOS_MEASUREMENT", "USER_MESSAGE", "REMOTE_TRACE",
	"PATH_NEGOTIATION_REQUEST",
};

const char *ztp_verb_name(unsigned verb)
{
	verb &= ZT_VERB_MASK;
	return verb < sizeof verb_names / sizeof verb_names[0] ? verb_names[verb] : "UNDEFINED";
}

static const char *const error_names[] = {
	"NONE", "INVALID_REQUEST", "BAD_PROTOCOL_VERSION", "OBJ_NOT_FOUND", "IDENTITY_COLLISION",
	"UNSUPPORTED_OPERATION", "NEED_MEMBERSHIP_CERTIFICATE", "NETWORK_ACCESS_DENIED", "UNWANTED_MULTICAST",
	"NETWORK_AUTHENTICATION_REQUIRED",
};

const char *ztp_error_name(unsigned code)
{
	return code < sizeof error_names / sizeof error_names[0] ? error_names[code] : "UNKNOWN";
}

/* ---------------------------------------------------------------- sending */

static void request_remember(struct ztp *z, uint64_t id, uint64_t to, uint8_t verb)
{
	struct ztp_request *r = &z->req[z->req_next++ % ZTP_REQUESTS];
	r->id = id;
	r->to = to;
	r->verb = verb;
	r->sent = ztp_now();
}

static zt_err send_datagram(struct ztp *z, const void *d, size_t len, const struct zt_inetaddr *to)
{
	struct sockaddr_storage ss;
	socklen_t sl = zt_inetaddr_to_sockaddr(to, &ss);
	if (!sl)
		return ZT_EINVALID;
	if (sendto(z->fd, d, len, 0, (struct sockaddr *)&ss, sl) < 0)
		return -errno;
	return ZT_OK;
}

/* The "sent" event: where to, what, and the exact bytes. */
static json_t *sent_event(uint8_t *pkt, size_t len, const struct zt_inetaddr *path,
			  unsigned verb, unsigned cipher)
{
	json_t *ev = ztp_event("sent");
	ztp_jset_address(ev, "to", zt_packet_dest(pkt));
	ztp_jset_inet(ev, "via", path);
	ztp_jset_str(ev, "verb", ztp_verb_name(verb));
	ztp_jset_int(ev, "verb_num", verb);
	ztp_jset_int(ev, "cipher", cipher);
	ztp_jset_hex64(ev, "packet_id", zt_packet_id(pkt));
	ztp_jset_int(ev, "hops", zt_packet_hops(pkt));
	ztp_jset_int(ev, "len", (long long)len);
	ztp_jset_hex(ev, "wire", pkt, len);
	uint8_t flags = pkt[ZT_PACKET_IDX_FLAGS];
	pkt[ZT_PACKET_IDX_FLAGS] = (uint8_t)(flags & ~ZT_PACKET_FLAGS_HOPS_MASK);
	ztp_jset_hex(ev, "wire_hops0", pkt, len);
	pkt[ZT_PACKET_IDX_FLAGS] = flags;
	return ev;
}

zt_err ztp_send(struct ztp *z, struct ztp_peer *to, const struct zt_inetaddr *path, uint8_t verb,
		const void *payload, size_t n, const struct ztp_send_opts *o, uint64_t *wire_id)
{
	uint8_t pkt[ZT_PROTO_MAX_PACKET_LENGTH];
	uint8_t frag[ZT_PROTO_MAX_PACKET_LENGTH];
	if (n > ZT_PACKET_MAX_PAYLOAD)
		return ZT_ETOOBIG;
	unsigned cipher = o && o->cipher >= 0 ? (unsigned)o->cipher : ztp_cipher_for(z, to);
	size_t len = zt_packet_init(pkt, zt_random_u64(), to->id.address, z->self.address, verb);
	if (n)
		memcpy(pkt + len, payload, n);
	len += n;
	zt_err err = ZT_OK;
	if (o && o->compress) {
		bool compressed;
		err = zt_packet_compress(pkt, &len, &compressed);
		if (err)
			return err;
	}
	bool fragmented = zt_fragment_needed(len, z->mtu);
	zt_packet_set_fragmented(pkt, fragmented);
	err = zt_packet_armor(pkt, len, &to->key, cipher);
	if (err)
		return err;
	unsigned hops = o ? o->hops & ZT_PACKET_FLAGS_HOPS_MASK : 0;
	pkt[ZT_PACKET_IDX_FLAGS] = (uint8_t)((pkt[ZT_PACKET_IDX_FLAGS] & ~ZT_PACKET_FLAGS_HOPS_MASK) | hops);
	if (wire_id)
		*wire_id = zt_packet_id(pkt);
	if (verb != ZT_VERB_OK && verb != ZT_VERB_ERROR) /* nobody answers those */
		request_remember(z, zt_packet_id(pkt), to->id.address, verb);

	bool print = (o && o->print) || z->verbose;
	json_t *ev = print || z->sent_log ? sent_event(pkt, len, path, verb, cipher) : NULL;
	if (ev && o && o->extra)
		json_object_update(ev, o->extra);
	json_t *frags = ev && fragmented ? json_array() : NULL; /* the datagrams as sent */
	if (!fragmented) {
		err = send_datagram(z, pkt, len, path);
	} else {
		int count = zt_fragment_count(len, z->mtu);
		if (count < 0)
			err = count;
		for (int i = 0; !err && i < count; i++) {
			long fl = zt_fragment_build(frag, sizeof frag, pkt, len, z->mtu, (unsigned)i);
			if (fl < 0) {
				err = (zt_err)fl;
				break;
			}
			if (i > 0)
				frag[ZT_FRAGMENT_IDX_HOPS] = (uint8_t)hops;
			if (frags)
				json_array_append_new(frags, ztp_json_hex(frag, (size_t)fl));
			err = send_datagram(z, frag, (size_t)fl, path);
		}
	}
	if (frags)
		json_object_set_new(ev, "fragments", frags);
	if (ev && z->sent_log)
		json_array_append_new(z->sent_log, json_deep_copy(ev));
	if (ev && print)
		ztp_emit(z, ev);
	else
		json_decref(ev);
	return err;
}

long ztp_build_hello(const struct ztp *z, uint8_t *out, size_t cap, const struct zt_identity *from,
		     struct zt_peer_key *key, uint64_t dest, const struct zt_inetaddr *sent_to)
{
	struct zt_verb_hello *h = calloc(1, sizeof *h);
	if (!h)
		return -ENOMEM;
	h->proto_version = z->proto;
	h->major = z->major;
	h->minor = z->minor;
	h->revision = z->revision;
	h->timestamp = ztp_wallclock();
	h->identity = *from;
	zt_identity_wipe(&h->identity);
	h->identity.has_private = false;
	if (sent_to)
		h->sent_to = *sent_to;
	h->planet_id = z->planet_id;
	h->planet_timestamp = z->planet_ts;

	long ret;
	if (cap < ZT_PACKET_HEADER_LENGTH) {
		ret = ZT_ENOSPACE;
		goto out;
	}
	size_t len = zt_packet_init(out, zt_random_u64(), dest, from->address, ZT_VERB_HELLO);
	struct zt_wbuf w = zt_wbuf_init(out + len, cap - len);
	size_t cf;
	zt_err err = zt_verb_hello_encode(h, &w, &cf);
	if (!err) {
		len += w.len;
		err = zt_packet_hello_cryptfield(out, len, ZT_PACKET_IDX_PAYLOAD + cf, key->key);
	}
	if (!err)
		err = zt_packet_armor(out, len, key, ZT_CIPHER_POLY1305_NONE);
	ret = err ? err : (long)len;
out:
	free(h);
	return ret;
}

zt_err ztp_send_hello(struct ztp *z, struct ztp_peer *to, const struct zt_inetaddr *path, uint64_t *wire_id)
{
	uint8_t pkt[ZT_PROTO_MAX_PACKET_LENGTH];
	long len = ztp_build_hello(z, pkt, sizeof pkt, &z->self, &to->key, to->id.address, path);
	if (len < 0)
		return (zt_err)len;
	request_remember(z, zt_packet_id(pkt), to->id.address, ZT_VERB_HELLO);
	if (wire_id)
		*wire_id = zt_packet_id(pkt);
	if (z->verbose)
		ztp_emit(z, sent_event(pkt, (size_t)len, path, ZT_VERB_HELLO, ZT_CIPHER_POLY1305_NONE));
	return send_datagram(z, pkt, (size_t)len, path);
}

zt_err ztp_send_raw(struct ztp *z, const void *d, size_t len, const struct zt_inetaddr *to)
{
	if (z->verbose) {
		json_t *ev = ztp_event("sent_raw");
		ztp_jset_inet(ev, "via", to);
		ztp_jset_int(ev, "len", (long long)len);
		ztp_jset_hex(ev, "wire", d, len);
		ztp_emit(z, ev);
	}
	return send_datagram(z, d, len, to);
}

zt_err ztp_send_whois(struct ztp *z, const uint64_t *addr, size_t n, uint64_t *wire_id)
{
	uint8_t payload[ZT_VERB_MAX_PAYLOAD];
	struct zt_wbuf w = zt_wbuf_init(payload, sizeof payload);
	for (size_t i = 0; i < n; i++)
		zt_wbuf_u40(&w, addr[i]);
	if (w.err || !z->root)
		return ZT_EINVALID;
	return ztp_send(z, z->root, &z->root_path, ZT_VERB_WHOIS, payload, w.len, NULL, wire_id);
}
