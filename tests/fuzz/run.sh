#!/bin/sh
# Builds the fuzz targets with clang's libFuzzer + ASan + UBSan and runs
# each for a while (default 30 s; FUZZ_SECONDS to change). A crash or a
# sanitizer report fails the run and leaves the input in the work dir.
set -eu
top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${FUZZ_SECONDS:-30}
out=${FUZZ_WORKDIR:-$(mktemp -d /tmp/pxekit-fuzz.XXXXXX)}
command -v clang >/dev/null || { echo "missing clang (tools/install-deps --test)"; exit 99; }
mkdir -p "$out/corpus-request" "$out/corpus-inventory"
# Seeds: the requests real firmware sends.
printf '\0\1pxelinux.0\0octet\0tsize\0000\0blksize\0001408\0' >"$out/corpus-request/pxelinux"
printf '\0\1bootx64.efi\0octet\0blksize\0001468\0windowsize\0004\0tsize\0000\0' >"$out/corpus-request/edk2"
printf '\0\2upload\0netascii\0tsize\000123\0' >"$out/corpus-request/wrq"
cp "$top_srcdir/tests/unit/golden/inventory.conf" "$top_srcdir/etc/pxekit.conf" "$out/corpus-inventory/"
cat >"$out/config.h" <<CONF
#define _GNU_SOURCE 1
CONF
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-include "$out/config.h" -I"$out" -I"$top_srcdir/lib" -I"$top_srcdir/tftpd" \
	"$top_srcdir/tests/fuzz/fuzz_request.c" "$top_srcdir/tftpd/packet.c" \
	"$top_srcdir/tftpd/options.c" "$top_srcdir/lib/strnum.c" \
	-o "$out/fuzz_request"
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-include "$out/config.h" -I"$out" -I"$top_srcdir/lib" -I"$top_srcdir/dhcp-snippets" \
	"$top_srcdir/tests/fuzz/fuzz_inventory.c" "$top_srcdir"/dhcp-snippets/inventory.c \
	"$top_srcdir"/dhcp-snippets/emit_*.c "$top_srcdir/dhcp-snippets/loaders.c" \
	"$top_srcdir/lib/strbuf.c" "$top_srcdir/lib/strnum.c" \
	-o "$out/fuzz_inventory"
cd "$out"
status=0
for target in request inventory; do
	rc=0
	./fuzz_$target -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 \
		corpus-$target >fuzz_$target.log 2>&1 || rc=$?
	tail -n 12 fuzz_$target.log
	if [ "$rc" -ne 0 ]; then
		echo "fuzz_$target FAILED (exit $rc); inputs and log in $out"
		status=1
	else
		echo "fuzz_$target: $seconds s without a crash"
	fi
done
exit $status
