#ifndef SLIPWAY_CWEBSOCKETS_SHIM_H
#define SLIPWAY_CWEBSOCKETS_SHIM_H
#include <string.h>
#include <libwebsockets.h>

/* LWS_PRE is a computed macro Swift cannot import: the headroom lws_write needs before the payload. */
static inline size_t slipway_lws_pre(void) { return LWS_PRE; }

/*
 * A context with one protocol (`protocols` holds it and the zeroed terminator). `port` -1 (CONTEXT_PORT_NO_LISTEN)
 * for a client-only context, 0 for a server on a port the kernel picks; `iface` the address to listen on.
 * `with_tls` initialises OpenSSL so clients can connect to wss://; servers are verified against the system's CA
 * store, or only against `ca_file` when it is not NULL. A server with `cert_file` and `key_file` speaks wss://.
 */
static inline struct lws_context *slipway_lws_create_context(
    const struct lws_protocols *protocols, int port, const char *iface, void *user, int with_tls,
    const char *ca_file, const char *cert_file, const char *key_file)
{
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = port;
    info.iface = iface;
    info.protocols = protocols;
    info.user = user;
    info.gid = -1;
    info.uid = -1;
    info.client_ssl_ca_filepath = ca_file;
    info.ssl_cert_filepath = cert_file;
    info.ssl_private_key_filepath = key_file;
    if (with_tls || cert_file) info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    return lws_create_context(&info);
}

/* The port the context's default vhost listens on (after binding port 0), or -1. */
static inline int slipway_lws_listen_port(struct lws_context *context)
{
    struct lws_vhost *vhost = lws_get_vhost_by_name(context, "default");
    return vhost ? lws_get_vhost_listen_port(vhost) : -1;
}

/*
 * Client connections ping after 30 s without traffic and hang up after 70 s without any: a link that died silently
 * (no FIN, no RST) ends instead of waiting forever.
 */
static const lws_retry_bo_t slipway_lws_idle_policy = {
    .secs_since_valid_ping = 30,
    .secs_since_valid_hangup = 70,
};

/* Starts a client WebSocket connection; callbacks go to `local_protocol`, `opaque` is the wsi's opaque user data. */
static inline struct lws *slipway_lws_connect(
    struct lws_context *context, const char *address, int port, int use_tls, const char *path, const char *host,
    const char *local_protocol, void *opaque)
{
    struct lws_client_connect_info info;
    memset(&info, 0, sizeof info);
    info.context = context;
    info.address = address;
    info.port = port;
    info.ssl_connection = use_tls ? LCCSCF_USE_SSL : 0;
    info.path = path;
    info.host = host;
    info.origin = host;
    info.ietf_version_or_minus_one = -1;
    info.local_protocol_name = local_protocol;
    info.opaque_user_data = opaque;
    info.retry_and_idle_policy = &slipway_lws_idle_policy;
    return lws_client_connect_via_info(&info);
}

/* Writes one whole text message; `buffer` holds slipway_lws_pre() bytes of headroom before the `length` bytes. */
static inline int slipway_lws_write_text(struct lws *wsi, unsigned char *buffer, size_t length)
{
    return lws_write(wsi, buffer + LWS_PRE, length, LWS_WRITE_TEXT);
}

/* Sends a normal (1000) close frame when the callback then returns -1. */
static inline void slipway_lws_close_normally(struct lws *wsi)
{
    lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
}

/* The request path of an accepted WebSocket (server side), copied into `buffer`; its length, or -1. */
static inline int slipway_lws_request_path(struct lws *wsi, char *buffer, int length)
{
    return lws_hdr_copy(wsi, buffer, length, WSI_TOKEN_GET_URI);
}

#endif
