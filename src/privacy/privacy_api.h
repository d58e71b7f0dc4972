/*
 * privacy_api: the machine-readable privacy notice, GET /privacy.json
 * (docs/api.md), a thin adapter over privacy.h.
 */
#ifndef GLOVEBOX_PRIVACY_API_H
#define GLOVEBOX_PRIVACY_API_H

#include "http.h"

void privacy_api_profile(struct req *r); /* GET /privacy.json */

#endif
