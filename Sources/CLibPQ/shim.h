#ifndef SLIPWAY_CLIBPQ_SHIM_H
#define SLIPWAY_CLIBPQ_SHIM_H
#include <libpq-fe.h>

/* Character-literal macros are not imported by Swift. */
static inline int slipway_pq_diag_sqlstate(void) { return PG_DIAG_SQLSTATE; }
static inline int slipway_pq_diag_message_primary(void) { return PG_DIAG_MESSAGE_PRIMARY; }
#endif
