/*
 * app: the process-wide context (app.h). boot.c fills it at start.
 */
#include "app.h"

struct app app;
