#!/bin/sh
# Builds the fuzz targets with clang's libFuzzer + ASan + UBSan and runs
# each for a while (default 30 s; FUZZ_SECONDS to change; FUZZ_TARGETS to
# run some only, e.g. "request remap"). A crash or a
# sanitizer report fails the run and leaves the input in the work dir.
set -eu
top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${FUZZ_SECONDS:-30}
out=${FUZZ_WORKDIR:-$(mktemp -d /tmp/pxekit-fuzz.XXXXXX)}
command -v clang >/dev/null || { echo "missing clang (tools/install-deps --test)"; exit 99; }
for tool in xorriso genisoimage; do
	command -v $tool >/dev/null || { echo "missing $tool (tools/install-deps --test)"; exit 99; }
done
mkdir -p "$out/corpus-request" "$out/corpus-inventory" "$out/corpus-exports" "$out/corpus-rpc" \
	"$out/corpus-remap" "$out/corpus-iso9660" "$out/corpus-detect" "$out/corpus-state" \
	"$out/corpus-record" "$out/corpus-isofh" "$out/corpus-ledger"
# Ledger: admissions and reports, ten bytes each (fuzz_ledger.c).
printf '\3\0\1\12\0\0\0\0\0\0\150\0\0\0\0\0\0\0\0\0\5\1\2\13\0\0\0\0\0\0\310\1\0\0\0\1\0\0\0\0' >"$out/corpus-ledger/seed"
# Seeds: the requests real firmware sends.
printf '\0\1pxelinux.0\0octet\0tsize\0000\0blksize\0001408\0' >"$out/corpus-request/pxelinux"
printf '\0\1bootx64.efi\0octet\0blksize\0001468\0windowsize\0004\0tsize\0000\0' >"$out/corpus-request/edk2"
printf '\0\2upload\0netascii\0tsize\000123\0' >"$out/corpus-request/wrq"
printf '\0PXELINUX.CFG\\01-AA' >"$out/corpus-remap/pxe"
# Longer than the rewritten name's buffer: issue 21's 'ra' over-read.
{ printf '\1'; head -c 300 /dev/zero | tr '\0' a; printf b; } >"$out/corpus-remap/ra"
printf '\2ip/x\nxyzxy' >"$out/corpus-remap/ip"
cp "$top_srcdir/tests/unit/golden/inventory.conf" "$top_srcdir/etc/pxekit.conf" \
	"$top_srcdir/tests/unit/golden/features.conf" "$out/corpus-inventory/"
# A failover site (dhcp-server, failover, subnet next-server).
printf 'server 10.0.0.1\nsubnet 10.0.0.0/24 range 10.0.0.100 10.0.0.150 next-server 10.0.0.5\nboot bios p.0\nhost h1 mac 52:54:00:00:00:01 address 10.0.0.11\ndhcp-server a address 10.0.0.2\ndhcp-server b {\n address 10.0.0.3\n port 847\n next-server 10.0.0.3\n}\nfailover f {\n peer a primary\n peer b secondary\n mclt 60\n split 255\n}\n' >"$out/corpus-inventory/failover"
# Failover-heavy: every timer, a standby, a subnet without a range, a
# one-address range, per-peer and per-subnet next-server, IPv6 beside.
printf 'server 10.0.0.1\nserver6 2001:db8::1\nsubnet 10.0.0.0/24 {\n range 10.0.0.100 10.0.0.100\n next-server 10.0.0.5\n}\nsubnet 10.1.0.0/16\nsubnet6 2001:db8::/64 range 2001:db8::100 2001:db8::1ff\nboot bios p.0\nboot6 uefi-x64 x.efi\nhost h1 mac 52:54:00:00:00:01 address 10.1.0.11\ndhcp-server a address 10.0.0.2 port 65535\ndhcp-server b address 10.1.0.3 next-server 10.1.0.3\nfailover f {\n peer b standby\n peer a primary\n mclt 86400\n split 0\n max-response-delay 3600\n max-unacked-updates 65535\n load-balance-max-seconds 0\n auto-partner-down 86400\n heartbeat-delay 1\n max-ack-delay 3600\n max-unacked-clients 1000\n}\n' >"$out/corpus-inventory/failover-heavy"
# Menu text iPXE would split if it reached a script as words.
printf 'server 10.0.0.1\nboot bios p.0\nboot ipxe i\nprofile a label "x ; y || z && w #c" kernel k append "a ; b #x"\nhost h mac 52:54:00:00:00:01 profile a\n' >"$out/corpus-inventory/hostile"
# include: the files after each form feed are /f1, /f2, ... (one includes itself)
printf 'server 10.0.0.1\nboot bios p.0\ninclude "/f*"\n\fprofile a kernel k\n\fhost h mac 52:54:00:00:00:01 profile a\ninclude "f2"\n' >"$out/corpus-inventory/include"
# The HTTP boot path: its URL goes into iPXE, grub.cfg and nginx as it is.
printf 'server 10.0.0.1\nhttp-server http://10.0.0.1:8080/pxekit/\nhttp-listen 10.0.0.1:8080\nboot ipxe i\nprofile a kernel k/l initrd http://10.0.0.2/i\n' >"$out/corpus-inventory/http"
printf 'server 10.0.0.1\nhttp-server http://10.0.0.1/p\nkea-hooks-dir /usr/lib64/kea/hooks\nsubnet 10.0.0.0/24 {\n range 10.0.0.100 10.0.0.150\n http-server http://10.0.0.9:81/a/\n}\nsubnet 10.1.0.0/24 http-server http://b.example/x\nboot ipxe i\nprofile a kernel k/l initrd /i\n' >"$out/corpus-inventory/subnet-http"
printf '/srv/images 192.0.2.0/24(ro,no_root_squash) *.lab(ro,insecure) \\\n  "/a b"(rw,fsid=3)\n/x -ro @ng 2001:db8::/32(sec=sys)\n' >"$out/corpus-exports/seed"
# An NFSv3 GETATTR call with AUTH_SYS and a 12-byte handle.
printf '\0\0\0\1\0\0\0\0\0\0\0\2\0\1\206\243\0\0\0\3\0\0\0\1\0\0\0\1\0\0\0\30\0\0\0\0\0\0\0\1h\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\14abcdefghijkl' >"$out/corpus-rpc/getattr"
# ISO seeds: small images as xorriso and genisoimage write them (Rock
# Ridge with a symlink and an empty file, Joliet, plain), from sector 16
# on, which is what the target reads its input as.
seed=$out/iso-src
mkdir -p "$seed/d/e"
echo hi >"$seed/d/f"
ln -sf ../x "$seed/d/l"
: >"$seed/z"
iso_seed() {	# iso_seed NAME COMMAND...
	name=$1
	shift
	"$@" -o "$out/$name.iso" "$seed" >/dev/null 2>&1
	tail -c +32769 "$out/$name.iso" | head -c 65536 >"$out/corpus-iso9660/$name"
}
iso_seed xorriso-rr-j xorriso -as mkisofs -R -J -no-pad
iso_seed geniso-rr genisoimage -R -no-pad
iso_seed geniso-j genisoimage -J -no-pad
iso_seed geniso-plain genisoimage -no-pad
# ISO handle seeds: a root handle of each image above (root records at
# sector 18 or so are found by mutation), then the image.
for name in xorriso-rr-j geniso-rr geniso-j geniso-plain; do
	{ printf '\2\0\0\0\0\0\0\0\0\1\0\0\0\0\0\0\220\0\0\0\0\0\0\0\0\0'
	  cat "$out/corpus-iso9660/$name"; } >"$out/corpus-isofh/$name"
done
# Detection seeds: the shipped rules, then (after 0xFF) the files of an
# image in the target's order (.treeinfo, .discinfo, .disk/info, ...).
{
	cat "$top_srcdir/etc/image-rules"
	printf '\377[general]\nfamily = Rocky Linux\nversion = 10.0\narch = x86_64\n[images-x86_64]\nkernel = images/pxeboot/vmlinuz\ninitrd = images/pxeboot/initrd.img\n'
	printf '\3771716900000.0\n10.0\nx86_64\n1\n'
	printf '\377Debian GNU/Linux 13.1.0 "Trixie" - Official amd64 DVD Binary-1 20250906-10:21'
	printf '\377Origin: Debian\nVersion: 13.1\nCodename: trixie\nArchitectures: amd64\n'
	printf '\377Debian version:  12 (bookworm)\n'
	printf '\377LABEL SUSE Linux Enterprise Server 11 SP4\nVERSION 11.4\nBASEARCHS x86_64\n'
	printf '\377/ openSUSE-Leap 16.0-1\n'
	printf '\377DEFAULT a\nLABEL a\n KERNEL /casper/vmlinuz\n APPEND initrd=/images/pxeboot/initrd.img quiet\n'
	printf '\377menuentry "x" {\n linux /casper/vmlinuz --- quiet\n initrd /casper/initrd\n}\n'
	printf '\377k\377i\377k'
} >"$out/corpus-detect/seed"
# Two fragments (one empty) of a record, then a one-fragment record.
printf '\0\0\0\0\0\0\0\3abc\200\0\0\2de\200\0\0\1f' >"$out/corpus-record/fragments"
# a state file as pxe-image add writes it
printf '# pxe-image state\nstatus: complete\nname: rocky\nsource: /srv/iso/rocky.iso\ndir: /srv/tftp/images/rocky\nfile: %s 6 /srv/tftp/images/rocky/vmlinuz\n' \
	"$(printf '%064d' 0)" >"$out/corpus-state/seed"
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
fuzzer remap -I"$top_srcdir/tftpd" \
	"$top_srcdir/tests/fuzz/fuzz_remap.c" "$top_srcdir/tftpd/remap.c" \
	"$top_srcdir/lib/log.c" "$top_srcdir/lib/strbuf.c" "$top_srcdir/lib/bigmem.c" "$top_srcdir/lib/addr.c" \
	"$top_srcdir/lib/diag.c"
fuzzer inventory -I"$top_srcdir/dhcp-snippets" \
	"$top_srcdir/tests/fuzz/fuzz_inventory.c" "$top_srcdir"/dhcp-snippets/inventory.c \
	"$top_srcdir"/dhcp-snippets/emit_*.c "$top_srcdir/dhcp-snippets/loaders.c" \
	"$top_srcdir/dhcp-snippets/failover.c" \
	"$top_srcdir/lib/strbuf.c" "$top_srcdir/lib/bigmem.c" "$top_srcdir/lib/strnum.c" "$top_srcdir/lib/diag.c"
fuzzer exports -I"$top_srcdir/nfs-helper" \
	$(pkg-config --cflags libtirpc) \
	"$top_srcdir/tests/fuzz/fuzz_exports.c" "$top_srcdir/nfs-helper/exports.c" \
	"$top_srcdir/nfs-helper/access.c" "$top_srcdir/lib/addr.c" \
	"$top_srcdir/lib/strbuf.c" "$top_srcdir/lib/bigmem.c" "$top_srcdir/lib/strnum.c" "$top_srcdir/lib/diag.c" \
	$(pkg-config --libs libtirpc)
fuzzer rpc -I"$top_srcdir/nfs-helper" \
	-Wno-unused-variable $(pkg-config --cflags libtirpc) -DLOCALSTATEDIR='"/var"' \
	"$top_srcdir/tests/fuzz/fuzz_rpc.c" "$top_srcdir"/nfs-helper/nfsd.c \
	"$top_srcdir"/nfs-helper/rpc.c "$top_srcdir"/nfs-helper/daemon.c \
	"$top_srcdir"/nfs-helper/daemon_opts.c "$top_srcdir"/nfs-helper/handle_key.c \
	"$top_srcdir"/nfs-helper/export_table.c "$top_srcdir"/nfs-helper/caller.c \
	"$top_srcdir"/nfs-helper/server.c "$top_srcdir"/nfs-helper/exports.c \
	"$top_srcdir"/nfs-helper/exports_load.c "$top_srcdir"/nfs-helper/access.c \
	"$top_srcdir"/nfs-helper/resolver.c -DRUNSTATEDIR='"/run"' \
	"$top_srcdir"/nfs-helper/fhandle.c "$top_srcdir"/nfs-helper/fdcache.c \
	"$top_srcdir"/nfs-helper/record.c "$out/nfs3_prot_xdr.c" \
	"$top_srcdir"/nfs-helper/isofs.c "$top_srcdir"/nfs-helper/nfsd_iso.c \
	"$top_srcdir"/lib/*.c $(pkg-config --libs libtirpc)
fuzzer iso9660 "$top_srcdir/tests/fuzz/fuzz_iso9660.c" "$top_srcdir/lib/iso9660.c"
fuzzer detect -I"$top_srcdir/image" "$top_srcdir/tests/fuzz/fuzz_detect.c" \
	"$top_srcdir/image/detect.c" "$top_srcdir/image/facts.c" "$top_srcdir/image/rules.c" \
	"$top_srcdir/lib/strbuf.c" "$top_srcdir/lib/bigmem.c" "$top_srcdir/lib/diag.c"
fuzzer state -I"$top_srcdir/image" "$top_srcdir/tests/fuzz/fuzz_state.c" \
	"$top_srcdir/image/state.c" "$top_srcdir/lib/strbuf.c" "$top_srcdir/lib/bigmem.c" "$top_srcdir/lib/diag.c"
fuzzer isofh -I"$top_srcdir/nfs-helper" \
	"$top_srcdir/tests/fuzz/fuzz_isofh.c" "$top_srcdir/nfs-helper/isofs.c" \
	"$top_srcdir/nfs-helper/fhandle.c" "$top_srcdir/lib/iso9660.c" "$top_srcdir/lib/sha256.c" \
	"$top_srcdir/lib/siphash.c" "$top_srcdir/lib/log.c"
fuzzer record -I"$top_srcdir/nfs-helper" \
	"$top_srcdir/tests/fuzz/fuzz_record.c" "$top_srcdir/nfs-helper/record.c"
fuzzer ledger -I"$top_srcdir/tftpd" -I"$top_srcdir/lib" \
	"$top_srcdir/tests/fuzz/fuzz_ledger.c" "$top_srcdir/tftpd/ledger.c" \
	"$top_srcdir/tftpd/budget.c" "$top_srcdir/lib/siphash.c"
cd "$out"
status=0
for target in ${FUZZ_TARGETS:-request remap inventory exports rpc record iso9660 detect state isofh ledger}; do
	rc=0
	max_len=4096
	[ "$target" = iso9660 ] && max_len=65536	# descriptors and a few directories
	[ "$target" = isofh ] && max_len=65562	# a handle, then as for iso9660
	[ "$target" = detect ] && max_len=16384	# the rules file and a few metadata files
	./fuzz_$target -max_total_time="$seconds" -max_len=$max_len -print_final_stats=1 \
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
