/*
 * rbuf.h - the bounded, consume-only reader for untrusted bytes.
 *
 * Every getter checks the remaining length before reading and advances
 * only on success; on failure the reader is unchanged.  rbuf_done() says
 * whether trailing bytes remain (they are an error for a framed message).
 * The reader never owns or copies the buffer.
 */
#ifndef KAGI_RBUF_H
#define KAGI_RBUF_H

#include <stddef.h>
#include <stdint.h>

struct rbuf {
	const uint8_t *p;
	size_t len;
	size_t off;
};

void rbuf_init(struct rbuf *b, const void *p, size_t len);
size_t rbuf_remaining(const struct rbuf *b);
int rbuf_get_u8(struct rbuf *b, uint8_t *v);
int rbuf_get_u16be(struct rbuf *b, uint16_t *v);
int rbuf_get_u32be(struct rbuf *b, uint32_t *v);
/* Points *v into the buffer; n bytes are consumed. */
int rbuf_get_bytes(struct rbuf *b, size_t n, const uint8_t **v);
/*
 * A length-prefixed string as SSH writes them: a 32-bit big-endian
 * length, then that many bytes (*v points into the buffer).  Fails with
 * KAGI_ERR_TOO_LARGE when the length is over max, KAGI_ERR_TRUNCATED
 * when fewer bytes remain; either way the reader is unchanged.
 */
int rbuf_get_string32(struct rbuf *b, size_t max, const uint8_t **v,
    size_t *n);
/*
 * Next line without its '\n' (a final line without '\n' is accepted).
 * Fails with KAGI_ERR_INVALID on an embedded NUL, KAGI_ERR_TOO_LARGE when
 * longer than maxlen, KAGI_ERR_TRUNCATED at the end of input.
 */
int rbuf_get_line(struct rbuf *b, size_t maxlen, const char **line,
    size_t *linelen);
/* 0 when everything was consumed, KAGI_ERR_INVALID otherwise. */
int rbuf_done(const struct rbuf *b);

#endif
