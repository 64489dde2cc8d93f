/*
 * softkey_hid.c - CTAPHID framing of the software FIDO2 key, as the four
 * I/O functions libfido2 accepts (fido_dev_io_t).
 *
 * libfido2 writes 65 bytes (report id 0, then one 64-byte frame) and
 * reads 64.  Requests are reassembled from an initialisation frame
 * (CID, command | 0x80, big-endian length, 57 bytes) and continuation
 * frames (CID, sequence 0..127, 59 bytes); replies are queued as frames
 * and handed out one per read.  A read with nothing queued returns -1
 * (libfido2: a time-out) at once, or after the caller's time-out when
 * the last request was deliberately left unanswered.  INIT on the
 * broadcast channel allocates a channel and answers 17 bytes (nonce,
 * CID, protocol 2, version 1.0.0, caps CBOR|NMSG); PING echoes; CANCEL
 * is silent; CBOR goes to sk_ctap2(); everything else gets an ERROR
 * frame.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "softkey_int.h"

/* CTAPHID commands and errors */
#define HID_PING	0x01
#define HID_MSG		0x03
#define HID_INIT	0x06
#define HID_CBOR	0x10
#define HID_CANCEL	0x11
#define HID_ERROR	0x3f
#define HID_ERR_CMD	0x01
#define HID_ERR_LEN	0x03
#define HID_ERR_SEQ	0x04
#define HID_ERR_CHANNEL	0x0b
#define HID_CAPS	0x0c	/* CBOR | NMSG */

#define TIMEOUT_CAP_MS	30000

/* --- CTAPHID --------------------------------------------------------- */

/* Queues PAYLOAD as CTAPHID frames on channel CID. */
static int
send_msg(struct softkey *k, const unsigned char cid[4], unsigned char cmd,
    const unsigned char *p, size_t len)
{
	size_t		 nframes, off = 0;
	unsigned char	*f, *grown;

	if (len > HID_MAX_MSG)
		return -1;
	nframes = len <= HID_INIT_DATA ? 1 :
	    1 + (len - HID_INIT_DATA + HID_CONT_DATA - 1) / HID_CONT_DATA;
	if ((grown = realloc(k->out, k->out_len + nframes * HID_FRAME)) ==
	    NULL)
		return -1;
	k->out = grown;
	for (size_t i = 0; i < nframes; i++) {
		size_t n;

		f = k->out + k->out_len + i * HID_FRAME;
		memset(f, 0, HID_FRAME);
		memcpy(f, cid, 4);
		if (i == 0) {
			f[4] = 0x80 | cmd;
			f[5] = (unsigned char)(len >> 8);
			f[6] = (unsigned char)len;
			n = len < HID_INIT_DATA ? len : HID_INIT_DATA;
			memcpy(f + 7, p, n);
		} else {
			f[4] = (unsigned char)(i - 1);
			n = len - off < HID_CONT_DATA ? len - off :
			    HID_CONT_DATA;
			memcpy(f + 5, p + off, n);
		}
		off += n;
	}
	k->out_len += nframes * HID_FRAME;
	return 0;
}

static void
send_error(struct softkey *k, const unsigned char cid[4], unsigned char e)
{
	(void)send_msg(k, cid, HID_ERROR, &e, 1);
}

static int
broadcast(const unsigned char cid[4])
{
	return cid[0] == 0xff && cid[1] == 0xff && cid[2] == 0xff &&
	    cid[3] == 0xff;
}

static void
dispatch(struct softkey *k)
{
	unsigned char	 init[17];
	struct reply	 rp = { ST_OTHER, NULL, 0 };
	unsigned char	*buf;
	uint32_t	 c;

	k->busy = 0;
	switch (k->cmd) {
	case HID_INIT:
		if (k->need != 8) {
			send_error(k, k->cid, HID_ERR_LEN);
			return;
		}
		memcpy(init, k->msg, 8);
		if (broadcast(k->cid)) {
			c = k->next_cid++;
			init[8] = (unsigned char)(c >> 24);
			init[9] = (unsigned char)(c >> 16);
			init[10] = (unsigned char)(c >> 8);
			init[11] = (unsigned char)c;
		} else
			memcpy(init + 8, k->cid, 4);
		init[12] = 2;	/* CTAPHID protocol version */
		init[13] = 1;	/* device version 1.0.0 */
		init[14] = 0;
		init[15] = 0;
		init[16] = HID_CAPS;
		(void)send_msg(k, k->cid, HID_INIT, init, sizeof(init));
		return;
	case HID_PING:
		(void)send_msg(k, k->cid, HID_PING, k->msg, k->need);
		return;
	case HID_CANCEL:
		return;
	case HID_CBOR:
		if (broadcast(k->cid)) {
			send_error(k, k->cid, HID_ERR_CHANNEL);
			return;
		}
		k->silent = 0;
		sk_ctap2(k, k->msg, k->need, &rp);
		if (rp.status == ST_SILENT) {
			k->silent = 1;
			break;
		}
		if ((buf = malloc(1 + rp.body_len)) == NULL) {
			send_error(k, k->cid, 0x7f);
			break;
		}
		buf[0] = (unsigned char)(rp.status == ST_OK ? ST_OK :
		    rp.status);
		if (rp.status == ST_OK && rp.body_len > 0)
			memcpy(buf + 1, rp.body, rp.body_len);
		(void)send_msg(k, k->cid, HID_CBOR, buf,
		    rp.status == ST_OK ? 1 + rp.body_len : 1);
		free(buf);
		if (k->msg[0] == CTAP_GETINFO)
			k->info_sent = 1;
		break;
	case HID_MSG:
	default:
		send_error(k, k->cid, HID_ERR_CMD);
		return;
	}
	free(rp.body);
}

static int
unplugged(const struct softkey *k)
{
	return k->info_sent &&
	    strcmp(sk_env("KAGI_SOFTKEY_UNPLUG"), "after-init") == 0;
}

int
softkey_io_write(void *handle, const unsigned char *buf, size_t len)
{
	struct softkey		*k = handle;
	const unsigned char	*f;
	size_t			 n;

	if (k == NULL || buf == NULL || len != HID_FRAME + 1 || unplugged(k))
		return -1;
	f = buf + 1;
	if (f[4] & 0x80) {
		if (k->busy && memcmp(f, k->cid, 4) != 0) {
			unsigned char cid[4];

			memcpy(cid, f, 4);
			if ((f[4] & 0x7f) != HID_CANCEL)
				send_error(k, cid, 0x06);	/* busy */
			return (int)len;
		}
		memcpy(k->cid, f, 4);
		k->cmd = f[4] & 0x7f;
		k->need = (size_t)f[5] << 8 | f[6];
		if (k->need > HID_MAX_MSG) {
			k->busy = 0;
			send_error(k, k->cid, HID_ERR_LEN);
			return (int)len;
		}
		n = k->need < HID_INIT_DATA ? k->need : HID_INIT_DATA;
		memcpy(k->msg, f + 7, n);
		k->got = n;
		k->seq = 0;
		k->busy = 1;
	} else {
		if (!k->busy || memcmp(f, k->cid, 4) != 0)
			return (int)len;	/* spurious: ignored */
		if (f[4] != k->seq) {
			k->busy = 0;
			send_error(k, k->cid, HID_ERR_SEQ);
			return (int)len;
		}
		k->seq++;
		n = k->need - k->got < HID_CONT_DATA ? k->need - k->got :
		    HID_CONT_DATA;
		memcpy(k->msg + k->got, f + 5, n);
		k->got += n;
	}
	if (k->got == k->need)
		dispatch(k);
	return (int)len;
}

int
softkey_io_read(void *handle, unsigned char *buf, size_t len, int ms)
{
	struct softkey	*k = handle;
	struct timespec	 ts;

	if (k == NULL || buf == NULL || len != HID_FRAME)
		return -1;
	if (k->out_off < k->out_len) {
		memcpy(buf, k->out + k->out_off, HID_FRAME);
		k->out_off += HID_FRAME;
		if (k->out_off == k->out_len) {
			free(k->out);
			k->out = NULL;
			k->out_len = k->out_off = 0;
		}
		return HID_FRAME;
	}
	if (k->silent && !unplugged(k)) {
		/* Never answered: the caller waits out its own time-out. */
		if (ms < 0 || ms > TIMEOUT_CAP_MS)
			ms = TIMEOUT_CAP_MS;
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (long)(ms % 1000) * 1000000L;
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			continue;
	}
	return -1;
}

void *
softkey_io_open(const char *path)
{
	struct softkey	*k;
	const char	*state = getenv("KAGI_SOFTKEY_STATE");

	if (path == NULL || strncmp(path, "soft:", 5) != 0 || state == NULL ||
	    *state == '\0')
		return NULL;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return NULL;
	if ((k->path = strdup(state)) == NULL ||
	    sk_regen_key_agreement(k) != 0 ||
	    RAND_bytes((unsigned char *)&k->next_cid,
	    sizeof(k->next_cid)) != 1) {
		softkey_io_close(k);
		return NULL;
	}
	if (k->next_cid == 0 || k->next_cid == UINT32_MAX)
		k->next_cid = 1;
	return k;
}

void
softkey_io_close(void *handle)
{
	struct softkey *k = handle;

	if (k == NULL)
		return;
	EVP_PKEY_free(k->ka_key);
	free(k->out);
	free(k->path);
	OPENSSL_cleanse(k, sizeof(*k));
	free(k);
}
