#ifndef SLIPWAY_CLIBPQ_SHIM_H
#define SLIPWAY_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
