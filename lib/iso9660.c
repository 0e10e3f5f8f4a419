/* ISO 9660 reader: ECMA-119 volume descriptors and directory records,
 * SUSP 1.12 / RRIP 1.12 (Rock Ridge) and Joliet names. Every structure
 * is read into a local buffer through the caller's callback and parsed
 * with explicit bounds; see iso9660.h for the contract. */
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include "iso9660.h"

#define VD_FIRST 16u		/* ECMA-119 8: descriptors start at sector 16 */
#define VD_MAX 64u		/* descriptors read before giving up on a terminator */
#define VD_PRIMARY 1
#define VD_SUPPLEMENTARY 2
#define VD_TERMINATOR 255

#define DR_MIN 34u		/* 33 fixed bytes and one identifier byte */
#define FL_HIDDEN 0x01
#define FL_DIR 0x02
#define FL_ASSOCIATED 0x04
#define FL_MULTI_EXTENT 0x80

#define SUSP_MAX_HOPS 16	/* CE continuation areas followed per record */

/* RRIP 1.12 4.1.x flag bits. */
#define NM_CONTINUE 0x01
#define NM_CURRENT 0x02
#define NM_PARENT 0x04
#define SL_CONTINUE 0x01
#define SLC_CONTINUE 0x01
#define SLC_CURRENT 0x02
#define SLC_PARENT 0x04
#define SLC_ROOT 0x08
#define SLC_VOLROOT 0x10
#define SLC_HOST 0x20
#define TF_CREATION 0x01
#define TF_MODIFY 0x02
#define TF_ACCESS 0x04
#define TF_ATTRIBUTES 0x08
#define TF_LONG_FORM 0x80

static const char *const messages[] = {
	[ISO_OK] = "success",
	[ISO_END] = "end of directory",
	[ISO_E_IO] = "read error",
	[ISO_E_NOT_ISO] = "not an ISO 9660 image (no CD001 primary volume descriptor)",
	[ISO_E_TRUNCATED] = "image is shorter than its volume space (truncated)",
	[ISO_E_CORRUPT] = "corrupt ISO 9660 structure",
	[ISO_E_RANGE] = "extent or area past the end of the image",
	[ISO_E_LOOP] = "directory loop (a directory that is not its parent's child)",
	[ISO_E_BADNAME] = "invalid name (empty, '.', '..', or with '/' or NUL)",
	[ISO_E_NAMETOOLONG] = "name or link target too long",
	[ISO_E_UNSUPPORTED] = "unsupported (interleaved or zisofs data, block size other than 2048)",
	[ISO_E_TOOBIG] = "too many extents",
	[ISO_E_NOENT] = "no such entry",
	[ISO_E_NOTDIR] = "not a directory",
	[ISO_E_ISDIR] = "is a directory",
	[ISO_E_NOTLINK] = "not a symbolic link",
	[ISO_E_BADCOOKIE] = "invalid directory cookie",
	[ISO_E_STALE] = "id does not name a directory record",
};

const char *iso_strerror(int status)
{
	if (status < 0 || (size_t)status >= sizeof(messages) / sizeof(messages[0]) ||
	    messages[status] == NULL)
		return "unknown error";
	return messages[status];
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* The one place bytes enter: nothing at or past the end of the image. */
static int rd(const struct iso_source *src, void *buf, size_t len, uint64_t off)
{
	if (off > src->size || len > src->size - off)
		return ISO_E_RANGE;
	if (len == 0)
		return ISO_OK;
	return src->read(src->ctx, buf, len, off) == 0 ? ISO_OK : ISO_E_IO;
}

static bool in_image(const struct iso_volume *v, uint64_t pos, uint64_t len)
{
	return pos <= v->end && len <= v->end - pos;
}

/* ---- time ------------------------------------------------------------ */

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* gmt_off: the signed offset from GMT in 15-minute units. */
static int64_t to_epoch(int64_t y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s,
			int8_t gmt_off)
{
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
		return 0;
	return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - (int64_t)gmt_off * 900;
}

/* ECMA-119 9.1.5: seven bytes, years since 1900. */
static int64_t time_short(const uint8_t *p)
{
	return to_epoch(1900 + p[0], p[1], p[2], p[3], p[4], p[5], (int8_t)p[6]);
}

static bool digits(const uint8_t *p, size_t n, unsigned *out)
{
	unsigned v = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	*out = v;
	return true;
}

/* ECMA-119 8.4.26.1: "YYYYMMDDHHMMSScc" and an offset byte. */
static int64_t time_long(const uint8_t *p)
{
	unsigned y, mo, d, h, mi, s;

	if (!digits(p, 4, &y) || !digits(p + 4, 2, &mo) || !digits(p + 6, 2, &d) ||
	    !digits(p + 8, 2, &h) || !digits(p + 10, 2, &mi) || !digits(p + 12, 2, &s))
		return 0;
	return to_epoch(y, mo, d, h, mi, s, (int8_t)p[16]);
}

/* ---- directory records ------------------------------------------------- */

struct rec {
	uint8_t len, xa_len, flags, unit, gap;
	uint32_t block, size;
	const uint8_t *date;
	const uint8_t *fi;
	uint8_t fi_len;
	const uint8_t *su;
	size_t su_len;
};

/* One record at b[0..avail): ISO_END for padding (a zero length byte),
 * ISO_E_CORRUPT for one that does not fit or is too short. */
static int parse_rec(const uint8_t *b, size_t avail, struct rec *r)
{
	size_t fixed;

	if (avail == 0 || b[0] == 0)
		return ISO_END;
	r->len = b[0];
	if (r->len < DR_MIN || r->len > avail)
		return ISO_E_CORRUPT;
	r->xa_len = b[1];
	r->block = le32(b + 2);
	r->size = le32(b + 10);
	r->date = b + 18;
	r->flags = b[25];
	r->unit = b[26];
	r->gap = b[27];
	r->fi_len = b[32];
	r->fi = b + 33;
	fixed = 33u + r->fi_len + !(r->fi_len & 1);	/* pad to an even length */
	if (r->fi_len == 0 || 33u + r->fi_len > r->len)
		return ISO_E_CORRUPT;
	r->su = b + (fixed < r->len ? fixed : r->len);
	r->su_len = fixed < r->len ? r->len - fixed : 0;
	return ISO_OK;
}

static bool is_dot(const struct rec *r)
{
	return r->fi_len == 1 && r->fi[0] == 0;
}

static bool is_dotdot(const struct rec *r)
{
	return r->fi_len == 1 && r->fi[0] == 1;
}


static void dirit_init(struct iso_cursor *it, const struct iso_volume *v, uint64_t base, uint64_t size)
{
	it->v = v;
	it->base = base;
	it->size = size;
	it->off = 0;
	it->loaded = UINT64_MAX;
}

static int dirit_load(struct iso_cursor *it, uint64_t sector)
{
	uint64_t pos = it->base + sector * ISO_BLOCK;
	size_t n = ISO_BLOCK;
	int rc;

	if (it->loaded == sector)
		return ISO_OK;
	if (pos >= it->v->end)
		return ISO_E_RANGE;
	if (it->v->end - pos < n)
		n = (size_t)(it->v->end - pos);
	memset(it->buf, 0, sizeof(it->buf));
	rc = rd(&it->v->src, it->buf, n, pos);
	if (rc != ISO_OK)
		return rc;
	it->loaded = sector;
	return ISO_OK;
}

/* The next record and its offset. ISO_E_CORRUPT is about one record: the
 * walk has moved on to the next sector (records never span sectors,
 * ECMA-119 6.8.1.1), so the caller may carry on. A sector that opens
 * with padding is refused the same way, so one call reads at most two
 * sectors however large a corrupt directory claims to be. */
static int dirit_next(struct iso_cursor *it, struct rec *r, uint64_t *rec_off)
{
	for (int step = 0; step < 2; step++) {
		uint64_t sector = it->off / ISO_BLOCK;
		size_t in = (size_t)(it->off % ISO_BLOCK);
		size_t avail = ISO_BLOCK - in;
		int rc;

		if (it->off >= it->size)
			return ISO_END;
		if (avail > it->size - it->off)
			avail = (size_t)(it->size - it->off);
		rc = dirit_load(it, sector);
		if (rc != ISO_OK)
			return rc;
		rc = parse_rec(it->buf + in, avail, r);
		if (rc == ISO_OK) {
			*rec_off = it->off;
			it->off += r->len;
			return ISO_OK;
		}
		it->off = (sector + 1) * ISO_BLOCK;
		if (rc != ISO_END || in == 0)
			return ISO_E_CORRUPT;
	}
	return ISO_E_CORRUPT;
}

/* Is off where a record starts (or where its sector's padding starts)? */
static int dirit_seek(struct iso_cursor *it, uint64_t off)
{
	uint64_t sector = off / ISO_BLOCK;
	size_t want = (size_t)(off % ISO_BLOCK), o = 0;
	int rc;

	if (off >= it->size) {
		it->off = off;
		return ISO_OK;
	}
	rc = dirit_load(it, sector);
	if (rc != ISO_OK)
		return rc;
	while (o < want) {
		uint8_t len = it->buf[o];

		if (len < DR_MIN || o + len > ISO_BLOCK)
			return ISO_E_BADCOOKIE;
		o += len;
	}
	if (o != want)
		return ISO_E_BADCOOKIE;
	it->off = off;
	return ISO_OK;
}

/* ---- SUSP and Rock Ridge ---------------------------------------------- */

struct susp {
	bool sp, rrip_er, rr;
	uint8_t sp_skip;
	bool px;
	uint32_t mode, nlink, uid, gid;
	bool tf;
	int64_t mtime, atime, ctime;
	bool nm, nm_more;
	int nm_err;
	size_t nm_len;
	bool sl, sl_more, comp_more;
	int sl_err;
	size_t link_len;
	bool re, cl, pl, zf;
	uint32_t cl_block, pl_block;
	/* the buffers last: susp_parse clears everything before them */
	char name[ISO_NAME_MAX + 1];
	char link[ISO_LINK_MAX + 1];
};

static void nm_entry(struct susp *s, const uint8_t *e, size_t len)
{
	uint8_t flags = e[4];
	size_t n = len - 5;

	if (s->nm && !s->nm_more)
		return;		/* a complete name was given: later NMs do not extend it */
	s->nm = true;
	s->nm_more = flags & NM_CONTINUE;
	if (flags & (NM_CURRENT | NM_PARENT)) {
		s->nm_err = ISO_E_BADNAME;
		return;
	}
	if (memchr(e + 5, '/', n) != NULL || memchr(e + 5, '\0', n) != NULL)
		s->nm_err = ISO_E_BADNAME;
	if (s->nm_err != ISO_OK)
		return;
	if (n > ISO_NAME_MAX - s->nm_len) {
		s->nm_err = ISO_E_NAMETOOLONG;
		return;
	}
	memcpy(s->name + s->nm_len, e + 5, n);
	s->nm_len += n;
	s->name[s->nm_len] = '\0';
}

static void link_add(struct susp *s, const char *p, size_t n)
{
	if (s->sl_err != ISO_OK)
		return;
	if (n > ISO_LINK_MAX - s->link_len) {
		s->sl_err = ISO_E_NAMETOOLONG;
		return;
	}
	memcpy(s->link + s->link_len, p, n);
	s->link_len += n;
	s->link[s->link_len] = '\0';
}

/* RRIP 4.1.3.1: components, each with its own flags; a component whose
 * CONTINUE bit is set goes on in the next one without a '/'. */
static void sl_entry(struct susp *s, const uint8_t *e, size_t len)
{
	size_t o = 5;

	if (s->sl && !s->sl_more)
		return;
	s->sl = true;
	s->sl_more = e[4] & SL_CONTINUE;
	while (o + 2 <= len) {
		uint8_t cf = e[o], cl = e[o + 1];
		const uint8_t *c = e + o + 2;

		if (cl > len - o - 2) {
			s->sl_err = ISO_E_CORRUPT;
			return;
		}
		if (s->link_len > 0 && !s->comp_more && s->link[s->link_len - 1] != '/')
			link_add(s, "/", 1);
		if (cf & (SLC_ROOT | SLC_VOLROOT))
			link_add(s, "/", 1);
		else if (cf & SLC_PARENT)
			link_add(s, "..", 2);
		else if (cf & SLC_CURRENT)
			link_add(s, ".", 1);
		else if (cf & SLC_HOST)
			s->sl_err = ISO_E_UNSUPPORTED;
		else if (memchr(c, '/', cl) != NULL || memchr(c, '\0', cl) != NULL)
			s->sl_err = ISO_E_BADNAME;
		else
			link_add(s, (const char *)c, cl);
		s->comp_more = cf & SLC_CONTINUE;
		o += 2u + cl;
	}
}

static uint32_t both32(const uint8_t *p)
{
	return le32(p);		/* the little-endian half of a both-byte-order field */
}

static void tf_entry(struct susp *s, const uint8_t *e, size_t len)
{
	uint8_t flags = e[4];
	size_t w = flags & TF_LONG_FORM ? 17 : 7, o = 5;
	int64_t *slot[4] = { &s->ctime, &s->mtime, &s->atime, &s->ctime };

	s->tf = true;
	for (unsigned bit = 0; bit < 7; bit++) {
		if (!(flags & (1u << bit)))
			continue;
		if (o + w > len)
			return;
		if (bit < 4)
			*slot[bit] = w == 17 ? time_long(e + o) : time_short(e + o);
		o += w;
	}
}

static void susp_entry(struct susp *s, const uint8_t *e, size_t len, bool *ce,
		       uint32_t ce_loc[3])
{
	char sig[3] = { (char)e[0], (char)e[1], '\0' };

	if (!strcmp(sig, "SP") && len >= 7 && e[4] == 0xBE && e[5] == 0xEF) {
		s->sp = true;
		s->sp_skip = e[6];
	} else if (!strcmp(sig, "CE") && len >= 28) {
		*ce = true;
		ce_loc[0] = both32(e + 4);
		ce_loc[1] = both32(e + 12);
		ce_loc[2] = both32(e + 20);
	} else if (!strcmp(sig, "ER") && len >= 8) {
		size_t id_len = e[4];

		if (8 + id_len <= len &&
		    ((id_len == 10 && !memcmp(e + 8, "RRIP_1991A", 10)) ||
		     (id_len == 10 && !memcmp(e + 8, "IEEE_P1282", 10)) ||
		     (id_len == 9 && !memcmp(e + 8, "IEEE_1282", 9))))
			s->rrip_er = true;
	} else if (!strcmp(sig, "RR")) {
		s->rr = true;
	} else if (!strcmp(sig, "PX") && len >= 36) {
		s->rr = s->px = true;
		s->mode = both32(e + 4);
		s->nlink = both32(e + 12);
		s->uid = both32(e + 20);
		s->gid = both32(e + 28);
	} else if (!strcmp(sig, "NM") && len >= 5) {
		s->rr = true;
		nm_entry(s, e, len);
	} else if (!strcmp(sig, "SL") && len >= 5) {
		s->rr = true;
		sl_entry(s, e, len);
	} else if (!strcmp(sig, "TF") && len >= 5) {
		s->rr = true;
		tf_entry(s, e, len);
	} else if (!strcmp(sig, "CL") && len >= 12) {
		s->rr = s->cl = true;
		s->cl_block = both32(e + 4);
	} else if (!strcmp(sig, "PL") && len >= 12) {
		s->rr = s->pl = true;
		s->pl_block = both32(e + 4);
	} else if (!strcmp(sig, "RE")) {
		s->rr = s->re = true;
	} else if (!strcmp(sig, "ZF")) {
		s->zf = true;
	}
}

/* All SUSP entries of one record: its System Use field, then each CE
 * continuation area in turn (at most SUSP_MAX_HOPS, each inside one
 * block like Linux isofs requires, so a CE loop ends). */
static int susp_parse(const struct iso_volume *v, const uint8_t *area, size_t len,
		      struct susp *s)
{
	uint8_t ce_buf[ISO_BLOCK];

	memset(s, 0, offsetof(struct susp, name));
	s->name[0] = s->link[0] = '\0';
	for (unsigned hop = 0;; hop++) {
		bool ce = false;
		uint32_t loc[3];
		size_t o = 0;
		int rc;

		while (o + 4 <= len) {
			size_t elen = area[o + 2];

			if (area[o] == 'S' && area[o + 1] == 'T')
				return ISO_OK;
			if (elen < 4 || elen > len - o)
				break;	/* padding or a broken entry: the area ends */
			susp_entry(s, area + o, elen, &ce, loc);
			o += elen;
		}
		if (!ce)
			return ISO_OK;
		if (hop + 1 >= SUSP_MAX_HOPS)
			return ISO_E_CORRUPT;
		if (loc[1] >= ISO_BLOCK || loc[2] > ISO_BLOCK - loc[1])
			return ISO_E_CORRUPT;
		if (!in_image(v, (uint64_t)loc[0] * ISO_BLOCK + loc[1], loc[2]))
			return ISO_E_RANGE;
		rc = rd(&v->src, ce_buf, loc[2], (uint64_t)loc[0] * ISO_BLOCK + loc[1]);
		if (rc != ISO_OK)
			return rc;
		area = ce_buf;
		len = loc[2];
	}
}

/* The System Use field minus SP's LEN_SKP (which the root's "." record,
 * where SP itself lives, does not skip). */
static int rec_susp(const struct iso_volume *v, const struct rec *r, bool root_dot, struct susp *s)
{
	size_t skip = root_dot ? 0 : v->susp_skip;

	if (skip > r->su_len)
		skip = r->su_len;
	return susp_parse(v, r->su + skip, r->su_len - skip, s);
}

/* ---- names ---------------------------------------------------------- */

static int check_name(const char *name, size_t len)
{
	if (len == 0 || (len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.'))
		return ISO_E_BADNAME;
	return ISO_OK;
}

/* Cuts ";version" and, like Linux isofs, trailing dots. */
static size_t trim_version(const char *n, size_t len)
{
	for (size_t i = len; i > 0; i--) {
		if (n[i - 1] == ';') {
			len = i - 1;
			break;
		}
		if (n[i - 1] < '0' || n[i - 1] > '9')
			break;
	}
	while (len > 1 && n[len - 1] == '.')
		len--;
	return len;
}

/* ECMA-119 names as Linux shows them by default (map=normal): lower
 * case, no version, no trailing dot. */
static int plain_name(const struct rec *r, char *out)
{
	size_t len = r->fi_len;

	if (len > ISO_NAME_MAX)
		return ISO_E_NAMETOOLONG;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = r->fi[i];

		if (c == '/' || c == '\0')
			return ISO_E_BADNAME;
		out[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	len = trim_version(out, len);
	out[len] = '\0';
	return check_name(out, len);
}

static size_t put_utf8(char *out, uint32_t c)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xC0 | c >> 6);
		out[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xE0 | c >> 12);
		out[1] = (char)(0x80 | (c >> 6 & 0x3F));
		out[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | c >> 18);
	out[1] = (char)(0x80 | (c >> 12 & 0x3F));
	out[2] = (char)(0x80 | (c >> 6 & 0x3F));
	out[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

/* Joliet: UCS-2 big-endian (UTF-16 in practice, so pairs are joined). */
static int joliet_name(const struct rec *r, char *out)
{
	size_t len = 0;

	if (r->fi_len & 1)
		return ISO_E_BADNAME;
	for (size_t i = 0; i < r->fi_len; i += 2) {
		uint32_t c = (uint32_t)r->fi[i] << 8 | r->fi[i + 1];

		if (c >= 0xD800 && c <= 0xDBFF && i + 3 < r->fi_len) {
			uint32_t lo = (uint32_t)r->fi[i + 2] << 8 | r->fi[i + 3];

			if (lo < 0xDC00 || lo > 0xDFFF)
				return ISO_E_BADNAME;
			c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
			i += 2;
		} else if (c >= 0xD800 && c <= 0xDFFF) {
			return ISO_E_BADNAME;
		}
		if (c == 0 || c == '/')
			return ISO_E_BADNAME;
		if (len + 4 > ISO_NAME_MAX)
			return ISO_E_NAMETOOLONG;
		len += put_utf8(out + len, c);
	}
	len = trim_version(out, len);
	out[len] = '\0';
	return check_name(out, len);
}

/* The entry's name by the volume's rules; s holds the record's SUSP. */
static int rec_name(const struct iso_volume *v, const struct rec *r, const struct susp *s,
		    char *out)
{
	if (v->names == ISO_NAMES_ROCKRIDGE && s->nm) {
		if (s->nm_err != ISO_OK)
			return s->nm_err;
		memcpy(out, s->name, s->nm_len + 1);
		return check_name(out, s->nm_len);
	}
	if (v->names == ISO_NAMES_JOLIET)
		return joliet_name(r, out);
	return plain_name(r, out);
}

/* ---- entries ---------------------------------------------------------- */

static void attrs(const struct iso_volume *v, const struct rec *r, const struct susp *s,
		  bool dir, struct iso_entry *e)
{
	e->mtime = e->atime = e->ctime = time_short(r->date);
	if (v->names == ISO_NAMES_ROCKRIDGE && s->px) {
		e->rock_ridge = true;
		e->mode = s->mode;
		if ((e->mode & S_IFMT) == 0)
			e->mode |= dir ? S_IFDIR : S_IFREG;
		e->nlink = s->nlink;
		e->uid = s->uid;
		e->gid = s->gid;
	} else {
		/* Linux isofs and xorriso: readable and executable by all */
		e->mode = dir ? S_IFDIR | 0555 : S_IFREG | 0555;
		/* Linux isofs says 1 for a directory: find(1) trusts a 2
		 * to mean "no subdirectories". */
		e->nlink = 1;
	}
	if (v->names == ISO_NAMES_ROCKRIDGE && s->tf) {
		if (s->mtime)
			e->mtime = s->mtime;
		if (s->atime)
			e->atime = s->atime;
		if (s->ctime)
			e->ctime = s->ctime;
	}
}

/* Whether the rest of a directory (after "." and "..") holds a directory
 * record or a Rock Ridge CL placeholder; an unreadable one counts. */
static bool has_subdirs(const struct iso_volume *v, struct iso_cursor *it)
{
	struct rec r;
	struct susp s;
	uint64_t off;
	int rc;

	while ((rc = dirit_next(it, &r, &off)) != ISO_END) {
		if (rc != ISO_OK || (r.flags & FL_DIR))
			return true;
		if (v->names == ISO_NAMES_ROCKRIDGE &&
		    (rec_susp(v, &r, false, &s) != ISO_OK || s.cl))
			return true;
	}
	return false;
}

/* A directory by its extent, from its "." record; parent_block, unless
 * UINT32_MAX, must be what its ".." (or Rock Ridge PL) names, which with
 * "never the root" is what keeps every walk from the root a tree. */
static int dir_open(const struct iso_volume *v, uint32_t block, uint32_t parent_block,
		    struct iso_entry *e)
{
	struct iso_cursor local, *it;
	struct rec dot, dotdot;
	struct susp s;
	uint64_t off;
	bool root = block == v->root_block;
	int rc;

	if (!in_image(v, (uint64_t)block * ISO_BLOCK, ISO_BLOCK))
		return ISO_E_RANGE;
	if (parent_block != UINT32_MAX && (root || block == parent_block))
		return ISO_E_LOOP;
	it = &local;
	dirit_init(it, v, (uint64_t)block * ISO_BLOCK, ISO_BLOCK);
	rc = dirit_next(it, &dot, &off);
	if (rc != ISO_OK)
		return rc == ISO_END ? ISO_E_CORRUPT : rc;
	if (!is_dot(&dot) || !(dot.flags & FL_DIR) || dot.block != block ||
	    (dot.flags & FL_MULTI_EXTENT))
		return ISO_E_CORRUPT;
	if (!in_image(v, (uint64_t)block * ISO_BLOCK, dot.size) || dot.size < 2 * DR_MIN)
		return dot.size < 2 * DR_MIN ? ISO_E_CORRUPT : ISO_E_RANGE;
	it->size = dot.size;
	rc = rec_susp(v, &dot, root, &s);
	if (rc != ISO_OK)
		return rc;
	memset(e, 0, offsetof(struct iso_entry, extents));
	e->id = (uint64_t)block * ISO_BLOCK;
	attrs(v, &dot, &s, true, e);
	if (!S_ISDIR(e->mode))
		return ISO_E_CORRUPT;
	e->size = dot.size;
	e->nextents = 1;
	e->extents[0].pos = (uint64_t)block * ISO_BLOCK;
	e->extents[0].len = dot.size;
	if (parent_block == UINT32_MAX)
		return ISO_OK;
	rc = dirit_next(it, &dotdot, &off);
	if (rc != ISO_OK)
		return rc == ISO_END ? ISO_E_CORRUPT : rc;
	if (!is_dotdot(&dotdot))
		return ISO_E_CORRUPT;
	if (v->names == ISO_NAMES_ROCKRIDGE) {
		rc = rec_susp(v, &dotdot, false, &s);
		if (rc != ISO_OK)
			return rc;
		if (s.pl)
			dotdot.block = s.pl_block;
	}
	if (dotdot.block == parent_block)
		return ISO_OK;
	/* genisoimage writes a ".." that names the directory itself when it
	 * drops subdirectories nested too deep: such a directory is kept as
	 * long as it has no subdirectory, which could lead back up. */
	if (dotdot.block == block)
		return has_subdirs(v, it) ? ISO_E_LOOP : ISO_OK;
	return ISO_E_LOOP;
}

/* Data of one file record: after its extended attribute record. */
static int add_extent(const struct iso_volume *v, const struct rec *r, struct iso_entry *e)
{
	uint64_t pos = ((uint64_t)r->block + r->xa_len) * ISO_BLOCK;

	if (r->unit != 0 || r->gap != 0)
		return ISO_E_UNSUPPORTED;
	if (e->nextents >= ISO_MAX_EXTENTS)
		return ISO_E_TOOBIG;
	if (r->size != 0 && !in_image(v, pos, r->size))
		return ISO_E_RANGE;
	if (r->size == 0)
		return ISO_OK;
	e->extents[e->nextents].pos = pos;
	e->extents[e->nextents].len = r->size;
	e->nextents++;
	e->size += r->size;
	return ISO_OK;
}

/* Consumes the rest of a multi-extent chain that is not wanted (or
 * whose first record was refused). */
static void skip_extents(struct iso_cursor *it, uint8_t flags)
{
	for (unsigned n = 1; (flags & FL_MULTI_EXTENT) && n < ISO_MAX_EXTENTS; n++) {
		struct rec r;
		uint64_t off;

		if (dirit_next(it, &r, &off) != ISO_OK)
			return;
		flags = r.flags;
	}
}

/* ECMA-119 6.5.1: the other records of a multi-extent file follow in
 * the same directory under the same identifier, the last one without
 * the flag. Each must start in the sector after the previous at most,
 * so a forged id cannot send this through the whole image. */
static int follow_extents(const struct iso_volume *v, struct iso_cursor *it, const uint8_t *fi,
			  uint8_t fi_len, struct iso_entry *e)
{
	uint8_t more = FL_MULTI_EXTENT;

	while (more) {
		uint64_t prev_end = it->off, off;
		struct rec r;
		int rc = dirit_next(it, &r, &off);

		if (rc != ISO_OK)
			return rc == ISO_END ? ISO_E_CORRUPT : rc;
		if (off - prev_end >= ISO_BLOCK || r.fi_len != fi_len || memcmp(r.fi, fi, fi_len) ||
		    (r.flags & FL_DIR))
			return ISO_E_CORRUPT;
		more = r.flags & FL_MULTI_EXTENT;
		rc = add_extent(v, &r, e);
		if (rc != ISO_OK) {
			skip_extents(it, more);
			return rc;
		}
	}
	return ISO_OK;
}

/* A file, symbolic link or device from its (first) record. */
static int file_entry(const struct iso_volume *v, const struct rec *r, const struct susp *s,
		      struct iso_entry *e)
{
	attrs(v, r, s, false, e);
	if (S_ISDIR(e->mode))
		return ISO_E_CORRUPT;
	if (v->names == ISO_NAMES_ROCKRIDGE && s->zf)
		return ISO_E_UNSUPPORTED;
	if (S_ISLNK(e->mode)) {
		if (!s->sl)
			return ISO_E_CORRUPT;
		if (s->sl_err != ISO_OK)
			return s->sl_err;
		e->size = s->link_len;
		return ISO_OK;
	}
	if (!S_ISREG(e->mode))
		return ISO_OK;	/* devices, FIFOs, sockets: no data */
	return add_extent(v, r, e);
}

/* Everything but the name of an entry whose record r was read at rec_pos
 * from the directory at parent_block (UINT32_MAX: not known). A refused
 * multi-extent file leaves the walk after its last record. */
static int complete(const struct iso_volume *v, struct iso_cursor *it, const struct rec *r,
		    const struct susp *s, uint64_t rec_pos, uint32_t parent_block,
		    struct iso_entry *e)
{
	uint8_t fi[255], fi_len = r->fi_len, flags = r->flags;
	int rc;

	if (v->names == ISO_NAMES_ROCKRIDGE && s->cl) {
		/* RRIP 4.1.5.1: a directory moved away to keep the tree
		 * shallow; this placeholder names where it went. */
		if (parent_block == UINT32_MAX)
			return ISO_E_STALE;
		return dir_open(v, s->cl_block, parent_block, e);
	}
	if (flags & FL_DIR) {
		if (flags & FL_MULTI_EXTENT)
			return ISO_E_CORRUPT;
		if (parent_block == UINT32_MAX)
			return ISO_E_STALE;	/* directories are named by their "." */
		return dir_open(v, r->block, parent_block, e);
	}
	memcpy(fi, r->fi, fi_len);	/* r points into the walk's buffer */
	e->id = rec_pos;
	rc = file_entry(v, r, s, e);
	if (!(flags & FL_MULTI_EXTENT))
		return rc;
	if (rc == ISO_OK && !S_ISREG(e->mode))
		rc = ISO_E_CORRUPT;
	if (rc != ISO_OK) {
		skip_extents(it, flags);
		return rc;
	}
	return follow_extents(v, it, fi, fi_len, e);
}

/* The next entry of a directory (skipping ".", "..", associated files and
 * Rock Ridge RE records); with want, the next one of that name. */
static int next_entry(const struct iso_volume *v, struct iso_cursor *it, uint32_t dir_block,
		      const char *want, struct iso_entry *e)
{
	struct susp s;

	for (;;) {
		struct rec r;
		uint64_t off;
		int rc = dirit_next(it, &r, &off), err;

		if (rc == ISO_E_CORRUPT) {
			if (want != NULL)
				continue;
			memset(e, 0, offsetof(struct iso_entry, extents));
			e->error = ISO_E_CORRUPT;
			return ISO_OK;
		}
		if (rc != ISO_OK)
			return rc;
		if (is_dot(&r) || is_dotdot(&r) || (r.flags & FL_ASSOCIATED))
			continue;
		memset(e, 0, offsetof(struct iso_entry, extents));
		e->id = it->base + off;
		err = v->names == ISO_NAMES_ROCKRIDGE ? rec_susp(v, &r, false, &s) : ISO_OK;
		if (err == ISO_OK && v->names != ISO_NAMES_ROCKRIDGE)
			memset(&s, 0, offsetof(struct susp, name));
		if (err == ISO_OK && v->names == ISO_NAMES_ROCKRIDGE && s.re)
			continue;	/* shown where its CL placeholder is */
		if (err == ISO_OK)
			err = rec_name(v, &r, &s, e->name);
		if (err != ISO_OK) {
			e->name[0] = '\0';
			skip_extents(it, r.flags);
			if (want != NULL)
				continue;
			e->error = err;
			return ISO_OK;
		}
		if (want != NULL && strcmp(want, e->name) != 0) {
			skip_extents(it, r.flags);
			continue;
		}
		{
			char name[ISO_NAME_MAX + 1];

			memcpy(name, e->name, sizeof(name));
			err = complete(v, it, &r, &s, e->id, dir_block, e);
			memcpy(e->name, name, sizeof(name));
		}
		e->error = err;
		return ISO_OK;
	}
}

/* ---- the interface ---------------------------------------------------- */

static int read_vd(const struct iso_source *src, uint32_t sector, uint8_t *b)
{
	int rc = rd(src, b, ISO_BLOCK, (uint64_t)sector * ISO_BLOCK);

	if (rc == ISO_E_RANGE)
		return sector == VD_FIRST ? ISO_E_NOT_ISO : ISO_E_TRUNCATED;
	if (rc != ISO_OK)
		return rc;
	if (memcmp(b + 1, "CD001", 5) != 0 || b[6] != 1)
		return sector == VD_FIRST ? ISO_E_NOT_ISO : ISO_E_CORRUPT;
	return ISO_OK;
}

/* The root directory record a volume descriptor holds (ECMA-119 8.4.18). */
static int vd_root(const uint8_t *b, uint32_t *block, uint32_t *size)
{
	struct rec r;

	if (parse_rec(b + 156, 34, &r) != ISO_OK || !(r.flags & FL_DIR))
		return ISO_E_CORRUPT;
	*block = r.block;
	*size = r.size;
	return ISO_OK;
}

/* Joliet's escape sequences for UCS-2 levels 1-3: %/@, %/C, %/E. */
static bool is_joliet(const uint8_t *b)
{
	const uint8_t *esc = b + 88;

	return esc[0] == '%' && esc[1] == '/' && (esc[2] == '@' || esc[2] == 'C' || esc[2] == 'E');
}

/* SUSP 5.3: SP opens the System Use field of the root's "." record;
 * RRIP then says itself in an ER, or (RRIP 1.09) by its entries. */
static int detect_rock_ridge(struct iso_volume *v)
{
	struct iso_cursor it;
	struct rec dot;
	struct susp s;
	uint64_t off;
	int rc;

	dirit_init(&it, v, (uint64_t)v->root_block * ISO_BLOCK, v->root_size);
	rc = dirit_next(&it, &dot, &off);
	if (rc != ISO_OK)
		return rc == ISO_END ? ISO_E_CORRUPT : rc;
	if (!is_dot(&dot) || dot.su_len < 7 || memcmp(dot.su, "SP", 2) != 0)
		return ISO_OK;
	rc = susp_parse(v, dot.su, dot.su_len, &s);
	if (rc != ISO_OK || !s.sp)
		return ISO_OK;	/* broken SUSP in the root: serve without it */
	if (s.rrip_er || s.px) {
		v->names = ISO_NAMES_ROCKRIDGE;
		v->susp_skip = s.sp_skip;
	}
	return ISO_OK;
}

int iso_open(struct iso_volume *v, const struct iso_source *src)
{
	uint8_t b[ISO_BLOCK];
	bool primary = false, joliet = false, end = false;
	uint32_t space = 0, pvd_root = 0, pvd_size = 0, j_root = 0, j_size = 0;
	int rc;

	memset(v, 0, sizeof(*v));
	v->src = *src;
	v->end = src->size;
	for (uint32_t sector = VD_FIRST; sector < VD_FIRST + VD_MAX && !end; sector++) {
		rc = read_vd(src, sector, b);
		if (rc != ISO_OK)
			return rc;
		switch (b[0]) {
		case VD_PRIMARY:
			if (primary)
				break;
			if (le16(b + 128) != ISO_BLOCK)
				return ISO_E_UNSUPPORTED;
			rc = vd_root(b, &pvd_root, &pvd_size);
			if (rc != ISO_OK)
				return rc;
			space = le32(b + 80);
			memcpy(v->volume_id, b + 40, 32);
			v->volume_id[32] = '\0';
			for (size_t n = 32; n > 0 && v->volume_id[n - 1] == ' '; n--)
				v->volume_id[n - 1] = '\0';
			primary = true;
			break;
		case VD_SUPPLEMENTARY:
			if (!joliet && is_joliet(b) && le16(b + 128) == ISO_BLOCK &&
			    vd_root(b, &j_root, &j_size) == ISO_OK)
				joliet = true;
			break;
		case VD_TERMINATOR:
			end = true;
			break;
		default:
			break;	/* boot records, partitions: not ours */
		}
	}
	if (!primary)
		return ISO_E_NOT_ISO;
	if (!end)
		return ISO_E_CORRUPT;
	if ((uint64_t)space * ISO_BLOCK > src->size)
		return ISO_E_TRUNCATED;
	v->root_block = pvd_root;
	v->root_size = pvd_size;
	if (!in_image(v, (uint64_t)pvd_root * ISO_BLOCK, pvd_size))
		return ISO_E_RANGE;
	rc = detect_rock_ridge(v);
	if (rc != ISO_OK)
		return rc;
	if (v->names != ISO_NAMES_ROCKRIDGE && joliet &&
	    in_image(v, (uint64_t)j_root * ISO_BLOCK, j_size)) {
		v->names = ISO_NAMES_JOLIET;
		v->root_block = j_root;
		v->root_size = j_size;
	}
	return ISO_OK;
}

int iso_root(const struct iso_volume *v, struct iso_entry *out)
{
	return dir_open(v, v->root_block, UINT32_MAX, out);
}

int iso_get(const struct iso_volume *v, uint64_t id, struct iso_entry *out)
{
	struct iso_cursor it;
	struct rec r;
	struct susp s;
	uint64_t sector = id / ISO_BLOCK, off;
	int rc;

	if (!in_image(v, sector * ISO_BLOCK, ISO_BLOCK) || sector > UINT32_MAX)
		return ISO_E_STALE;
	if (id % ISO_BLOCK == 0) {
		/* a directory's "." or a file record opening its sector */
		rc = dir_open(v, (uint32_t)sector, UINT32_MAX, out);
		if (rc != ISO_E_CORRUPT)
			return rc;
	}
	dirit_init(&it, v, sector * ISO_BLOCK, v->end - sector * ISO_BLOCK);
	rc = dirit_seek(&it, id % ISO_BLOCK);
	if (rc != ISO_OK)
		return rc == ISO_E_BADCOOKIE ? ISO_E_STALE : rc;
	rc = dirit_next(&it, &r, &off);
	if (rc != ISO_OK || off != id % ISO_BLOCK || is_dot(&r) || is_dotdot(&r))
		return rc == ISO_E_IO ? rc : ISO_E_STALE;
	memset(out, 0, offsetof(struct iso_entry, extents));
	if (v->names == ISO_NAMES_ROCKRIDGE) {
		rc = rec_susp(v, &r, false, &s);
		if (rc != ISO_OK)
			return rc;
		if (s.re)
			return ISO_E_STALE;
	} else {
		memset(&s, 0, offsetof(struct susp, name));
	}
	rc = rec_name(v, &r, &s, out->name);
	if (rc != ISO_OK)
		return rc;
	{
		char name[ISO_NAME_MAX + 1];

		memcpy(name, out->name, sizeof(name));
		rc = complete(v, &it, &r, &s, id, UINT32_MAX, out);
		memcpy(out->name, name, sizeof(name));
	}
	return rc;
}

static bool is_dir_entry(const struct iso_entry *e)
{
	return S_ISDIR(e->mode) && e->nextents == 1;
}

int iso_parent(const struct iso_volume *v, const struct iso_entry *dir, struct iso_entry *out)
{
	struct iso_cursor it;
	struct rec r;
	struct susp s;
	uint64_t off;
	int rc;

	if (!is_dir_entry(dir))
		return ISO_E_NOTDIR;
	if (dir->id == (uint64_t)v->root_block * ISO_BLOCK)
		return iso_root(v, out);
	dirit_init(&it, v, dir->extents[0].pos, dir->extents[0].len);
	for (int i = 0; i < 2; i++) {
		rc = dirit_next(&it, &r, &off);
		if (rc != ISO_OK)
			return rc == ISO_END ? ISO_E_CORRUPT : rc;
	}
	if (!is_dotdot(&r))
		return ISO_E_CORRUPT;
	if (v->names == ISO_NAMES_ROCKRIDGE) {
		rc = rec_susp(v, &r, false, &s);
		if (rc != ISO_OK)
			return rc;
		if (s.pl)
			r.block = s.pl_block;
	}
	return dir_open(v, r.block, UINT32_MAX, out);
}

int iso_cursor_open(const struct iso_volume *v, const struct iso_entry *dir, uint64_t cookie,
		    struct iso_cursor *c)
{
	if (!is_dir_entry(dir))
		return ISO_E_NOTDIR;
	dirit_init(c, v, dir->extents[0].pos, dir->extents[0].len);
	return dirit_seek(c, cookie);
}

int iso_cursor_next(struct iso_cursor *c, struct iso_entry *out, uint64_t *cookie)
{
	int rc = next_entry(c->v, c, (uint32_t)(c->base / ISO_BLOCK), NULL, out);

	if (rc == ISO_OK)
		*cookie = c->off;
	return rc;
}

int iso_readdir(const struct iso_volume *v, const struct iso_entry *dir, uint64_t *cookie,
		struct iso_entry *out)
{
	struct iso_cursor c;
	int rc = iso_cursor_open(v, dir, *cookie, &c);

	return rc == ISO_OK ? iso_cursor_next(&c, out, cookie) : rc;
}

int iso_lookup(const struct iso_volume *v, const struct iso_entry *dir, const char *name,
	       struct iso_entry *out)
{
	struct iso_cursor it;
	size_t len = strnlen(name, ISO_NAME_MAX + 1);
	int rc;

	if (!is_dir_entry(dir))
		return ISO_E_NOTDIR;
	if (len > ISO_NAME_MAX)
		return ISO_E_NAMETOOLONG;
	if (check_name(name, len) != ISO_OK || strchr(name, '/') != NULL)
		return ISO_E_BADNAME;
	dirit_init(&it, v, dir->extents[0].pos, dir->extents[0].len);
	rc = next_entry(v, &it, (uint32_t)(dir->id / ISO_BLOCK), name, out);
	if (rc == ISO_END)
		return ISO_E_NOENT;
	if (rc != ISO_OK)
		return rc;
	return out->error;
}

int iso_readlink(const struct iso_volume *v, const struct iso_entry *link, char *buf, size_t size)
{
	struct iso_cursor it;
	struct rec r;
	struct susp s;
	uint64_t sector = link->id / ISO_BLOCK, off;
	int rc;

	if (!S_ISLNK(link->mode) || v->names != ISO_NAMES_ROCKRIDGE)
		return ISO_E_NOTLINK;
	if (!in_image(v, sector * ISO_BLOCK, ISO_BLOCK))
		return ISO_E_STALE;
	dirit_init(&it, v, sector * ISO_BLOCK, ISO_BLOCK);
	rc = dirit_seek(&it, link->id % ISO_BLOCK);
	if (rc == ISO_OK)
		rc = dirit_next(&it, &r, &off);
	if (rc != ISO_OK)
		return rc == ISO_E_IO ? rc : ISO_E_STALE;
	rc = rec_susp(v, &r, false, &s);
	if (rc != ISO_OK)
		return rc;
	if (!s.sl)
		return ISO_E_NOTLINK;
	if (s.sl_err != ISO_OK)
		return s.sl_err;
	if (s.link_len >= size)
		return ISO_E_NAMETOOLONG;
	memcpy(buf, s.link, s.link_len + 1);
	return ISO_OK;
}

int iso_map(const struct iso_entry *file, uint64_t off, uint64_t *image_off, uint64_t *run)
{
	if (!S_ISREG(file->mode))
		return S_ISDIR(file->mode) ? ISO_E_ISDIR : ISO_E_UNSUPPORTED;
	for (uint32_t i = 0; i < file->nextents && i < ISO_MAX_EXTENTS; i++) {
		const struct iso_extent *x = &file->extents[i];

		if (off < x->len) {
			*image_off = x->pos + off;
			*run = x->len - off;
			return ISO_OK;
		}
		off -= x->len;
	}
	return ISO_END;
}

int iso_read(const struct iso_volume *v, const struct iso_entry *file, void *buf, size_t len,
	     uint64_t off, size_t *got)
{
	uint8_t *p = buf;

	*got = 0;
	while (*got < len) {
		uint64_t at, run;
		size_t n;
		int rc = iso_map(file, off + *got, &at, &run);

		if (rc == ISO_END)
			break;
		if (rc != ISO_OK)
			return rc;
		n = run < len - *got ? (size_t)run : len - *got;
		if (!in_image(v, at, n))
			return ISO_E_RANGE;
		rc = rd(&v->src, p + *got, n, at);
		if (rc != ISO_OK)
			return rc;
		*got += n;
	}
	return ISO_OK;
}

int iso_lookup_path(const struct iso_volume *v, const char *path, struct iso_entry *out)
{
	struct iso_entry dir;
	const char *p = path;
	int rc = iso_root(v, out);

	/* Each step consumes at least one byte of path: bounded by its length. */
	while (rc == ISO_OK) {
		char name[ISO_NAME_MAX + 1];
		size_t n;

		while (*p == '/')
			p++;
		if (*p == '\0')
			return ISO_OK;
		n = strcspn(p, "/");
		if (n > ISO_NAME_MAX)
			return ISO_E_NAMETOOLONG;
		memcpy(name, p, n);
		name[n] = '\0';
		p += n;
		dir = *out;
		rc = iso_lookup(v, &dir, name, out);
	}
	return rc;
}
