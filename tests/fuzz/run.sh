#!/bin/sh
# Builds the fuzz targets with clang's libFuzzer + ASan + UBSan and runs
# each for a while (default 30 s; FUZZ_SECONDS to change). A crash or a
# sanitizer report fails the run and leaves the input in the work dir.
set -eu
top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${FUZZ_SECONDS:-30}
out=${FUZZ_WORKDIR:-$(mktemp -d /tmp/pxekit-fuzz.XXXXXX)}
command -v clang >/dev/null || { echo "missing clang (tools/install-deps --test)"; exit 99; }
mkdir -p "$out/corpus-request" "$out/corpus-inventory" "$out/corpus-exports" "$out/corpus-rpc" \
	"$out/corpus-record"
# Seeds: the requests real firmware sends.
printf '\0\1pxelinux.0\0octet\0tsize\0000\0blksize\0001408\0' >"$out/corpus-request/pxelinux"
printf '\0\1bootx64.efi\0octet\0blksize\0001468\0windowsize\0004\0tsize\0000\0' >"$out/corpus-request/edk2"
printf '\0\2upload\0netascii\0tsize\000123\0' >"$out/corpus-request/wrq"
cp "$top_srcdir/tests/unit/golden/inventory.conf" "$top_srcdir/etc/pxekit.conf" "$out/corpus-inventory/"
printf '/srv/images 192.0.2.0/24(ro,no_root_squash) *.lab(ro,insecure) \\\n  "/a b"(rw,fsid=3)\n/x -ro @ng 2001:db8::/32(sec=sys)\n' >"$out/corpus-exports/seed"
# An NFSv3 GETATTR call with AUTH_SYS and a 12-byte handle.
printf '\0\0\0\1\0\0\0\0\0\0\0\2\0\1\206\243\0\0\0\3\0\0\0\1\0\0\0\1\0\0\0\30\0\0\0\0\0\0\0\1h\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\14abcdefghijkl' >"$out/corpus-rpc/getattr"
# Two fragments (one empty) of a record, then a one-fragment record.
printf '\0\0\0\0\0\0\0\3abc\200\0\0\2de\200\0\0\1f' >"$out/corpus-record/fragments"
for x in nfs3_prot mount_prot; do
	rpcgen -h <"$top_srcdir/nfs-helper/$x.x" | sed "s/_STDIN_H_RPCGEN/PXEKIT_${x}_H/" >"$out/$x.h"
	{ echo "#include \"$x.h\""; rpcgen -c <"$top_srcdir/nfs-helper/$x.x"; } >"$out/${x}_xdr.c"
done
cat >"$out/config.h" <<CONF
#define _GNU_SOURCE 1
#define PACKAGE_VERSION "fuzz"
CONF
# fuzzer NAME CLANG-ARGS...: one target, sanitizers and includes shared.
fuzzer() {
	name=$1
	shift
	clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-include "$out/config.h" -I"$out" -I"$top_srcdir/lib" "$@" -o "$out/fuzz_$name"
}
fuzzer request -I"$top_srcdir/tftpd" \
	"$top_srcdir/tests/fuzz/fuzz_request.c" "$top_srcdir/tftpd/packet.c" \
	"$top_srcdir/tftpd/options.c" "$top_srcdir/lib/strnum.c"
fuzzer inventory -I"$top_srcdir/dhcp-snippets" \
	"$top_srcdir/tests/fuzz/fuzz_inventory.c" "$top_srcdir"/dhcp-snippets/inventory.c \
	"$top_srcdir"/dhcp-snippets/emit_*.c "$top_srcdir/dhcp-snippets/loaders.c" \
	"$top_srcdir/lib/strbuf.c" "$top_srcdir/lib/strnum.c"
fuzzer exports -I"$top_srcdir/nfs-helper" \
	$(pkg-config --cflags libtirpc) \
	"$top_srcdir/tests/fuzz/fuzz_exports.c" "$top_srcdir/nfs-helper/exports.c" \
	"$top_srcdir/nfs-helper/access.c" "$top_srcdir/lib/addr.c" \
	"$top_srcdir/lib/strbuf.c" "$top_srcdir/lib/strnum.c" $(pkg-config --libs libtirpc)
fuzzer rpc -I"$top_srcdir/nfs-helper" \
	-Wno-unused-variable $(pkg-config --cflags libtirpc) -DLOCALSTATEDIR='"/var"' \
	"$top_srcdir/tests/fuzz/fuzz_rpc.c" "$top_srcdir"/nfs-helper/nfsd.c \
	"$top_srcdir"/nfs-helper/rpc.c "$top_srcdir"/nfs-helper/daemon.c \
	"$top_srcdir"/nfs-helper/server.c "$top_srcdir"/nfs-helper/exports.c \
	"$top_srcdir"/nfs-helper/exports_load.c "$top_srcdir"/nfs-helper/access.c \
	"$top_srcdir"/nfs-helper/resolver.c -DRUNSTATEDIR='"/run"' \
	"$top_srcdir"/nfs-helper/fhandle.c "$top_srcdir"/nfs-helper/fdcache.c \
	"$top_srcdir"/nfs-helper/record.c "$out/nfs3_prot_xdr.c" \
	"$top_srcdir"/lib/*.c $(pkg-config --libs libtirpc)
fuzzer record -I"$top_srcdir/nfs-helper" \
	"$top_srcdir/tests/fuzz/fuzz_record.c" "$top_srcdir/nfs-helper/record.c"
cd "$out"
status=0
for target in request inventory exports rpc record; do
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
