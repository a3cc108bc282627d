#ifndef SLIPWAY_CSQLITE_SHIM_H
#define SLIPWAY_CSQLITE_SHIM_H
#include <sqlite3.h>

/* SQLITE_TRANSIENT is a cast macro Swift cannot import. */
static inline sqlite3_destructor_type slipway_sqlite_transient(void) { return SQLITE_TRANSIENT; }
static inline int slipway_sqlite_busy_timeout(sqlite3 *db, int ms) { return sqlite3_busy_timeout(db, ms); }
#endif
