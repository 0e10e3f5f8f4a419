/* libFuzzer target: RFC 5531 record marking (nfs-helper/record.c) as the
 * transport feeds it, in pieces of the sizes the input itself chooses. */
#include <stdlib.h>
#include <string.h>

#include "record.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct rm_reader r;
	size_t off = 0;

	rm_init(&r, 65536);
	while (off < size) {
		size_t piece = 1 + data[off] % 64, room;
		const unsigned char *msg;
		size_t len;
		unsigned char *dst;
		enum rm_status st;

		off++;
		if (piece > size - off)
			piece = size - off;
		dst = rm_space(&r, &room);
		if (dst == NULL)
			break;
		if (piece > room)
			piece = room;
		memcpy(dst, data + off, piece);
		rm_received(&r, piece);
		off += piece;
		while ((st = rm_next(&r, &msg, &len)) == RM_RECORD)
			if (len && (msg[0] ^ msg[len - 1]) == 0x5a)	/* touch every byte's ends */
				continue;
		if (st == RM_TOO_BIG || st == RM_NOMEM)
			break;
		rm_compact(&r);
	}
	rm_free(&r);
	return 0;
}
