/*
 * scn_node.h - a read-only view of the YAML tree of a scenario file.
 *
 * The scenario loader (scenario.c) builds this tree with libyaml and keeps
 * it alive with the scenario, so that blocks it does not interpret itself
 * (`sweep:`) can be read with the position of every node, for messages of
 * the form "FILE:LINE:COL: ...". Nodes are owned by the scenario: never
 * modify or free them.
 *
 * A scalar holds its text (unquoted, escapes resolved); a mapping holds
 * its keys and values alternately in kid (key, value, key, value, ..., so
 * n is twice the number of pairs); a sequence holds its items in kid.
 */
#ifndef USNSIM_SCN_NODE_H
#define USNSIM_SCN_NODE_H

#include <stdbool.h>
#include <stddef.h>

enum scn_kind { SCN_SCALAR, SCN_MAP, SCN_SEQ };

struct scn_node {
	enum scn_kind kind;
	bool null;     /* a plain empty, ~ or null scalar (text is "") */
	char quote;    /* '\'' or '"' for a quoted scalar, else 0 */
	int src;       /* 0: the file; N: the N-th --set override */
	int inc;       /* 0: the scenario file; K: its K-th included file */
	int line, col; /* 1-based position of the node's first character */
	char *text;    /* scalars */
	size_t n;      /* items of kid */
	size_t cap;    /* allocated items of kid (the loader's business) */
	struct scn_node **kid;
};

/* Longest user text quoted in a message before it is cut with "...". */
#define SCN_QUOTE_MAX 40

/* text cut to SCN_QUOTE_MAX characters (and one line) into buf, which
 * should hold SCN_QUOTE_MAX + 8 bytes; returns buf. */
const char *scn_text_quote(const char *text, char *buf, size_t n);
/* What a node is, for "expected X, found Y" messages: "'10Gbps'",
 * "a mapping", "a list" or "nothing"; returns buf or a constant. */
const char *scn_node_found(const struct scn_node *nd, char *buf, size_t n);

#endif
