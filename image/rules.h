/* The parsed form of image-rules text, shared by rules.c (the parser)
 * and detect.c (which applies it). */
#ifndef PXEKIT_IMAGE_RULES_H
#define PXEKIT_IMAGE_RULES_H

#include "detect.h"

#define RULE_MAX_GLOBS 16
#define RULE_MAX_REQUIRE 8
#define RULE_MAX_FACTS 16
#define RULE_GLOB_MAX 256
#define RULES_MAX 1024

struct globs {
	char *v[RULE_MAX_GLOBS];
	size_t n;
};

struct facts_src {
	enum facts_format fmt;
	struct globs g;
};

struct rule {
	char name[64], family[32];
	char *append, *note;
	struct globs require[RULE_MAX_REQUIRE];	/* each: one of these exists */
	size_t nrequire;
	struct facts_src facts[RULE_MAX_FACTS];
	size_t nfacts;
	struct globs kernel, initrd;	/* "@facts": what the facts files named */
	char file[128];
	int line;
};

struct image_rules {
	struct rule *v;
	size_t n, cap;
};

extern const char *const facts_format_names[FACTS_NFORMATS];

#endif
