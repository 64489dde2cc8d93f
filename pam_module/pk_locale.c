/*
 * pk_locale.c - pam_kagi's language, and the texts it shows a person.
 *
 * Guarantees:
 *  - The host's locale is never changed: a lang= option switches the
 *    thread locale only while a message is translated (pk_text()).
 *  - Only "xx" or "xx_YY" reaches newlocale(); a locale that is not
 *    installed is logged once and the host's is kept.
 *  - The texts for outcomes and for a failed key step are here,
 *    untranslated (N_()); they are translated when shown.
 */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <security/pam_ext.h>

#include "i18n.h"
#include "pk_int.h"

/*
 * lang= is "xx" or "xx_YY", lower-case language and upper-case country:
 * nothing else reaches newlocale().
 */
int
pk_lang_valid(const char *s)
{
	size_t n = strlen(s);

	if (n != 2 && n != 5)
		return 0;
	if (s[0] < 'a' || s[0] > 'z' || s[1] < 'a' || s[1] > 'z')
		return 0;
	if (n == 2)
		return 1;
	return s[2] == '_' && s[3] >= 'A' && s[3] <= 'Z' &&
	    s[4] >= 'A' && s[4] <= 'Z';
}

/*
 * The locale for lang=: "en" is the plain C locale (the untranslated
 * texts; gettext honours a LANGUAGE variable in the host's environment
 * under any other locale, C.UTF-8 included), "ja" is ja_JP.UTF-8, another bare "xx" is xx_XX.UTF-8, and "xx_YY" is
 * xx_YY.UTF-8.  A locale that is not installed is logged once and the
 * host's locale is kept.
 */
enum pk_outcome
pk_locale_open(struct pk_ctx *ctx)
{
	const char *lang = ctx->opts.lang;
	char name[32];

	if (lang == NULL)
		return PK_CONTINUE;
	if (strcmp(lang, "en") == 0)
		snprintf(name, sizeof(name), "C");
	else if (strcmp(lang, "ja") == 0)
		snprintf(name, sizeof(name), "ja_JP.UTF-8");
	else if (strlen(lang) == 2)
		snprintf(name, sizeof(name), "%s_%c%c.UTF-8", lang,
		    lang[0] - 'a' + 'A', lang[1] - 'a' + 'A');
	else
		snprintf(name, sizeof(name), "%s.UTF-8", lang);
	errno = 0;
	ctx->loc = newlocale(LC_MESSAGES_MASK, name, (locale_t)0);
	if (ctx->loc == (locale_t)0 && errno == ENOMEM) {
		pam_syslog(ctx->pamh, LOG_CRIT, "locale %s: out of memory",
		    name);
		return PK_NOMEM;
	}
	if (ctx->loc == (locale_t)0)
		pam_syslog(ctx->pamh, LOG_WARNING, "locale %s for lang=%s is "
		    "not installed; messages stay in the default language",
		    name, lang);
	return PK_CONTINUE;
}

void
pk_locale_close(struct pk_ctx *ctx)
{
	if (ctx->loc != (locale_t)0)
		freelocale(ctx->loc);
	ctx->loc = (locale_t)0;
}

/*
 * Translate msgid.  The thread locale is switched only around the
 * lookup, so the host's conversation function runs in its own locale.
 */
const char *
pk_text(const struct pk_ctx *ctx, const char *msgid)
{
	locale_t prev;
	const char *s;

	if (ctx->loc == (locale_t)0)
		return _(msgid);
	prev = uselocale(ctx->loc);
	s = _(msgid);
	if (prev != (locale_t)0)
		uselocale(prev);
	return s;
}

/* What the user is told for an outcome, untranslated; NULL: nothing. */
const char *
pk_user_message(enum pk_outcome o)
{
	switch (o) {
	case PK_LOCKED:
		return N_("Your account is locked. Contact your administrator.");
	case PK_DISABLED:
		return N_("Your account is disabled. Contact your "
		    "administrator.");
	case PK_UNENROLLED:
		return N_("No second factor is enrolled for your account. "
		    "Contact your administrator.");
	case PK_THROTTLED:
		return N_("Too many attempts from your address. Try again "
		    "later.");
	case PK_REFUSED:
		return N_("Your account may not log in at this time or from "
		    "this address. Contact your administrator.");
	case PK_UNCONFIRMED:
	case PK_USER_CHANGED:
		return N_("This log-in could not be confirmed. Log in again; "
		    "if this happens again, contact your administrator.");
	case PK_CONTINUE:
	case PK_UNAVAILABLE:
		return N_("The authentication service is not available. "
		    "Contact your administrator.");
	case PK_GRANTED:
	case PK_DENIED:
	case PK_UNKNOWN:
	case PK_CONV_FAILED:
	case PK_BAD_CONFIG:
	case PK_SYSTEM:
	case PK_NOMEM:
		break;
	}
	return NULL;
}

/* What the person is told when the key step fails, untranslated. */
const char *
pk_fido2_message(enum pkf_result res)
{
	switch (res) {
	case PKF_NO_KEY:
		return N_("No security key found. Insert your security key and "
		    "try again.");
	case PKF_KEY_REMOVED:
		return N_("The security key was removed. Insert it and try "
		    "again.");
	case PKF_TIMEOUT:
		return N_("The security key was not touched in time.");
	case PKF_TOUCH_REFUSED:
		return N_("The security key refused the request.");
	case PKF_PIN_INVALID:
		return N_("The PIN of your security key is wrong.");
	case PKF_PIN_BLOCKED:
		return N_("The PIN of your security key is blocked. Contact "
		    "your administrator.");
	case PKF_UV_BLOCKED:
		return N_("Your security key can no longer verify your "
		    "fingerprint. Contact your administrator.");
	case PKF_NO_CREDENTIAL:
		return N_("This security key is not registered for your "
		    "account.");
	case PKF_NO_UV:
		return N_("This security key has no PIN or fingerprint, which "
		    "your account requires. Contact your administrator.");
	case PKF_DEVICE:
		return N_("The security key did not answer correctly. Remove it, "
		    "insert it again and try again.");
	case PKF_OK:
	case PKF_CONV:
	case PKF_SYSTEM:
		break;
	}
	return NULL;
}

/* A time for the user, in the host's time zone. */
void
pk_time_text(int64_t t, char *out, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL ||
	    strftime(out, len, "%Y-%m-%d %H:%M:%S %Z", &tm) == 0)
		snprintf(out, len, "%lld", (long long)t);
}
