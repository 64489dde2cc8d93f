/*
 * hosts.h - the fleet's hosts (issue 15): the cores' certificate
 * authority and the registry of terminals, gateways and cores that may
 * speak to a core over mutual TLS.
 *
 * DESIGN (issue 15: every terminal and gateway on the one state).
 *
 * Roles.  kagid.conf's `role = standalone | core | edge`, standalone (the
 * kagid of today: local socket, own store, own sealing key) the default.
 *   core        a standalone kagid that also holds the host registry and
 *               the cores' CA (in its store, so every core sharing the
 *               database shares them) and listens on `listen_tls`.  Only
 *               cores hold the sealing key, the checkpoint key and the
 *               store's credentials.
 *   edge        kagid on a terminal or gateway: no store, no sealing key,
 *               no decision and no cache.  It keeps the local socket of
 *               today (pam_kagi and kagictl do not change), classifies
 *               its callers by SO_PEERCRED as today, and forwards each
 *               request to the first core that answers (`cores = HOST:PORT,
 *               ...` in order, the next tried within 0.5 s; none: the
 *               answer is KAGI_ERR_UNAVAILABLE, which pam_kagi already
 *               turns into its plain "service not available" and
 *               PAM_AUTHINFO_UNAVAIL).  Its only secret is its host key
 *               (`tls_key`, with `tls_cert` and the CA's `tls_ca`).
 *
 * The CA (this file).  One EC P-256 key and a self-signed certificate
 * ("kagi cores CA", CA:TRUE, keyCertSign), made by `kagictl host ca-init`
 * on a core, kept in the store: the certificate as PEM, the key as DER
 * sealed with the sealing key (seal.h, purpose SEAL_HOST_CA, AAD
 * "hostca:kagi"), so a copy of the database without the key file gives
 * no one the power to sign.  hosts.c is the only code that unseals it.
 *
 * The registry (this file).  `kagictl host add NAME --zone Z --class C
 * --csr FILE` signs a certificate request made on the host (its private
 * key never leaves the host: `openssl req -new -newkey ec -pkeyopt
 * ec_paramgen_curve:P-256 -nodes -keyout host.key -out host.csr -subj
 * /CN=NAME`).  The request's own signature is checked and its key must
 * be EC P-256/P-384, Ed25519 or RSA of at least 3072 bits; everything
 * else in it (subject, extensions) is ignored: the certificate says
 * CN=NAME, a random 128-bit serial, HOST_CERT_DAYS of validity,
 * CA:FALSE, digitalSignature, and clientAuth (terminal, gateway) or
 * serverAuth and clientAuth (core).  The record keeps name, zone, class,
 * serial, the SHA-256 fingerprint of the certificate's DER, its validity
 * and the PEM.  `host renew NAME --csr FILE` replaces the certificate of
 * an active host (the old one is then unknown, so refused); `host revoke
 * NAME` marks the record revoked (kept, so that the certificate is
 * recognised and refused by name); `host list`, `host show NAME`.  Every
 * act is audited (host_ca_init, host_add, host_renew, host_revoke) and is
 * an administrator's (PEER_ADMIN), on a core only.
 *
 * The core's listener (kagid/tls.c).  `listen_tls = ADDR:PORT`
 * is a second listening socket in server.c's poll loop; its connections
 * carry an OpenSSL SSL object (non-blocking handshake, then the same
 * length-prefixed JSON frames as the local socket, read and written
 * through SSL_read/SSL_write).  TLS 1.3 only (min = max = TLS1_3),
 * SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT against the registry's
 * CA certificate alone (no system roots).  After the handshake the
 * client certificate's fingerprint is looked up (host_identify()):
 * unknown, revoked, expired, or of class core -> the connection is
 * audited ("host_refused", with the reason and the fingerprint) and
 * closed before any frame is read.  A plain-text or TLS 1.2 client fails
 * the handshake: audited at most once a minute per address (as refused
 * local callers are) and closed.
 *
 * What the edge sends.  Each request as the local caller sent it, plus
 * one field "edge" = { "uid", "name", "pid", "loginuid", "person",
 * "classes" }: the caller as the edge classified it by SO_PEERCRED.  The
 * core builds the struct peer of the request from it, but trusts the
 * edge only for what an edge may ask (issue item 5):
 *   - classes are masked to PEER_VERIFIER | PEER_SELF: PEER_ADMIN and
 *     PEER_APPROVER never cross the wire, approves is 0;
 *   - the op must be in fleet_edge_ops (fleet.c: auth_begin, auth_totp,
 *     auth_fido2, auth_sshkey, auth_enroll, account, token_lost_own,
 *     enroll_fido2_*, enroll_sshkey_*, authkeys; session_open and
 *     session_close once the core can have the edge end a session,
 *     item 7, since a core must never signal a pid of its own for an
 *     edge's session): every
 *     other op (administration, approval, audit reads, unlock, reports)
 *     is refused and audited ("edge_refused", naming the host), before
 *     dispatch, whatever classes were claimed;
 *   - then dispatch() runs as for a local caller, so that a root caller
 *     on the edge (pam_kagi) verifies any user and any other caller only
 *     itself, counted and throttled on the core.
 * Root on a terminal can thus claim to be root (it is) and try codes for
 * anyone, counted; it cannot read a secret, enrol for someone else,
 * unlock, approve or read the audit.
 *
 * The zone (issue item 4).  The zone and class of a request come from the
 * host's record: the core overwrites the request's "zone" with the
 * host's.  A module zone= option that disagrees (the request names a zone
 * other than the host's) is refused and audited ("zone_mismatch"): a
 * terminal misconfigured or lying about where it stands is seen.
 *
 * A revoked host.  Every request on a TLS connection looks the host up
 * again in the request's transaction: a revoked (or since renewed) host
 * is refused and its connection closed; `host revoke` also closes that
 * host's open connections on the core that ran it at once.  Other cores
 * see the revocation at the host's next request (the record is in the
 * shared store).
 *
 * State: the CA and the registry (hosts.c), the core's listener
 * (kagid/tls.c, server.c) and what a core does with a forwarded request
 * (fleet.c) and the edge (kagid/edge.c) are built; sessions through an
 * edge and the per-host rules come next (README, "A municipality's
 * fleet").
 */
#ifndef KAGI_HOSTS_H
#define KAGI_HOSTS_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "ctx.h"
#include "peer.h"
#include "store.h"
#include "store_hosts.h"

/* Days a host certificate is valid from its signing; the CA's. */
#define HOST_CERT_DAYS 397
#define HOST_CA_DAYS 3650
/* Largest certificate request read (PEM). */
#define HOST_CSR_MAX (16 * 1024)

/* The classes of hosts (the store's numbers). */
enum host_class { HOST_TERMINAL = 0, HOST_GATEWAY = 1, HOST_CORE = 2,
	HOST_CLASS_COUNT = 3 };
/* "terminal", "gateway", "core", NULL. */
extern const char *const host_class_names[];
/* The name of a class; "unknown" for anything else. */
const char *host_class_name(int cls);
/* A class by its name: 0 or KAGI_ERR_INVALID. */
int host_class_from_name(const char *s, int *cls);

/*
 * Create the cores' CA: a new key, sealed with ctx->key, and its
 * self-signed certificate, in the store.  KAGI_ERR_EXISTS when there is
 * one (never replaced).  Audited (host_ca_init).  reply gets "cert"
 * (PEM) and "fingerprint".
 */
int host_ca_init(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *reply);

/*
 * Sign csr_pem (a PEM certificate request) for a new host name of zone
 * and class, and register it.  KAGI_ERR_NOT_FOUND without a CA,
 * KAGI_ERR_EXISTS for a name taken, KAGI_ERR_INVALID (with a refusal
 * naming why) for a bad name, request, signature or key.  Audited
 * (host_add).  reply gets the record and "cert" (PEM) with "ca" (PEM).
 */
int host_add(struct kagid_ctx *ctx, const struct peer *peer,
    const char *name, int zone, int cls, const char *csr_pem,
    struct json_object *reply);
/* A new certificate for the active host name: as host_add. */
int host_renew(struct kagid_ctx *ctx, const struct peer *peer,
    const char *name, const char *csr_pem, struct json_object *reply);
/* Mark name revoked.  KAGI_ERR_NOT_FOUND, or KAGI_ERR_EXISTS when it
 * already is.  Audited (host_revoke). */
int host_revoke(struct kagid_ctx *ctx, const struct peer *peer,
    const char *name);
/* The records, as a "hosts" array / one record with its PEM. */
int host_list(struct kagid_ctx *ctx, struct json_object *reply);
int host_show(struct kagid_ctx *ctx, const char *name,
    struct json_object *reply);

/* fp as 64 lower-case hex digits into out. */
void host_fp_hex(const uint8_t fp[HOST_FP_LEN], char out[2 * HOST_FP_LEN + 1]);

/*
 * The registry's answer for a certificate presented by a client (its DER
 * bytes), at time now: 0 and *h for an active host within its validity;
 * KAGI_ERR_DENIED otherwise, with *why "unknown", "revoked", "expired",
 * "not_yet_valid" or "core"; for "unknown" (no host, or a certificate
 * a renewal replaced) *h is empty but for the certificate's fingerprint.
 */
int host_identify(struct kagid_ctx *ctx, const uint8_t *der, size_t len,
    int64_t now, struct host_rec *h, const char **why);

#endif
