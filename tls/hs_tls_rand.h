/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tls_rand.h - random blocks for the tuned wolfSSL (hs_tls_rand.c). */
#ifndef HS_TLS_RAND_H
#define HS_TLS_RAND_H

/* sz random bytes from the kernel's CSPRNG through a per-thread buffer
 * into out: 0, or -1 (getrandom failed). */
int hs_tls_rand_block(unsigned char *out, unsigned int sz);
/* Bytes still unused in this thread's buffer, and bytes this thread
 * handed out so far (for tests). */
unsigned int hs_tls_rand_buffered(void);
unsigned long long hs_tls_rand_served(void);

#endif
