#ifndef CMALLOC_SHIM_H
#define CMALLOC_SHIM_H

/*
 * glibc's allocator controls (malloc_trim), which Swift's Glibc module leaves out. The server gives back the pages
 * a directory synchronisation freed (Server/ProcessMemory.swift).
 */
#include <malloc.h>

#endif /* CMALLOC_SHIM_H */
