/*
 * version: the release version, printed by `glovebox version`.
 */
#ifndef GLOVEBOX_VERSION_H
#define GLOVEBOX_VERSION_H

#define GLOVEBOX_VERSION "0.1.0"

#endif
