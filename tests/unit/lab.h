/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_TEST_LAB_H
#define ZT_TEST_LAB_H

#include <stddef.h>
#include <stdint.h>

#include "vec.h"

/* The lab capture files (tests/vectors/README.md §4), in order. */
extern const char *const lab_captures[];
extern const size_t lab_ncaptures;

/*
 * The 48-byte key of a lab pair ("root-a", "root-b", "a-b") from lab/keys.txt, loaded once per
 * process. Aborts the test if the pair is unknown. Returns key.
 */
const uint8_t *lab_pair_key(const char *pair, uint8_t key[48]);

#endif
