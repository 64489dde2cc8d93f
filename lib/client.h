/*
 * client.h - a connection to kagid, used by pam_kagi and kagictl.
 *
 * One UNIX stream socket; every step (connect, send, receive) is bounded
 * by the time-out given at connect.  client_connect() refuses a listener
 * (KAGI_ERR_UNSAFE_FILE) that runs neither as root nor as the owner of the
 * socket's directory, or whose directory others may write to.  A reply that is not a well-formed
 * frame is KAGI_ERR_INVALID.  The caller decides what an error means; for
 * pam_kagi every error denies.
 */
#ifndef KAGI_CLIENT_H
#define KAGI_CLIENT_H

#include <json-c/json.h>

struct kagi_client;

int client_connect(const char *sockpath, int timeout_ms,
    struct kagi_client **c);
/*
 * Send req, wait for the reply.  On KAGI_OK, *reply is an object whose
 * "status" was "ok".  On an error reply, returns its code and, when reply
 * is not NULL, hands over the reply too (for its "message").  A reply
 * kagid sent as a stream of frames (proto.h) is followed to its last
 * frame and handed over whole; a stream cut short is KAGI_ERR_IO or
 * KAGI_ERR_TIMEOUT, never a partial listing.
 */
int client_call(struct kagi_client *c, struct json_object *req,
    struct json_object **reply);
void client_free(struct kagi_client **c);

#endif
