/*
 * vin: normalising, checking and decoding VINs (see vin.h). The check
 * digit and the model-year table follow 49 CFR 565.15.
 */
#include "vin.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Transliteration of 49 CFR 565.15(b): letters to values; 0 = not allowed. */
static const unsigned char value_of[256] = {
	['0'] = 0 + 100, ['1'] = 1, ['2'] = 2, ['3'] = 3, ['4'] = 4, ['5'] = 5, ['6'] = 6,
	['7'] = 7,	 ['8'] = 8, ['9'] = 9, ['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4,
	['E'] = 5,	 ['F'] = 6, ['G'] = 7, ['H'] = 8, ['J'] = 1, ['K'] = 2, ['L'] = 3,
	['M'] = 4,	 ['N'] = 5, ['P'] = 7, ['R'] = 9, ['S'] = 2, ['T'] = 3, ['U'] = 4,
	['V'] = 5,	 ['W'] = 6, ['X'] = 7, ['Y'] = 8, ['Z'] = 9,
};
/* '0' is allowed with value 0; the table holds 100 for it so that 0 can mean
 * "not allowed". */
#define VALUE(c)   (value_of[(unsigned char)(c)] % 100)
#define ALLOWED(c) (value_of[(unsigned char)(c)] != 0)

static const int weights[VIN_LEN] = {8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2};

/* Position 10: the 30 codes of one cycle, in year order from 1980 (or 2010). */
static const char year_codes[] = "ABCDEFGHJKLMNPRSTVWXY123456789";

char vin_check_digit(const char vin[VIN_LEN])
{
	int sum = 0;
	for (int i = 0; i < VIN_LEN; i++) {
		if (!ALLOWED(vin[i]))
			return '\0';
		sum += VALUE(vin[i]) * weights[i];
	}
	int r = sum % 11;
	return r == 10 ? 'X' : (char)('0' + r);
}

static void add(struct vin_issue *list, size_t *n, struct vin_issue i)
{
	if (*n < VIN_MAX_ISSUES)
		list[(*n)++] = i;
}

static int model_year(const char *vin)
{
	const char *p = strchr(year_codes, vin[9]);
	if (!p || !vin[9])
		return 0;
	int base = (vin[6] >= '0' && vin[6] <= '9') ? 1980 : 2010;
	return base + (int)(p - year_codes);
}

static bool make_accepted(const struct vin_rules *rules, const struct vin_wmi *w)
{
	if (!rules->accepted_makes)
		return true;
	for (size_t i = 0; w && i < rules->naccepted_makes; i++)
		if (strcasecmp(rules->accepted_makes[i], w->make) == 0)
			return true;
	return false;
}

void vin_check(const char *input, size_t len, const struct vin_rules *rules, struct vin_result *out)
{
	memset(out, 0, sizeof(*out));
	/* Normalise: drop white space, spaces and hyphens; upper-case letters. */
	char v[VIN_LEN + 1];
	size_t n = 0, kept = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)input[i];
		if (c == ' ' || c == '-' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
		    c == '\v')
			continue;
		kept++;
		if (n < VIN_LEN)
			v[n++] = (c >= 'a' && c <= 'z') ? (char)(c - 32) : (char)c;
	}
	v[n] = '\0';
	if (kept != VIN_LEN) {
		add(out->errors, &out->nerrors,
		    (struct vin_issue){.code = VIN_LENGTH, .length = kept});
		return;
	}
	memcpy(out->vin, v, VIN_LEN + 1);
	for (int i = 0; i < VIN_LEN; i++)
		if (!ALLOWED(v[i]))
			add(out->errors, &out->nerrors,
			    (struct vin_issue){
				    .code = VIN_CHARACTER, .position = i + 1, .found = v[i]});
	if (out->nerrors) {
		/* Keep no text that is not a VIN: it may be anything at all. */
		for (int i = 0; i < VIN_LEN; i++)
			if (!ALLOWED(out->vin[i]) && !(out->vin[i] >= 'A' && out->vin[i] <= 'Z'))
				out->vin[i] = '?';
		return;
	}
	char expected = vin_check_digit(v);
	if (expected != v[8]) {
		struct vin_issue i = {.code = VIN_CHECK_DIGIT,
				      .position = 9,
				      .found = v[8],
				      .expected = expected};
		if (rules->strict)
			add(out->errors, &out->nerrors, i);
		else
			add(out->warnings, &out->nwarnings, i);
	}
	out->wmi = vin_wmi_find(v);
	out->country = out->wmi ? out->wmi->country : vin_region_country(v);
	if (!out->wmi)
		add(out->warnings, &out->nwarnings, (struct vin_issue){.code = VIN_WMI_UNKNOWN});
	out->model_year = model_year(v);
	if (!out->model_year)
		add(out->warnings, &out->nwarnings,
		    (struct vin_issue){.code = VIN_YEAR_CODE, .position = 10, .found = v[9]});
	out->plant = v[10];
	if (!make_accepted(rules, out->wmi))
		add(out->errors, &out->nerrors, (struct vin_issue){.code = VIN_MAKE_NOT_ACCEPTED});
	out->valid = out->nerrors == 0;
}

static const char *const code_names[] = {
	[VIN_LENGTH] = "vin_length",	       [VIN_CHARACTER] = "vin_character",
	[VIN_CHECK_DIGIT] = "vin_check_digit", [VIN_MAKE_NOT_ACCEPTED] = "vin_make_not_accepted",
	[VIN_YEAR_CODE] = "vin_year_code",     [VIN_WMI_UNKNOWN] = "vin_wmi_unknown",
};

const char *vin_code_name(enum vin_code c)
{
	return (unsigned)c < sizeof(code_names) / sizeof(code_names[0]) ? code_names[c] : "vin";
}

void vin_issue_message(const struct vin_issue *i, const struct vin_result *r, char *out, size_t n)
{
	switch (i->code) {
	case VIN_LENGTH:
		snprintf(out, n, "a VIN has 17 characters, this one has %zu", i->length);
		break;
	case VIN_CHARACTER:
		if (i->found == 'I' || i->found == 'O' || i->found == 'Q')
			snprintf(out, n, "position %d: VINs never use the letter %c (is it %c?)",
				 i->position, i->found, i->found == 'I' ? '1' : '0');
		else
			snprintf(out, n, "position %d: not a letter or digit a VIN can hold",
				 i->position);
		break;
	case VIN_CHECK_DIGIT:
		snprintf(out, n,
			 "the check digit (position 9) should be %c, not %c: a character "
			 "may be mistyped",
			 i->expected, i->found);
		break;
	case VIN_MAKE_NOT_ACCEPTED:
		snprintf(out, n, "%s cars cannot be added here",
			 r->wmi ? r->wmi->make : "this manufacturer's");
		break;
	case VIN_YEAR_CODE:
		snprintf(out, n, "position 10 is not a model-year code");
		break;
	case VIN_WMI_UNKNOWN:
		snprintf(out, n, "the manufacturer code (positions 1 to 3) is not one we know");
		break;
	}
}
