#ifndef SLIPWAY_CYAML_SHIM_H
#define SLIPWAY_CYAML_SHIM_H
#include <yaml.h>
#endif
