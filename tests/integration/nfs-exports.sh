#!/bin/sh
# pxe-exportfs and the exports as an admin writes them (issue 17 items 2,
# 3, 4, 14; issue 16's drop-ins): the daemons found by their default pid
# files, a stale pid file, export paths through symlinks and with "//",
# nfs-utils' options, /etc/exports.d, state directories that do not exist
# yet, and MNT paths that a client spells oddly or forges.
. "$(dirname "$0")/lib.sh"
need rpcbind rpcinfo showmount

EXPORTFS=$top_builddir/nfs-helper/pxe-exportfs
NFSPROBE=$top_builddir/tests/tools/nfs-probe
probe() { "$NFSPROBE" "$@" 2>&1; }

EXP=$WORK/images
mkdir -p "$EXP"
mount -t tmpfs -o size=64m tmpfs "$EXP"
mkdir -p "$EXP/a/b" "$WORK/second" "$WORK/dropin" "$WORK/ignored"
printf 'hello\n' >"$EXP/hello.txt"
: >"$WORK/plain-file"
chmod 755 "$EXP"
# The export as an admin often names it: through a symlink, with "//".
ln -s "$EXP" "$WORK/current"

# start_pair: both daemons with their default pid files (/run is this
# namespace's own), and the state directory three levels deeper than
# anything that exists.
start_pair() {
	spawn "$MOUNTD" -F -e "$WORK/exports" -k "$WORK/state/lib/pxekit/key" 2>>"$WORK/mountd.log"
	MOUNTD_PID=$LAST_PID
	spawn "$NFSD" -F -e "$WORK/exports" -k "$WORK/state/lib/pxekit/key" 2>>"$WORK/nfsd.log"
	NFSD_PID=$LAST_PID
	until_rpc 100005 3 tcp
	until_rpc 100003 3 tcp
	MOUNTPORT=$(rpcinfo -p 127.0.0.1 | awk '$1 == 100005 && $2 == 3 && $3 == "tcp" { print $4 }')
}

cat >"$WORK/exports" <<EOT
$WORK//current/ 127.0.0.1(ro,no_root_squash,nocrossmnt,security_label,xprtsec=none,sec=sys:krb5p,pnfs)
EOT
mkdir -p "$WORK/exports.d"
echo "$WORK/dropin 127.0.0.1(ro,insecure)" >"$WORK/exports.d/10-dropin.exports"
echo "$WORK/ignored 127.0.0.1(ro)" >"$WORK/exports.d/notes.txt"
echo "$WORK/ignored 127.0.0.1(ro)" >"$WORK/exports.d/.hidden.exports"

# ---- checking the files --------------------------------------------------
rc=0
"$EXPORTFS" -v -e "$WORK/exports" >"$WORK/check.txt" 2>&1 || rc=$?
check "nfs-utils options (nocrossmnt, security_label, xprtsec=none, sec=sys:krb5p) pass (exit $rc)" \
	test "$rc" -eq 0
check "the symlinked export is made canonical, with a warning" \
	expect_line "exports:1: warning: $WORK/current is $EXP \\(through a symlink\\)" "$WORK/check.txt"
check "a drop-in in FILE.d is read" expect_line "^$WORK/dropin	127.0.0.1\\(" "$WORK/check.txt"
check "files not ending in .exports, and hidden ones, are ignored" \
	sh -c "! grep -q '$WORK/ignored' $WORK/check.txt"
printf '%s 127.0.0.1(ro)\n%s *(ro)\n' "$WORK/missing" "$WORK/plain-file" >"$WORK/odd-exports"
rc=0
"$EXPORTFS" -e "$WORK/odd-exports" >"$WORK/odd.txt" 2>&1 || rc=$?
check "a path that does not exist is a warning, as in exportfs" \
	expect_line "odd-exports:1: warning: Failed to stat $WORK/missing: No such file" "$WORK/odd.txt"
check "a path that is not a directory is a warning" \
	expect_line "odd-exports:2: warning: $WORK/plain-file is not a directory or an ISO 9660 image" "$WORK/odd.txt"
check "warnings alone exit 0" test "$rc" -eq 0
mkdir -p "$WORK/bad.d"
: >"$WORK/bad"
printf '# first\n%s *(ro,bogus)\n' "$WORK/second" >"$WORK/bad.d/20-bad.exports"
rc=0
"$EXPORTFS" -e "$WORK/bad" >"$WORK/bad.txt" 2>&1 || rc=$?
check "an error in a drop-in names its file and line (exit $rc)" \
	sh -c "test $rc -eq 1 && grep -q 'bad.d/20-bad.exports:2: unknown keyword \"bogus\"' $WORK/bad.txt"
for opt in xprtsec=tls sec=krb5p; do
	echo "$WORK/second *($opt)" >"$WORK/sec-exports"
	rc=0
	"$EXPORTFS" -e "$WORK/sec-exports" >"$WORK/sec.txt" 2>&1 || rc=$?
	check "$opt is refused (only plain AUTH_SYS is served)" \
		sh -c "test $rc -eq 1 && grep -q 'not supported' $WORK/sec.txt"
done

# ---- nothing to signal ----------------------------------------------------
rc=0
"$EXPORTFS" -r -e "$WORK/exports" >"$WORK/none.txt" 2>&1 || rc=$?
check "pxe-exportfs -r with no daemon running fails loudly (exit $rc)" \
	sh -c "test $rc -eq 2 && grep -q 'no daemon was reached' $WORK/none.txt"
# A stale pid file naming another program: never signalled.
spawn sleep 60
SLEEP_PID=$LAST_PID
echo "$SLEEP_PID" >/run/pxe-nfsd.pid
rc=0
"$EXPORTFS" -r -e "$WORK/exports" >"$WORK/stale.txt" 2>&1 || rc=$?
check "a stale pid file naming 'sleep' is not signalled (exit $rc)" \
	sh -c "test $rc -eq 2 && grep -q 'is stale: process $SLEEP_PID is not' $WORK/stale.txt"
check "the unrelated process is still alive" kill -0 "$SLEEP_PID"
echo "$SLEEP_PID" >"$WORK/other.pid"
rc=0
"$EXPORTFS" -r -e "$WORK/exports" -P "$WORK/other.pid" >/dev/null 2>&1 || rc=$?
check "nor through -P (exit $rc)" sh -c "test $rc -eq 2 && kill -0 $SLEEP_PID"
rm -f /run/pxe-nfsd.pid

# ---- the daemons, as installed: no -P, no state directory yet -------------
start_rpcbind
start_pair
check "pxe-mountd writes /run/pxe-mountd.pid by default" \
	test "$(cat /run/pxe-mountd.pid 2>/dev/null)" = "$MOUNTD_PID"
check "pxe-nfsd writes /run/pxe-nfsd.pid by default" \
	test "$(cat /run/pxe-nfsd.pid 2>/dev/null)" = "$NFSD_PID"
check "the missing state directory and its parents are created, mode 0755" \
	sh -c "test \"\$(stat -c %a $WORK/state $WORK/state/lib $WORK/state/lib/pxekit | sort -u)\" = 755"
check "the key is created there" test -f "$WORK/state/lib/pxekit/key"
check "mountd logs the canonical path" expect_line "through a symlink" "$WORK/mountd.log"

# ---- item 3: a symlinked export serves, by either spelling ---------------
for spelling in "$WORK/current" "$WORK//current/" "$EXP"; do
	ROOT=$(probe 127.0.0.1 "$MOUNTPORT" mnt "$spelling" | sed -n 's/.*fh=//p')
	check "MNT $spelling gives a handle" test -n "$ROOT"
	check "GETATTR of the handle from $spelling works (was STALE)" \
		test "$(probe 127.0.0.1 2049 getattr "$ROOT")" = status=0
done
HELLO=$(probe 127.0.0.1 2049 lookup "$ROOT" hello.txt | sed -n 's/.*fh=//p')
check "READ through the symlinked export" \
	test "$(probe 127.0.0.1 2049 read "$HELLO" 0 100)" = "status=0 count=6 eof=1"
check "MNT of a subdirectory through the symlink" \
	expect_line "^status=0 fh=" "$(probe 127.0.0.1 "$MOUNTPORT" mnt "$WORK/current/a//b/" >"$WORK/sub"; echo "$WORK/sub")"
check "MNT of the drop-in's export" \
	expect_line "^status=0 fh=" "$(probe 127.0.0.1 "$MOUNTPORT" mnt "$WORK/dropin" >"$WORK/di"; echo "$WORK/di")"

# ---- item 14: DUMP lists the export once, whatever the spelling -----------
for spelling in "$WORK/current" "$WORK/current/" "/$WORK/current" "$WORK/current/a" \
		"$WORK/current/a/b" "$EXP"; do
	probe 127.0.0.1 "$MOUNTPORT" mnt "$spelling" >/dev/null
done
showmount -a 127.0.0.1 >"$WORK/dump" 2>&1
check "showmount -a lists each client's mount of an export once" \
	test "$(grep -c "^127.0.0.1:" "$WORK/dump")" -eq 2
check "DUMP shows the export as written" expect_line "^127.0.0.1:$WORK/current$" "$WORK/dump"

# ---- item 14: forged log lines, an embedded NUL ---------------------------
probe 127.0.0.1 "$MOUNTPORT" mnt "/nowhere
pxe-mountd[1]: authenticated mount request from 10.6.6.6 for /secret" >/dev/null
check "a newline in a MNT path does not start a log line" \
	sh -c "! grep -q '^pxe-mountd\\[1\\]' $WORK/mountd.log"
check "the path is logged escaped" expect_line 'for /nowhere\\x0apxe-mountd\[1\]: auth' "$WORK/mountd.log"
hex=$(printf '%s' "$WORK/current" | od -An -tx1 | tr -d ' \n')
check "MNT of the path itself by bytes works" \
	expect_line "^status=0" "$(probe 127.0.0.1 "$MOUNTPORT" mnt-hex "$hex" >"$WORK/nul0"; echo "$WORK/nul0")"
check "a NUL inside a MNT path is GARBAGE_ARGS, not a truncated path" \
	test "$(probe 127.0.0.1 "$MOUNTPORT" mnt-hex "${hex}002f6574632f736861646f77")" = accept=4

# ---- item 2: pxe-exportfs -r with no flags --------------------------------
echo "$WORK/second *(ro,insecure)" >>"$WORK/exports"
rc=0
"$EXPORTFS" -r -e "$WORK/exports" >"$WORK/reexport.txt" 2>&1 || rc=$?
check "pxe-exportfs -r with no -P reaches both daemons (exit $rc)" test "$rc" -eq 0
i=0
until showmount -e 127.0.0.1 2>/dev/null | grep -q "^$WORK/second " || [ $i -ge 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
showmount -e 127.0.0.1 >"$WORK/showmount" 2>&1
check "the new export shows after pxe-exportfs -r" expect_line "^$WORK/second +\\*$" "$WORK/showmount"
check "pxe-nfsd re-read too" expect_line "re-read $WORK/exports" "$WORK/nfsd.log"
stop "$NFSD_PID"
rc=0
"$EXPORTFS" -r -e "$WORK/exports" >"$WORK/one.txt" 2>&1 || rc=$?
check "with one daemon stopped, -r still reaches the other and warns (exit $rc)" \
	sh -c "test $rc -eq 0 && grep -q 'pxe-nfsd was not signalled' $WORK/one.txt"
stop "$MOUNTD_PID"
check "pid files are removed or emptied on exit (after the privilege drop)" \
	test ! -s /run/pxe-mountd.pid -a ! -s /run/pxe-nfsd.pid
rc=0
"$EXPORTFS" -r -e "$WORK/exports" >"$WORK/after.txt" 2>&1 || rc=$?
check "after both stopped, -r reaches no daemon (exit $rc)" \
	sh -c "test $rc -eq 2 && grep -q 'no daemon was reached' $WORK/after.txt"

# A sanitizer build reports to the daemons' stderr, at exit for leaks.
check "no sanitizer report from the daemons" \
	sh -c "! grep -E 'Sanitizer|runtime error' $WORK/mountd.log $WORK/nfsd.log"

if [ "$FAILURES" -ne 0 ]; then
	echo "--- mountd log"; tail -n 30 "$WORK/mountd.log"
	echo "--- nfsd log"; tail -n 30 "$WORK/nfsd.log"
fi
finish
