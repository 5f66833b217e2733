/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tls_ocsp.h - OCSP stapling from a DER file (RFC 6066 §8 status_request;
 * TLS 1.3: the leaf's CertificateEntry extension, RFC 8446 §4.4.2.1).
 *
 * The operator (or a cron job running "openssl ocsp -respout") keeps a
 * DER OCSPResponse for the server certificate in a file; we never fetch
 * anything from the network.  wolfSSL 5.5.4 can only staple through its
 * OCSP lookup machinery, so the context gets:
 *   - OCSP stapling on, with an OCSP I/O callback that answers every
 *     lookup with the file's bytes (no socket; the URL is ignored, and an
 *     override URL is set so certificates without an AIA OCSP URI work);
 *   - the certificate's issuer (the second certificate of the --cert
 *     chain file) in the context's trust store: wolfSSL needs it to build
 *     the CertID and checks the response's signature and CertID with it,
 *     so a response that does not match the certificate is not stapled.
 * Because that trust store is also the one client certificates are
 * verified with, stapling is refused together with client
 * authentication (the server's issuer would become a client CA).
 *
 * wolfSSL keeps a verified response per certificate and staples it until
 * the response's nextUpdate, asking our callback again only then; a
 * response without nextUpdate is asked for on every handshake.  So
 * hs_tls_ocsp_reload() replaces the bytes the callback serves and they
 * are stapled once the cached response expires; to staple a new file at
 * once, build a new context (as a certificate reload does).  Reloads
 * closer than a second apart are refused (-EBUSY).
 *
 * Threads: lcores run the callback while the main thread may reload; the
 * two buffers are swapped with a release store and an old buffer is only
 * freed by the reload after the next one (a callback copies in well under
 * the time between two reloads, which we rate-limit to one per second).
 */
#ifndef HS_TLS_OCSP_H
#define HS_TLS_OCSP_H

#include <stddef.h>

struct WOLFSSL_CTX;
struct hs_tls_ocsp;

/* Largest OCSP response file accepted. */
#define HS_TLS_OCSP_MAX (64u * 1024)

/* Read staple_file and set the context up to staple it for the
 * certificate chain in cert_file.  0 and *out, or a negative code with a
 * one-line reason naming the file in err. */
int hs_tls_ocsp_setup(struct WOLFSSL_CTX *wctx, const char *cert_file,
		      const char *staple_file, struct hs_tls_ocsp **out,
		      char *err, size_t errlen);

/* Re-read the file in place.  On failure the previous response stays
 * in service and err says why; -EBUSY if called again within a second.
 * Reached through hs_tls_reload_ocsp() (hs_tls.h), which httpsd itself
 * does not call: its SIGHUP builds new contexts instead. */
int hs_tls_ocsp_reload(struct hs_tls_ocsp *o, char *err, size_t errlen);

/* Bytes currently served (the unit tests; httpsd does not call it). */
size_t hs_tls_ocsp_len(const struct hs_tls_ocsp *o);

/* After the context is freed. */
void hs_tls_ocsp_free(struct hs_tls_ocsp *o);

#endif
