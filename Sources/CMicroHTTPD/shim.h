#ifndef SLIPWAY_CMICROHTTPD_SHIM_H
#define SLIPWAY_CMICROHTTPD_SHIM_H
#include <stdint.h>
#include <sys/socket.h>
#include <microhttpd.h>

/* Daemon flags used by SlipwayHTTP, as plain constants (some are macros or combined enum values upstream). */
static const unsigned int SLIPWAY_MHD_USE_ERROR_LOG = MHD_USE_ERROR_LOG;
static const unsigned int SLIPWAY_MHD_USE_IPV6 = MHD_USE_IPv6;
static const unsigned int SLIPWAY_MHD_USE_POLL_INTERNAL_THREAD = MHD_USE_POLL_INTERNAL_THREAD;

/* The callbacks SlipwayHTTP registers, with the exact C types MHD expects. */
typedef void *(*slipway_mhd_uri_log_callback)(void *cls, const char *uri, struct MHD_Connection *connection);

/*
 * Typed wrapper for the variadic MHD_start_daemon: every option SlipwayHTTP uses, passed through
 * MHD_OPTION_ARRAY so optional ones can be left out. `thread_pool_size` <= 1 means no pool.
 * The logger is installed first so that start-up failures are reported to it and not to stderr.
 */
static inline struct MHD_Daemon *slipway_mhd_start_daemon(
    unsigned int flags,
    const struct sockaddr *address,
    unsigned int thread_pool_size,
    unsigned int connection_timeout_seconds,
    size_t connection_memory_bytes,
    unsigned int connection_limit,
    unsigned int per_ip_connection_limit,
    MHD_NotifyConnectionCallback notify_connection, void *notify_connection_cls,
    MHD_LogCallback logger, void *logger_cls,
    slipway_mhd_uri_log_callback uri_logger, void *uri_logger_cls,
    MHD_RequestCompletedCallback completed, void *completed_cls,
    MHD_AccessHandlerCallback handler, void *handler_cls)
{
    struct MHD_OptionItem options[12];
    unsigned int n = 0;
    options[n++] = (struct MHD_OptionItem){ MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)logger, logger_cls };
    options[n++] = (struct MHD_OptionItem){ MHD_OPTION_SOCK_ADDR, 0, (void *)address };
    options[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)connection_timeout_seconds, NULL };
    options[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)connection_memory_bytes, NULL };
    options[n++] = (struct MHD_OptionItem){ MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)uri_logger, uri_logger_cls };
    options[n++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)completed, completed_cls };
    options[n++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)notify_connection, notify_connection_cls };
    /* Split evenly between the pool's threads by MHD. Above FD_SETSIZE is fine: the daemon uses poll. */
    options[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT, (intptr_t)connection_limit, NULL };
    if (per_ip_connection_limit > 0) {
        options[n++] = (struct MHD_OptionItem){ MHD_OPTION_PER_IP_CONNECTION_LIMIT, (intptr_t)per_ip_connection_limit, NULL };
    }
    if (thread_pool_size > 1) {
        options[n++] = (struct MHD_OptionItem){ MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)thread_pool_size, NULL };
    }
    options[n] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
    /* The port argument is ignored when MHD_OPTION_SOCK_ADDR is given. */
    return MHD_start_daemon(flags, 0, NULL, NULL, handler, handler_cls, MHD_OPTION_ARRAY, options, MHD_OPTION_END);
}

/* The port of the daemon's listening socket (the real one when port 0 was asked), or 0 if unknown. */
static inline uint16_t slipway_mhd_bound_port(struct MHD_Daemon *daemon) {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info == NULL ? 0 : info->port;
}

/* Whether a connection notification reports a new connection (else its closing). */
static inline int slipway_mhd_connection_started(enum MHD_ConnectionNotificationCode code) {
    return code == MHD_CONNECTION_NOTIFY_STARTED;
}

/* The socket of a connection, or -1. */
static inline int slipway_mhd_connection_fd(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    return info == NULL ? -1 : info->connect_fd;
}

/* The socket context set by the notify-connection callback when the connection was accepted, or NULL. */
static inline void *slipway_mhd_socket_context(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info == NULL ? NULL : info->socket_context;
}

#endif
