/*
 * proto.h - kagi's wire protocol, shared by kagid, pam_kagi and kagictl.
 *
 * A frame is an 8-byte header and a JSON object (json-c):
 *
 *   'K' 'G' version(1) flags(1, zero) length(4, big-endian) payload(length)
 *
 * 1 <= length <= KAGI_FRAME_MAX.  The payload must be exactly one JSON
 * object, nested at most KAGI_PROTO_DEPTH deep, with nothing after it; no
 * string may hold a NUL.  Requests carry "op" (string) and "v" (integer,
 * KAGI_PROTO_VERSION); replies carry "status": "ok" or "error", and on
 * error "error" (kagi_err_wire()) and "message".  Anything else is
 * malformed: the daemon answers once with an error and closes the
 * connection; it never resynchronises.
 */
#ifndef KAGI_PROTO_H
#define KAGI_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#define KAGI_PROTO_VERSION 1
#define KAGI_FRAME_HDR 8
#define KAGI_FRAME_MAX (64 * 1024)
#define KAGI_PROTO_DEPTH 8
/* Longest user name, service, tty, host, label accepted on the wire. */
#define KAGI_NAME_MAX 64
#define KAGI_FIELD_MAX 256

/* Validate a header; *len gets the payload length. */
int proto_header_decode(const uint8_t hdr[KAGI_FRAME_HDR], uint32_t *len);

/*
 * Encode msg into a freshly allocated frame (header and payload).  The
 * caller frees *out with kagi_free_secret(*out, *outlen) when the message
 * held a secret, free() otherwise.
 */
int proto_encode(struct json_object *msg, uint8_t **out, size_t *outlen);

/*
 * A reply too large for one frame goes as a stream (one mechanism for
 * every listing and report): its longest array member is cut between
 * frames.  The first frame holds every other member and the first part
 * of the array; the next ones hold only "status": "ok" and the next part
 * under the same name; every frame but the last carries
 * "continues": true.  proto_encode_reply() makes the frames (one, when
 * the reply fits) into one buffer; KAGI_ERR_TOO_LARGE when even that
 * cannot carry it (no array, or one element over KAGI_FRAME_MAX).
 * proto_reply_join() appends a next frame's part to reply; *more tells
 * whether another frame follows.  client_call() follows every stream to
 * its end, so a caller sees one whole reply.
 */
#define PROTO_CONTINUES "continues"
int proto_encode_reply(struct json_object *reply, uint8_t **out,
    size_t *outlen);
int proto_reply_join(struct json_object *reply, struct json_object *next,
    int *more);

/* Strictly parse a payload into a JSON object; *msg owned by the caller. */
int proto_decode_payload(const uint8_t *buf, size_t len,
    struct json_object **msg);

/*
 * Typed getters.  A missing required key, a wrong type, a string with a
 * NUL, an empty string or one longer than maxlen, or an integer outside
 * [min, max] is KAGI_ERR_INVALID.  Returned strings point into msg.
 * The _opt variants return KAGI_OK and leave *out untouched when the key
 * is absent (or JSON null).
 */
int proto_get_str(struct json_object *msg, const char *key, size_t maxlen,
    const char **out);
int proto_get_str_opt(struct json_object *msg, const char *key,
    size_t maxlen, const char **out);
int proto_get_int(struct json_object *msg, const char *key, int64_t min,
    int64_t max, int64_t *out);
int proto_get_int_opt(struct json_object *msg, const char *key, int64_t min,
    int64_t max, int64_t *out);
int proto_get_bool_opt(struct json_object *msg, const char *key, int *out);
/* The string at key of o, or NULL when o is NULL, the key is absent or
 * its value is not a string: for reading fields kagid wrote itself. */
const char *proto_str_or_null(struct json_object *o, const char *key);
/* Every key of msg must be in the NULL-terminated list allowed. */
int proto_check_keys(struct json_object *msg, const char *const *allowed);
/*
 * The field the last getter or proto_check_keys() of this thread
 * refused (its key, truncated to 63 bytes), or NULL; kagid names it in
 * its answer ("invalid field 'digits'").  Cleared by
 * proto_bad_field_clear().
 */
const char *proto_bad_field(void);
void proto_bad_field_clear(void);

/* A request skeleton {"op": op, "v": KAGI_PROTO_VERSION}, or NULL. */
struct json_object *proto_request_new(const char *op);
/* Replies. */
struct json_object *proto_reply_ok(void);
struct json_object *proto_reply_error(int err, const char *message);
/*
 * Check a reply: a JSON object with "status".  "ok" gives KAGI_OK; "error"
 * gives the code named by "error" (never KAGI_OK: an unknown or missing
 * code is KAGI_ERR_INTERNAL); anything else KAGI_ERR_INVALID.
 */
int proto_reply_status(struct json_object *reply);

/* 1 when s is valid UTF-8 (no NUL) of at most maxlen bytes. */
int proto_str_valid(const char *s, size_t maxlen);

/* Set a string/integer member; return KAGI_ERR_NOMEM on failure. */
int proto_set_str(struct json_object *msg, const char *key, const char *v);
int proto_set_int(struct json_object *msg, const char *key, int64_t v);
int proto_set_bool(struct json_object *msg, const char *key, int v);

/*
 * Overwrite every string in msg (members, array elements, at any depth)
 * and then free it; NULL is fine.  For every message that may have
 * carried a secret (a code, an otpauth URI, a PIN): json-c keeps its own
 * copy of each string it was given, which json_object_put() alone would
 * leave in freed memory.
 */
void proto_wipe_put(struct json_object *msg);

/*
 * Blocking frame I/O on a socket with a total time-out in milliseconds
 * (poll-based; EINTR retried; SIGPIPE avoided with MSG_NOSIGNAL).
 * proto_send wipes its encoded copy; proto_recv fails with
 * KAGI_ERR_TIMEOUT when nothing complete arrives in time.
 */
int proto_send(int fd, struct json_object *msg, int timeout_ms);
int proto_recv(int fd, struct json_object **msg, int timeout_ms);

#endif
