#!/bin/sh
# tests/package/deb.sh: the Debian package as an admin meets it. Builds it
# from a copy of the tree (dpkg-buildpackage), holds it to lintian (no
# error or warning), installs it with apt, runs the installed programs as
# the installed xinetd file and systemd units say (in a network namespace
# of their own), upgrades it over an edited conffile, then removes and
# purges it and checks that nothing it made is left.
#
# It installs and removes a package on this machine: CI runs it (through
# tools/test-all) on a throw-away machine, as root.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
[ "$(id -u)" = 0 ] || { echo "deb.sh: run as root"; exit 99; }
for t in dpkg-buildpackage lintian apt-get xinetd tftp rpcbind rpcinfo nfs-ls systemd-analyze; do
	command -v $t >/dev/null || { echo "deb.sh: missing $t (tools/install-deps --test)"; exit 99; }
done
if dpkg -s pxekit >/dev/null 2>&1; then
	echo "deb.sh: pxekit is installed already; this test installs and purges it"
	exit 99
fi

WORK=$(mktemp -d /tmp/pxekit-deb.XXXXXX)
chmod 755 "$WORK"
FAILURES=0
CHECKS=0
ok() { CHECKS=$((CHECKS + 1)); echo "ok - $*"; }
not_ok() { CHECKS=$((CHECKS + 1)); FAILURES=$((FAILURES + 1)); echo "not ok - $*"; }
check() {
	name=$1
	shift
	if "$@" >"$WORK/check.out" 2>&1; then ok "$name"; else
		not_ok "$name"
		sed 's/^/    /' "$WORK/check.out" | tail -n 20
	fi
}
cleanup() {
	dpkg -s pxekit >/dev/null 2>&1 && apt-get purge -y -qq pxekit >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT

# build VERSION: a .deb of the tree under this version, in $WORK/VERSION/.
build() {
	mkdir -p "$WORK/$1/src"
	(cd "$top" && git ls-files -z 2>/dev/null | xargs -0 -I{} cp --parents {} "$WORK/$1/src/") ||
		cp -a "$top/." "$WORK/$1/src/"
	sed -i "1s/(.*)/($1)/" "$WORK/$1/src/debian/changelog"
	(cd "$WORK/$1/src" && dpkg-buildpackage -us -uc -b >"$WORK/$1/build.log" 2>&1) ||
		{ tail -n 40 "$WORK/$1/build.log"; return 1; }
}

echo "# building the package"
check "dpkg-buildpackage builds pxekit 0.1.0" build 0.1.0
DEB=$(ls "$WORK"/0.1.0/pxekit_*_*.deb 2>/dev/null | head -n 1)
[ -n "$DEB" ] || { echo "no package was built"; exit 1; }
check "lintian: no errors, no warnings" \
	lintian --fail-on error,warning "$WORK"/0.1.0/pxekit_*.changes
check "the package replaces tftpd-hpa (Provides/Conflicts/Replaces)" sh -c \
	"dpkg-deb -f $DEB Provides Conflicts Replaces | grep -q 'Conflicts:.*tftpd-hpa' &&
	 dpkg-deb -f $DEB Replaces | grep -q tftpd-hpa && dpkg-deb -f $DEB Provides | grep -q tftp-server"

echo "# installing"
check "apt-get installs it" apt-get install -y -qq "$DEB"
for f in /usr/sbin/in.tftpd /usr/sbin/pxe-dhcpgen /usr/sbin/pxe-mountd /usr/sbin/pxe-nfsd \
	 /usr/sbin/pxe-exportfs /etc/xinetd.d/tftp /etc/default/pxekit-tftpd /etc/default/pxekit-nfs \
	 /etc/pxekit/pxekit.conf /lib/systemd/system/pxekit-tftpd.service \
	 /lib/systemd/system/pxekit-tftp.socket /lib/systemd/system/pxe-mountd.service \
	 /lib/systemd/system/pxe-nfsd.service /usr/share/man/man8/pxe-nfsd.8.gz; do
	check "installed: $f" test -e "$f"
done
check "conffiles: xinetd, defaults and the inventory" sh -c \
	"for f in /etc/xinetd.d/tftp /etc/default/pxekit-tftpd /etc/default/pxekit-nfs /etc/pxekit/pxekit.conf; do
		dpkg-query -W -f='\${Conffiles}' pxekit | grep -q \"\$f \" || { echo \"not a conffile: \$f\"; exit 1; }
	 done"
check "the xinetd service is installed disabled" grep -Eq '^[[:space:]]*disable[[:space:]]*=[[:space:]]*yes' /etc/xinetd.d/tftp
check "the xinetd service serves /srv/tftp" grep -Eq 'server_args[[:space:]]*=[[:space:]]*-s /srv/tftp$' /etc/xinetd.d/tftp
check "/srv/tftp exists" test -d /srv/tftp
check "the tftp user exists" getent passwd tftp
check "the pxekit user the NFS daemons serve as exists" getent passwd pxekit
check "no unit was enabled or started" sh -c \
	"! systemctl is-enabled pxekit-tftpd.service pxe-nfsd.service pxe-mountd.service pxekit-tftp.socket 2>/dev/null | grep -qx enabled"
check "systemd-analyze verify accepts the units" systemd-analyze verify \
	/lib/systemd/system/pxekit-tftpd.service /lib/systemd/system/pxekit-tftp.socket \
	/lib/systemd/system/pxekit-tftp.service /lib/systemd/system/pxe-mountd.service \
	/lib/systemd/system/pxe-nfsd.service
check "man pages of the installed programs read" sh -c \
	"for m in in.tftpd pxe-dhcpgen pxe-mountd pxe-nfsd pxe-exportfs; do man -w \$m >/dev/null || exit 1; done"
check "installed in.tftpd --version" /usr/sbin/in.tftpd --version

echo "# smoke test of the installed programs, in a namespace"
head -c 300000 /dev/urandom >/srv/tftp/pxekit-smoke.bin
chmod 644 /srv/tftp/pxekit-smoke.bin
mkdir -p "$WORK/share/sub"
echo "hello from the installed pxe-nfsd" >"$WORK/share/sub/hello"
chmod -R a+rX "$WORK/share"
echo "$WORK/share 127.0.0.1(ro,insecure)" >"$WORK/exports"
cat >"$WORK/smoke.sh" <<EOT
set -u
mount --make-rprivate /
mount -t tmpfs -o mode=755 tmpfs /run
ip link set lo up
# xinetd with the installed service file, switched on in a copy.
mkdir -p "$WORK/xinetd.d"
sed 's/^\([[:space:]]*disable[[:space:]]*=[[:space:]]*\)yes/\1no/' /etc/xinetd.d/tftp >"$WORK/xinetd.d/tftp"
printf 'defaults\n{\n}\nincludedir $WORK/xinetd.d\n' >"$WORK/xinetd.conf"
xinetd -dontfork -f "$WORK/xinetd.conf" -pidfile "$WORK/xinetd.pid" >"$WORK/xinetd.log" 2>&1 &
X=\$!
# rpcbind and the NFS pair, run as the units' ExecStart lines say.
rpcbind -f -w &
R=\$!
sleep 0.5
run_unit() {	# run_unit UNIT OPTVAR: ExecStart with \$OPTVAR set to our exports
	cmd=\$(sed -n 's/^ExecStart=//p' /lib/systemd/system/\$1)
	cmd=\$(echo "\$cmd" | sed "s|\\\$\$2|-e $WORK/exports -k $WORK/key|")
	\$cmd 2>>"$WORK/\$1.log" &
}
run_unit pxe-mountd.service MOUNTD_OPTS
M=\$!
run_unit pxe-nfsd.service NFSD_OPTS
N=\$!
i=0
until rpcinfo -T tcp 127.0.0.1 100003 3 >/dev/null 2>&1 && rpcinfo -T tcp 127.0.0.1 100005 3 >/dev/null 2>&1 || [ \$i -ge 100 ]; do sleep 0.1; i=\$((i + 1)); done
rc=0
(cd "$WORK" && tftp 127.0.0.1 -m binary -c get pxekit-smoke.bin) && cmp /srv/tftp/pxekit-smoke.bin "$WORK/pxekit-smoke.bin" && echo TFTP-OK || rc=1
nfs-ls "nfs://127.0.0.1$WORK/share/sub" >"$WORK/nfs-ls.out" 2>&1 && grep -q ' hello\$' "$WORK/nfs-ls.out" && echo NFS-OK || rc=1
# xinetd's in.tftpd outlives xinetd until its idle timeout: end it first.
kill \$(cat /proc/\$X/task/*/children 2>/dev/null) \$X \$M \$N; sleep 0.5; kill \$R
wait
exit \$rc
EOT
unshare --net --mount --fork sh "$WORK/smoke.sh" >"$WORK/smoke.out" 2>&1 || true
check "a TFTP fetch through the installed xinetd file" grep -q TFTP-OK "$WORK/smoke.out"
check "a libnfs listing through the installed units' commands" grep -q NFS-OK "$WORK/smoke.out"
[ "$FAILURES" -eq 0 ] || { cat "$WORK/smoke.out" "$WORK"/*.log 2>/dev/null | tail -n 40; }
rm -f /srv/tftp/pxekit-smoke.bin

echo "# upgrading over an edited conffile"
echo 'MOUNTD_OPTS="--port 20048"   # edited by the admin' >>/etc/default/pxekit-nfs
check "dpkg-buildpackage builds pxekit 0.1.0+1" build 0.1.0+1
check "apt-get upgrades to 0.1.0+1" apt-get install -y -qq -o Dpkg::Options::=--force-confdef \
	"$(ls "$WORK"/0.1.0+1/pxekit_*_*.deb | head -n 1)"
check "the upgrade is installed" sh -c "dpkg-query -W -f='\${Version}' pxekit | grep -qx '0.1.0+1'"
check "the admin's edit survives the upgrade" grep -q 'edited by the admin' /etc/default/pxekit-nfs

echo "# removing and purging"
/usr/sbin/pxe-dhcpgen --version >/dev/null
mkdir -p /var/lib/pxekit && : >/var/lib/pxekit/nfs-handle.key	# as a daemon would leave it
check "apt-get remove" apt-get remove -y -qq pxekit
check "remove takes the programs" test ! -e /usr/sbin/pxe-nfsd -a ! -e /usr/sbin/in.tftpd
check "remove keeps the conffiles" test -e /etc/default/pxekit-nfs -a -e /etc/xinetd.d/tftp
check "apt-get purge" apt-get purge -y -qq pxekit
for f in /etc/xinetd.d/tftp /etc/default/pxekit-tftpd /etc/default/pxekit-nfs /etc/pxekit \
	 /var/lib/pxekit /srv/tftp /lib/systemd/system/pxe-nfsd.service; do
	check "purged: $f" test ! -e "$f"
done
check "purged: the tftp user it made" sh -c "! getent passwd tftp"
check "purged: the pxekit user it made" sh -c "! getent passwd pxekit"
check "dpkg knows nothing of pxekit" sh -c "! dpkg -s pxekit >/dev/null 2>&1"

echo "# $CHECKS checks, $FAILURES failed"
[ "$FAILURES" -eq 0 ]
