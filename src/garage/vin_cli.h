/*
 * vin_cli: the `glovebox vin` command (see vin_cli.c).
 */
#ifndef GLOVEBOX_VIN_CLI_H
#define GLOVEBOX_VIN_CLI_H

#include <stdbool.h>
#include <stdio.h>

/* Checks the VINs in argv, or each line of in when argc is 0; writes one
 * JSON line per VIN to out. 0 when all are valid, 3 when one is not, 1 on
 * an output error. */
int vin_cli(int argc, char **argv, bool lenient, FILE *in, FILE *out);

#endif
