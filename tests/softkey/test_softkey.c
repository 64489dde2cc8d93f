/*
 * test_softkey.c - the software FIDO2 key against the real libfido2,
 * through its custom I/O (no LD_PRELOAD here): getInfo, setPIN,
 * makeCredential with full and self attestation, getAssertion with PIN,
 * built-in or no user verification, wrong PINs and blocking, and each
 * switch (counter, relying party, touch, unplug, malformed reply) as a
 * verifier sees it.  If the key stopped speaking what libfido2 expects,
 * the kagi FIDO2 tests built on it would prove nothing: these tests are
 * what keeps it honest.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <fido.h>
#include <fido/es256.h>

#include "softkey.h"

#define RP	"kagi.test"
#define PIN	"314159"

static const fido_dev_io_t io = {
	softkey_io_open, softkey_io_close, softkey_io_read, softkey_io_write,
};

static const unsigned char cdh[32] = "kagi softkey client data hash..";
static const unsigned char aaguid[16] = "kagi-test-aaguid";
static char dir[] = "/tmp/kagi-softkey.XXXXXX";
static char state[sizeof(dir) + 16];

static const char *switches[] = {
	"KAGI_SOFTKEY_UV", "KAGI_SOFTKEY_COUNTER", "KAGI_SOFTKEY_RP",
	"KAGI_SOFTKEY_TOUCH", "KAGI_SOFTKEY_UNPLUG", "KAGI_SOFTKEY_MALFORMED",
	"KAGI_SOFTKEY_ATT",
};

static void
make_state(enum softkey_uv uv, const char *pin, unsigned retries)
{
	struct softkey_state *st = NULL;

	assert_int_equal(softkey_state_new(&st, uv, pin, aaguid, retries), 0);
	assert_int_equal(softkey_state_save(state, st), 0);
	softkey_state_free(&st);
}

static int
setup(void **unused)
{
	for (size_t i = 0; i < sizeof(switches) / sizeof(switches[0]); i++)
		unsetenv(switches[i]);
	make_state(SOFTKEY_UV_PIN, PIN, 8);
	return 0;
}

static fido_dev_t *
open_dev(void)
{
	fido_dev_t *dev;

	assert_non_null(dev = fido_dev_new());
	assert_int_equal(fido_dev_set_io_functions(dev, &io), FIDO_OK);
	assert_int_equal(fido_dev_set_timeout(dev, 5000), FIDO_OK);
	assert_int_equal(fido_dev_open(dev, "soft:0"), FIDO_OK);
	assert_true(fido_dev_is_fido2(dev));
	return dev;
}

static void
close_dev(fido_dev_t **dev)
{
	fido_dev_close(*dev);
	fido_dev_free(dev);
}

static int
make_cred(fido_dev_t *dev, const char *pin, fido_opt_t uv, fido_cred_t **out)
{
	static const unsigned char user[] = "tanaka-id";
	fido_cred_t *c;
	int r;

	assert_non_null(c = fido_cred_new());
	assert_int_equal(fido_cred_set_type(c, COSE_ES256), FIDO_OK);
	assert_int_equal(fido_cred_set_clientdata_hash(c, cdh, sizeof(cdh)),
	    FIDO_OK);
	assert_int_equal(fido_cred_set_rp(c, RP, "kagi"), FIDO_OK);
	assert_int_equal(fido_cred_set_user(c, user, sizeof(user), "tanaka",
	    NULL, NULL), FIDO_OK);
	assert_int_equal(fido_cred_set_uv(c, uv), FIDO_OK);
	r = fido_dev_make_cred(dev, c, pin);
	*out = c;
	return r;
}

static fido_cred_t *
enrolled(const char *pin, fido_opt_t uv)
{
	fido_dev_t	*dev = open_dev();
	fido_cred_t	*c = NULL;

	assert_int_equal(make_cred(dev, pin, uv, &c), FIDO_OK);
	close_dev(&dev);
	return c;
}

static int
get_assert(fido_dev_t *dev, const fido_cred_t *c, const char *rp,
    const char *pin, fido_opt_t up, fido_opt_t uv, fido_assert_t **out)
{
	fido_assert_t *a;

	assert_non_null(a = fido_assert_new());
	assert_int_equal(fido_assert_set_rp(a, rp), FIDO_OK);
	assert_int_equal(fido_assert_set_clientdata_hash(a, cdh, sizeof(cdh)),
	    FIDO_OK);
	assert_int_equal(fido_assert_allow_cred(a, fido_cred_id_ptr(c),
	    fido_cred_id_len(c)), FIDO_OK);
	assert_int_equal(fido_assert_set_up(a, up), FIDO_OK);
	assert_int_equal(fido_assert_set_uv(a, uv), FIDO_OK);
	*out = a;
	return fido_dev_get_assert(dev, a, pin);
}

/* What a verifier does: signature with the enrolled key, rp, and the
 * flags asked for. */
static int
verify(fido_assert_t *a, const fido_cred_t *c, fido_opt_t up, fido_opt_t uv)
{
	es256_pk_t	*pk;
	int		 r;

	assert_non_null(pk = es256_pk_new());
	assert_int_equal(es256_pk_from_ptr(pk, fido_cred_pubkey_ptr(c),
	    fido_cred_pubkey_len(c)), FIDO_OK);
	assert_int_equal(fido_assert_set_up(a, up), FIDO_OK);
	assert_int_equal(fido_assert_set_uv(a, uv), FIDO_OK);
	r = fido_assert_verify(a, 0, COSE_ES256, pk);
	es256_pk_free(&pk);
	return r;
}

static int
retries(void)
{
	fido_dev_t	*dev = open_dev();
	int		 n = -1;

	assert_int_equal(fido_dev_get_retry_count(dev, &n), FIDO_OK);
	close_dev(&dev);
	return n;
}

/* One assertion on a fresh handle; returns the fido_dev_get_assert code
 * and, on success, the counter and flags. */
static int
assert_once(const fido_cred_t *c, const char *pin, fido_opt_t up,
    fido_opt_t uv, uint32_t *count, uint8_t *flags)
{
	fido_dev_t	*dev = open_dev();
	fido_assert_t	*a = NULL;
	int		 r;

	r = get_assert(dev, c, RP, pin, up, uv, &a);
	if (r == FIDO_OK) {
		if (count != NULL)
			*count = fido_assert_sigcount(a, 0);
		if (flags != NULL)
			*flags = fido_assert_flags(a, 0);
	}
	fido_assert_free(&a);
	close_dev(&dev);
	return r;
}

/* --- tests ----------------------------------------------------------- */

static void
test_get_info(void **unused)
{
	fido_dev_t		*dev;
	fido_cbor_info_t	*ci;

	make_state(SOFTKEY_UV_PIN, NULL, 8);
	dev = open_dev();
	assert_true(fido_dev_supports_pin(dev));
	assert_false(fido_dev_has_pin(dev));
	assert_false(fido_dev_has_uv(dev));
	assert_non_null(ci = fido_cbor_info_new());
	assert_int_equal(fido_dev_get_cbor_info(dev, ci), FIDO_OK);
	assert_int_equal(fido_cbor_info_versions_len(ci), 1);
	assert_string_equal(fido_cbor_info_versions_ptr(ci)[0], "FIDO_2_0");
	assert_int_equal(fido_cbor_info_aaguid_len(ci), 16);
	assert_memory_equal(fido_cbor_info_aaguid_ptr(ci), aaguid, 16);
	assert_int_equal(fido_cbor_info_protocols_len(ci), 1);
	assert_int_equal(fido_cbor_info_protocols_ptr(ci)[0], 1);
	assert_int_equal(fido_cbor_info_maxmsgsiz(ci), 1200);
	fido_cbor_info_free(&ci);
	close_dev(&dev);
}

static void
test_set_pin(void **unused)
{
	fido_dev_t	*dev;
	fido_cred_t	*c;

	make_state(SOFTKEY_UV_PIN, NULL, 8);
	dev = open_dev();
	assert_int_equal(fido_dev_set_pin(dev, "12", NULL),
	    FIDO_ERR_PIN_POLICY_VIOLATION);
	assert_int_equal(fido_dev_set_pin(dev, PIN, NULL), FIDO_OK);
	/* a second setPIN is refused; changePIN works with the old PIN */
	assert_int_equal(fido_dev_set_pin(dev, "2718", NULL),
	    FIDO_ERR_PIN_AUTH_INVALID);
	close_dev(&dev);
	dev = open_dev();
	assert_true(fido_dev_has_pin(dev));
	assert_int_equal(fido_dev_set_pin(dev, "2718", "0000"),
	    FIDO_ERR_PIN_INVALID);
	assert_int_equal(fido_dev_set_pin(dev, "2718", PIN), FIDO_OK);
	close_dev(&dev);
	assert_int_equal(retries(), 8);
	c = enrolled("2718", FIDO_OPT_OMIT);
	assert_int_equal(assert_once(c, "2718", FIDO_OPT_TRUE, FIDO_OPT_TRUE,
	    NULL, NULL), FIDO_OK);
	fido_cred_free(&c);
}

static void
test_full_attestation_and_pin(void **unused)
{
	fido_dev_t	*dev;
	fido_cred_t	*c = NULL;
	fido_assert_t	*a = NULL;

	dev = open_dev();
	assert_int_equal(make_cred(dev, NULL, FIDO_OPT_OMIT, &c),
	    FIDO_ERR_PIN_REQUIRED);
	fido_cred_free(&c);
	assert_int_equal(make_cred(dev, PIN, FIDO_OPT_TRUE, &c), FIDO_OK);
	assert_string_equal(fido_cred_fmt(c), "packed");
	assert_true(fido_cred_x5c_len(c) > 0);
	assert_int_equal(fido_cred_verify(c), FIDO_OK);
	assert_int_equal(fido_cred_verify_self(c), FIDO_ERR_INVALID_ARGUMENT);
	assert_int_equal(fido_cred_flags(c) & 0x45, 0x45);	/* UP UV AT */
	assert_true(fido_cred_id_len(c) >= 32 && fido_cred_id_len(c) <= 64);
	assert_memory_equal(fido_cred_aaguid_ptr(c), aaguid, 16);
	assert_int_equal(fido_cred_sigcount(c), 0);

	assert_int_equal(get_assert(dev, c, RP, PIN, FIDO_OPT_TRUE,
	    FIDO_OPT_TRUE, &a), FIDO_OK);
	assert_int_equal(fido_assert_flags(a, 0) & 0x05, 0x05);
	assert_int_equal(fido_assert_sigcount(a, 0), 1);
	assert_int_equal(verify(a, c, FIDO_OPT_TRUE, FIDO_OPT_TRUE), FIDO_OK);
	fido_assert_free(&a);
	close_dev(&dev);

	/* without the PIN: presence only, which a UV-requiring verifier
	 * refuses */
	dev = open_dev();
	assert_int_equal(get_assert(dev, c, RP, NULL, FIDO_OPT_TRUE,
	    FIDO_OPT_OMIT, &a), FIDO_OK);
	assert_int_equal(fido_assert_flags(a, 0) & 0x05, 0x01);
	assert_int_equal(fido_assert_sigcount(a, 0), 2);
	assert_int_equal(verify(a, c, FIDO_OPT_TRUE, FIDO_OPT_TRUE),
	    FIDO_ERR_INVALID_PARAM);
	assert_int_equal(verify(a, c, FIDO_OPT_TRUE, FIDO_OPT_OMIT), FIDO_OK);
	fido_assert_free(&a);
	close_dev(&dev);
	fido_cred_free(&c);
}

static void
test_wrong_pin(void **unused)
{
	fido_cred_t	*c = enrolled(PIN, FIDO_OPT_OMIT);
	fido_dev_t	*dev;
	fido_assert_t	*a = NULL;

	assert_int_equal(assert_once(c, "000000", FIDO_OPT_TRUE,
	    FIDO_OPT_TRUE, NULL, NULL), FIDO_ERR_PIN_INVALID);
	assert_int_equal(retries(), 7);
	assert_int_equal(assert_once(c, PIN, FIDO_OPT_TRUE, FIDO_OPT_TRUE,
	    NULL, NULL), FIDO_OK);
	assert_int_equal(retries(), 8);

	/* three in a row on one plug-in: blocked until re-plugged */
	dev = open_dev();
	for (int i = 0; i < 2; i++) {
		assert_int_equal(get_assert(dev, c, RP, "000000",
		    FIDO_OPT_TRUE, FIDO_OPT_TRUE, &a), FIDO_ERR_PIN_INVALID);
		fido_assert_free(&a);
	}
	assert_int_equal(get_assert(dev, c, RP, "000000", FIDO_OPT_TRUE,
	    FIDO_OPT_TRUE, &a), FIDO_ERR_PIN_AUTH_BLOCKED);
	fido_assert_free(&a);
	assert_int_equal(get_assert(dev, c, RP, PIN, FIDO_OPT_TRUE,
	    FIDO_OPT_TRUE, &a), FIDO_ERR_PIN_AUTH_BLOCKED);
	fido_assert_free(&a);
	close_dev(&dev);
	assert_int_equal(retries(), 5);
	assert_int_equal(assert_once(c, PIN, FIDO_OPT_TRUE, FIDO_OPT_TRUE,
	    NULL, NULL), FIDO_OK);
	fido_cred_free(&c);
}

static void
test_pin_blocked(void **unused)
{
	fido_cred_t *c;

	make_state(SOFTKEY_UV_PIN, PIN, 3);
	c = enrolled(PIN, FIDO_OPT_OMIT);
	assert_int_equal(retries(), 3);
	for (int i = 0; i < 2; i++)
		assert_int_equal(assert_once(c, "999999", FIDO_OPT_TRUE,
		    FIDO_OPT_TRUE, NULL, NULL), FIDO_ERR_PIN_INVALID);
	assert_int_equal(assert_once(c, "999999", FIDO_OPT_TRUE,
	    FIDO_OPT_TRUE, NULL, NULL), FIDO_ERR_PIN_BLOCKED);
	assert_int_equal(retries(), 0);
	/* blocked for good, the right PIN included */
	assert_int_equal(assert_once(c, PIN, FIDO_OPT_TRUE, FIDO_OPT_TRUE,
	    NULL, NULL), FIDO_ERR_PIN_BLOCKED);
	fido_cred_free(&c);
}

static void
test_counter_modes(void **unused)
{
	fido_cred_t	*c = enrolled(PIN, FIDO_OPT_OMIT);
	uint32_t	 n = 0;

	assert_int_equal(assert_once(c, NULL, FIDO_OPT_TRUE, FIDO_OPT_OMIT,
	    &n, NULL), FIDO_OK);
	assert_int_equal(n, 1);
	assert_int_equal(assert_once(c, NULL, FIDO_OPT_TRUE, FIDO_OPT_OMIT,
	    &n, NULL), FIDO_OK);
	assert_int_equal(n, 2);
	setenv("KAGI_SOFTKEY_COUNTER", "stuck", 1);
	assert_int_equal(assert_once(c, NULL, FIDO_OPT_TRUE, FIDO_OPT_OMIT,
	    &n, NULL), FIDO_OK);
	assert_int_equal(n, 2);
	setenv("KAGI_SOFTKEY_COUNTER", "back", 1);
	assert_int_equal(assert_once(c, NULL, FIDO_OPT_TRUE, FIDO_OPT_OMIT,
	    &n, NULL), FIDO_OK);
	assert_int_equal(n, 1);
	setenv("KAGI_SOFTKEY_COUNTER", "normal", 1);
	assert_int_equal(assert_once(c, NULL, FIDO_OPT_TRUE, FIDO_OPT_OMIT,
	    &n, NULL), FIDO_OK);
	assert_int_equal(n, 2);
	fido_cred_free(&c);
}

static void
test_builtin_uv(void **unused)
{
	fido_dev_t	*dev;
	fido_cred_t	*c;
	fido_assert_t	*a = NULL;
	uint8_t		 flags = 0;

	make_state(SOFTKEY_UV_BUILTIN, NULL, 8);
	dev = open_dev();
	assert_true(fido_dev_has_uv(dev));
	assert_false(fido_dev_supports_pin(dev));
	close_dev(&dev);
	c = enrolled(NULL, FIDO_OPT_TRUE);
	assert_int_equal(fido_cred_verify(c), FIDO_OK);
	assert_true(fido_cred_flags(c) & 0x04);
	dev = open_dev();
	assert_int_equal(get_assert(dev, c, RP, NULL, FIDO_OPT_TRUE,
	    FIDO_OPT_TRUE, &a), FIDO_OK);
	assert_int_equal(verify(a, c, FIDO_OPT_TRUE, FIDO_OPT_TRUE), FIDO_OK);
	fido_assert_free(&a);
	close_dev(&dev);
	/* uv not asked: presence only */
	assert_int_equal(assert_once(c, NULL, FIDO_OPT_TRUE, FIDO_OPT_OMIT,
	    NULL, &flags), FIDO_OK);
	assert_int_equal(flags & 0x05, 0x01);
	/* the switch turns the same state into a PIN key */
	setenv("KAGI_SOFTKEY_UV", "pin", 1);
	dev = open_dev();
	assert_true(fido_dev_supports_pin(dev));
	assert_false(fido_dev_has_uv(dev));
	close_dev(&dev);
	fido_cred_free(&c);
}

static void
test_presence_only(void **unused)
{
	fido_cred_t	*c;
	uint8_t		 flags = 0;

	make_state(SOFTKEY_UV_NONE, NULL, 8);
	c = enrolled(NULL, FIDO_OPT_OMIT);
	assert_int_equal(assert_once(c, NULL, FIDO_OPT_TRUE, FIDO_OPT_TRUE,
	    NULL, NULL), FIDO_ERR_UNSUPPORTED_OPTION);
	assert_int_equal(assert_once(c, NULL, FIDO_OPT_TRUE, FIDO_OPT_OMIT,
	    NULL, &flags), FIDO_OK);
	assert_int_equal(flags & 0x05, 0x01);
	fido_cred_free(&c);
}

static void
test_touch_refused_and_probe(void **unused)
{
	fido_cred_t	*c = enrolled(PIN, FIDO_OPT_OMIT);
	uint8_t		 flags = 0xff;

	setenv("KAGI_SOFTKEY_TOUCH", "refuse", 1);
	assert_int_equal(assert_once(c, PIN, FIDO_OPT_TRUE, FIDO_OPT_TRUE,
	    NULL, NULL), FIDO_ERR_OPERATION_DENIED);
	/* up=false needs no touch */
	assert_int_equal(assert_once(c, NULL, FIDO_OPT_FALSE, FIDO_OPT_OMIT,
	    NULL, &flags), FIDO_OK);
	assert_int_equal(flags & 0x01, 0);
	fido_cred_free(&c);
}

static void
test_touch_timeout(void **unused)
{
	fido_cred_t	*c = enrolled(PIN, FIDO_OPT_OMIT);
	fido_dev_t	*dev = open_dev();
	fido_assert_t	*a = NULL;
	struct timespec	 t0, t1;
	long		 ms;
	int		 r;

	setenv("KAGI_SOFTKEY_TOUCH", "timeout", 1);
	assert_int_equal(fido_dev_set_timeout(dev, 300), FIDO_OK);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = get_assert(dev, c, RP, PIN, FIDO_OPT_TRUE, FIDO_OPT_TRUE, &a);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(r, FIDO_ERR_RX);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(ms >= 150 && ms < 3000);
	fido_assert_free(&a);
	close_dev(&dev);
	fido_cred_free(&c);
}

static void
test_unplugged(void **unused)
{
	fido_cred_t	*c = enrolled(PIN, FIDO_OPT_OMIT);

	setenv("KAGI_SOFTKEY_UNPLUG", "after-init", 1);
	assert_int_equal(assert_once(c, NULL, FIDO_OPT_TRUE, FIDO_OPT_OMIT,
	    NULL, NULL), FIDO_ERR_TX);
	/* with a PIN, the key-agreement step is the one that fails */
	assert_int_not_equal(assert_once(c, PIN, FIDO_OPT_TRUE, FIDO_OPT_TRUE,
	    NULL, NULL), FIDO_OK);
	fido_cred_free(&c);
}

static void
test_malformed_reply(void **unused)
{
	fido_cred_t	*c = enrolled(PIN, FIDO_OPT_OMIT);
	int		 r;

	setenv("KAGI_SOFTKEY_MALFORMED", "reply", 1);
	r = assert_once(c, PIN, FIDO_OPT_TRUE, FIDO_OPT_TRUE, NULL, NULL);
	assert_true(r == FIDO_ERR_RX_NOT_CBOR || r == FIDO_ERR_RX_INVALID_CBOR);
	fido_cred_free(&c);
}

static void
test_wrong_rp(void **unused)
{
	fido_cred_t	*c = enrolled(PIN, FIDO_OPT_OMIT);
	fido_dev_t	*dev;
	fido_assert_t	*a = NULL;

	setenv("KAGI_SOFTKEY_RP", "wrong", 1);
	dev = open_dev();
	assert_int_equal(get_assert(dev, c, RP, PIN, FIDO_OPT_TRUE,
	    FIDO_OPT_TRUE, &a), FIDO_OK);
	assert_int_equal(verify(a, c, FIDO_OPT_TRUE, FIDO_OPT_TRUE),
	    FIDO_ERR_INVALID_PARAM);
	fido_assert_free(&a);
	close_dev(&dev);
	fido_cred_free(&c);
}

static void
test_self_and_no_attestation(void **unused)
{
	fido_cred_t *c;

	setenv("KAGI_SOFTKEY_ATT", "self", 1);
	c = enrolled(PIN, FIDO_OPT_OMIT);
	assert_int_equal(fido_cred_x5c_len(c), 0);
	assert_int_equal(fido_cred_verify(c), FIDO_ERR_INVALID_ARGUMENT);
	assert_int_equal(fido_cred_verify_self(c), FIDO_OK);
	fido_cred_free(&c);
	setenv("KAGI_SOFTKEY_ATT", "none", 1);
	{
		fido_dev_t *dev = open_dev();
		int r = make_cred(dev, PIN, FIDO_OPT_OMIT, &c);

		/* fmt "none": nothing to verify */
		assert_int_equal(r, FIDO_OK);
		assert_string_equal(fido_cred_fmt(c), "none");
		assert_int_not_equal(fido_cred_verify(c), FIDO_OK);
		close_dev(&dev);
		fido_cred_free(&c);
	}
}

static void
test_unknown_credential_and_exclude(void **unused)
{
	fido_cred_t	*c = enrolled(PIN, FIDO_OPT_OMIT), *d = NULL;
	fido_dev_t	*dev = open_dev();
	fido_assert_t	*a = NULL;

	assert_int_equal(get_assert(dev, c, "other.test", NULL, FIDO_OPT_TRUE,
	    FIDO_OPT_OMIT, &a), FIDO_ERR_NO_CREDENTIALS);
	fido_assert_free(&a);
	/* excluding the enrolled credential refuses a second enrolment */
	assert_non_null(d = fido_cred_new());
	assert_int_equal(fido_cred_set_type(d, COSE_ES256), FIDO_OK);
	assert_int_equal(fido_cred_set_clientdata_hash(d, cdh, sizeof(cdh)),
	    FIDO_OK);
	assert_int_equal(fido_cred_set_rp(d, RP, NULL), FIDO_OK);
	assert_int_equal(fido_cred_set_user(d, (const unsigned char *)"u", 1,
	    "u", NULL, NULL), FIDO_OK);
	assert_int_equal(fido_cred_exclude(d, fido_cred_id_ptr(c),
	    fido_cred_id_len(c)), FIDO_OK);
	assert_int_equal(fido_dev_make_cred(dev, d, PIN),
	    FIDO_ERR_CREDENTIAL_EXCLUDED);
	fido_cred_free(&d);
	close_dev(&dev);
	fido_cred_free(&c);
}

static void
test_state_persists(void **unused)
{
	fido_cred_t		*c = enrolled(PIN, FIDO_OPT_OMIT);
	struct softkey_state	*st = NULL;

	assert_int_equal(assert_once(c, NULL, FIDO_OPT_TRUE, FIDO_OPT_OMIT,
	    NULL, NULL), FIDO_OK);
	assert_int_equal(softkey_state_load(state, &st), 0);
	assert_int_equal(st->ncreds, 1);
	assert_int_equal(st->creds[0].counter, 1);
	assert_int_equal(st->creds[0].id_len, fido_cred_id_len(c));
	assert_memory_equal(st->creds[0].id, fido_cred_id_ptr(c),
	    st->creds[0].id_len);
	assert_true(st->pin_set);
	softkey_state_free(&st);
	/* no state variable: the key cannot be opened */
	unsetenv("KAGI_SOFTKEY_STATE");
	assert_null(softkey_io_open("soft:0"));
	setenv("KAGI_SOFTKEY_STATE", state, 1);
	assert_null(softkey_io_open("/dev/hidraw0"));
	fido_cred_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_get_info, setup),
		cmocka_unit_test_setup(test_set_pin, setup),
		cmocka_unit_test_setup(test_full_attestation_and_pin, setup),
		cmocka_unit_test_setup(test_wrong_pin, setup),
		cmocka_unit_test_setup(test_pin_blocked, setup),
		cmocka_unit_test_setup(test_counter_modes, setup),
		cmocka_unit_test_setup(test_builtin_uv, setup),
		cmocka_unit_test_setup(test_presence_only, setup),
		cmocka_unit_test_setup(test_touch_refused_and_probe, setup),
		cmocka_unit_test_setup(test_touch_timeout, setup),
		cmocka_unit_test_setup(test_unplugged, setup),
		cmocka_unit_test_setup(test_malformed_reply, setup),
		cmocka_unit_test_setup(test_wrong_rp, setup),
		cmocka_unit_test_setup(test_self_and_no_attestation, setup),
		cmocka_unit_test_setup(test_unknown_credential_and_exclude,
		    setup),
		cmocka_unit_test_setup(test_state_persists, setup),
	};
	int r;

	fido_init(FIDO_DISABLE_U2F_FALLBACK);
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(state, sizeof(state), "%s/state", dir);
	setenv("KAGI_SOFTKEY_STATE", state, 1);
	r = cmocka_run_group_tests_name("softkey", tests, NULL, NULL);
	snprintf(state, sizeof(state), "%s/state.lock", dir);
	unlink(state);
	snprintf(state, sizeof(state), "%s/state", dir);
	unlink(state);
	rmdir(dir);
	return r;
}
