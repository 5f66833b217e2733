/* SPDX-License-Identifier: BSD-3-Clause
 * hs_tls_keycheck.c - does a private key belong to a certificate?
 *
 * wolfSSL_CTX_check_private_key() is the first check; this one compares
 * the public half of the private key with the certificate's public key
 * (EC: the point, RSA: modulus and exponent), because some wolfSSL
 * builds accept any P-256 key there (Debian's libwolfssl 5.5.4, the
 * fallback build, says "match" for a key of another certificate; a
 * server started like that fails every handshake).
 */
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/rsa.h>
#include <wolfssl/wolfcrypt/error-crypt.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hs_tls_int.h"

#define KC_MAX_FILE (1u << 20) /* a key or certificate file, PEM */
#define KC_MAX_PUB  1100u      /* RSA-8192 modulus + exponent, EC point */

/* The certificate's public key (SubjectPublicKeyInfo, DER) into buf. */
static int
kc_cert_spki(const char *cert_file, uint8_t *buf, int *len)
{
	WOLFSSL_X509 *x =
		wolfSSL_X509_load_certificate_file(cert_file, WOLFSSL_FILETYPE_PEM);
	int rc;

	if (x == NULL)
		return -EINVAL;
	rc = wolfSSL_X509_get_pubkey_buffer(x, buf, len);
	wolfSSL_X509_free(x);
	return rc == WOLFSSL_SUCCESS ? 0 : -EINVAL;
}

/* EC: the private key's public point (computed if the file omits it)
 * against the certificate's point, both uncompressed (X9.63). */
static int
kc_ec(const uint8_t *kder, word32 klen, const uint8_t *spki, word32 slen)
{
	ecc_key priv, pub;
	uint8_t a[2 * MAX_ECC_BYTES + 1], b[2 * MAX_ECC_BYTES + 1];
	word32 idx = 0, alen = sizeof(a), blen = sizeof(b);
	int rc = -EINVAL;

	if (wc_ecc_init(&priv) != 0)
		return -ENOMEM;
	if (wc_ecc_init(&pub) != 0) {
		wc_ecc_free(&priv);
		return -ENOMEM;
	}
	if (wc_EccPrivateKeyDecode(kder, &idx, &priv, klen) != 0)
		goto out;
	idx = 0;
	if (wc_EccPublicKeyDecode(spki, &idx, &pub, slen) != 0) {
		rc = 0; /* the certificate's key is not EC: no match */
		goto out;
	}
	if (priv.type == ECC_PRIVATEKEY_ONLY &&
	    wc_ecc_make_pub(&priv, NULL) != 0)
		goto out;
	if (wc_ecc_export_x963(&priv, a, &alen) != 0 ||
	    wc_ecc_export_x963(&pub, b, &blen) != 0)
		goto out;
	rc = alen == blen && memcmp(a, b, alen) == 0;
out:
	wc_ecc_free(&pub);
	wc_ecc_free(&priv);
	return rc;
}

/* RSA: modulus and public exponent of both. */
static int
kc_rsa(const uint8_t *kder, word32 klen, const uint8_t *spki, word32 slen)
{
	RsaKey priv, pub;
	uint8_t n1[KC_MAX_PUB], e1[8], n2[KC_MAX_PUB], e2[8];
	word32 idx = 0, n1l = sizeof(n1), e1l = sizeof(e1), n2l = sizeof(n2),
	       e2l = sizeof(e2);
	int rc = -EINVAL;

	if (wc_InitRsaKey(&priv, NULL) != 0)
		return -ENOMEM;
	if (wc_InitRsaKey(&pub, NULL) != 0) {
		wc_FreeRsaKey(&priv);
		return -ENOMEM;
	}
	if (wc_RsaPrivateKeyDecode(kder, &idx, &priv, klen) != 0)
		goto out;
	idx = 0;
	if (wc_RsaPublicKeyDecode(spki, &idx, &pub, slen) != 0) {
		rc = 0; /* the certificate's key is not RSA: no match */
		goto out;
	}
	if (wc_RsaFlattenPublicKey(&priv, e1, &e1l, n1, &n1l) != 0 ||
	    wc_RsaFlattenPublicKey(&pub, e2, &e2l, n2, &n2l) != 0)
		goto out;
	rc = n1l == n2l && e1l == e2l && memcmp(n1, n2, n1l) == 0 &&
	     memcmp(e1, e2, e1l) == 0;
out:
	wc_FreeRsaKey(&pub);
	wc_FreeRsaKey(&priv);
	return rc;
}

int
hs_tls_key_cert_match(const char *cert_file, const char *key_file)
{
	uint8_t spki[2 * KC_MAX_PUB];
	uint8_t *pem, *der;
	size_t pem_len = 0;
	int slen = (int)sizeof(spki), dlen, rc;
	word32 off = 0;

	rc = kc_cert_spki(cert_file, spki, &slen);
	if (rc < 0)
		return rc;
	pem = (uint8_t *)hs_tls_read_file(key_file, KC_MAX_FILE, &pem_len);
	if (pem == NULL)
		return -errno;
	der = malloc(pem_len);
	if (der == NULL) {
		free(pem);
		return -ENOMEM;
	}
	dlen = wc_KeyPemToDer(pem, (int)pem_len, der, (int)pem_len, NULL);
	if (dlen <= 0) {
		rc = -EINVAL;
		goto out;
	}
	/* PKCS#8 ("PRIVATE KEY"): the algorithm's own key inside */
	if (wc_GetPkcs8TraditionalOffset(der, &off, (word32)dlen) < 0)
		off = 0;
	rc = kc_ec(der + off, (word32)dlen - off, spki, (word32)slen);
	if (rc < 0) /* not an EC key */
		rc = kc_rsa(der + off, (word32)dlen - off, spki, (word32)slen);
out:
	memset(der, 0, pem_len);
	free(der);
	memset(pem, 0, pem_len);
	free(pem);
	return rc;
}
