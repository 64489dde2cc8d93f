/*
 * rbuf.c - the bounded, consume-only reader every untrusted byte goes
 * through (frame headers, configuration lines, SSH key and attestation
 * blobs).
 *
 * Guarantees: no getter reads past p + len; every getter checks the
 * remaining length first and advances only on success, so a failed call
 * leaves the reader exactly as it was.  The reader never owns, copies or
 * modifies the bytes it reads.
 */
#include "config.h"

#include <string.h>

#include "kagi_err.h"
#include "rbuf.h"

void
rbuf_init(struct rbuf *b, const void *p, size_t len)
{
	b->p = p;
	b->len = p != NULL ? len : 0;
	b->off = 0;
}

size_t
rbuf_remaining(const struct rbuf *b)
{
	return b->len - b->off;
}

int
rbuf_get_bytes(struct rbuf *b, size_t n, const uint8_t **v)
{
	if (n > rbuf_remaining(b))
		return KAGI_ERR_TRUNCATED;
	*v = b->p + b->off;
	b->off += n;
	return KAGI_OK;
}

int
rbuf_get_u8(struct rbuf *b, uint8_t *v)
{
	const uint8_t *p;
	int r;

	if ((r = rbuf_get_bytes(b, 1, &p)) != 0)
		return r;
	*v = p[0];
	return KAGI_OK;
}

int
rbuf_get_u16be(struct rbuf *b, uint16_t *v)
{
	const uint8_t *p;
	int r;

	if ((r = rbuf_get_bytes(b, 2, &p)) != 0)
		return r;
	*v = (uint16_t)((uint16_t)p[0] << 8 | p[1]);
	return KAGI_OK;
}

int
rbuf_get_u32be(struct rbuf *b, uint32_t *v)
{
	const uint8_t *p;
	int r;

	if ((r = rbuf_get_bytes(b, 4, &p)) != 0)
		return r;
	*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
	return KAGI_OK;
}

int
rbuf_get_string32(struct rbuf *b, size_t max, const uint8_t **v, size_t *n)
{
	size_t off = b->off;
	uint32_t len;
	int r;

	if ((r = rbuf_get_u32be(b, &len)) != 0)
		return r;
	if (len > max) {
		b->off = off;
		return KAGI_ERR_TOO_LARGE;
	}
	if ((r = rbuf_get_bytes(b, len, v)) != 0) {
		b->off = off;
		return r;
	}
	*n = len;
	return KAGI_OK;
}

int
rbuf_get_line(struct rbuf *b, size_t maxlen, const char **line,
    size_t *linelen)
{
	size_t avail = rbuf_remaining(b);
	const uint8_t *p = b->p + b->off;
	size_t i;

	if (avail == 0)
		return KAGI_ERR_TRUNCATED;
	/* Look at no more than maxlen bytes and the newline after them. */
	for (i = 0; i < avail; i++) {
		if (p[i] == '\n')
			break;
		if (i == maxlen)
			return KAGI_ERR_TOO_LARGE;
		if (p[i] == '\0')
			return KAGI_ERR_INVALID;
	}
	*line = (const char *)p;
	*linelen = i;
	/* Consume the newline too, when there is one. */
	b->off += i < avail ? i + 1 : i;
	return KAGI_OK;
}

int
rbuf_done(const struct rbuf *b)
{
	return rbuf_remaining(b) == 0 ? KAGI_OK : KAGI_ERR_INVALID;
}
