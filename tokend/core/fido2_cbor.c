/*
 * fido2_cbor.c - authenticator data checked before libfido2 sees it
 * (fido2_authdata_check, fido2_authdata_rp_ok in fido2.h).
 *
 * libfido2 hands CBOR to libcbor, which (0.8) allocates what an array or
 * map head declares before reading a single item: five bytes such as
 * 9a 9a 9a 9a 9a, sent as authenticator data, made it take and touch
 * some 20 GB (found by fuzz/fuzz_fido2).  So kagid walks the data itself
 * first: one definite byte string spanning the whole field, the fixed
 * part of authenticator data, then only complete CBOR items whose every
 * declared length and count fits in the bytes that remain, nested at
 * most CBOR_DEPTH_MAX deep, definite lengths only.  The walk reads each
 * byte at most once and allocates nothing.  The same walk finds the
 * credProtect level of a registration's extensions
 * (fido2_authdata_cred_prot), which libfido2 compares but does not tell.
 */
#include "config.h"

#include <string.h>

#include <openssl/evp.h>

#include "fido2.h"
#include "kagi_err.h"
#include "wipe.h"

#define CBOR_DEPTH_MAX 8
#define AD_FIXED 37		/* rpIdHash(32) | flags(1) | signCount(4) */
#define AD_FLAG_AT 0x40		/* attested credential data follows */
#define AD_FLAG_ED 0x80		/* extensions follow */

/* The head of the item at p[*off]: major type and argument. */
static int
head(const uint8_t *p, size_t len, size_t *off, unsigned *mt, uint64_t *v)
{
	unsigned ai;
	size_t n, i;

	if (*off >= len)
		return KAGI_ERR_INVALID;
	*mt = p[*off] >> 5;
	ai = p[*off] & 0x1f;
	(*off)++;
	if (ai < 24) {
		*v = ai;
		return 0;
	}
	if (ai > 27)		/* reserved, or an indefinite length */
		return KAGI_ERR_INVALID;
	n = (size_t)1 << (ai - 24);
	if (len - *off < n)
		return KAGI_ERR_INVALID;
	for (*v = 0, i = 0; i < n; i++)
		*v = *v << 8 | p[(*off)++];
	return 0;
}

/* One complete item from p[*off]; *off moves past it. */
static int
item(const uint8_t *p, size_t len, size_t *off, int depth)
{
	unsigned mt;
	uint64_t v, i;
	int r;

	if (depth > CBOR_DEPTH_MAX)
		return KAGI_ERR_INVALID;
	if ((r = head(p, len, off, &mt, &v)) != 0)
		return r;
	switch (mt) {
	case 2:			/* byte string */
	case 3:			/* text string */
		if (v > len - *off)
			return KAGI_ERR_INVALID;
		*off += (size_t)v;
		return 0;
	case 4:			/* array: at least a byte an item */
	case 5:			/* map: two items an entry */
		if (v > (len - *off) / (mt == 5 ? 2 : 1))
			return KAGI_ERR_INVALID;
		for (i = 0; i < v * (mt == 5 ? 2 : 1); i++)
			if ((r = item(p, len, off, depth + 1)) != 0)
				return r;
		return 0;
	case 6:			/* tag */
		return item(p, len, off, depth + 1);
	default:		/* integers, simple values, floats */
		return 0;
	}
}

/* The byte string that must span all of ad: its contents. */
static int
outer(const uint8_t *ad, size_t adlen, const uint8_t **raw, size_t *rawlen)
{
	size_t off = 0;
	unsigned mt;
	uint64_t v;

	if (ad == NULL || adlen == 0 || adlen > FIDO2_AUTHDATA_MAX ||
	    head(ad, adlen, &off, &mt, &v) != 0 || mt != 2 ||
	    v != adlen - off)
		return KAGI_ERR_INVALID;
	*raw = ad + off;
	*rawlen = (size_t)v;
	return 0;
}

int
fido2_authdata_check(const uint8_t *ad, size_t adlen)
{
	const uint8_t *raw;
	size_t rawlen, off = AD_FIXED, idlen;
	int r;

	if ((r = outer(ad, adlen, &raw, &rawlen)) != 0)
		return r;
	if (rawlen < AD_FIXED)
		return KAGI_ERR_INVALID;
	if (raw[32] & AD_FLAG_AT) {
		/* aaguid(16) | credIdLen(2) | credId, then the COSE key */
		if (rawlen - off < 18)
			return KAGI_ERR_INVALID;
		idlen = (size_t)raw[off + 16] << 8 | raw[off + 17];
		off += 18;
		if (idlen > rawlen - off)
			return KAGI_ERR_INVALID;
		off += idlen;
	}
	/* The COSE key and extensions: complete items, nothing else. */
	while (off < rawlen)
		if ((r = item(raw, rawlen, &off, 0)) != 0)
			return r;
	return 0;
}

int
fido2_authdata_rp_ok(const char *rp_id, const uint8_t *ad, size_t adlen)
{
	const uint8_t *raw;
	size_t rawlen;
	uint8_t h[32];
	unsigned int n = 0;

	if (rp_id == NULL || outer(ad, adlen, &raw, &rawlen) != 0 ||
	    rawlen < sizeof(h) ||
	    EVP_Digest(rp_id, strlen(rp_id), h, &n, EVP_sha256(), NULL) != 1 ||
	    n != sizeof(h))
		return 0;
	return kagi_ct_memcmp(raw, h, sizeof(h)) == 0;
}

/* The extensions map at raw[*off]: credProtect's level, or 0. */
static int
ext_cred_prot(const uint8_t *raw, size_t rawlen, size_t *off, int *prot)
{
	static const char name[] = "credProtect";
	const size_t nlen = sizeof(name) - 1;
	unsigned mt;
	uint64_t n, i, v;
	int r;

	*prot = 0;
	if ((r = head(raw, rawlen, off, &mt, &n)) != 0)
		return r;
	if (mt != 5 || n > (rawlen - *off) / 2)
		return KAGI_ERR_INVALID;
	for (i = 0; i < n; i++) {
		/* Only credProtect, once, as a small unsigned integer. */
		if ((r = head(raw, rawlen, off, &mt, &v)) != 0)
			return r;
		if (mt != 3 || v != nlen || rawlen - *off < nlen ||
		    memcmp(raw + *off, name, nlen) != 0 || *prot != 0)
			return KAGI_ERR_INVALID;
		*off += nlen;
		if ((r = head(raw, rawlen, off, &mt, &v)) != 0)
			return r;
		if (mt != 0 || v < 1 || v > 3)
			return KAGI_ERR_INVALID;
		*prot = (int)v;
	}
	return 0;
}

int
fido2_authdata_cred_prot(const uint8_t *ad, size_t adlen, int *prot)
{
	const uint8_t *raw;
	size_t rawlen, off = AD_FIXED, idlen;
	int r, p = 0;

	*prot = 0;
	if ((r = fido2_authdata_check(ad, adlen)) != 0 ||
	    (r = outer(ad, adlen, &raw, &rawlen)) != 0)
		return r;
	if ((raw[32] & AD_FLAG_AT) == 0 || rawlen - off < 18)
		return KAGI_ERR_INVALID;
	idlen = (size_t)raw[off + 16] << 8 | raw[off + 17];
	off += 18;
	if (idlen > rawlen - off)
		return KAGI_ERR_INVALID;
	off += idlen;
	/* The COSE key, then the extensions when the flag says so. */
	if ((r = item(raw, rawlen, &off, 0)) != 0)
		return r;
	if ((raw[32] & AD_FLAG_ED) != 0 &&
	    (r = ext_cred_prot(raw, rawlen, &off, &p)) != 0)
		return r;
	if (off != rawlen)
		return KAGI_ERR_INVALID;
	*prot = p;
	return 0;
}
