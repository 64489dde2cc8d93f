/*
 * qr.c - a QR code on the terminal (libqrencode), shown once when a TOTP
 * token is enrolled so the user's authenticator app can scan the URI.
 *
 * Guarantees:
 * - The symbol is error-correction level M, byte mode, with a quiet zone
 *   of QR_QUIET modules on every side.
 * - Half-block output draws LIGHT modules as blocks (U+2580 upper half,
 *   U+2584 lower half, U+2588 full) and dark modules as spaces, two module
 *   rows per line: on the usual dark terminal background that reads as
 *   dark modules on a light ground, which is what scanners expect.  ASCII
 *   output prints "##" for a dark module and "  " for a light one, one
 *   module row per line, for light backgrounds and paper.
 * - The encoded text holds a secret: the module matrix is wiped before it
 *   is freed.  A failed write is KAGI_ERR_IO.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <qrencode.h>

#include "kagi_err.h"
#include "qr.h"
#include "wipe.h"

#define QR_QUIET 2

#define QR_UPPER "\xe2\x96\x80"	/* U+2580 UPPER HALF BLOCK */
#define QR_LOWER "\xe2\x96\x84"	/* U+2584 LOWER HALF BLOCK */
#define QR_FULL "\xe2\x96\x88"	/* U+2588 FULL BLOCK */

/* 1 when module (x, y) of the padded symbol is dark. */
static int
dark(const QRcode *q, int x, int y)
{
	x -= QR_QUIET;
	y -= QR_QUIET;
	if (x < 0 || y < 0 || x >= q->width || y >= q->width)
		return 0;
	return q->data[(size_t)y * (size_t)q->width + (size_t)x] & 1;
}

static int
print_blocks(const QRcode *q, FILE *out)
{
	int size = q->width + 2 * QR_QUIET, x, y, top, bottom;
	const char *s;

	for (y = 0; y < size; y += 2) {
		for (x = 0; x < size; x++) {
			top = !dark(q, x, y);
			/* Below the last row is the terminal's own background. */
			bottom = y + 1 < size && !dark(q, x, y + 1);
			if (top && bottom)
				s = QR_FULL;
			else if (top)
				s = QR_UPPER;
			else if (bottom)
				s = QR_LOWER;
			else
				s = " ";
			if (fputs(s, out) == EOF)
				return KAGI_ERR_IO;
		}
		if (fputc('\n', out) == EOF)
			return KAGI_ERR_IO;
	}
	return 0;
}

static int
print_ascii(const QRcode *q, FILE *out)
{
	int size = q->width + 2 * QR_QUIET, x, y;

	for (y = 0; y < size; y++) {
		for (x = 0; x < size; x++)
			if (fputs(dark(q, x, y) ? "##" : "  ", out) == EOF)
				return KAGI_ERR_IO;
		if (fputc('\n', out) == EOF)
			return KAGI_ERR_IO;
	}
	return 0;
}

int
qr_print(const char *text, FILE *out, int ascii)
{
	QRcode *q = NULL;
	int r;

	if (text == NULL || out == NULL || *text == '\0')
		return KAGI_ERR_INVALID;
	errno = 0;
	if ((q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8,
	    1)) == NULL) {
		if (errno == ENOMEM)
			r = KAGI_ERR_NOMEM;
		else if (errno == ERANGE)
			r = KAGI_ERR_TOO_LARGE;
		else
			r = KAGI_ERR_INVALID;
		goto out;
	}
	if (q->width <= 0 || q->data == NULL) {
		r = KAGI_ERR_INTERNAL;
		goto out;
	}
	if ((r = ascii ? print_ascii(q, out) : print_blocks(q, out)) != 0)
		goto out;
	if (fflush(out) == EOF || ferror(out))
		r = KAGI_ERR_IO;
out:
	if (q != NULL && q->data != NULL && q->width > 0)
		kagi_wipe(q->data, (size_t)q->width * (size_t)q->width);
	QRcode_free(q);
	return r;
}
