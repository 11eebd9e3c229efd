/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_VERBS_H
#define ZT_VERBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "constants.h"
#include "err.h"
#include "identity.h"
#include "inetaddr.h"
#include "packet.h"

/*
 * Payload codecs for the VL1 verbs (spec/verbs.md). A payload is the plaintext after the verb byte,
 * i.e. packet bytes 28..end after dearmor and decompression; for OK and ERROR it starts with the
 * in-re verb and in-re packet ID.
 *
 * Decoders read through a bounds-checked zt_buf, fill fixed-size structs and never allocate. Pointer
 * fields (ECHO data, worlds, dictionaries, COMs) point into the caller's input and live as long as it.
 * They accept what a 1.x receiver acts on and reject what makes it drop the packet: mandatory fields
 * missing (ZT_ETRUNCATED), an optional group cut in the middle (ZT_ETRUNCATED), bad type or length
 * bytes (ZT_EMALFORMED, or the identity/InetAddress reader's code), and lists longer than the arrays
 * (ZT_ETOOBIG; the arrays hold what fits in a maximal packet unless stated). Bytes after the last
 * field are ignored, as 1.x does. On error the output struct is unspecified.
 *
 * Encoders append to a caller-owned zt_wbuf and return ZT_OK, ZT_EINVALID (a count over the array
 * size or a field that cannot be encoded) or ZT_ENOSPACE (w->err is set).
 */

#define ZT_VERB_MAX_PAYLOAD ZT_PACKET_MAX_PAYLOAD /* 9996 */
#define ZT_VERB_OK_HEADER_LEN 9                   /* in-re verb + in-re packet ID */
#define ZT_VERB_ERROR_HEADER_LEN 10               /* ... + error code */
#define ZT_VERB_MULTICAST_GROUP_LEN 18            /* nwid + MAC + ADI */
#define ZT_MAC_LEN 6

/* ---------------------------------------------------------------- OK framing (§2) */
struct zt_verb_ok {
	uint8_t in_re_verb;
	uint64_t in_re_packet_id; /* as on the wire (for cipher 3, the tag-derived ID) */
	const uint8_t *body;      /* verb-specific part, into the input */
	size_t body_len;
};
/* Splits an OK payload into its 9-byte header and the rest (for dispatch on in_re_verb). */
zt_err zt_verb_ok_decode(struct zt_verb_ok *ok, const uint8_t *p, size_t n);
/* Appends the 9-byte OK header; the caller appends the verb-specific part. */
void zt_verb_ok_header_encode(struct zt_wbuf *w, uint8_t in_re_verb, uint64_t in_re_packet_id);

/* ---------------------------------------------------------------- HELLO (§3) */
#define ZT_VERB_HELLO_MIN_LEN 84 /* version(5) timestamp(8) identity(71): the mandatory part */
#define ZT_VERB_HELLO_MOON_LEN 17
/* Moons kept from a HELLO; further ones are parsed and ignored (a node orbits a handful at most). */
#define ZT_VERB_HELLO_MAX_MOONS 32

struct zt_verb_hello_moon {
	uint8_t type;       /* ZT_WORLD_TYPE_MOON (127) from 1.x */
	uint64_t id;
	uint64_t timestamp; /* 0 = wanted but not held */
};

struct zt_verb_hello {
	uint8_t proto_version;
	uint8_t major, minor;
	uint16_t revision;
	uint64_t timestamp;
	struct zt_identity identity; /* public */
	/* Optional tail, in order; each group is present only if the previous one is. */
	bool has_sent_to;
	struct zt_inetaddr sent_to; /* may be nil even when present */
	bool has_planet;
	uint64_t planet_id, planet_timestamp;
	bool has_moons;
	uint16_t moon_count; /* as on the wire; moons[] holds min(moon_count, ZT_VERB_HELLO_MAX_MOONS) */
	struct zt_verb_hello_moon moons[ZT_VERB_HELLO_MAX_MOONS];
	size_t cryptfield_offset; /* decode: payload offset of the moon count, 0 if has_moons is false */
};

/*
 * Decodes a HELLO payload whose cryptField has already been decrypted (zt_packet_hello_cryptfield at
 * packet offset 28 + zt_verb_hello_cryptfield_offset()). An identity with a private key is
 * ZT_EMALFORMED.
 */
zt_err zt_verb_hello_decode(struct zt_verb_hello *h, const uint8_t *p, size_t n);
/*
 * Payload offset where the cryptField starts (the moon count), found by parsing the fields before it.
 * Returns ZT_OK, ZT_ENOTFOUND if the HELLO ends before it (nothing to decrypt), or a decode error.
 */
zt_err zt_verb_hello_cryptfield_offset(const uint8_t *p, size_t n, size_t *offset);
/*
 * Appends a HELLO as 1.14.1 writes it: every field, including sent_to (nil if the family is nil), the
 * planet and the moon list (moon_count entries of moons[]; has_* flags are ignored). The cryptField
 * is NOT applied: *cryptfield_offset (if not NULL) receives its payload offset, relative to where
 * this payload starts in w; the packet offset is 28 more.
 */
zt_err zt_verb_hello_encode(const struct zt_verb_hello *h, struct zt_wbuf *w, size_t *cryptfield_offset);

/* ---------------------------------------------------------------- OK(HELLO) (§4) */
#define ZT_VERB_OK_HELLO_MIN_LEN 22 /* OK header(9) timestamp(8) versions(5) */

struct zt_verb_ok_hello {
	uint64_t in_re_packet_id;
	uint64_t timestamp_echo;
	uint8_t proto_version;
	uint8_t major, minor;
	uint16_t revision;
	bool has_observed;
	struct zt_inetaddr observed; /* the requester's address as the responder saw it */
	const uint8_t *worlds;       /* concatenated worlds (read with zt_world_read), into the input */
	size_t worlds_len;           /* 0 if none or absent */
};
/* The in-re verb must be HELLO (else ZT_EMALFORMED). */
zt_err zt_verb_ok_hello_decode(struct zt_verb_ok_hello *o, const uint8_t *p, size_t n);
/* Always writes the observed address (nil if the family is nil) and the world length (0 if no worlds). */
zt_err zt_verb_ok_hello_encode(const struct zt_verb_ok_hello *o, struct zt_wbuf *w);

/* ---------------------------------------------------------------- ERROR (§2) */
struct zt_verb_error {
	uint8_t in_re_verb;
	uint64_t in_re_packet_id;
	uint8_t code;              /* ZT_ERROR_* */
	bool has_nwid;
	uint64_t nwid;
	uint8_t mac[ZT_MAC_LEN];   /* UNWANTED_MULTICAST only */
	uint32_t adi;              /* UNWANTED_MULTICAST only */
	const uint8_t *dict;       /* NETWORK_AUTHENTICATION_REQUIRED: the Dictionary, into the input; or NULL */
	size_t dict_len;
};
/*
 * The network ID is mandatory for NEED_MEMBERSHIP_CERTIFICATE, NETWORK_ACCESS_DENIED,
 * UNWANTED_MULTICAST (with MAC and ADI) and NETWORK_AUTHENTICATION_REQUIRED, and for OBJ_NOT_FOUND
 * and UNSUPPORTED_OPERATION in reply to NETWORK_CONFIG_REQUEST; elsewhere it is read if present.
 * An authentication Dictionary whose length exceeds the packet is ignored (dict = NULL), as in 1.x.
 */
zt_err zt_verb_error_decode(struct zt_verb_error *e, const uint8_t *p, size_t n);
/*
 * Writes the nwid if has_nwid (required for the codes that need it), MAC and ADI for
 * UNWANTED_MULTICAST, and for NETWORK_AUTHENTICATION_REQUIRED the length and Dictionary if dict.
 */
zt_err zt_verb_error_encode(const struct zt_verb_error *e, struct zt_wbuf *w);

/* ---------------------------------------------------------------- WHOIS and OK(WHOIS) (§5) */
#define ZT_VERB_WHOIS_MAX_ADDRESSES (ZT_VERB_MAX_PAYLOAD / ZT_ADDRESS_LENGTH)
#define ZT_VERB_OK_WHOIS_MAX_IDENTITIES \
	((ZT_VERB_MAX_PAYLOAD - ZT_VERB_OK_HEADER_LEN) / ZT_IDENTITY_PUBLIC_BINARY_LEN)

struct zt_verb_whois {
	size_t count; /* at least 1 */
	uint64_t addresses[ZT_VERB_WHOIS_MAX_ADDRESSES];
};
/* Trailing bytes short of a whole address are ignored (1.x does the same). */
zt_err zt_verb_whois_decode(struct zt_verb_whois *q, const uint8_t *p, size_t n);
zt_err zt_verb_whois_encode(const struct zt_verb_whois *q, struct zt_wbuf *w);

struct zt_verb_ok_whois {
	uint64_t in_re_packet_id;
	size_t count; /* at least 1; 1.x uses only the first */
	struct zt_identity identities[ZT_VERB_OK_WHOIS_MAX_IDENTITIES];
};
/* Identities must be public type-0 forms, back to back up to the end of the payload. */
zt_err zt_verb_ok_whois_decode(struct zt_verb_ok_whois *o, const uint8_t *p, size_t n);
zt_err zt_verb_ok_whois_encode(const struct zt_verb_ok_whois *o, struct zt_wbuf *w);

/* ---------------------------------------------------------------- RENDEZVOUS (§6) */
struct zt_verb_rendezvous {
	uint8_t flags;
	uint64_t address;        /* the other peer */
	struct zt_inetaddr addr; /* where it is: IPv4 or IPv6 with port (the port may be 0; policy is the caller's) */
};
/* An IP length other than 4 or 16 is ZT_EMALFORMED. */
zt_err zt_verb_rendezvous_decode(struct zt_verb_rendezvous *r, const uint8_t *p, size_t n);
/* addr must be IPv4 or IPv6 (else ZT_EINVALID). */
zt_err zt_verb_rendezvous_encode(const struct zt_verb_rendezvous *r, struct zt_wbuf *w);

/* ---------------------------------------------------------------- ECHO and OK(ECHO) (§9) */
struct zt_verb_echo {
	uint64_t in_re_packet_id; /* OK(ECHO) only */
	const uint8_t *data;      /* into the input; may be empty */
	size_t len;
};
/* Any payload is valid. */
zt_err zt_verb_echo_decode(struct zt_verb_echo *e, const uint8_t *p, size_t n);
zt_err zt_verb_echo_encode(const struct zt_verb_echo *e, struct zt_wbuf *w);
/* The in-re verb must be ECHO. */
zt_err zt_verb_ok_echo_decode(struct zt_verb_echo *e, const uint8_t *p, size_t n);
zt_err zt_verb_ok_echo_encode(const struct zt_verb_echo *e, struct zt_wbuf *w);

/* ---------------------------------------------------------------- MULTICAST_LIKE (§10) */
#define ZT_VERB_LIKE_MAX_GROUPS (ZT_VERB_MAX_PAYLOAD / ZT_VERB_MULTICAST_GROUP_LEN)

struct zt_multicast_group {
	uint64_t nwid;
	uint8_t mac[ZT_MAC_LEN];
	uint32_t adi;
};

struct zt_verb_multicast_like {
	size_t count; /* at least 1 */
	struct zt_multicast_group groups[ZT_VERB_LIKE_MAX_GROUPS];
};
/* Trailing bytes short of a whole tuple are ignored (1.x does the same). */
zt_err zt_verb_multicast_like_decode(struct zt_verb_multicast_like *l, const uint8_t *p, size_t n);
zt_err zt_verb_multicast_like_encode(const struct zt_verb_multicast_like *l, struct zt_wbuf *w);

/* ---------------------------------------------------------------- MULTICAST_GATHER (§13) */
#define ZT_VERB_GATHER_MIN_LEN 23
#define ZT_VERB_GATHER_FLAG_COM 0x01
#define ZT_VERB_OK_GATHER_MIN_LEN (ZT_VERB_OK_HEADER_LEN + 24)
#define ZT_VERB_OK_GATHER_MAX_ADDRESSES ((ZT_VERB_MAX_PAYLOAD - ZT_VERB_OK_GATHER_MIN_LEN) / ZT_ADDRESS_LENGTH)

struct zt_verb_multicast_gather {
	uint64_t nwid;
	uint8_t flags;
	uint8_t mac[ZT_MAC_LEN];
	uint32_t adi;
	uint32_t limit;
	const uint8_t *com; /* flags & 0x01: the rest of the payload (a COM, not parsed here; must not be empty) */
	size_t com_len;
};
zt_err zt_verb_multicast_gather_decode(struct zt_verb_multicast_gather *g, const uint8_t *p, size_t n);
/* Writes com only if flags has ZT_VERB_GATHER_FLAG_COM. */
zt_err zt_verb_multicast_gather_encode(const struct zt_verb_multicast_gather *g, struct zt_wbuf *w);

struct zt_verb_ok_multicast_gather {
	uint64_t in_re_packet_id;
	uint64_t nwid;
	uint8_t mac[ZT_MAC_LEN];
	uint32_t adi;
	uint32_t total_known;
	size_t count;
	uint64_t addresses[ZT_VERB_OK_GATHER_MAX_ADDRESSES];
};
/* The in-re verb must be MULTICAST_GATHER; all `count` addresses must be present. */
zt_err zt_verb_ok_multicast_gather_decode(struct zt_verb_ok_multicast_gather *o, const uint8_t *p, size_t n);
zt_err zt_verb_ok_multicast_gather_encode(const struct zt_verb_ok_multicast_gather *o, struct zt_wbuf *w);

/* ---------------------------------------------------------------- PUSH_DIRECT_PATHS (§15) */
#define ZT_VERB_PUSH_FLAG_FORGET 0x01
#define ZT_VERB_PUSH_FLAG_CLUSTER_REDIRECT 0x02
/* Paths kept from one push; a 1.x receiver tries at most 8 per scope and family anyway. */
#define ZT_VERB_PUSH_MAX_PATHS 64

struct zt_verb_push_path {
	uint8_t flags;
	struct zt_inetaddr addr; /* IPv4 or IPv6 */
};

struct zt_verb_push_direct_paths {
	uint16_t count;      /* records on the wire */
	size_t path_count;   /* IPv4/IPv6 records kept in paths[]; other address types are skipped */
	struct zt_verb_push_path paths[ZT_VERB_PUSH_MAX_PATHS];
};
/*
 * Extensions are skipped. A record of type 4 or 6 must have address length 6 or 18
 * (ZT_EMALFORMED); other types are skipped by their length, as 1.x does. Records beyond
 * ZT_VERB_PUSH_MAX_PATHS are parsed and not kept.
 */
zt_err zt_verb_push_direct_paths_decode(struct zt_verb_push_direct_paths *d, const uint8_t *p, size_t n);
/* Writes paths[0..path_count-1] with no extension; each must be IPv4 or IPv6. `count` is ignored. */
zt_err zt_verb_push_direct_paths_encode(const struct zt_verb_push_direct_paths *d, struct zt_wbuf *w);

/* ---------------------------------------------------------------- NETWORK_CONFIG_REQUEST (§12) */
#define ZT_VERB_NCR_MIN_LEN 10

struct zt_verb_network_config_request {
	uint64_t nwid;
	const uint8_t *metadata; /* Dictionary bytes (zt_dict_parse), into the input */
	size_t metadata_len;
	uint64_t revision;       /* revision and timestamp of the config held; 0 if none or not sent */
	uint64_t timestamp;
};
/* Revision and timestamp are each read if 8 more bytes are present, as in 1.x. */
zt_err zt_verb_network_config_request_decode(struct zt_verb_network_config_request *r, const uint8_t *p, size_t n);
/* Always writes revision and timestamp (1.14 does). */
zt_err zt_verb_network_config_request_encode(const struct zt_verb_network_config_request *r,
					      struct zt_wbuf *w);

#endif
