#!/bin/sh
# pxe-mountd + pxe-nfsd behind a real rpcbind, driven by real clients:
# rpcinfo, showmount, libnfs's nfs-ls / nfs-cat / nfs-cp, and nfs-probe
# for what no client sends on purpose (forged handles, other hosts,
# unprivileged ports, NFSv4, modifying procedures).
. "$(dirname "$0")/lib.sh"
need rpcbind rpcinfo showmount nfs-ls nfs-cat nfs-cp setpriv

EXPORTFS=$top_builddir/nfs-helper/pxe-exportfs
NFSPROBE=$top_builddir/tests/tools/nfs-probe

# The image share on a tmpfs of its own (handles from name_to_handle_at).
EXP=$WORK/images
mkdir -p "$EXP" "$WORK/out"
mount -t tmpfs -o size=3g tmpfs "$EXP"
mount -t tmpfs -o size=2g tmpfs "$WORK/out"
mkdir -p "$EXP/debian/install/netboot" "$EXP/a/b/c/d" "$EXP/many" "$EXP/private"
: >"$EXP/empty"
printf 'hello from pxe-nfsd\n' >"$EXP/hello.txt"
head -c 1000000 /dev/urandom >"$EXP/a/b/c/d/deep.bin"
head -c 3000000 /dev/urandom >"$EXP/debian/install/netboot/initrd.gz"
head -c 1073741824 /dev/urandom >"$EXP/big.iso"
ln -s hello.txt "$EXP/link"
ln -s ../../secret "$EXP/escape"
ln -s /etc/hostname "$EXP/absolute"
printf 'outside the export\n' >"$WORK/secret"
printf 'root only\n' >"$EXP/private/key"
chmod 700 "$EXP/private"
i=0
while [ $i -lt 10000 ]; do : >"$EXP/many/entry-$i"; i=$((i + 1)); done
chmod 755 "$EXP"

cat >"$WORK/exports" <<EOT
# the install-image share: loopback only, read-only
$EXP 127.0.0.0/8(ro,no_root_squash,no_subtree_check) \\
     192.0.2.0/24(ro) ::1(ro,no_root_squash)
EOT

# A second source address: a client the export does not list.
ip addr add 198.51.100.1/32 dev lo

start_rpcbind
start_nfs
URL=nfs://127.0.0.1$EXP

# ---- rpcbind and showmount --------------------------------------------
rpcinfo -p 127.0.0.1 >"$WORK/rpcinfo" 2>&1
for want in "100003 3 tcp 2049" "100003 3 udp 2049" "100005 1 tcp" "100005 1 udp" \
	    "100005 3 tcp" "100005 3 udp"; do
	check "rpcinfo -p lists $want" expect_line "^ *$(echo "$want" | sed 's/ / +/g')" "$WORK/rpcinfo"
done
check "no NFS version 2 or 4 registered" sh -c "! grep -Eq '^ *100003 +[24] ' $WORK/rpcinfo"
rpcinfo -s 127.0.0.1 >"$WORK/rpcinfo-s" 2>&1
check "registered on tcp6 and udp6 too" expect_line "100003 +3 +.*tcp6" "$WORK/rpcinfo-s"
check "rpcinfo pings NFS over UDP" rpcinfo -u 127.0.0.1 100003 3
check "rpcinfo pings MOUNT v1 over TCP" rpcinfo -t 127.0.0.1 100005 1
showmount -e 127.0.0.1 >"$WORK/showmount" 2>&1
check "showmount -e lists the export and its clients" \
	expect_line "^$EXP +127.0.0.0/8,192.0.2.0/24,::1$" "$WORK/showmount"

# ---- reading with libnfs ----------------------------------------------
nfs-ls "$URL" >"$WORK/ls" 2>&1
check "nfs-ls lists the root" expect_line " hello.txt$" "$WORK/ls"
check "nfs-ls shows the symlink" expect_line "^l.* link$" "$WORK/ls"
nfs-cat "$URL/hello.txt" >"$WORK/out/hello.txt" 2>"$WORK/cat.err"
check "nfs-cat reads a small file" same "$EXP/hello.txt" "$WORK/out/hello.txt"
nfs-cat "$URL/empty" >"$WORK/out/empty" 2>"$WORK/cat.err"
check "nfs-cat reads a 0-byte file" same "$EXP/empty" "$WORK/out/empty"
nfs-cat "$URL/link" >"$WORK/out/link" 2>"$WORK/cat.err"
check "a symlink inside the export is followed" same "$EXP/hello.txt" "$WORK/out/link"
nfs-cat "$URL/a/b/c/d/deep.bin" >"$WORK/out/deep.bin" 2>"$WORK/cat.err"
check "nfs-cat reads through nested directories" same "$EXP/a/b/c/d/deep.bin" "$WORK/out/deep.bin"
nfs-cp "$URL/debian/install/netboot/initrd.gz" "$WORK/out/initrd.gz" >/dev/null 2>&1
check "nfs-cp copies an initrd" same "$EXP/debian/install/netboot/initrd.gz" "$WORK/out/initrd.gz"
nfs-cat "$URL/escape" >"$WORK/out/escape" 2>/dev/null || true
check "a ../ symlink does not leave the export" sh -c "! grep -q outside $WORK/out/escape"
nfs-ls "$URL/many" >"$WORK/many" 2>&1
check "a 10000-entry directory lists completely" \
	test "$(grep -c ' entry-[0-9]*$' "$WORK/many")" -eq 10000
ls "$EXP/many" | sort >"$WORK/many.want"
sed 's/.* //' "$WORK/many" | grep '^entry-' | sort >"$WORK/many.got"
check "every name of the 10000 came through once" same "$WORK/many.want" "$WORK/many.got"

# The 1 GiB image, with a daemon restart in the middle of the copy: the
# handles stay valid and libnfs reconnects.
nfs-cp "$URL/big.iso" "$WORK/out/big.iso" >"$WORK/cp.log" 2>&1 &
CP=$!
sleep 0.3
stop "$NFSD_PID"
start_nfsd
cp_rc=0
wait "$CP" || cp_rc=$?
check "nfs-cp of 1 GiB survives an nfsd restart (exit $cp_rc)" test "$cp_rc" -eq 0
check "the 1 GiB copy is byte-identical" same "$EXP/big.iso" "$WORK/out/big.iso"
rm -f "$WORK/out/big.iso"

# ---- handles --------------------------------------------------------------
probe() { "$NFSPROBE" "$@" 2>&1; }
ROOT=$(probe 127.0.0.1 "$MOUNTPORT" mnt "$EXP" | sed -n 's/.*fh=//p')
check "MNT gives a handle of at most 64 bytes" test -n "$ROOT" -a ${#ROOT} -le 128
check "GETATTR of the root handle" test "$(probe 127.0.0.1 2049 getattr "$ROOT")" = status=0
HELLO=$(probe 127.0.0.1 2049 lookup "$ROOT" hello.txt | sed -n 's/.*fh=//p')
check "LOOKUP gives a handle" test -n "$HELLO"
probe 127.0.0.1 2049 read "$(probe 127.0.0.1 2049 lookup "$ROOT" big.iso | sed -n 's/.*fh=//p')" \
	0 1048576 >"$WORK/read1m"
check "one READ returns 1 MiB over TCP" expect_line "^status=0 count=1048576 eof=0$" "$WORK/read1m"
# libnfs 4.0 takes no IPv6 address in its URLs: nfs-probe is the IPv6 client.
ROOT6=$(probe ::1 "$MOUNTPORT" mnt "$EXP" | sed -n 's/.*fh=//p')
check "an IPv6 client (::1) gets the same root handle by MNT" test "$ROOT6" = "$ROOT"
check "an IPv6 client reads over NFS" \
	expect_line "^status=0 count=20 eof=1$" "$(probe ::1 2049 read "$HELLO" 0 100 >"$WORK/read6"; echo "$WORK/read6")"
check "LOOKUP .. of the root is the root" \
	test "$(probe 127.0.0.1 2049 lookup "$ROOT" .. | sed -n 's/.*fh=//p')" = "$ROOT"
flipped=$(echo "$HELLO" | sed 's/^\(.\{24\}\)\(.\)/\1f/; t; s/^/x/')
[ "$flipped" = "$HELLO" ] && flipped=$(echo "$HELLO" | sed 's/^\(.\{24\}\)./\10/')
check "a bit-flipped handle is stale" test "$(probe 127.0.0.1 2049 getattr "$flipped")" = status=70
check "a truncated handle is bad" \
	test "$(probe 127.0.0.1 2049 getattr "$(echo "$HELLO" | cut -c1-30)")" = status=10001
check "an empty handle is bad" test "$(probe 127.0.0.1 2049 getattr "")" = status=10001
check "a forged 64-byte handle is bad" \
	test "$(probe 127.0.0.1 2049 getattr "$(printf '01%0126d' 0)")" = status=10001
check "another key's handle is stale" \
	test "$(probe 127.0.0.1 2049 getattr "$(echo "$HELLO" | sed 's/.\{16\}$/0000000000000000/')")" = status=70
stop "$NFSD_PID"
start_nfsd
check "a handle still works after a restart" test "$(probe 127.0.0.1 2049 getattr "$HELLO")" = status=0

# ---- who may ----------------------------------------------------------------
check "MNT from a host outside the export is refused (13)" \
	test "$(probe -s 198.51.100.1 198.51.100.1 "$MOUNTPORT" mnt "$EXP")" = status=13
check "a valid handle from a host outside the export is refused (13)" \
	test "$(probe -s 198.51.100.1 198.51.100.1 2049 getattr "$HELLO")" = status=13
check "MNT of a path not exported is refused (13)" \
	test "$(probe 127.0.0.1 "$MOUNTPORT" mnt /etc)" = status=13
check "MNT from an unprivileged port is refused (secure)" \
	test "$(probe -u 127.0.0.1 "$MOUNTPORT" mnt "$EXP")" = status=13
check "NFS from an unprivileged port is refused (secure)" \
	test "$(probe -u 127.0.0.1 2049 getattr "$HELLO")" = status=13
check "nfs-ls as an unprivileged user fails" \
	sh -c "! setpriv --reuid=65534 --regid=65534 --clear-groups nfs-ls $URL >/dev/null 2>&1"
check "mountd logs the refusal" expect_line "refused .*198.51.100.1.*not exported to it" "$WORK/mountd.log"
check "a MNT of a subdirectory gives its handle" \
	expect_line "^status=0 fh=" "$(probe 127.0.0.1 "$MOUNTPORT" mnt "$EXP/a/b" >"$WORK/sub"; echo "$WORK/sub")"

# ---- protocol edges ---------------------------------------------------------
check "NFSv4 gets PROG_MISMATCH 3-3 (mount.nfs falls back)" \
	test "$(probe 127.0.0.1 2049 null 100003 4)" = "accept=2 low=3 high=3"
check "an unknown program gets PROG_UNAVAIL" test "$(probe 127.0.0.1 2049 null 100099 1)" = accept=1
check "REMOVE on a read-only export is ROFS (30)" \
	test "$(probe 127.0.0.1 2049 remove "$ROOT" hello.txt)" = status=30
check "REMOVE with a bad handle is BADHANDLE first" \
	test "$(probe 127.0.0.1 2049 remove 0102 hello.txt)" = status=10001
check "READ of a directory is ISDIR (21)" \
	expect_line "^status=21" "$(probe 127.0.0.1 2049 read "$ROOT" 0 10 >"$WORK/isdir"; echo "$WORK/isdir")"
check "LOOKUP of a missing name is NOENT (2)" \
	test "$(probe 127.0.0.1 2049 lookup "$ROOT" nothing-here)" = status=2

# ---- exports changes --------------------------------------------------------
mkdir -p "$WORK/second"
echo "$WORK/second *(ro,insecure)" >>"$WORK/exports"
check "pxe-exportfs -r signals both daemons" \
	"$EXPORTFS" -r -e "$WORK/exports" -P "$WORK/mountd.pid" -P "$WORK/nfsd.pid"
i=0
until showmount -e 127.0.0.1 2>/dev/null | grep -q "^$WORK/second " || [ $i -ge 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
showmount -e 127.0.0.1 >"$WORK/showmount2" 2>&1
check "the new export shows after the re-export" expect_line "^$WORK/second +\\*$" "$WORK/showmount2"
"$EXPORTFS" -v -e "$WORK/exports" >"$WORK/exportfs-v" 2>&1
check "pxe-exportfs -v shows the effective options" \
	expect_line "^$EXP	127.0.0.0/8\\(sync,no_subtree_check,ro,secure,no_root_squash\\)$" "$WORK/exportfs-v"
printf '%s 10.0.0.0/33(ro)\n/x *(rw,bogus)\n' "$EXP" >"$WORK/bad-exports"
rc=0
"$EXPORTFS" -e "$WORK/bad-exports" >"$WORK/bad.out" 2>&1 || rc=$?
check "a bad exports file exits 1" test "$rc" -eq 1
check "errors name file and line" expect_line "bad-exports:2: unknown keyword \"bogus\"" "$WORK/bad.out"
check "a bad prefix is reported" expect_line "bad-exports:1: 10.0.0.0/33: bad network prefix" "$WORK/bad.out"
cp "$WORK/bad-exports" "$WORK/exports"
kill -HUP "$MOUNTD_PID"
sleep 0.3
check "a bad file on SIGHUP keeps the old exports" \
	expect_line "^$EXP " "$(showmount -e 127.0.0.1 >"$WORK/showmount3" 2>&1; echo "$WORK/showmount3")"

# ---- shutdown -----------------------------------------------------------------
stop "$MOUNTD_PID"
stop "$NFSD_PID"
rpcinfo -p 127.0.0.1 >"$WORK/rpcinfo-after" 2>&1
check "both unregister on exit" sh -c "! grep -Eq '^ *10000[35] ' $WORK/rpcinfo-after"
# Served as nobody, the daemons cannot unlink in a root-owned directory:
# they empty the file instead.
check "pid files are removed or emptied on exit" test ! -s "$WORK/mountd.pid" -a ! -s "$WORK/nfsd.pid"
check "the handle key is private (0600)" test "$(stat -c %a "$WORK/key")" = 600

if [ "$FAILURES" -ne 0 ]; then
	echo "--- mountd log"; tail -n 30 "$WORK/mountd.log"
	echo "--- nfsd log"; tail -n 30 "$WORK/nfsd.log"
fi
finish
