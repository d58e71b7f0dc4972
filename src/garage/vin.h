/*
 * vin: vehicle identification numbers, pure (no I/O, no allocation).
 *
 * Normalisation: surrounding white space is dropped, and so are spaces and
 * hyphens inside (VINs are often copied with separators); ASCII letters are
 * upper-cased. Nothing else is changed: an I, O or Q stays an error rather
 * than being guessed into 1 or 0.
 *
 * Checks: 17 characters; the alphabet of ISO 3779 (digits and letters
 * without I, O, Q); the check digit in position 9 (49 CFR 565.15). Decoded:
 * the World Manufacturer Identifier (positions 1-3) to manufacturer, make
 * and country from a built-in table (vin_wmi.c); the model year from
 * position 10, with position 7 choosing between the 1980-2009 and
 * 2010-2039 cycles (49 CFR 565.15(c)); the plant code (position 11).
 *
 * Strict (North America, where the check digit is required) or lenient
 * (other markets, ISO 3779 has no check digit): in lenient mode a wrong
 * check digit is a warning, not an error.
 */
#ifndef GLOVEBOX_VIN_H
#define GLOVEBOX_VIN_H

#include <stdbool.h>
#include <stddef.h>

#define VIN_LEN	       17
#define VIN_MAX_ISSUES 4

enum vin_code {
	VIN_LENGTH,	       /* not 17 characters: detail = length found */
	VIN_CHARACTER,	       /* not in the alphabet: position (1-based), character */
	VIN_CHECK_DIGIT,       /* position 9: expected, found */
	VIN_MAKE_NOT_ACCEPTED, /* the site does not take this make */
	VIN_YEAR_CODE,	       /* position 10 is no model-year code (warning) */
	VIN_WMI_UNKNOWN,       /* the manufacturer is not in our table (warning) */
};

struct vin_issue {
	enum vin_code code;
	int position;	      /* VIN_CHARACTER, VIN_YEAR_CODE */
	char found, expected; /* VIN_CHARACTER, VIN_CHECK_DIGIT */
	size_t length;	      /* VIN_LENGTH */
};

struct vin_wmi {
	const char *wmi; /* three characters */
	const char *manufacturer;
	const char *make; /* the make sites accept or refuse: "MINI", "BMW" */
	const char *country;
};

struct vin_result {
	char vin[VIN_LEN + 1]; /* normalised, when 17 characters remained */
	bool valid;	       /* no errors */
	struct vin_issue errors[VIN_MAX_ISSUES];
	size_t nerrors;
	struct vin_issue warnings[VIN_MAX_ISSUES];
	size_t nwarnings;
	const struct vin_wmi *wmi; /* NULL when unknown */
	const char *country;	   /* from the WMI, else from the region code; NULL if neither */
	int model_year;		   /* 0 when unknown */
	char plant;		   /* '\0' when unknown */
};

struct vin_rules {
	bool strict;			   /* check digit required */
	const char *const *accepted_makes; /* NULL: any make */
	size_t naccepted_makes;
};

/* Checks and decodes len bytes of input (any bytes at all) under rules. */
void vin_check(const char *input, size_t len, const struct vin_rules *rules,
	       struct vin_result *out);

/* The check digit ('0'-'9' or 'X') of a 17-character VIN of valid
 * characters, or '\0' if a character is outside the alphabet. */
char vin_check_digit(const char vin[VIN_LEN]);

/* "vin_length", ... and an English sentence for an issue. */
const char *vin_code_name(enum vin_code c);
void vin_issue_message(const struct vin_issue *i, const struct vin_result *r, char *out, size_t n);

/* The WMI table (vin_wmi.c): the entry for the first three characters, and
 * the country of a region code (first two characters) when no entry has it. */
const struct vin_wmi *vin_wmi_find(const char *vin);
const char *vin_region_country(const char *vin);

#endif
