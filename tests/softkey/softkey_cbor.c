/*
 * softkey_cbor.c - the CBOR the software FIDO2 key writes and reads.
 *
 * Written: integers in their shortest encoding, definite maps and arrays,
 * map keys added in CTAP canonical order by the callers (libfido2 checks
 * both).  Read: lookups in a request map that tolerate any key type and
 * return NULL for what is absent; callers check the value's type.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "softkey_int.h"

/* --- CBOR building ---------------------------------------------------- */

cbor_item_t *
sk_build_uint(uint64_t v)
{
	if (v <= UINT8_MAX)
		return cbor_build_uint8((uint8_t)v);
	if (v <= UINT16_MAX)
		return cbor_build_uint16((uint16_t)v);
	return cbor_build_uint32((uint32_t)v);
}

/* A COSE or CTAP integer key or value in -256..255. */
cbor_item_t *
sk_build_int(int v)
{
	if (v >= 0)
		return cbor_build_uint8((uint8_t)v);
	return cbor_build_negint8((uint8_t)(-1 - v));
}

/* Adds KEY -> VAL to MAP and drops the caller's references, whatever
 * happens; 0 or -1. */
int
sk_map_put(cbor_item_t *map, cbor_item_t *key, cbor_item_t *val)
{
	int ok = key != NULL && val != NULL &&
	    cbor_map_add(map, (struct cbor_pair){ .key = key, .value = val });

	if (key != NULL)
		cbor_decref(&key);
	if (val != NULL)
		cbor_decref(&val);
	return ok ? 0 : -1;
}

int
sk_array_put(cbor_item_t *arr, cbor_item_t *val)
{
	int ok = val != NULL && cbor_array_push(arr, val);

	if (val != NULL)
		cbor_decref(&val);
	return ok ? 0 : -1;
}

/* COSE_Key of a P-256 public key: {1: 2, 3: alg, -1: 1, -2: x, -3: y}. */
cbor_item_t *
sk_cose_p256(EVP_PKEY *key, int alg)
{
	unsigned char	 x[32], y[32];
	cbor_item_t	*m;

	if (softkey_p256_xy(key, x, y) != 0 ||
	    (m = cbor_new_definite_map(5)) == NULL)
		return NULL;
	if (sk_map_put(m, sk_build_int(1), sk_build_int(2)) != 0 ||
	    sk_map_put(m, sk_build_int(3), sk_build_int(alg)) != 0 ||
	    sk_map_put(m, sk_build_int(-1), sk_build_int(1)) != 0 ||
	    sk_map_put(m, sk_build_int(-2), cbor_build_bytestring(x, 32)) != 0 ||
	    sk_map_put(m, sk_build_int(-3), cbor_build_bytestring(y, 32)) != 0) {
		cbor_decref(&m);
		return NULL;
	}
	return m;
}

/* Encodes MAP as the reply body (and drops it). */
int
sk_finish(struct reply *rp, cbor_item_t *map)
{
	size_t alloc = 0;

	if (map == NULL) {
		rp->status = ST_OTHER;
		return -1;
	}
	rp->body_len = cbor_serialize_alloc(map, &rp->body, &alloc);
	cbor_decref(&map);
	if (rp->body_len == 0) {
		free(rp->body);
		rp->body = NULL;
		rp->status = ST_OTHER;
		return -1;
	}
	rp->status = ST_OK;
	return 0;
}

/* --- CBOR reading ---------------------------------------------------- */

cbor_item_t *
sk_map_get_uint(const cbor_item_t *map, uint64_t key)
{
	struct cbor_pair	*p = cbor_map_handle(map);
	size_t			 n = cbor_map_size(map);

	for (size_t i = 0; i < n; i++)
		if (cbor_isa_uint(p[i].key) && cbor_get_int(p[i].key) == key)
			return p[i].value;
	return NULL;
}

int
sk_text_is(const cbor_item_t *item, const char *s)
{
	return cbor_isa_string(item) && cbor_string_is_definite(item) &&
	    cbor_string_length(item) == strlen(s) &&
	    memcmp(cbor_string_handle(item), s, strlen(s)) == 0;
}

cbor_item_t *
sk_map_get_text(const cbor_item_t *map, const char *key)
{
	struct cbor_pair	*p;
	size_t			 n;

	if (map == NULL || !cbor_isa_map(map))
		return NULL;
	p = cbor_map_handle(map);
	n = cbor_map_size(map);
	for (size_t i = 0; i < n; i++)
		if (sk_text_is(p[i].key, key))
			return p[i].value;
	return NULL;
}

int
sk_is_bytes(const cbor_item_t *item)
{
	return item != NULL && cbor_isa_bytestring(item) &&
	    cbor_bytestring_is_definite(item);
}

/* An options map entry: -1 absent, 0 false, 1 true, -2 not a bool. */
int
sk_option(const cbor_item_t *opts, const char *name)
{
	cbor_item_t *v = sk_map_get_text(opts, name);

	if (v == NULL)
		return -1;
	if (!cbor_is_bool(v))
		return -2;
	return cbor_get_bool(v) ? 1 : 0;
}

/* An integer in -256..255 (COSE labels and values), or INT32_MIN. */
int
sk_small_int(const cbor_item_t *item)
{
	uint64_t v;

	if (item == NULL || !cbor_is_int(item))
		return INT32_MIN;
	v = cbor_get_int(item);
	if (v > 255)
		return INT32_MIN;
	return cbor_isa_uint(item) ? (int)v : -1 - (int)v;
}

cbor_item_t *
sk_map_get_int(const cbor_item_t *map, int key)
{
	struct cbor_pair	*p = cbor_map_handle(map);
	size_t			 n = cbor_map_size(map);

	for (size_t i = 0; i < n; i++)
		if (sk_small_int(p[i].key) == key)
			return p[i].value;
	return NULL;
}
