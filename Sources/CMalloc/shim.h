#ifndef SLIPWAY_CMALLOC_SHIM_H
#define SLIPWAY_CMALLOC_SHIM_H
/* glibc's allocator controls (mallopt(3), mallinfo2(3)); Swift's Glibc module leaves out <malloc.h>. */
#include <malloc.h>

static inline int slipway_malloc_set_arena_max(int arenas) { return mallopt(M_ARENA_MAX, arenas); }
#endif
