/*
 * flows: the picture of where data goes, laid out from the profile and
 * written as inline SVG with its text alternative (see flows.h). It is
 * written in C rather than through a template because a template over a
 * JSON model of it made GET /privacy cost three times as many instructions
 * (bench/README.md has the figures). Every number of the layout is a named
 * constant below.
 */
#include "flows.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "policy.h"

/* The viewBox: the page scales the picture to its width. */
#define VIEW_W	    960
#define MARGIN	    10
#define NODE_W	    250					     /* every box */
#define COL_GAP	    ((VIEW_W - 2 * MARGIN - 3 * NODE_W) / 2) /* room for the edges */
#define FONT_SIZE   13					     /* the picture's text */
#define LEGEND_FONT 12					     /* the legend's */
#define LINE_CHARS  32	/* characters on one line of a box at FONT_SIZE in NODE_W */
#define LINE_H	    16	/* one line of text */
#define BASELINE    12	/* from a line's top to its baseline */
#define NODE_PAD    6	/* above and below a box's text */
#define TEXT_INSET  8	/* from a box's left edge to its text */
#define NODE_GAP    10	/* between two boxes of the longest column */
#define LEGEND_Y    20	/* the legend's row */
#define LEGEND_STEP 235 /* from one legend entry to the next */
#define LEGEND_LINE 40	/* a legend entry's sample stroke */
#define LEGEND_TEXT 6	/* from the sample to its words */
#define HEADING_Y   64	/* the columns' headings' baseline */
#define COLUMNS_TOP 76	/* the first box's top, at most */
#define BOTTOM	    10	/* below the tallest column */

#define INK	    "#1b1f24"
#define MUTED	    "#57606a"
#define BLUE	    "#0b5c8a"
#define GREY	    "#6e7781"
#define BOX	    "#ffffff"
#define BOX_OFF	    "#eef0f2"
#define EDGE_OF_BOX "#8c959f"

enum column { COL_CATEGORY, COL_PURPOSE, COL_RECIPIENT, COL_COUNT };

static const char *const column_kind[COL_COUNT] = {"category", "purpose", "recipient"};

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

/* A purpose's basis in words, in its box and in the text alternative. */
static const char *const basis_words[BASIS_COUNT] = {
	[BASIS_REQUIRED] = "needed for what you asked for",
	[BASIS_OPT_IN] = "opt-in: only if you say yes",
	[BASIS_OPT_OUT] = "opt-out: on unless you say no",
	[BASIS_NOTICE] = "stated here; it needs no choice",
};

static const char off_words[] = "off for you";

/* ---- the layout ---- */

/* Where the picture is written: the first append that fails (the buffer's
 * maximum reached) is remembered, so the picture is all there or refused. */
struct out {
	struct buf *b;
	int rc;
};

struct line {
	char *text;
	bool muted;
};

/* A box: a category, a purpose or a recipient of the profile. */
struct node {
	enum column col;
	const char *id;
	bool off; /* a purpose off for the member */
	int x, y, h;
	struct line *lines;
	size_t nlines, cap;
};

/* A flow: from a category to a purpose, or from a purpose to a recipient. */
struct edge {
	size_t from, to; /* node indexes */
	int purpose;	 /* the purpose's index in the profile */
	int category;	 /* category -> purpose: the category's index, else -1 */
	int recipient;	 /* purpose -> recipient: the recipient's index, else -1 */
};

/* The nodes are the categories, then the purposes, then the recipients, in
 * the profile's order; the edges go purpose by purpose. */
struct picture {
	const struct policy *p;
	bool member;
	bool *off; /* per purpose */
	struct node *nodes;
	size_t nnodes;
	struct edge *edges;
	size_t nedges;
	int height;
};

static int column_x(enum column c)
{
	return MARGIN + (int)c * (NODE_W + COL_GAP);
}

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

static const char *purpose_label(const struct policy_purpose *pu)
{
	return pu->label ? pu->label : pu->id;
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

static void line_add(struct node *n, const char *s, size_t len, bool muted)
{
	if (n->nlines == n->cap) {
		n->cap = n->cap ? 2 * n->cap : 4;
		n->lines = xrealloc(n->lines, n->cap * sizeof(*n->lines));
	}
	n->lines[n->nlines++] = (struct line){xstrndup(s, len), muted};
}

/* Appends text to a box's lines, wrapped at spaces into lines of at most
 * LINE_CHARS characters; a longer word is cut. */
static void node_text(struct node *n, const char *text, bool muted)
{
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
		size_t len = end;
		while (len > 0 && s[len - 1] == ' ')
			len--;
		line_add(n, s, len, muted);
		s += end;
		while (*s == ' ')
			s++;
	}
}

static int node_height(const struct node *n)
{
	return 2 * NODE_PAD + (int)n->nlines * LINE_H;
}

/* Whether purpose pu is off for the member: as their choices say where
 * they list it; else off for an opt-in, which needs a yes (/me lists no
 * switch for a feature that is not on), on otherwise. */
static bool switched_off(const json_t *choices, const struct policy_purpose *pu)
{
	size_t i;
	const json_t *c;
	json_array_foreach (choices, i, c) {
		const char *purpose = json_string_value(json_object_get(c, "purpose"));
		if (purpose && strcmp(purpose, pu->id) == 0)
			return json_is_false(json_object_get(c, "on"));
	}
	return pu->basis == BASIS_OPT_IN;
}

/* Calls fn for each of the recipient's fields that the purpose uses; how
 * many there are. */
static size_t shared_fields(const struct policy *p, const struct policy_recipient *r,
			    const struct policy_purpose *pu,
			    void (*fn)(struct out *, const struct policy_category *, size_t),
			    struct out *out)
{
	size_t n = 0;
	for (size_t k = 0; k < r->nfields; k++) {
		if (!policy_purpose_covers(pu, r->fields[k]))
			continue;
		if (fn)
			fn(out, &p->categories[r->fields[k]], n);
		n++;
	}
	return n;
}

static bool takes(const struct policy_recipient *r, int purpose)
{
	for (size_t k = 0; k < r->npurposes; k++)
		if (r->purposes[k] == purpose)
			return true;
	return false;
}

/* Places each column's boxes over the height of the longest column (with
 * NODE_GAP between its boxes): the room a column's boxes leave is shared
 * equally around each of them. */
static void place(struct picture *pic)
{
	int boxes[COL_COUNT] = {0}, count[COL_COUNT] = {0}, height = 0;
	for (size_t i = 0; i < pic->nnodes; i++) {
		boxes[pic->nodes[i].col] += node_height(&pic->nodes[i]);
		count[pic->nodes[i].col]++;
	}
	for (int c = 0; c < COL_COUNT; c++)
		if (boxes[c] + count[c] * NODE_GAP > height)
			height = boxes[c] + count[c] * NODE_GAP;
	int y[COL_COUNT], gap[COL_COUNT];
	for (int c = 0; c < COL_COUNT; c++) {
		gap[c] = count[c] ? (height - boxes[c]) / count[c] : 0;
		y[c] = COLUMNS_TOP + gap[c] / 2;
	}
	for (size_t i = 0; i < pic->nnodes; i++) {
		struct node *n = &pic->nodes[i];
		n->x = column_x(n->col);
		n->y = y[n->col];
		n->h = node_height(n);
		y[n->col] += n->h + gap[n->col];
	}
	pic->height = COLUMNS_TOP + height + BOTTOM;
}

static void edge_add(struct picture *pic, size_t from, size_t to, int purpose, int category,
		     int recipient)
{
	pic->edges[pic->nedges++] = (struct edge){from, to, purpose, category, recipient};
}

static void picture_init(struct picture *pic, const struct policy *p, const json_t *choices)
{
	size_t nc = p->ncategories, np = p->npurposes, nr = p->nrecipients;
	*pic = (struct picture){.p = p, .member = choices != NULL};
	pic->off = xcalloc(np + 1, sizeof(*pic->off));
	pic->nodes = xcalloc(nc + np + nr + 1, sizeof(*pic->nodes));
	for (size_t i = 0; i < nc; i++) {
		struct node *n = &pic->nodes[pic->nnodes++];
		*n = (struct node){.col = COL_CATEGORY, .id = p->categories[i].id};
		node_text(n, p->categories[i].label, false);
	}
	struct buf receives;
	buf_init(&receives, 0);
	for (size_t i = 0; i < np; i++) {
		const struct policy_purpose *pu = &p->purposes[i];
		pic->off[i] = choices && switched_off(choices, pu);
		struct node *n = &pic->nodes[pic->nnodes++];
		*n = (struct node){.col = COL_PURPOSE, .id = pu->id, .off = pic->off[i]};
		node_text(n, purpose_label(pu), false);
		node_text(n, basis_words[pu->basis], true);
		if (pic->off[i])
			node_text(n, off_words, true);
	}
	for (size_t i = 0; i < nr; i++) {
		const struct policy_recipient *r = &p->recipients[i];
		struct node *n = &pic->nodes[pic->nnodes++];
		*n = (struct node){.col = COL_RECIPIENT, .id = r->id};
		node_text(n, r->name, false);
		buf_reset(&receives);
		buf_puts(&receives, "Receives ");
		for (size_t k = 0; k < r->nfields; k++)
			buf_printf(&receives, "%s%s", k ? ", " : "",
				   p->categories[r->fields[k]].label);
		node_text(n, receives.data, true);
	}
	buf_release(&receives);
	place(pic);

	size_t most = 0;
	for (size_t i = 0; i < np; i++)
		most += p->purposes[i].ncategories + nr;
	pic->edges = xcalloc(most + 1, sizeof(*pic->edges));
	for (size_t i = 0; i < np; i++) {
		const struct policy_purpose *pu = &p->purposes[i];
		for (size_t k = 0; k < pu->ncategories; k++)
			edge_add(pic, (size_t)pu->categories[k], nc + i, (int)i, pu->categories[k],
				 -1);
		for (size_t k = 0; k < nr; k++)
			if (takes(&p->recipients[k], (int)i) &&
			    shared_fields(p, &p->recipients[k], pu, NULL, NULL) > 0)
				edge_add(pic, nc + i, nc + np + k, (int)i, -1, (int)k);
	}
}

static void picture_release(struct picture *pic)
{
	for (size_t i = 0; i < pic->nnodes; i++) {
		for (size_t k = 0; k < pic->nodes[i].nlines; k++)
			free(pic->nodes[i].lines[k].text);
		free(pic->nodes[i].lines);
	}
	free(pic->nodes);
	free(pic->edges);
	free(pic->off);
}

/* ---- writing it ---- */

static void put(struct out *out, const char *s)
{
	if (buf_puts(out->b, s) != 0)
		out->rc = -1;
}

static void append(struct out *out, const char *s, size_t n)
{
	if (buf_append(out->b, s, n) != 0)
		out->rc = -1;
}

/*
 * A printf of %d, %s and %% alone, for the picture's hundreds of numbers:
 * glibc's costs several times as much, and was most of the picture's cost.
 * The strings it is given are the file's own; profile strings go through
 * esc().
 */
static void putf(struct out *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct out *out, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	const char *run = fmt, *f = fmt;
	for (; *f; f++) {
		if (*f != '%')
			continue;
		append(out, run, (size_t)(f - run));
		if (!*++f)
			break; /* a '%' at the end: the compiler refuses it */
		if (*f == 'd') {
			char digits[16], *d = digits + sizeof(digits);
			int v = va_arg(ap, int);
			unsigned u = v < 0 ? 0u - (unsigned)v : (unsigned)v;
			do
				*--d = (char)('0' + u % 10);
			while ((u /= 10) != 0);
			if (v < 0)
				*--d = '-';
			append(out, d, (size_t)(digits + sizeof(digits) - d));
		} else if (*f == 's') {
			const char *str = va_arg(ap, const char *);
			append(out, str, strlen(str));
		} else {
			append(out, "%", 1);
		}
		run = f + 1;
	}
	if (*run)
		append(out, run, strlen(run));
	va_end(ap);
}

static void esc(struct out *out, const char *s)
{
	if (buf_put_html(out->b, s, strlen(s)) != 0)
		out->rc = -1;
}

static const char *edge_state(const struct picture *pic, const struct edge *e)
{
	return !pic->member ? "allowed" : pic->off[e->purpose] ? "off" : "on";
}

static void field_id(struct out *out, const struct policy_category *c, size_t n)
{
	if (n)
		put(out, ",");
	esc(out, c->id);
}

static void field_label(struct out *out, const struct policy_category *c, size_t n)
{
	if (n)
		put(out, ", ");
	esc(out, c->label);
}

/* The flow in words: "E-mail address → Member news", "Orders → Shipping
 * carrier, receiving Name, Postal address", and " (off for you)". */
static void flow_words(struct out *out, const struct picture *pic, const struct edge *e)
{
	const struct policy *p = pic->p;
	const struct policy_purpose *pu = &p->purposes[e->purpose];
	if (e->category >= 0) {
		esc(out, p->categories[e->category].label);
		put(out, " \u2192 ");
		esc(out, purpose_label(pu));
	} else {
		const struct policy_recipient *r = &p->recipients[e->recipient];
		esc(out, purpose_label(pu));
		put(out, " \u2192 ");
		esc(out, r->name);
		put(out, ", receiving ");
		shared_fields(p, r, pu, field_label, out);
	}
	if (pic->off[e->purpose])
		putf(out, " (%s)", off_words);
}

static void write_ref(struct out *out, const struct picture *pic, size_t node)
{
	put(out, column_kind[pic->nodes[node].col]);
	put(out, ":");
	esc(out, pic->nodes[node].id);
}

static void write_edge(struct out *out, const struct picture *pic, const struct edge *e)
{
	const struct policy *p = pic->p;
	const struct node *a = &pic->nodes[e->from], *b = &pic->nodes[e->to];
	const struct stroke *s =
		&strokes[style_of(p->purposes[e->purpose].basis, pic->off[e->purpose])];
	int x1 = a->x + NODE_W, y1 = a->y + a->h / 2, x2 = b->x, y2 = b->y + b->h / 2;
	int mx = (x1 + x2) / 2;
	putf(out,
	     "<path d=\"M%d %d C%d %d %d %d %d %d\" stroke=\"%s\" stroke-width=\"%s\" "
	     "stroke-dasharray=\"%s\" stroke-linecap=\"%s\" data-from=\"",
	     x1, y1, mx, y1, mx, y2, x2, y2, s->colour, s->width, s->dash, s->cap);
	write_ref(out, pic, e->from);
	put(out, "\" data-to=\"");
	write_ref(out, pic, e->to);
	putf(out, "\" data-basis=\"%s\" data-state=\"%s\" data-fields=\"",
	     policy_basis_name(p->purposes[e->purpose].basis), edge_state(pic, e));
	if (e->recipient >= 0)
		shared_fields(p, &p->recipients[e->recipient], &p->purposes[e->purpose], field_id,
			      out);
	put(out, "\"><title>");
	flow_words(out, pic, e);
	put(out, "</title></path>\n");
}

static void write_node(struct out *out, const struct picture *pic, size_t i)
{
	const struct node *n = &pic->nodes[i];
	put(out, "<g data-node=\"");
	write_ref(out, pic, i);
	putf(out,
	     "\"><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"4\" fill=\"%s\" "
	     "stroke=\"%s\"/>",
	     n->x, n->y, NODE_W, n->h, n->off ? BOX_OFF : BOX, EDGE_OF_BOX);
	for (size_t k = 0; k < n->nlines; k++) {
		putf(out, "<text x=\"%d\" y=\"%d\" fill=\"%s\">", n->x + TEXT_INSET,
		     n->y + NODE_PAD + (int)k * LINE_H + BASELINE, n->lines[k].muted ? MUTED : INK);
		esc(out, n->lines[k].text);
		put(out, "</text>");
	}
	put(out, "</g>\n");
}

static void write_svg(struct out *out, const struct picture *pic)
{
	const char *title = pic->member ? "Where your data goes" : "Where data goes";
	putf(out,
	     "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"100%%\" "
	     "role=\"img\" aria-labelledby=\"flows-title flows-desc\" "
	     "font-family=\"system-ui, sans-serif\" font-size=\"%d\" id=\"flows-picture\">\n"
	     "<title id=\"flows-title\">%s</title>\n<desc id=\"flows-desc\">%s</desc>\n",
	     VIEW_W, pic->height, FONT_SIZE, title, pic->member ? desc_member : desc_profile);
	for (int i = 0; i < STYLE_COUNT; i++) {
		const struct stroke *s = &strokes[i];
		int x = MARGIN + i * LEGEND_STEP;
		if (i == STYLE_OFF && !pic->member)
			continue;
		putf(out,
		     "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
		     "stroke-width=\"%s\" stroke-dasharray=\"%s\" stroke-linecap=\"%s\"/>"
		     "<text x=\"%d\" y=\"%d\" font-size=\"%d\" fill=\"%s\">%s</text>\n",
		     x, LEGEND_Y, x + LEGEND_LINE, LEGEND_Y, s->colour, s->width, s->dash, s->cap,
		     x + LEGEND_LINE + LEGEND_TEXT, LEGEND_Y + LINE_H / 4, LEGEND_FONT, INK,
		     s->legend);
	}
	for (int c = 0; c < COL_COUNT; c++)
		putf(out, "<text x=\"%d\" y=\"%d\" font-weight=\"600\" fill=\"%s\">%s</text>\n",
		     column_x(c), HEADING_Y, INK, headings[c]);
	if (pic->p->nrecipients == 0)
		putf(out,
		     "<text x=\"%d\" y=\"%d\" fill=\"%s\">No one outside receives personal "
		     "data</text>\n",
		     column_x(COL_RECIPIENT), HEADING_Y + LINE_H + BASELINE, MUTED);
	/* Off flows first, so that the flows in use are drawn over them. */
	put(out, "<g fill=\"none\">\n");
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < pic->nedges; i++)
			if (pic->off[pic->edges[i].purpose] == (pass == 0))
				write_edge(out, pic, &pic->edges[i]);
	put(out, "</g>\n");
	for (size_t i = 0; i < pic->nnodes; i++)
		write_node(out, pic, i);
	put(out, "</svg>\n");
}

/* Where a partner is named, its own privacy policy: linked, or how to ask
 * us for it, as the recipients' list of /privacy says (INS15). */
static void partner_policy(struct out *out, const struct policy *p,
			   const struct policy_recipient *r)
{
	if (r->policy_url && *r->policy_url) {
		put(out, " \u2014 <a href=\"");
		esc(out, r->policy_url);
		put(out, "\" rel=\"external noopener\" class=\"external\">its own privacy policy"
			 "<span class=\"visually-hidden\"> (leaves this site)</span></a>");
	} else if (p->contact.email && *p->contact.email) {
		put(out, " \u2014 <span class=\"policy-ask\">For its privacy policy, ask us at <a "
			 "href=\"mailto:");
		esc(out, p->contact.email);
		put(out, "\">");
		esc(out, p->contact.email);
		put(out, "</a>.</span>");
	} else {
		put(out, " \u2014 <span class=\"policy-ask\">For its privacy policy, ask us by "
			 "letter (see <a href=\"/privacy#contact\">Questions</a>).</span>");
	}
}

/* The same flows in words, purpose by purpose (a term and its flows: a
 * list item names one partner at most), each naming a partner with its
 * policy. */
static void write_words(struct out *out, const struct picture *pic)
{
	const struct policy *p = pic->p;
	put(out, "<details class=\"flows-words\"><summary>The picture in words</summary>\n"
		 "<dl id=\"flows-list\">\n");
	size_t e = 0;
	for (size_t i = 0; i < p->npurposes; i++) {
		const struct policy_purpose *pu = &p->purposes[i];
		put(out, "<dt>");
		esc(out, purpose_label(pu));
		putf(out, "</dt><dd>%s", basis_words[pu->basis]);
		if (pic->member && (pu->basis == BASIS_OPT_IN || pu->basis == BASIS_OPT_OUT))
			putf(out, "; %s", pic->off[i] ? off_words : "on for you");
		put(out, ".");
		size_t first = e;
		for (; e < pic->nedges && pic->edges[e].purpose == (int)i; e++) {
			const struct edge *ed = &pic->edges[e];
			put(out, e == first ? "<ul><li>" : "<li>");
			flow_words(out, pic, ed);
			if (ed->recipient >= 0)
				partner_policy(out, p, &p->recipients[ed->recipient]);
			put(out, "</li>");
		}
		put(out, e == first ? " It uses no personal data." : "</ul>");
		put(out, "</dd>\n");
	}
	put(out, "</dl>\n</details>\n");
}

int flows_write(struct buf *b, const struct policy *p, const json_t *choices)
{
	struct picture pic;
	picture_init(&pic, p, choices);
	struct out out = {b, 0};
	size_t before = b->len;
	putf(&out,
	     "<section class=\"flows\" id=\"flows\" aria-labelledby=\"flows-heading\">\n"
	     "<h2 id=\"flows-heading\">%s</h2>\n",
	     pic.member ? "Where your data goes" : "Where data goes");
	write_svg(&out, &pic);
	write_words(&out, &pic);
	put(&out, "</section>\n");
	picture_release(&pic);
	if (out.rc != 0) {
		b->len = before;
		if (b->data)
			b->data[before] = '\0';
	}
	return out.rc;
}

json_t *flows_html(const struct policy *p, const json_t *choices)
{
	struct buf b;
	buf_init(&b, 0);
	/* Unchecked: the text is the file's own and the profile's, which the
	 * YAML parser has checked is UTF-8, cut only between characters; a
	 * second check of the whole picture cost a third of its writing. */
	json_t *html = flows_write(&b, p, choices) == 0 ? json_stringn_nocheck(b.data, b.len)
							: json_null();
	buf_release(&b);
	return html;
}
