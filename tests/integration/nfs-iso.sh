#!/bin/sh
# pxe-mountd + pxe-nfsd serving ISO 9660 images as read-only trees (an
# exports line naming the .iso file): every file of each image is read
# over NFS and compared byte for byte with osirrox's extraction of the
# same image; handles are the same after a restart and under another
# handle key; forged handles, writes, corrupt and replaced images.
. "$(dirname "$0")/lib.sh"
need rpcbind rpcinfo showmount nfs-ls nfs-cat nfs-cp xorriso osirrox genisoimage python3

NFSPROBE=$top_builddir/tests/tools/nfs-probe
probe() { "$NFSPROBE" "$@" 2>&1; }
field() { sed -n "s/.*$1=\\([^ ]*\\).*/\\1/p"; }

IMG=$WORK/images
mkdir -p "$IMG" "$WORK/src"
mount -t tmpfs -o size=1g tmpfs "$IMG"

# ---- the images ---------------------------------------------------------
# Rock Ridge + Joliet: a symlink, modes and owners, a deep tree, a
# 10 000-entry directory (each file holds its own name), names with
# spaces and UTF-8, a few MB of random data.
S=$WORK/src
mkdir -p "$S/casper" "$S/many" "$S/private"
d=$S/deep
for i in $(seq 1 20); do d=$d/level$i; done
mkdir -p "$d"
printf 'at the bottom\n' >"$d/bottom.txt"
printf 'hello from the image\n' >"$S/hello.txt"
head -c 3000000 /dev/urandom >"$S/casper/filesystem.squashfs"
head -c 1 /dev/urandom >"$S/one-byte"
: >"$S/empty"
printf 'spaces\n' >"$S/with space.txt"
printf 'utf8\n' >"$S/grüße.txt"
printf 'secret\n' >"$S/private/key"
chmod 700 "$S/private"
chmod 600 "$S/private/key"
chown 1234:4321 "$S/one-byte"
ln -s hello.txt "$S/link"
ln -s ../../outside "$S/escape"
i=0
while [ $i -lt 10000 ]; do echo "entry-$i" >"$S/many/entry-$i"; i=$((i + 1)); done
xorriso -as mkisofs -quiet -R -J -V PXEKIT_TEST -o "$IMG/rr.iso" "$S" 2>/dev/null
# Joliet only, and plain ISO 9660, from a small tree.
mkdir -p "$WORK/small/sub"
printf 'joliet\n' >"$WORK/small/Mixed Case Name.txt"
head -c 100000 /dev/urandom >"$WORK/small/sub/data.bin"
genisoimage -quiet -J -joliet-long -o "$IMG/joliet.iso" "$WORK/small" 2>/dev/null
genisoimage -quiet -o "$IMG/plain.iso" "$WORK/small" 2>/dev/null
# The ISOs Debian ships.
cp "$PEERS/memtest86+/usr/lib/memtest86+/memtest86+x64.iso" "$IMG/memtest.iso"
cp "$PEERS/ipxe/usr/lib/ipxe/ipxe.iso" "$IMG/ipxe.iso"
# A multi-extent file (ECMA-119 6.5.1), small: a plain image with files
# A (100 sectors) and B whose records are made one file: A's record gets
# the "not the final extent" flag and B's takes A's name.
mkdir -p "$WORK/multi"
head -c 204800 /dev/urandom >"$WORK/multi/A"
head -c 30000 /dev/urandom >"$WORK/multi/B"
cat "$WORK/multi/A" "$WORK/multi/B" >"$WORK/multi.want"
genisoimage -quiet -o "$IMG/multi.iso" "$WORK/multi" 2>/dev/null
python3 - "$IMG/multi.iso" <<'EOF'
import struct, sys
f = open(sys.argv[1], 'r+b')
f.seek(16 * 2048 + 156)
root = f.read(34)
block, size = struct.unpack_from('<I', root, 2)[0], struct.unpack_from('<I', root, 10)[0]
f.seek(block * 2048)
d = bytearray(f.read(size))
off, recs = 0, {}
while off < len(d) and d[off]:
    n = d[off + 32]
    recs[bytes(d[off + 33:off + 33 + n])] = off
    off += d[off]
a, b = recs[b'A.;1'], recs[b'B.;1']
assert b == a + d[a], 'A and B are not consecutive'
d[a + 25] |= 0x80
d[b + 33:b + 37] = b'A.;1'
f.seek(block * 2048)
f.write(d)
EOF
# Broken images: cut short, and garbage behind a real volume descriptor.
head -c 40000 "$IMG/rr.iso" >"$IMG/truncated.iso"
{ head -c 34816 "$IMG/rr.iso"; head -c 200000 /dev/urandom; } >"$IMG/garbage.iso"

cat >"$WORK/exports" <<EOT
$IMG 127.0.0.0/8(ro,no_root_squash)
$IMG/rr.iso 127.0.0.0/8(ro,no_root_squash)
$IMG/joliet.iso 127.0.0.0/8(ro)
$IMG/plain.iso 127.0.0.0/8(ro)
$IMG/memtest.iso 127.0.0.0/8(ro)
$IMG/ipxe.iso 127.0.0.0/8(rw)
$IMG/multi.iso 127.0.0.0/8(ro)
$IMG/truncated.iso 127.0.0.0/8(ro)
$IMG/garbage.iso 127.0.0.0/8(ro)
$WORK/copyb.iso 198.51.100.2(ro)
EOT
# The same bytes exported again, to another host only (listed after).
cp "$IMG/rr.iso" "$WORK/copyb.iso"
ip addr add 198.51.100.1/32 dev lo
ip addr add 198.51.100.2/32 dev lo

start_rpcbind
start_nfs

# ---- exported and mounted ------------------------------------------------
showmount -e 127.0.0.1 >"$WORK/showmount" 2>&1
check "showmount -e lists the ISO export" expect_line "^$IMG/rr.iso " "$WORK/showmount"
check "showmount -e lists the directory holding it too" expect_line "^$IMG " "$WORK/showmount"
check "'rw' on an ISO export is warned about at load" \
	expect_line "ipxe.iso: 'rw' for 127.0.0.0/8: an ISO image is served read-only" "$WORK/nfsd.log"
check "the image's names are logged at load" \
	expect_line "rr.iso: ISO 9660 image \"PXEKIT_TEST\", Rock Ridge names" "$WORK/nfsd.log"

ROOT=$(probe 127.0.0.1 "$MOUNTPORT" mnt "$IMG/rr.iso" | field fh)
check "MNT of the ISO path gives a version 2 (ISO) handle" sh -c "echo '$ROOT' | grep -q '^0200'"
SUB=$(probe 127.0.0.1 "$MOUNTPORT" mnt "$IMG/rr.iso/casper" | field fh)
check "MNT of a directory inside the image works" test -n "$SUB"
check "MNT of a file inside the image is NOTDIR" \
	sh -c "'$NFSPROBE' 127.0.0.1 $MOUNTPORT mnt $IMG/rr.iso/hello.txt | grep -q status=20"
check "MNT of a missing name inside the image is NOENT" \
	sh -c "'$NFSPROBE' 127.0.0.1 $MOUNTPORT mnt $IMG/rr.iso/nothing | grep -q status=2"

# ---- every file, compared with osirrox -----------------------------------
# listing DIR: every path with its type, link target and MD5 (plain
# ISO 9660 names lower-cased when lower=1, as Linux isofs shows them).
listing() {
	(cd "$1" && find . -mindepth 1 -printf '%p %y %l\n' && find . -type f -exec md5sum {} +) |
		if [ "${lower:-0}" = 1 ]; then tr 'A-Z' 'a-z'; else cat; fi | sort
}
# compare NAME: the image's tree fetched over NFS (READDIR, LOOKUP, READ,
# READLINK of everything) against osirrox's extraction of the image.
compare() {
	rm -rf "$WORK/want" "$WORK/got"
	mkdir -p "$WORK/got"
	osirrox -indev "$IMG/$1" -extract / "$WORK/want" >/dev/null 2>&1 || { echo "osirrox failed"; return 1; }
	fh=$(probe 127.0.0.1 "$MOUNTPORT" mnt "$IMG/$1" | field fh)
	probe 127.0.0.1 2049 fetch "$fh" "$WORK/got" >"$WORK/fetch.out" || { cat "$WORK/fetch.out"; return 1; }
	listing "$WORK/want" >"$WORK/want.txt"
	lower=0 listing "$WORK/got" >"$WORK/got.txt"
	[ "$(wc -l <"$WORK/want.txt")" -gt 2 ] || { echo "nothing extracted"; return 1; }
	diff -u "$WORK/want.txt" "$WORK/got.txt" | head -n 20
	cmp -s "$WORK/want.txt" "$WORK/got.txt"
}
lower=1
check "every file of plain.iso read over NFS equals osirrox's (names lower-cased)" compare plain.iso
lower=0
# rr.iso last: its fetched tree is looked at below.
for iso in joliet.iso memtest.iso ipxe.iso rr.iso; do
	check "every file of $iso read over NFS equals osirrox's extraction" compare "$iso"
done
check "all 10 000 entries of the big directory were looked up and read" \
	test "$(ls "$WORK/got/many" | wc -l)" -eq 10000
check "the 20-level deep file was read" same "$d/bottom.txt" "$WORK/got${d#"$S"}/bottom.txt"

# libnfs, the client library of the boot tools' kind, on the same image.
URL=nfs://127.0.0.1$IMG/rr.iso
nfs-ls "$URL" >"$WORK/ls" 2>&1
check "nfs-ls lists the image's root with Rock Ridge names" expect_line " with space.txt$" "$WORK/ls"
check "nfs-ls shows the symlink as one" expect_line "^l.* link$" "$WORK/ls"
check "nfs-ls shows Rock Ridge owners" expect_line "^-.* 1234 +4321 +1 one-byte$" "$WORK/ls"
nfs-ls "$URL/many" >"$WORK/many.ls" 2>&1
check "nfs-ls lists all 10 000 entries" test "$(grep -c ' entry-[0-9]*$' "$WORK/many.ls")" -eq 10000
okfiles=0
badfiles=""
for f in hello.txt one-byte empty "with space.txt" grüße.txt casper/filesystem.squashfs \
	 private/key many/entry-0 many/entry-5000 many/entry-9999; do
	nfs-cat "$URL/$f" >"$WORK/cat.out" 2>/dev/null && cmp -s "$WORK/cat.out" "$S/$f" &&
		okfiles=$((okfiles + 1)) || badfiles="$badfiles $f"
done
check "nfs-cat reads files of the image byte for byte (wrong:$badfiles)" test "$okfiles" -eq 10
nfs-cp "$URL/casper/filesystem.squashfs" "$WORK/squashfs.out" >/dev/null 2>&1
check "nfs-cp copies a 3 MB file out of the image" same "$S/casper/filesystem.squashfs" "$WORK/squashfs.out"
nfs-cat "$URL/link" >"$WORK/cat.out" 2>/dev/null || true
check "a symlink inside the image is followed by the client" same "$S/hello.txt" "$WORK/cat.out"
nfs-cat "nfs://127.0.0.1$IMG/rr.iso/casper/filesystem.squashfs" >"$WORK/cat.out" 2>/dev/null
check "the casper squashfs is read through the image export" same "$S/casper/filesystem.squashfs" "$WORK/cat.out"
# The directory export serves the .iso files themselves (anaconda and
# linuxrc mount the directory and loop-mount the file). Not with libnfs's
# URLs: libnfs mounts the longest exported prefix of a URL, which is the
# image's contents export.
DIRFH=$(probe 127.0.0.1 "$MOUNTPORT" mnt "$IMG" | field fh)
mkdir -p "$WORK/dirfetch"
probe 127.0.0.1 2049 fetch "$DIRFH" "$WORK/dirfetch" >"$WORK/dirfetch.out"
check "the directory export still serves the .iso files themselves (memtest)" \
	same "$IMG/memtest.iso" "$WORK/dirfetch/memtest.iso"
check "... (the Rock Ridge image)" same "$IMG/rr.iso" "$WORK/dirfetch/rr.iso"

# ---- multi-extent file ----------------------------------------------------
MFH=$(probe 127.0.0.1 "$MOUNTPORT" mnt "$IMG/multi.iso" | field fh)
AFH=$(probe 127.0.0.1 2049 lookup "$MFH" a | field fh)
rm -f "$WORK/m1" "$WORK/m2"
probe 127.0.0.1 2049 read "$AFH" 0 1048576 "$WORK/m1" >"$WORK/read1.out"
check "a sendfile READ reaching a multi-extent file's seam stops there (count=204800)" \
	expect_line "status=0 count=204800 eof=0" "$WORK/read1.out"
probe 127.0.0.1 2049 read "$AFH" 204800 1048576 "$WORK/m2" >"$WORK/read2.out"
check "the next READ gives the second extent and eof" expect_line "status=0 count=30000 eof=1" "$WORK/read2.out"
cat "$WORK/m1" "$WORK/m2" >"$WORK/m.out"
check "the multi-extent file's bytes are both extents" same "$WORK/multi.want" "$WORK/m.out"
probe -d 127.0.0.1 2049 read "$AFH" 200000 8192 "$WORK/m3" >"$WORK/read3.out"
check "a small READ across the seam (UDP, copied) is whole" expect_line "count=8192 eof=0" "$WORK/read3.out"
dd if="$WORK/multi.want" bs=1 skip=200000 count=8192 2>/dev/null >"$WORK/m3.want"
check "and has the right bytes" same "$WORK/m3.want" "$WORK/m3"

# ---- handles -----------------------------------------------------------------
HFH=$(probe 127.0.0.1 2049 lookup "$ROOT" hello.txt | field fh)
KFH=$(probe 127.0.0.1 2049 lookup "$ROOT" casper | field fh)
IMAGE=$(echo "$ROOT" | cut -c5-20)
check "a write procedure on an ISO object is ROFS" \
	sh -c "'$NFSPROBE' 127.0.0.1 2049 remove $ROOT hello.txt | grep -q status=30"
last=${HFH#"${HFH%?}"}
[ "$last" = 0 ] && flip=1 || flip=0
check "an ISO handle with its check broken is BADHANDLE" \
	sh -c "'$NFSPROBE' 127.0.0.1 2049 getattr ${HFH%?}$flip | grep -q status=10001"
FORGED=$("$NFSPROBE" isofh 0123456789abcdef 34816)
check "a well-formed handle of an image not exported is STALE" \
	sh -c "'$NFSPROBE' 127.0.0.1 2049 getattr $FORGED | grep -q status=70"
for rec in 1 34817 99999999 $((40 * 2048 + 7)) 18446744073709551615; do
	FORGED=$("$NFSPROBE" isofh "$IMAGE" "$rec")
	probe 127.0.0.1 2049 read "$FORGED" 0 65536 >"$WORK/forged.out"
	check "a forged record id $rec in the image is refused (STALE/IO), not read" \
		grep -Eq 'status=(70|5)$' "$WORK/forged.out"
done
check "pxe-nfsd is alive after the forgeries" kill -0 "$NFSD_PID"
check "an ISO handle from a host not in the export is refused (ACCES)" \
	sh -c "'$NFSPROBE' -s 198.51.100.1 127.0.0.1 2049 getattr $ROOT | grep -q status=13"
check "from an unprivileged port (secure) too" \
	sh -c "'$NFSPROBE' -u 127.0.0.1 2049 getattr $ROOT | grep -q status=13"
# A host let in by the copy's export only: the handles are the same, so
# rr.iso's export, listed first, is asked too; its "no" is not logged.
granted=0
for i in 1 2 3; do
	probe -s 198.51.100.2 127.0.0.1 2049 getattr "$ROOT" | grep -q status=0 &&
		granted=$((granted + 1))
done
check "a host allowed only by a copy's export is served the same handles" test "$granted" -eq 3
check "... without a refusal logged for each call by the export listed first" \
	sh -c "! grep -q 'refused GETATTR from 198.51.100.2' '$WORK/nfsd.log'"
check "a host neither export allows is still refused and logged" \
	expect_line "refused GETATTR from 198.51.100.1: $IMG/rr.iso is not exported" "$WORK/nfsd.log"
rm "$WORK/copyb.iso"
# Same image bytes, same handles: after a restart with another key.
stop "$NFSD_PID"
stop "$MOUNTD_PID"
mv "$WORK/key" "$WORK/key.old"
start_nfs
check "a new handle key was made" sh -c "! cmp -s '$WORK/key' '$WORK/key.old'"
ROOT2=$(probe 127.0.0.1 "$MOUNTPORT" mnt "$IMG/rr.iso" | field fh)
check "MNT gives the same ISO handle after a restart with another key" test "$ROOT2" = "$ROOT"
check "LOOKUP gives the same handle of a file" \
	test "$(probe 127.0.0.1 2049 lookup "$ROOT" hello.txt | field fh)" = "$HFH"
check "an old handle reads the same bytes" sh -c \
	"'$NFSPROBE' 127.0.0.1 2049 read $HFH 0 100 '$WORK/h.out' | grep -q 'status=0' && cmp -s '$WORK/h.out' '$S/hello.txt'"
# A second server with a copy of the image at another path: the same
# handles, so clients can move between the two.
cp "$IMG/rr.iso" "$WORK/copy.iso"
printf '%s 127.0.0.0/8(ro)\n' "$WORK/copy.iso" >"$WORK/exports2"
spawn "$NFSD" -F -N -p 2050 -e "$WORK/exports2" -k "$WORK/key.old" -P "$WORK/nfsd2.pid" 2>>"$WORK/nfsd2.log"
NFSD2_PID=$LAST_PID
i=0
until probe 127.0.0.1 2050 null 100003 3 | grep -q accept=0 || [ $i -ge 100 ]; do sleep 0.05; i=$((i + 1)); done
check "a second pxe-nfsd (another key, another path) answers the first one's handle" sh -c \
	"'$NFSPROBE' 127.0.0.1 2050 read $HFH 0 100 '$WORK/h2.out' | grep -q 'status=0' && cmp -s '$WORK/h2.out' '$S/hello.txt'"
stop "$NFSD2_PID"

# ---- broken images ------------------------------------------------------------
check "a truncated image: MNT is refused" \
	sh -c "'$NFSPROBE' 127.0.0.1 $MOUNTPORT mnt $IMG/truncated.iso | grep -Eq 'status=(5|2)$'"
check "with its reason logged" expect_line "truncated.iso: not served: " "$WORK/nfsd.log"
probe 127.0.0.1 "$MOUNTPORT" mnt "$IMG/garbage.iso" >"$WORK/garbage.out"
if grep -q 'status=0 ' "$WORK/garbage.out"; then
	GFH=$(field fh <"$WORK/garbage.out")
	rm -rf "$WORK/gout"; mkdir -p "$WORK/gout"
	probe 127.0.0.1 2049 fetch "$GFH" "$WORK/gout" >/dev/null || true
	ok "a garbage image mounts (its descriptors are real) and is walked"
else
	check "a garbage image is refused at MNT" grep -Eq 'status=(5|2)$' "$WORK/garbage.out"
fi
check "pxe-nfsd survives the broken images" kill -0 "$NFSD_PID"
check "pxe-mountd survives the broken images" kill -0 "$MOUNTD_PID"

# ---- the image replaced or deleted -------------------------------------------
# Another image (no other export serves its bytes) renamed over it.
genisoimage -quiet -J -V OTHER -o "$IMG/new.iso" "$WORK/small" 2>/dev/null
mv "$IMG/new.iso" "$IMG/rr.iso"
check "after the image is replaced, an old handle is STALE" \
	sh -c "'$NFSPROBE' 127.0.0.1 2049 read $HFH 0 100 | grep -q status=70"
check "an old directory handle too" \
	sh -c "'$NFSPROBE' 127.0.0.1 2049 getattr $KFH | grep -q status=70"
NEW=$(probe 127.0.0.1 "$MOUNTPORT" mnt "$IMG/rr.iso" | field fh)
check "MNT now gives the new image's root" sh -c "test -n '$NEW' && test '$NEW' != '$ROOT'"
nfs-cat "nfs://127.0.0.1$IMG/rr.iso/Mixed Case Name.txt" >"$WORK/cat.out" 2>/dev/null || true
check "and the new image's files are served" same "$WORK/small/Mixed Case Name.txt" "$WORK/cat.out"
rm "$IMG/rr.iso"
check "after the image is deleted, its handles are STALE" \
	sh -c "'$NFSPROBE' 127.0.0.1 2049 getattr $NEW | grep -q status=70"
check "the deletion is logged" expect_line "rr.iso: the ISO image is gone" "$WORK/nfsd.log"
check "MNT of the deleted image is refused" \
	sh -c "'$NFSPROBE' 127.0.0.1 $MOUNTPORT mnt $IMG/rr.iso | grep -Eq 'status=(2|5)$'"
# A FIFO put at an image's path: refused, not waited on in open() (which
# would hang the daemon for good). A writer opening it releases a daemon
# caught there, so that this script ends either way.
JFH=$(probe 127.0.0.1 "$MOUNTPORT" mnt "$IMG/joliet.iso" | field fh)
rm "$IMG/joliet.iso"
mkfifo "$IMG/joliet.iso"
release() {
	python3 - "$IMG/joliet.iso" <<'EOF2'
import os, sys
for _ in range(2):
    try:
        os.close(os.open(sys.argv[1], os.O_WRONLY | os.O_NONBLOCK))
    except OSError:
        pass
EOF2
}
timeout 10 "$NFSPROBE" 127.0.0.1 2049 getattr "$JFH" >"$WORK/fifo.out" 2>&1 || release
check "an image replaced by a FIFO: its handles are STALE at once" grep -q status=70 "$WORK/fifo.out"
timeout 10 "$NFSPROBE" 127.0.0.1 "$MOUNTPORT" mnt "$IMG/joliet.iso" >"$WORK/fifo-mnt.out" 2>&1 || release
check "and MNT of it is refused at once" grep -Eq 'status=(2|5)$' "$WORK/fifo-mnt.out"
check "pxe-nfsd answers after it" sh -c "timeout 10 '$NFSPROBE' 127.0.0.1 2049 null 100003 3 | grep -q accept=0"
check "the FIFO is logged as not a regular file" \
	expect_line "joliet.iso: cannot open the ISO image: not a regular file" "$WORK/nfsd.log"
rm "$IMG/joliet.iso"
# SIGHUP: an export removed from the file stops answering.
grep -v "multi.iso" "$WORK/exports" >"$WORK/exports.new"
mv "$WORK/exports.new" "$WORK/exports"
kill -HUP "$NFSD_PID"
i=0
until grep -q "re-read" "$WORK/nfsd.log" || [ $i -ge 100 ]; do sleep 0.05; i=$((i + 1)); done
check "after SIGHUP without the export, its handles are STALE" \
	sh -c "'$NFSPROBE' 127.0.0.1 2049 getattr $MFH | grep -q status=70"
check "pxe-nfsd is still alive" kill -0 "$NFSD_PID"

finish
