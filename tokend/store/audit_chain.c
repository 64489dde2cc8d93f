/*
 * audit_chain.c - the audit record encoding, the link-by-link check and
 * the JSON-lines archive form (audit_chain.h).
 *
 * Guarantees: one hash function for the store and for kagictl; hashes are
 * compared in constant time; an archive is read through the bounded line
 * reader and the strict JSON parser, every key checked for type and no
 * unknown key accepted, so a tampered or malformed line is named by its
 * line number and never half-read.
 */
#include "config.h"

#include <string.h>

#include <openssl/evp.h>

#include "audit_chain.h"
#include "kagi_err.h"
#include "proto.h"
#include "rbuf.h"
#include "wipe.h"

static void
enc_int(uint8_t out[8], int64_t v)
{
	uint64_t u = (uint64_t)v;
	int i;

	for (i = 7; i >= 0; i--) {
		out[i] = (uint8_t)(u & 0xff);
		u >>= 8;
	}
}

int
audit_chain_hash(const struct audit_rec *rec, uint8_t out[AUDIT_HASH_LEN])
{
	EVP_MD_CTX *md;
	int r;

	if ((md = EVP_MD_CTX_new()) == NULL)
		return KAGI_ERR_CRYPTO;
	r = audit_chain_hash_md(md, EVP_sha256(), rec, out);
	EVP_MD_CTX_free(md);
	return r;
}

int
audit_chain_hash_md(EVP_MD_CTX *md, const EVP_MD *sha256,
    const struct audit_rec *rec, uint8_t out[AUDIT_HASH_LEN])
{
	const char *str[5];
	uint8_t ints[24], len[4];
	unsigned int outlen = 0;
	size_t n;
	int i, nstr, r = KAGI_ERR_CRYPTO;

	if (rec == NULL || rec->actor == NULL || rec->event == NULL)
		return KAGI_ERR_INVALID;
	str[0] = rec->actor;
	str[1] = rec->event;
	str[2] = rec->user != NULL ? rec->user : "";
	str[3] = rec->fields != NULL ? rec->fields : "";
	/* A record of schema 14 on names its core; older ones hash as
	 * they always did (no fifth string at all). */
	str[4] = rec->core;
	nstr = rec->core != NULL ? 5 : 4;
	enc_int(ints, rec->seq);
	enc_int(ints + 8, rec->time);
	enc_int(ints + 16, rec->actor_uid);
	if (EVP_DigestInit_ex(md, sha256, NULL) != 1 ||
	    EVP_DigestUpdate(md, rec->prev, AUDIT_HASH_LEN) != 1 ||
	    EVP_DigestUpdate(md, ints, sizeof(ints)) != 1)
		goto out;
	for (i = 0; i < nstr; i++) {
		n = strlen(str[i]);
		if (n > UINT32_MAX) {
			r = KAGI_ERR_TOO_LARGE;
			goto out;
		}
		len[0] = (uint8_t)(n >> 24);
		len[1] = (uint8_t)(n >> 16);
		len[2] = (uint8_t)(n >> 8);
		len[3] = (uint8_t)n;
		if (EVP_DigestUpdate(md, len, sizeof(len)) != 1 ||
		    (n > 0 && EVP_DigestUpdate(md, str[i], n) != 1))
			goto out;
	}
	if (EVP_DigestFinal_ex(md, out, &outlen) != 1 ||
	    outlen != AUDIT_HASH_LEN)
		goto out;
	r = 0;
 out:
	return r;
}

void
audit_walk_start(struct audit_walk *w, int64_t first_seq,
    const uint8_t prev[AUDIT_HASH_LEN])
{
	memset(w, 0, sizeof(*w));
	w->next_seq = first_seq;
	memcpy(w->next_prev, prev, AUDIT_HASH_LEN);
}

void
audit_walk_start_any(struct audit_walk *w)
{
	memset(w, 0, sizeof(*w));
	w->any_start = 1;
}

int
audit_walk_next(struct audit_walk *w, const struct audit_rec *rec,
    enum audit_break *why)
{
	uint8_t calc[AUDIT_HASH_LEN];
	int r;

	*why = AUDIT_OK;
	w->seen_seq = rec->seq;
	if (rec->seq < 1) {
		*why = AUDIT_OUT_OF_ORDER;
		return KAGI_ERR_INVALID;
	}
	if (!(w->any_start && !w->started)) {
		if (rec->seq > w->next_seq)
			*why = w->started ? AUDIT_MISSING : AUDIT_BAD_START;
		else if (rec->seq < w->next_seq)
			*why = AUDIT_OUT_OF_ORDER;
		else if (kagi_ct_memcmp(rec->prev, w->next_prev,
		    AUDIT_HASH_LEN) != 0)
			*why = w->started ? AUDIT_RELINKED : AUDIT_BAD_START;
		if (*why != AUDIT_OK)
			return KAGI_ERR_INVALID;
	}
	if ((r = audit_chain_hash(rec, calc)) != 0)
		return r;
	if (kagi_ct_memcmp(calc, rec->hash, AUDIT_HASH_LEN) != 0) {
		*why = AUDIT_EDITED;
		return KAGI_ERR_INVALID;
	}
	/* A re-hashed chain must still keep time in order (R-LOG-2). */
	if (w->started && rec->time < w->last_time &&
	    strcmp(rec->event, AUDIT_EVENT_CLOCK_STEP) != 0) {
		*why = AUDIT_TIME_BACK;
		return KAGI_ERR_INVALID;
	}
	w->started = 1;
	w->last_time = rec->time;
	w->next_seq = rec->seq + 1;
	memcpy(w->next_prev, rec->hash, AUDIT_HASH_LEN);
	w->count++;
	return 0;
}

int64_t
audit_walk_bad_seq(const struct audit_walk *w, const struct audit_rec *rec,
    enum audit_break why)
{
	if ((why == AUDIT_MISSING || why == AUDIT_BAD_START) &&
	    !w->any_start && rec->seq > w->next_seq)
		return w->next_seq;
	if (why == AUDIT_MISSING && w->any_start && w->started &&
	    rec->seq > w->next_seq)
		return w->next_seq;
	return rec->seq;
}

const char *
audit_break_name(enum audit_break why)
{
	switch (why) {
	case AUDIT_OK: return "ok";
	case AUDIT_EDITED: return "edited";
	case AUDIT_MISSING: return "missing";
	case AUDIT_RELINKED: return "relinked";
	case AUDIT_OUT_OF_ORDER: return "out_of_order";
	case AUDIT_BAD_START: return "bad_start";
	case AUDIT_TIME_BACK: return "time_back";
	}
	return "unknown";
}

void
audit_hex(const uint8_t h[AUDIT_HASH_LEN], char out[AUDIT_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = 0; i < AUDIT_HASH_LEN; i++) {
		out[2 * i] = digits[h[i] >> 4];
		out[2 * i + 1] = digits[h[i] & 0x0f];
	}
	out[AUDIT_HEX_LEN] = '\0';
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
audit_unhex(const char *s, uint8_t h[AUDIT_HASH_LEN])
{
	int i, hi, lo;

	if (s == NULL || strlen(s) != AUDIT_HEX_LEN)
		return KAGI_ERR_INVALID;
	for (i = 0; i < AUDIT_HASH_LEN; i++) {
		if ((hi = hexval(s[2 * i])) < 0 ||
		    (lo = hexval(s[2 * i + 1])) < 0)
			return KAGI_ERR_INVALID;
		h[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int
audit_rec_to_archive_json(const struct audit_rec *rec,
    struct json_object **out)
{
	struct json_object *o;
	char hex[AUDIT_HEX_LEN + 1];
	int r;

	if ((o = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_int(o, "seq", rec->seq)) != 0 ||
	    (r = proto_set_int(o, "time", rec->time)) != 0 ||
	    (r = proto_set_int(o, "actor_uid", rec->actor_uid)) != 0 ||
	    (r = proto_set_str(o, "actor", rec->actor)) != 0 ||
	    (r = proto_set_str(o, "event", rec->event)) != 0)
		goto fail;
	if (rec->user != NULL)
		r = proto_set_str(o, "user", rec->user);
	else
		r = json_object_object_add(o, "user", NULL) == 0 ? 0 :
		    KAGI_ERR_NOMEM;
	if (r != 0)
		goto fail;
	if (rec->fields != NULL)
		r = proto_set_str(o, "fields", rec->fields);
	else
		r = json_object_object_add(o, "fields", NULL) == 0 ? 0 :
		    KAGI_ERR_NOMEM;
	if (r != 0)
		goto fail;
	if (rec->core != NULL && (r = proto_set_str(o, "core",
	    rec->core)) != 0)
		goto fail;
	audit_hex(rec->prev, hex);
	if ((r = proto_set_str(o, "prev", hex)) != 0)
		goto fail;
	audit_hex(rec->hash, hex);
	if ((r = proto_set_str(o, "hash", hex)) != 0)
		goto fail;
	*out = o;
	return 0;
 fail:
	json_object_put(o);
	return r;
}

/* A key that must be present: a string, or JSON null (*out NULL). */
static int
get_str_or_null(struct json_object *o, const char *key, const char **out)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v))
		return KAGI_ERR_INVALID;
	*out = NULL;
	if (v == NULL)
		return 0;
	/* An empty string is a value here (an empty fields text hashes so). */
	if (!json_object_is_type(v, json_type_string))
		return KAGI_ERR_INVALID;
	if (!proto_str_valid(json_object_get_string(v), AUDIT_LINE_MAX))
		return KAGI_ERR_INVALID;
	*out = json_object_get_string(v);
	return 0;
}

/* "core": absent in a record older than schema 14, else a core name. */
static int
get_core(struct json_object *o, const char **out)
{
	struct json_object *v = NULL;

	*out = NULL;
	if (!json_object_object_get_ex(o, "core", &v))
		return 0;
	if (v == NULL || !json_object_is_type(v, json_type_string) ||
	    !store_core_name_valid(json_object_get_string(v)))
		return KAGI_ERR_INVALID;
	*out = json_object_get_string(v);
	return 0;
}

/* One line as a record; its strings point into *obj (the caller's). */
static int
archive_line(const char *line, size_t len, struct audit_rec *rec,
    struct json_object **obj)
{
	static const char *const keys[] = { "seq", "time", "actor_uid",
	    "actor", "event", "user", "fields", "core", "prev", "hash",
	    NULL };
	struct json_object *o = NULL;
	const char *prev = NULL, *hash = NULL;
	int r;

	memset(rec, 0, sizeof(*rec));
	if ((r = proto_decode_payload((const uint8_t *)line, len, &o)) != 0)
		goto out;
	if ((r = proto_check_keys(o, keys)) != 0 ||
	    (r = proto_get_int(o, "seq", 1, INT64_MAX, &rec->seq)) != 0 ||
	    (r = proto_get_int(o, "time", INT64_MIN, INT64_MAX,
	    &rec->time)) != 0 ||
	    (r = proto_get_int(o, "actor_uid", INT64_MIN, INT64_MAX,
	    &rec->actor_uid)) != 0 ||
	    (r = proto_get_str(o, "actor", AUDIT_LINE_MAX, &rec->actor)) != 0 ||
	    (r = proto_get_str(o, "event", AUDIT_LINE_MAX, &rec->event)) != 0 ||
	    (r = get_str_or_null(o, "user", &rec->user)) != 0 ||
	    (r = get_str_or_null(o, "fields", &rec->fields)) != 0 ||
	    (r = get_core(o, &rec->core)) != 0 ||
	    (r = proto_get_str(o, "prev", AUDIT_HEX_LEN, &prev)) != 0 ||
	    (r = proto_get_str(o, "hash", AUDIT_HEX_LEN, &hash)) != 0 ||
	    (r = audit_unhex(prev, rec->prev)) != 0 ||
	    (r = audit_unhex(hash, rec->hash)) != 0)
		goto out;
	*obj = o;
	o = NULL;
 out:
	json_object_put(o);
	return r;
}

int
audit_archive_read(const void *buf, size_t len, struct audit_walk *w,
    audit_rec_cb cb, void *arg, size_t *line_no, int64_t *bad_seq,
    enum audit_break *why)
{
	struct rbuf b;
	struct audit_rec rec;
	struct json_object *o = NULL;
	const char *line;
	size_t n, no = 0;
	int r = 0;

	*line_no = 0;
	*bad_seq = 0;
	*why = AUDIT_OK;
	rbuf_init(&b, buf, len);
	while (rbuf_remaining(&b) > 0) {
		no++;
		if ((r = rbuf_get_line(&b, AUDIT_LINE_MAX, &line, &n)) != 0 ||
		    (r = archive_line(line, n, &rec, &o)) != 0)
			goto fail;
		if ((r = audit_walk_next(w, &rec, why)) != 0) {
			*bad_seq = audit_walk_bad_seq(w, &rec, *why);
			goto fail;
		}
		if (cb != NULL && (r = cb(&rec, arg)) != 0)
			goto fail;
		json_object_put(o);
		o = NULL;
	}
	return 0;
 fail:
	json_object_put(o);
	*line_no = no;
	return r;
}
