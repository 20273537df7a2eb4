#ifndef C_PSEUDO_TERMINAL_H
#define C_PSEUDO_TERMINAL_H

#include <stddef.h>

/// Opens a new pseudo-terminal's primary side (read-write, close-on-exec, not our controlling
/// terminal) and unlocks it; writes the secondary side's path into `path`. Returns the file
/// descriptor, or -1 with errno set. (posix_openpt and friends are not visible to Swift's Glibc
/// module, which is why this lives in C.)
int cpt_open_primary(char *path, size_t path_size);

#endif
