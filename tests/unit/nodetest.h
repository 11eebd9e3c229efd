/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_TEST_NODETEST_H
#define ZT_TEST_NODETEST_H

#include "nodesim.h"
#include "vec.h"

/*
 * The fixture shared by the engine tests: one simulated network S, the lab identities (R = lab
 * root, A, B; C = identities.txt id1) as secret strings, and helpers that drive it.
 */

#define IP_R "10.0.1.1/9993"
#define IP_A "10.0.2.1/9993"
#define IP_B "10.0.3.1/9993"
#define IP_C "10.0.4.1/9993"

extern struct sim S;
extern const char *sec_r, *sec_a, *sec_b, *sec_c;

void nt_setup(void);
void nt_teardown(void);
struct zt_node *N(int i);
/* Node i adds node `root` as a static root (at its sim address). */
void add_root(int i, int root);
struct zt_node_peer_info peer_info(int i, int of);
/* The harness speaks for identity x: a HELLO from x at `from` makes node i learn x. */
void hello_from(int i, const struct zt_identity *x, const char *from);
/* A cipher-1 packet from x at `from` to node i; returns zt_node_receive's result. */
int inject_packet(int i, const struct zt_identity *x, const char *from, uint8_t verb, const void *payload, size_t len,
		  unsigned hops);
/* R (relaying, like a root), A and B; both leaves online through R. */
void three_nodes(int *r, int *a, int *b);
/* three_nodes, then A pings B through R and R introduces them: a direct path both ways. */
void direct_pair(int *r, int *a, int *b);

#endif
