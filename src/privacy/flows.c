/*
 * flows: the picture of where data goes, laid out from the profile (see
 * flows.h). Every number of the layout is a named constant below; the
 * template templates/flows.html only places what this file computes.
 */
#include "flows.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "policy.h"

/* The viewBox: the page scales the picture to its width. */
#define VIEW_W	    960
#define NODE_W	    250					     /* every node box */
#define COL_GAP	    ((VIEW_W - 2 * MARGIN - 3 * NODE_W) / 2) /* room for the edges */
#define MARGIN	    10
#define FONT_SIZE   13	/* the picture's text */
#define LEGEND_FONT 12	/* the legend's */
#define LINE_CHARS  32	/* characters on one line of a node at FONT_SIZE in NODE_W */
#define LINE_H	    16	/* one line of text */
#define BASELINE    12	/* from a line's top to its baseline */
#define NODE_PAD    6	/* above and below a node's text */
#define TEXT_INSET  8	/* from a node's left edge to its text */
#define NODE_GAP    10	/* between two nodes of the longest column */
#define LEGEND_Y    20	/* the legend's row */
#define LEGEND_STEP 235 /* from one legend entry to the next */
#define LEGEND_LINE 40	/* a legend entry's sample stroke */
#define LEGEND_TEXT 6	/* from the sample to its words */
#define HEADING_Y   64	/* the columns' headings' baseline */
#define COLUMNS_TOP 76	/* the first node's top, at most */
#define BOTTOM	    10	/* below the tallest column */

#define INK	    "#1b1f24"
#define MUTED	    "#57606a"
#define BLUE	    "#0b5c8a"
#define GREY	    "#6e7781"
#define BOX	    "#ffffff"
#define BOX_OFF	    "#eef0f2"
#define EDGE_OF_BOX "#8c959f"

enum column { COL_CATEGORY, COL_PURPOSE, COL_RECIPIENT, COL_COUNT };

static const char *const headings[COL_COUNT] = {
	[COL_CATEGORY] = "What we keep",
	[COL_PURPOSE] = "What it is used for",
	[COL_RECIPIENT] = "Who else receives it",
};

/* How an edge is stroked: by its purpose's basis, or off. */
struct stroke {
	const char *colour, *width, *dash, *cap;
	const char *legend; /* the legend's words */
};

enum style { STYLE_NO_CHOICE, STYLE_OPT_OUT, STYLE_OPT_IN, STYLE_OFF, STYLE_COUNT };

static const struct stroke strokes[STYLE_COUNT] = {
	[STYLE_NO_CHOICE] = {INK, "2", "none", "butt", "Needed, or stated: no choice"},
	[STYLE_OPT_OUT] = {BLUE, "2", "10 5", "butt", "Opt-out: on unless you say no"},
	[STYLE_OPT_IN] = {BLUE, "2.5", "0.5 5", "round", "Opt-in: only if you say yes"},
	[STYLE_OFF] = {GREY, "1.5", "12 4 2 4", "butt", "Off for you"},
};

/* The picture's description, for a screen reader. */
static const char desc_profile[] =
	"Each kind of data we keep, on the left, is linked to what it is used for, in the middle, "
	"and each use to the partners who receive data for it, on the right. The list after the "
	"picture says the same in words.";
static const char desc_member[] =
	"Each kind of data we keep, on the left, is linked to what it is used for, in the middle, "
	"and each use to the partners who receive data for it, on the right, with your choices "
	"applied: what is off for you is drawn grey and dash-dotted. The list after the picture "
	"says the same in words.";

/* A purpose's basis in words, in its node and in the text alternative. */
static const char *const basis_words[BASIS_COUNT] = {
	[BASIS_REQUIRED] = "needed for what you asked for",
	[BASIS_OPT_IN] = "opt-in: only if you say yes",
	[BASIS_OPT_OUT] = "opt-out: on unless you say no",
	[BASIS_NOTICE] = "stated here; it needs no choice",
};

static enum style style_of(enum basis b, bool off)
{
	if (off)
		return STYLE_OFF;
	switch (b) {
	case BASIS_OPT_IN:
		return STYLE_OPT_IN;
	case BASIS_OPT_OUT:
		return STYLE_OPT_OUT;
	default:
		return STYLE_NO_CHOICE;
	}
}

static int column_x(enum column c)
{
	return MARGIN + (int)c * (NODE_W + COL_GAP);
}

/* The byte length of s's first max characters (or all of s). */
static size_t bytes_of_chars(const char *s, size_t max)
{
	size_t i = 0, count = 0;
	for (; s[i]; i++) {
		if (((unsigned char)s[i] & 0xC0) != 0x80 && count++ == max)
			break;
	}
	return i;
}

static void line_add(json_t *lines, const char *s, size_t n, const char *fill)
{
	char *text = xstrndup(s, n);
	json_array_append_new(lines, json_pack("{s:s,s:s}", "text", text, "fill", fill));
	free(text);
}

/* Appends text to a node's lines, wrapped at spaces into lines of at most
 * LINE_CHARS characters; a longer word is cut. */
static void node_text(json_t *node, const char *text, const char *fill)
{
	json_t *lines = json_object_get(node, "lines");
	const char *s = text;
	while (*s == ' ')
		s++;
	while (*s) {
		size_t fit = bytes_of_chars(s, LINE_CHARS), end = fit;
		if (s[fit] && s[fit] != ' ') {
			/* Back to the last space that keeps the line within bounds. */
			while (end > 0 && s[end] != ' ')
				end--;
			if (end == 0)
				end = fit;
		}
		size_t n = end;
		while (n > 0 && s[n - 1] == ' ')
			n--;
		line_add(lines, s, n, fill);
		s += end;
		while (*s == ' ')
			s++;
	}
}

static json_t *node_new(const char *kind, const char *id, bool off)
{
	struct buf ref;
	buf_init(&ref, 0);
	buf_printf(&ref, "%s:%s", kind, id);
	json_t *node = json_pack("{s:s,s:s,s:s,s:s,s:[]}", "id", ref.data, "kind", kind, "fill",
				 off ? BOX_OFF : BOX, "stroke", EDGE_OF_BOX, "lines");
	buf_release(&ref);
	return node;
}

static int node_height(const json_t *node)
{
	return 2 * NODE_PAD + (int)json_array_size(json_object_get(node, "lines")) * LINE_H;
}

/* The height the columns need: the longest column with NODE_GAP between
 * its nodes (and half of one at each end). */
static int content_height(json_t *const cols[COL_COUNT])
{
	int most = 0;
	for (int c = 0; c < COL_COUNT; c++) {
		int h = 0;
		size_t i;
		json_t *node;
		json_array_foreach (cols[c], i, node)
			h += node_height(node) + NODE_GAP;
		most = h > most ? h : most;
	}
	return most;
}

/* Places a column's nodes over height: the room left by their boxes is
 * shared equally around each node. mid[i] is node i's vertical middle. */
static void column_place(json_t *nodes, enum column c, int height, int *mid)
{
	size_t n = json_array_size(nodes), i;
	json_t *node;
	if (n == 0)
		return;
	int boxes = 0;
	json_array_foreach (nodes, i, node)
		boxes += node_height(node);
	int gap = (height - boxes) / (int)n, x = column_x(c), y = COLUMNS_TOP + gap / 2;
	json_array_foreach (nodes, i, node) {
		int h = node_height(node);
		json_object_set_new(node, "x", json_integer(x));
		json_object_set_new(node, "y", json_integer(y));
		json_object_set_new(node, "w", json_integer(NODE_W));
		json_object_set_new(node, "h", json_integer(h));
		size_t k;
		json_t *line;
		json_array_foreach (json_object_get(node, "lines"), k, line) {
			json_object_set_new(line, "x", json_integer(x + TEXT_INSET));
			json_object_set_new(
				line, "y", json_integer(y + NODE_PAD + (int)k * LINE_H + BASELINE));
		}
		mid[i] = y + h / 2;
		y += h + gap;
	}
}

/* Whether the member's choices switch purpose id off. */
static bool switched_off(const json_t *choices, const char *id)
{
	size_t i;
	const json_t *c;
	json_array_foreach (choices, i, c) {
		const char *purpose = json_string_value(json_object_get(c, "purpose"));
		if (purpose && strcmp(purpose, id) == 0)
			return json_is_false(json_object_get(c, "on"));
	}
	return false;
}

struct edge {
	const char *from_kind, *from, *to_kind, *to;
	int x1, y1, x2, y2;
	enum basis basis;
	const char *state;
	const char *fields; /* category ids, comma-separated ("" for none) */
	const char *text;   /* the flow in words */
};

static void edge_add(json_t *edges, const struct edge *e)
{
	const struct stroke *s = &strokes[style_of(e->basis, strcmp(e->state, "off") == 0)];
	int mx = (e->x1 + e->x2) / 2;
	struct buf from, to, d;
	buf_init(&from, 0);
	buf_init(&to, 0);
	buf_init(&d, 0);
	buf_printf(&from, "%s:%s", e->from_kind, e->from);
	buf_printf(&to, "%s:%s", e->to_kind, e->to);
	buf_printf(&d, "M%d %d C%d %d %d %d %d %d", e->x1, e->y1, mx, e->y1, mx, e->y2, e->x2,
		   e->y2);
	json_array_append_new(edges, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}",
					       "from", from.data, "to", to.data, "basis",
					       policy_basis_name(e->basis), "state", e->state,
					       "fields", e->fields, "d", d.data, "stroke",
					       s->colour, "stroke_width", s->width, "dash", s->dash,
					       "cap", s->cap, "title", e->text));
	buf_release(&from);
	buf_release(&to);
	buf_release(&d);
}

static json_t *legend(bool member)
{
	json_t *out = json_array();
	for (int i = 0; i < STYLE_COUNT; i++) {
		if (i == STYLE_OFF && !member)
			continue;
		const struct stroke *s = &strokes[i];
		int x = MARGIN + i * LEGEND_STEP;
		json_array_append_new(
			out, json_pack("{s:i,s:i,s:i,s:s,s:s,s:s,s:s,s:i,s:i,s:s,s:s}", "x1", x,
				       "x2", x + LEGEND_LINE, "y", LEGEND_Y, "stroke", s->colour,
				       "stroke_width", s->width, "dash", s->dash, "cap", s->cap,
				       "tx", x + LEGEND_LINE + LEGEND_TEXT, "ty",
				       LEGEND_Y + LINE_H / 4, "text", s->legend, "fill", INK));
	}
	return out;
}

static json_t *heading_list(size_t nrecipients)
{
	json_t *out = json_array();
	for (int c = 0; c < COL_COUNT; c++)
		json_array_append_new(out, json_pack("{s:i,s:i,s:s,s:s,s:s}", "x", column_x(c), "y",
						     HEADING_Y, "text", headings[c], "weight",
						     "600", "fill", INK));
	if (nrecipients == 0)
		json_array_append_new(out, json_pack("{s:i,s:i,s:s,s:s,s:s}", "x",
						     column_x(COL_RECIPIENT), "y",
						     HEADING_Y + LINE_H + BASELINE, "text",
						     "No one outside receives personal data",
						     "weight", "400", "fill", MUTED));
	return out;
}

/* The labels of the recipient's fields the purpose uses, and their ids:
 * what it receives for that purpose. 0 if none. */
static size_t shared_fields(const struct policy *p, const struct policy_recipient *r,
			    const struct policy_purpose *pu, struct buf *labels, struct buf *ids)
{
	size_t n = 0;
	for (size_t k = 0; k < r->nfields; k++) {
		if (!policy_purpose_covers(pu, r->fields[k]))
			continue;
		const struct policy_category *c = &p->categories[r->fields[k]];
		buf_printf(labels, "%s%s", n ? ", " : "", c->label);
		buf_printf(ids, "%s%s", n ? "," : "", c->id);
		n++;
	}
	return n;
}

json_t *flows_diagram(const struct policy *p, const json_t *choices)
{
	bool member = choices != NULL;
	bool *off = xcalloc(p->npurposes + 1, sizeof(*off));
	json_t *cols[COL_COUNT];
	for (int c = 0; c < COL_COUNT; c++)
		cols[c] = json_array();

	for (size_t i = 0; i < p->ncategories; i++) {
		json_t *node = node_new("category", p->categories[i].id, false);
		node_text(node, p->categories[i].label, INK);
		json_array_append_new(cols[COL_CATEGORY], node);
	}
	for (size_t i = 0; i < p->npurposes; i++) {
		const struct policy_purpose *pu = &p->purposes[i];
		off[i] = member && switched_off(choices, pu->id);
		json_t *node = node_new("purpose", pu->id, off[i]);
		node_text(node, pu->label ? pu->label : pu->id, INK);
		node_text(node, basis_words[pu->basis], MUTED);
		if (off[i])
			node_text(node, "off for you", MUTED);
		json_array_append_new(cols[COL_PURPOSE], node);
	}
	for (size_t i = 0; i < p->nrecipients; i++) {
		const struct policy_recipient *r = &p->recipients[i];
		json_t *node = node_new("recipient", r->id, false);
		node_text(node, r->name, INK);
		struct buf gets;
		buf_init(&gets, 0);
		buf_puts(&gets, "Receives ");
		for (size_t k = 0; k < r->nfields; k++)
			buf_printf(&gets, "%s%s", k ? ", " : "", p->categories[r->fields[k]].label);
		node_text(node, gets.data, MUTED);
		buf_release(&gets);
		json_array_append_new(cols[COL_RECIPIENT], node);
	}

	int height = content_height(cols);
	int *mid[COL_COUNT];
	for (int c = 0; c < COL_COUNT; c++) {
		mid[c] = xcalloc(json_array_size(cols[c]) + 1, sizeof(int));
		column_place(cols[c], (enum column)c, height, mid[c]);
	}

	/* The edges and, purpose by purpose, the same flows in words. */
	json_t *edges = json_array(), *groups = json_array();
	int right[COL_COUNT], left[COL_COUNT];
	for (int c = 0; c < COL_COUNT; c++) {
		left[c] = column_x(c);
		right[c] = column_x(c) + NODE_W;
	}
	for (size_t i = 0; i < p->npurposes; i++) {
		const struct policy_purpose *pu = &p->purposes[i];
		const char *label = pu->label ? pu->label : pu->id;
		const char *state = !member ? "allowed" : off[i] ? "off" : "on";
		const char *after = off[i] ? " (off for you)" : "";
		json_t *items = json_array();
		struct buf text;
		buf_init(&text, 0);
		for (size_t k = 0; k < pu->ncategories; k++) {
			const struct policy_category *c = &p->categories[pu->categories[k]];
			buf_reset(&text);
			buf_printf(&text, "%s \u2192 %s%s", c->label, label, after);
			struct edge e = {"category",
					 c->id,
					 "purpose",
					 pu->id,
					 right[COL_CATEGORY],
					 mid[COL_CATEGORY][pu->categories[k]],
					 left[COL_PURPOSE],
					 mid[COL_PURPOSE][i],
					 pu->basis,
					 state,
					 "",
					 text.data};
			edge_add(edges, &e);
			json_array_append_new(items, json_pack("{s:s}", "text", text.data));
		}
		for (size_t ri = 0; ri < p->nrecipients; ri++) {
			const struct policy_recipient *r = &p->recipients[ri];
			bool takes = false;
			for (size_t k = 0; k < r->npurposes; k++)
				takes |= r->purposes[k] == (int)i;
			struct buf labels, ids;
			buf_init(&labels, 0);
			buf_init(&ids, 0);
			if (takes && shared_fields(p, r, pu, &labels, &ids) > 0) {
				buf_reset(&text);
				buf_printf(&text, "%s \u2192 %s, which receives %s%s", label,
					   r->name, labels.data, after);
				struct edge e = {"purpose",
						 pu->id,
						 "recipient",
						 r->id,
						 right[COL_PURPOSE],
						 mid[COL_PURPOSE][i],
						 left[COL_RECIPIENT],
						 mid[COL_RECIPIENT][ri],
						 pu->basis,
						 state,
						 ids.data,
						 text.data};
				edge_add(edges, &e);
				json_array_append_new(items, json_pack("{s:s}", "text", text.data));
			}
			buf_release(&labels);
			buf_release(&ids);
		}
		buf_release(&text);
		const char *choice = "";
		if (member && (pu->basis == BASIS_OPT_IN || pu->basis == BASIS_OPT_OUT))
			choice = off[i] ? "off for you" : "on for you";
		json_array_append_new(groups, json_pack("{s:s,s:s,s:s,s:o}", "label", label,
							"basis", basis_words[pu->basis], "choice",
							choice, "items", items));
	}

	/* Off flows first, so that the flows in use are drawn over them. */
	json_t *drawn = json_array();
	for (int pass = 0; pass < 2; pass++) {
		size_t i;
		json_t *e;
		json_array_foreach (edges, i, e) {
			bool is_off =
				strcmp(json_string_value(json_object_get(e, "state")), "off") == 0;
			if (is_off == (pass == 0))
				json_array_append(drawn, e);
		}
	}
	json_decref(edges);

	json_t *nodes = json_array();
	for (int c = 0; c < COL_COUNT; c++) {
		json_array_extend(nodes, cols[c]);
		json_decref(cols[c]);
		free(mid[c]);
	}
	free(off);
	return json_pack("{s:s,s:s,s:b,s:i,s:i,s:i,s:i,s:o,s:o,s:o,s:o,s:o}", "title",
			 member ? "Where your data goes" : "Where data goes", "desc",
			 member ? desc_member : desc_profile, "member", member, "font_size",
			 FONT_SIZE, "legend_font_size", LEGEND_FONT, "width", VIEW_W, "height",
			 COLUMNS_TOP + height + BOTTOM, "headings", heading_list(p->nrecipients),
			 "legend", legend(member), "edges", drawn, "nodes", nodes, "groups",
			 groups);
}
