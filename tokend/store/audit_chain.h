/*
 * audit_chain.h - the audit chain's one definition: how a record is
 * hashed, how a sequence of records is checked link by link, and how a
 * record is written to and read back from a JSON-lines archive.
 *
 * The store (store_sqlite_audit.c) and kagictl (archives it holds) both
 * use these functions, so there is exactly one encoding:
 *
 *   hash = SHA-256(prev(32) || int(seq) || int(time) || int(actor_uid) ||
 *                  str(actor) || str(event) || str(user) || str(fields)
 *                  [|| str(core)])
 *
 * int is 8 bytes big-endian two's complement; str is a 4-byte big-endian
 * length and the bytes; an absent user or fields is "".  str(core), the
 * name of the kagid core that wrote the record, is there in every record
 * written at schema 14 or later and absent (not even its length) in the
 * records written before, which keep their hashes; a core name is never
 * empty, so the two forms cannot be confused, and a core name edited,
 * added or removed in the database changes the hash.
 *
 * An archive line is one JSON object with exactly the keys
 *   seq time actor_uid (integers), actor event (strings),
 *   user (string or null), fields (the record's JSON text as a string, or
 *   null: kept as text so that it hashes as it was stored),
 *   prev hash (64 lowercase hex digits)
 * and core (a string) for a record that names its core, nothing else.  Lines end with '\n'; an archive is records in
 * sequence order, each linked to the one before.
 */
#ifndef KAGI_AUDIT_CHAIN_H
#define KAGI_AUDIT_CHAIN_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include <openssl/evp.h>

#include "store.h"

#define AUDIT_HASH_LEN 32
#define AUDIT_HEX_LEN (2 * AUDIT_HASH_LEN)
/* Longest archive line accepted. */
#define AUDIT_LINE_MAX (64 * 1024)

/* Hash of rec given rec->prev (rec->hash is not read). */
int audit_chain_hash(const struct audit_rec *rec,
    uint8_t out[AUDIT_HASH_LEN]);
/* The same with a caller's digest context and fetched SHA-256. */
int audit_chain_hash_md(EVP_MD_CTX *md, const EVP_MD *sha256,
    const struct audit_rec *rec, uint8_t out[AUDIT_HASH_LEN]);

/* Why a record does not fit the chain. */
enum audit_break {
	AUDIT_OK = 0,
	AUDIT_EDITED,		/* its hash does not match its contents */
	AUDIT_MISSING,		/* records before it are gone (a gap) */
	AUDIT_RELINKED,		/* its prev is not the hash before it:
				 * inserted, reordered or replaced */
	AUDIT_OUT_OF_ORDER,	/* its seq does not follow the last one */
	AUDIT_BAD_START,	/* the first record is not where the chain
				 * (or its archived boundary) says */
	AUDIT_TIME_BACK		/* its time is before the record's before
				 * it, and it is not a clock step */
};

/*
 * The one record whose time may be earlier than the record's before it:
 * kagid found its clock stepped back and says so, with fields "from"
 * (the latest time the chain had reached) and "to" (the clock's time
 * after the step).  Every other record's time is at least its
 * predecessor's (R-LOG-2, R-LOG-4).
 */
#define AUDIT_EVENT_CLOCK_STEP "clock_step"

/*
 * Walking a chain: feed records in order.  Before the first, say where
 * the chain must start (seq 1 with 32 zero bytes, or an archived
 * boundary); audit_walk_start_any() accepts whatever the first record
 * says (an archive file checked on its own).
 */
struct audit_walk {
	int started;
	int any_start;
	int64_t next_seq;
	uint8_t next_prev[AUDIT_HASH_LEN];
	int64_t last_time;	/* of the last record that fitted */
	int64_t seen_seq;	/* of the last record looked at */
	int64_t count;
};

void audit_walk_start(struct audit_walk *w, int64_t first_seq,
    const uint8_t prev[AUDIT_HASH_LEN]);
void audit_walk_start_any(struct audit_walk *w);
/*
 * Check one record: 0 when it fits (the walk moves on), KAGI_ERR_INVALID
 * with *why set when it does not (the walk stays where it was), or a
 * crypto error.
 */
int audit_walk_next(struct audit_walk *w, const struct audit_rec *rec,
    enum audit_break *why);
/*
 * The sequence number to report for a break found at rec: the first
 * missing one for a gap (or a chain that starts late), else rec's own.
 */
int64_t audit_walk_bad_seq(const struct audit_walk *w,
    const struct audit_rec *rec, enum audit_break why);
/* A short English word for a break ("edited", "missing", ...). */
const char *audit_break_name(enum audit_break why);

/* Hex for a hash (out: AUDIT_HEX_LEN + 1 bytes). */
void audit_hex(const uint8_t h[AUDIT_HASH_LEN], char out[AUDIT_HEX_LEN + 1]);
/* Exactly 64 lowercase or uppercase hex digits into h. */
int audit_unhex(const char *s, uint8_t h[AUDIT_HASH_LEN]);

/* A record as an archive line object (fields kept as text). */
int audit_rec_to_archive_json(const struct audit_rec *rec,
    struct json_object **out);

/*
 * Read an archive: every line must be a valid record (see above) that
 * fits the walk w.  cb (may be NULL) sees each record; its strings live
 * until it returns.  On failure *line_no is the 1-based line at fault
 * and *bad_seq its sequence number when it could be read (else 0); *why
 * says which link broke (AUDIT_OK for a line that is not a record).
 */
typedef int (*audit_rec_cb)(const struct audit_rec *rec, void *arg);
int audit_archive_read(const void *buf, size_t len, struct audit_walk *w,
    audit_rec_cb cb, void *arg, size_t *line_no, int64_t *bad_seq,
    enum audit_break *why);

#endif
