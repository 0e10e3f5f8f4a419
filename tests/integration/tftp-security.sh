#!/bin/sh
# Nothing outside the root, ever: "..", absolute names, symlinks that
# leave, remap results; o+r / o+w rules; the child runs as -u's user.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need ss

ROOT=$WORK/root
make_root "$ROOT"
echo "outside the root" >"$WORK/secret"
echo hidden >"$WORK/hidden"
chmod 644 "$WORK/hidden"
chmod 644 "$WORK/secret"
ln -s /secret "$ROOT/abs-link"			# absolute: means root/secret under -s
ln -s ../secret "$ROOT/rel-link"			# climbs out of the root
ln -s "$WORK/secret" "$ROOT/full-link"		# the real outside path
ln -s f512 "$ROOT/inside-link"			# stays inside: allowed
echo private >"$ROOT/private"
chmod 600 "$ROOT/private"
echo "nobody's own" >"$ROOT/nobodys"
chown nobody "$ROOT/nobodys"
chmod 600 "$ROOT/nobodys"
echo readonly >"$ROOT/readonly"
chown nobody "$ROOT/readonly"
chmod 644 "$ROOT/readonly"
mkdir -m 1777 "$ROOT/incoming"
head -c 5000 /dev/urandom >"$WORK/up.bin"
P=$PROBE

probe() { "$P" -w 1500 127.0.0.1 "$@" >"$WORK/probe.out" 2>&1; }
refused() { # EXPECTED-ERROR-LINE PROBE-ARGS...: refused, and nothing leaked
	want=$1
	shift
	rm -f "$WORK/leak"
	probe "$@" || true
	expect_line "$want" "$WORK/probe.out" && [ ! -s "$WORK/leak" ]
}

start_tftpd -s "$ROOT" -c -v
for name in ../secret ../../secret /../secret ../../../../../..$WORK/secret \
	    "$WORK/secret" abs-link rel-link full-link sub/../../secret; do
	check "-s: $name does not leave the root" refused '^ERROR (1|2) ' get "$name" "$WORK/leak"
done
check "-s: a symlink inside the root is followed" sh -c \
	"$P 127.0.0.1 get inside-link $WORK/in && cmp $ROOT/f512 $WORK/in"
check "-s: ../f512 names the root's f512, as under chroot" sh -c \
	"$P 127.0.0.1 get ../f512 $WORK/in2 && cmp $ROOT/f512 $WORK/in2"
check "a file the -u user cannot open is refused" refused '^ERROR 2 Access denied$' get private "$WORK/leak"
check "a file without o+r is refused even if the -u user owns it" refused \
	'^ERROR 2 File must have global read permissions$' get nobodys "$WORK/leak"
check "a directory is refused" refused '^ERROR 2 ' get sub "$WORK/leak"
check "WRQ to a file without o+w is refused" refused \
	'^ERROR 2 File must have global write permissions$' put readonly "$WORK/up.bin"
check "refused WRQ left the file alone" sh -c "[ \"\$(cat $ROOT/readonly)\" = readonly ]"
check "WRQ cannot escape the root" refused '^ERROR (1|2) ' put ../escaped "$WORK/up.bin"
check "nothing was written outside" test ! -e "$WORK/escaped"
check "-c creates files as the -u user, mode 0666 (umask 0)" sh -c \
	"$P 127.0.0.1 put incoming/new $WORK/up.bin && cmp $WORK/up.bin $ROOT/incoming/new &&
	 [ \"\$(stat -c '%U %a' $ROOT/incoming/new)\" = 'nobody 666' ]"
stop "$TFTPD_PID"

# -p: only Unix permissions, as the -u user; -U sets the umask.
start_tftpd -s "$ROOT" -p -c -U 027
check "-p serves a 0600 file the -u user owns" sh -c \
	"$P 127.0.0.1 get nobodys $WORK/nb && cmp $ROOT/nobodys $WORK/nb"
check "-p still cannot read root's 0600 file" refused '^ERROR 2 ' get private "$WORK/leak"
check "-U 027 applies to created files" sh -c \
	"$P 127.0.0.1 put incoming/masked $WORK/up.bin && [ \"\$(stat -c %a $ROOT/incoming/masked)\" = 640 ]"
stop "$TFTPD_PID"

# Without -s: absolute names under the listed directories only.
mkdir -p "$WORK/second" "${ROOT}2"
start_tftpd "$ROOT" "$WORK/second"
echo decoy >"${ROOT}2/decoy"
chmod -R a+rX "$WORK/second" "${ROOT}2"
check "no -s: relative names are refused" refused \
	'^ERROR 2 Only absolute filenames allowed$' get f512 "$WORK/leak"
check "no -s: /../ is refused" refused '^ERROR 2 Reverse path not allowed$' \
	get "$ROOT/../secret" "$WORK/leak"
check "no -s: a sibling with the same prefix is refused" refused \
	'^ERROR 2 Forbidden directory$' get "${ROOT}2/decoy" "$WORK/leak"
check "no -s: a symlink out of the directory is refused" refused '^ERROR 2 ' \
	get "$ROOT/full-link" "$WORK/leak"
check "no -s: an absolute symlink is refused" refused '^ERROR 2 ' get "$ROOT/abs-link" "$WORK/leak"
check "no -s: files in the directory are served" sh -c \
	"$P 127.0.0.1 get $ROOT/sub/dir/file $WORK/nos && cmp $ROOT/sub/dir/file $WORK/nos"
stop "$TFTPD_PID"

# Remap: rewrites stay inside, 'a' rules refuse with their message.
cat >"$WORK/map" <<'MAP'
# deny anything naming "secret", send PXE's capital names to lower case
a secret No\ secrets\ here
ri ^PXELINUX\.CFG/(.*) pxelinux.cfg/\L\1
r ^boot/ ../../
MAP
mkdir -p "$ROOT/pxelinux.cfg"
echo "default menu" >"$ROOT/pxelinux.cfg/default"
chmod -R a+rX "$ROOT/pxelinux.cfg"
start_tftpd -s "$ROOT" -m "$WORK/map" -v
check "remap 'a' refuses with its message" refused '^ERROR 2 No secrets here$' get my-secret "$WORK/leak"
check "remap rewrites case" sh -c \
	"$P 127.0.0.1 get PXELINUX.CFG/DEFAULT $WORK/cfg && cmp $ROOT/pxelinux.cfg/default $WORK/cfg"
check "a remap result with .. stays inside" refused '^ERROR 1 ' get boot/hidden "$WORK/leak"
check "the log shows the remapping" expect_line \
	'filename PXELINUX.CFG/DEFAULT remapped to pxelinux.cfg/default' "$WORK/tftpd.log"
stop "$TFTPD_PID"

check "an unknown -u user stops start-up" sh -c \
	"! $TFTPD -L --stderr -s $ROOT -u no-such-user-here 2>$WORK/err && grep -q 'no user no-such-user-here' $WORK/err"
printf 'rq x y\n' >"$WORK/badmap"
check "a bad remap file stops start-up with file:line" sh -c \
	"! $TFTPD -L --stderr -s $ROOT -m $WORK/badmap 2>$WORK/err && grep -q 'badmap:1: invalid flag' $WORK/err"
finish
