/*
 * vin_wmi: World Manufacturer Identifiers (VIN positions 1-3) to
 * manufacturer, make and country, and the ISO 3779 region codes (positions
 * 1-2) to country for identifiers the table lacks.
 *
 * Compiled by hand from public lists: the WMIs manufacturers register with
 * NHTSA under 49 CFR 565 (as published in NHTSA's vPIC database) and the
 * SAE/ISO 3779 region code assignments. The country is the one the
 * identifier was assigned under, which is not always where the car was
 * built (a MINI from Oxford carries WMW, a German code). It covers the BMW
 * group (BMW, BMW M, BMW i, MINI, Rolls-Royce, BMW Motorrad, its US and
 * Chinese plants) and the makes most often seen on North American and
 * European roads; anything else decodes without a manufacturer.
 *
 * The table must stay sorted by WMI (bsearch); test_vin checks that.
 */
#include <stdlib.h>
#include <string.h>

#include "vin.h"

const struct vin_wmi vin_wmi_table[] = {
	{"1C3", "Chrysler", "Chrysler", "United States"},
	{"1C4", "Chrysler (multipurpose vehicles)", "Jeep", "United States"},
	{"1C6", "Chrysler (trucks)", "Ram", "United States"},
	{"1FA", "Ford Motor Company", "Ford", "United States"},
	{"1FM", "Ford Motor Company (multipurpose vehicles)", "Ford", "United States"},
	{"1FT", "Ford Motor Company (trucks)", "Ford", "United States"},
	{"1G1", "General Motors", "Chevrolet", "United States"},
	{"1G6", "General Motors", "Cadillac", "United States"},
	{"1GC", "General Motors (trucks)", "Chevrolet", "United States"},
	{"1GT", "General Motors (trucks)", "GMC", "United States"},
	{"1HG", "Honda of America", "Honda", "United States"},
	{"1J4", "Chrysler", "Jeep", "United States"},
	{"1N4", "Nissan North America", "Nissan", "United States"},
	{"1VW", "Volkswagen of America", "Volkswagen", "United States"},
	{"2G1", "General Motors of Canada", "Chevrolet", "Canada"},
	{"2HG", "Honda of Canada", "Honda", "Canada"},
	{"2T1", "Toyota Motor Manufacturing Canada", "Toyota", "Canada"},
	{"3FA", "Ford Motor Company (Mexico)", "Ford", "Mexico"},
	{"3MW", "BMW de Mexico", "BMW", "Mexico"},
	{"3N1", "Nissan Mexicana", "Nissan", "Mexico"},
	{"3VW", "Volkswagen de Mexico", "Volkswagen", "Mexico"},
	{"4S4", "Subaru of Indiana", "Subaru", "United States"},
	{"4T1", "Toyota Motor Manufacturing", "Toyota", "United States"},
	{"4US", "BMW Manufacturing Co.", "BMW", "United States"},
	{"5FN", "Honda Manufacturing of Alabama", "Honda", "United States"},
	{"5N1", "Nissan North America (multipurpose vehicles)", "Nissan", "United States"},
	{"5UX", "BMW Manufacturing Co. (sport activity vehicles)", "BMW", "United States"},
	{"5YJ", "Tesla", "Tesla", "United States"},
	{"5YM", "BMW M (sport activity vehicles, Spartanburg)", "BMW", "United States"},
	{"JA3", "Mitsubishi Motors", "Mitsubishi", "Japan"},
	{"JF1", "Subaru (Fuji Heavy Industries)", "Subaru", "Japan"},
	{"JHM", "Honda Motor Co.", "Honda", "Japan"},
	{"JM1", "Mazda Motor Corporation", "Mazda", "Japan"},
	{"JMZ", "Mazda Motor Corporation (Europe)", "Mazda", "Japan"},
	{"JN1", "Nissan Motor Co.", "Nissan", "Japan"},
	{"JT2", "Toyota Motor Corporation", "Toyota", "Japan"},
	{"JTD", "Toyota Motor Corporation", "Toyota", "Japan"},
	{"JTH", "Toyota Motor Corporation", "Lexus", "Japan"},
	{"KMH", "Hyundai Motor Company", "Hyundai", "South Korea"},
	{"KNA", "Kia Motors", "Kia", "South Korea"},
	{"LBV", "BMW Brilliance Automotive", "BMW", "China"},
	{"SAJ", "Jaguar Cars", "Jaguar", "United Kingdom"},
	{"SAL", "Land Rover", "Land Rover", "United Kingdom"},
	{"SAR", "Rover Group", "Rover", "United Kingdom"},
	{"SAX", "Austin Rover Group", "Austin", "United Kingdom"},
	{"SCA", "Rolls-Royce Motor Cars", "Rolls-Royce", "United Kingdom"},
	{"SCC", "Lotus Cars", "Lotus", "United Kingdom"},
	{"SCF", "Aston Martin Lagonda", "Aston Martin", "United Kingdom"},
	{"TRU", "Audi Hungaria", "Audi", "Hungary"},
	{"VF1", "Renault", "Renault", "France"},
	{"VF3", "Peugeot", "Peugeot", "France"},
	{"VF7", "Citroen", "Citroen", "France"},
	{"VSS", "SEAT", "SEAT", "Spain"},
	{"W0L", "Opel", "Opel", "Germany"},
	{"WAU", "Audi AG", "Audi", "Germany"},
	{"WB1", "BMW Motorrad", "BMW", "Germany"},
	{"WBA", "BMW AG", "BMW", "Germany"},
	{"WBS", "BMW M GmbH", "BMW", "Germany"},
	{"WBX", "BMW AG (sport activity vehicles)", "BMW", "Germany"},
	{"WBY", "BMW i", "BMW", "Germany"},
	{"WDB", "Mercedes-Benz", "Mercedes-Benz", "Germany"},
	{"WDD", "Mercedes-Benz", "Mercedes-Benz", "Germany"},
	{"WF0", "Ford-Werke", "Ford", "Germany"},
	{"WMW", "BMW AG (MINI)", "MINI", "Germany"},
	{"WP0", "Porsche", "Porsche", "Germany"},
	{"WP1", "Porsche (sport utility vehicles)", "Porsche", "Germany"},
	{"WVW", "Volkswagen AG", "Volkswagen", "Germany"},
	{"YS3", "Saab Automobile", "Saab", "Sweden"},
	{"YV1", "Volvo Cars", "Volvo", "Sweden"},
	{"ZAR", "Alfa Romeo", "Alfa Romeo", "Italy"},
	{"ZFA", "Fiat", "Fiat", "Italy"},
	{"ZFF", "Ferrari", "Ferrari", "Italy"},
	{"ZHW", "Lamborghini", "Lamborghini", "Italy"},
};

const size_t vin_wmi_count = sizeof(vin_wmi_table) / sizeof(vin_wmi_table[0]);

static int wmi_cmp(const void *key, const void *elem)
{
	return strncmp(key, ((const struct vin_wmi *)elem)->wmi, 3);
}

const struct vin_wmi *vin_wmi_find(const char *vin)
{
	return bsearch(vin, vin_wmi_table, vin_wmi_count, sizeof(vin_wmi_table[0]), wmi_cmp);
}

/* ISO 3779 region codes: first character, and the range of the second. */
static const struct {
	char first, from, to;
	const char *country;
} regions[] = {
	{'1', '0', 'Z', "United States"},  {'4', '0', 'Z', "United States"},
	{'5', '0', 'Z', "United States"},  {'2', '0', 'Z', "Canada"},
	{'3', 'A', 'W', "Mexico"},	   {'6', 'A', 'W', "Australia"},
	{'7', 'A', 'E', "New Zealand"},	   {'9', 'A', 'E', "Brazil"},
	{'A', 'A', 'H', "South Africa"},   {'J', '0', 'Z', "Japan"},
	{'K', 'L', 'R', "South Korea"},	   {'L', '0', 'Z', "China"},
	{'M', 'A', 'E', "India"},	   {'M', 'L', 'R', "Thailand"},
	{'S', 'A', 'M', "United Kingdom"}, {'S', 'N', 'T', "Germany"},
	{'S', 'U', 'Z', "Poland"},	   {'T', 'A', 'H', "Switzerland"},
	{'T', 'J', 'P', "Czech Republic"}, {'T', 'R', 'V', "Hungary"},
	{'V', 'A', 'E', "Austria"},	   {'V', 'F', 'R', "France"},
	{'V', 'S', 'W', "Spain"},	   {'W', '0', 'Z', "Germany"},
	{'Y', 'A', 'E', "Belgium"},	   {'Y', 'F', 'K', "Finland"},
	{'Y', 'S', 'W', "Sweden"},	   {'Z', 'A', 'R', "Italy"},
};

/* Region codes run A-Z then 1-9, 0: digits sort after letters here. */
static int rank(char c)
{
	return c >= 'A' && c <= 'Z'   ? c - 'A'
	       : c >= '1' && c <= '9' ? 26 + (c - '1')
	       : c == '0'	      ? 35
				      : -1;
}

const char *vin_region_country(const char *vin)
{
	int r = rank(vin[1]);
	for (size_t i = 0; r >= 0 && i < sizeof(regions) / sizeof(regions[0]); i++) {
		if (regions[i].first != vin[0])
			continue;
		bool whole = regions[i].from == '0' && regions[i].to == 'Z';
		if (whole || (r >= rank(regions[i].from) && r <= rank(regions[i].to)))
			return regions[i].country;
	}
	return NULL;
}
