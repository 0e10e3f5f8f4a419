#!/bin/sh
# pxe-dhcpgen end to end: its output passes the real servers' checkers
# (dhcpd -t, kea-dhcp4 -t, dnsmasq --test); a real ISC dhcpd and a real
# dnsmasq, each fed the generated file on a veth, answer busybox udhcpc
# clients posing as BIOS, UEFI x64 (7 and 9), ARM64, iPXE and HTTP-boot
# firmware and as known hosts, and each reply's siaddr and boot file is
# checked. Then the file handling: idempotence, manifest, stale removal,
# refusal to touch foreign files, --check, --diff, inventory errors.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need busybox ip dnsmasq diff strace stat
GEN=$top_builddir/dhcp-snippets/pxe-dhcpgen
KEA=$PEERS/kea-dhcp4-server/usr/sbin/kea-dhcp4
GRUB_CHECK=$PEERS/grub-common/usr/bin/grub-script-check
for tool in "$DHCPD" "$KEA" "$GRUB_CHECK"; do
	[ -x "$tool" ] || { echo "missing $tool: run tools/install-deps --test"; exit 99; }
done

cat >"$WORK/inventory" <<'INV'
server 192.0.2.1
subnet 192.0.2.0/24 {
    range 192.0.2.150 192.0.2.199
    router 192.0.2.1
}
boot bios       bios/pxelinux.0
boot uefi-x64   efi64/grubx64.efi
boot uefi-arm64 arm64/grubaa64.efi
boot ipxe       ipxe/boot.ipxe
boot http       http://192.0.2.1/boot/efi64/shimx64.efi
boot http-arm64 http://192.0.2.1/boot/arm64/shimaa64.efi
profile debian12 {
    label "Debian 12 installer"
    kernel debian-installer/amd64/linux
    initrd debian-installer/amd64/initrd.gz
    append "auto=true priority=critical ds=nocloud-net;s=http://192.0.2.1/"
}
profile disk label "Local disk" localboot
profile php {
    label "Rescue #2 & co; || {x} && y"
    kernel http://192.0.2.1/boot.php?mac=52-54-00-12-34-05&file=linux
    initrd http://192.0.2.1/boot.php?mac=52-54-00-12-34-05&file=initrd
    append "console=ttyS0 a&b"
}
default-profile disk
host node01 mac 52:54:00:12:34:01 address 192.0.2.101 profile debian12
host node05 mac 52:54:00:12:34:05 profile php
host node02 {
    mac 52-54-00-12-34-02
    address 192.0.2.102
    filename efi64/ipxe.efi
}
host retired mac 52:54:00:12:34:03 noboot
INV

gen() { "$GEN" -c "$WORK/inventory" --manifest "$WORK/manifest" -t "$WORK/tftp" "$@"; }

# ---- the servers' own checkers ----------------------------------------
check "dhcpd -t accepts the ISC include" gen -f isc -o - --checker "$DHCPD"
check "kea-dhcp4 -t accepts the Kea fragment" gen -f kea -o - --checker "$KEA"
check "dnsmasq --test accepts the dnsmasq file" gen -f dnsmasq -o - --checker "$(command -v dnsmasq)"
gen -f isc -o - --checker "$DHCPD" >"$WORK/isc.conf" 2>"$WORK/isc.err"
check "the checker's verdict is reported" expect_line "checked with .*dhcpd" "$WORK/isc.err"
check "architecture codes are written as dhcpd's hex bytes" \
	expect_line 'option arch = 00:07 or option arch = 00:09' "$WORK/isc.conf"

# ---- a boot network: dhcpd on srv0, clients in netns "cli" ------------
ip netns add cli
ip link add srv0 type veth peer name cli0
ip link set cli0 netns cli
ip addr add 192.0.2.1/24 dev srv0
ip link set srv0 up
ip netns exec cli ip link set lo up

cat >"$WORK/udhcpc.script" <<'SCRIPT'
#!/bin/sh
# Records what the server answered; configures nothing.
[ "$1" = bound ] || exit 0
{
	echo "ip=$ip"
	echo "siaddr=${siaddr:-}"
	echo "boot_file=${boot_file:-}"
	echo "vendor=${vendor:-}"
} >"$REPLY_FILE"
SCRIPT
chmod 755 "$WORK/udhcpc.script"

# ask NAME MAC UDHCPC-ARGS...: one DHCP exchange, the answer in $WORK/NAME.
ask() {
	name=$1 mac=$2
	shift 2
	ip netns exec cli ip link set cli0 down
	ip netns exec cli ip link set cli0 address "$mac"
	ip netns exec cli ip link set cli0 up
	rm -f "$WORK/$name"
	REPLY_FILE=$WORK/$name ip netns exec cli busybox udhcpc -i cli0 -f -q -n -t 4 -T 1 \
		-s "$WORK/udhcpc.script" -O 60 "$@" >"$WORK/$name.log" 2>&1 || true
	[ -f "$WORK/$name" ] || : >"$WORK/$name"
}

# answered NAME SIADDR FILE [IP]: the reply had these.
answered() {
	expect_line "^siaddr=$2\$" "$WORK/$1" && expect_line "^boot_file=$3\$" "$WORK/$1" &&
		{ [ -z "${4:-}" ] || expect_line "^ip=$4\$" "$WORK/$1"; }
}

PXE_BIOS="-V PXEClient:Arch:00000:UNDI:002001 -x 0x5d:0000"
PXE_X64="-V PXEClient:Arch:00007:UNDI:003016 -x 0x5d:0007"
PXE_X64_9="-V PXEClient:Arch:00009:UNDI:003016 -x 0x5d:0009"
PXE_ARM64="-V PXEClient:Arch:00011:UNDI:003016 -x 0x5d:000b"
HTTP_X64="-V HTTPClient:Arch:00016:UNDI:003001 -x 0x5d:0010"
HTTP_ARM64="-V HTTPClient:Arch:00019:UNDI:003001 -x 0x5d:0013"
IPXE="-V PXEClient:Arch:00000:UNDI:002001 -x 0x5d:0000 -x 0x4d:69505845"

# client_matrix SERVER: the same clients against whichever server runs.
client_matrix() {
	srv=$1
	ask bios 52:54:00:aa:00:01 $PXE_BIOS
	check "$srv: BIOS (arch 0) gets pxelinux.0 from 192.0.2.1" answered bios 192.0.2.1 bios/pxelinux.0
	ask x64 52:54:00:aa:00:02 $PXE_X64
	check "$srv: UEFI x64 (arch 7) gets its EFI loader" answered x64 192.0.2.1 efi64/grubx64.efi
	ask x64_9 52:54:00:aa:00:03 $PXE_X64_9
	check "$srv: UEFI x64 sending arch 9 gets the same loader" answered x64_9 192.0.2.1 efi64/grubx64.efi
	ask arm64 52:54:00:aa:00:04 $PXE_ARM64
	check "$srv: ARM64 (arch 11) gets its loader" answered arm64 192.0.2.1 arm64/grubaa64.efi
	ask ipxe 52:54:00:aa:00:05 $IPXE
	check "$srv: iPXE (user class) gets its script, breaking the loop" answered ipxe 192.0.2.1 ipxe/boot.ipxe
	ask http 52:54:00:aa:00:06 $HTTP_X64
	check "$srv: UEFI HTTP boot gets a URL" expect_line '^boot_file=http://192.0.2.1/boot/efi64/shimx64.efi$' "$WORK/http"
	check "$srv: UEFI HTTP boot gets vendor class HTTPClient echoed" expect_line '^vendor=HTTPClient' "$WORK/http"
	ask http_arm 52:54:00:aa:00:07 $HTTP_ARM64
	check "$srv: ARM64 HTTP boot (arch 19) gets its own URL" expect_line '^boot_file=http://192.0.2.1/boot/arm64/shimaa64.efi$' "$WORK/http_arm"
	ask node01 52:54:00:12:34:01 $PXE_BIOS
	check "$srv: known host node01 gets its fixed address and the arch's file" answered node01 192.0.2.1 bios/pxelinux.0 192.0.2.101
	ask node02 52:54:00:12:34:02 $PXE_X64
	check "$srv: host node02's own filename beats the arch rule" answered node02 192.0.2.1 efi64/ipxe.efi 192.0.2.102
	ask node02_ipxe 52:54:00:12:34:02 $IPXE
	check "$srv: node02 once in iPXE gets the script, not its iPXE binary again" answered node02_ipxe 192.0.2.1 ipxe/boot.ipxe 192.0.2.102
	ask node02_http 52:54:00:12:34:02 $HTTP_X64
	check "$srv: node02 as a UEFI HTTP client gets the HTTP URL, not its own TFTP file" \
		expect_line '^boot_file=http://192.0.2.1/boot/efi64/shimx64.efi$' "$WORK/node02_http"
	ask plain 52:54:00:aa:00:08
	check "$srv: a client that is not PXE gets a lease but no boot file" sh -c \
		"grep -q '^ip=192.0.2.1[5-9][0-9]$' '$WORK/plain' && grep -q '^boot_file=$' '$WORK/plain'"
	ask retired 52:54:00:12:34:03 $PXE_BIOS
	check "$srv: host marked noboot is not answered" sh -c "! grep -q '^ip=' '$WORK/retired'"
}

gen -f isc -o "$WORK/pxekit.conf" --checker "$DHCPD" --no-loaders -q
start_dhcpd "$WORK/pxekit.conf" srv0 "$WORK/dhcpd.log"
client_matrix dhcpd
stop "$DHCPD_PID"

gen -f dnsmasq -o "$WORK/dnsmasq.conf" --no-loaders -q
spawn dnsmasq --no-daemon --port=0 --conf-file="$WORK/dnsmasq.conf" --interface=srv0 \
	--bind-interfaces --dhcp-leasefile="$WORK/dnsmasq.leases" --pid-file="$WORK/dnsmasq.pid" \
	--user=root --log-dhcp >"$WORK/dnsmasq.log" 2>&1
DNSMASQ_PID=$LAST_PID
wait_udp 67 || cat "$WORK/dnsmasq.log"
client_matrix dnsmasq
stop "$DNSMASQ_PID"

# ---- boot-loader files, under the names the loaders look up -----------
rm -f "$WORK/manifest"
gen -f isc -o "$WORK/out/pxekit.conf" --checker "$DHCPD" -q
T=$WORK/tftp
check "PXELINUX per-host file sits next to pxelinux.0: bios/pxelinux.cfg/01-<mac>" \
	expect_line '^DEFAULT debian12$' "$T/bios/pxelinux.cfg/01-52-54-00-12-34-01"
check "PXELINUX menu default for unknown machines" expect_line '^DEFAULT disk$' "$T/bios/pxelinux.cfg/default"
check "PXELINUX paths stay relative to the TFTP root (:: prefix)" \
	expect_line '^  KERNEL ::debian-installer/amd64/linux$' "$T/bios/pxelinux.cfg/01-52-54-00-12-34-01"
check "GRUB per-MAC file by \$net_default_mac: grub/grub.cfg-<mac with colons>" \
	expect_line "^  linux '/debian-installer/amd64/linux' 'auto=true' 'priority=critical' 'ds=nocloud-net;s=http://192.0.2.1/'$" \
	"$T/grub/grub.cfg-52:54:00:12:34:01"
# A GRUB that searches finds no grub.cfg-01-<mac>, reads grub.cfg and is
# sent to the same file: one file a host, not two (issue 19, Scale).
check "no second GRUB copy under the searched name grub.cfg-01-<mac>" \
	test ! -e "$T/grub/grub.cfg-01-52-54-00-12-34-01"
check "grub/grub.cfg sources the per-MAC file" expect_line 'configfile "\$prefix/grub.cfg-\$net_default_mac"' "$T/grub/grub.cfg"
check "iPXE per-host script by \${mac:hexhyp}" expect_line '^kernel /debian-installer/amd64/linux initrd=initrd \$\{pxekit-append-debian12:string\}$' "$T/ipxe/52-54-00-12-34-01.ipxe"
check "iPXE boot script chains the per-MAC script" expect_line '^chain --autofree /ipxe/\$\{mac:hexhyp\}.ipxe' "$T/ipxe/boot.ipxe"
check "no per-host file for a host without a profile" test ! -e "$T/bios/pxelinux.cfg/01-52-54-00-12-34-02"
# grub_script_check: GRUB's own parser accepts every generated GRUB file.
grub_script_check() {
	n=0
	for f in "$T"/grub/grub.cfg*; do
		"$GRUB_CHECK" "$f" || { echo "grub-script-check refused $f:"; cat "$f"; return 1; }
		n=$((n + 1))
	done
	[ "$n" -ge 3 ] || { echo "only $n GRUB files"; return 1; }
}
check "grub-script-check accepts every generated GRUB file ('&', ';', '#' in them)" grub_script_check
check "GRUB gets a URL with '&' as one quoted word" \
	expect_line "^  linux '\\(http,192.0.2.1\\)/boot.php\\?mac=52-54-00-12-34-05&file=linux' 'console=ttyS0' 'a&b'\$" \
	"$T/grub/grub.cfg-52:54:00:12:34:05"

# ---- --no-loaders writes the DHCP file and leaves the menus alone -----
cp -a "$T" "$WORK/tftp.before-noloaders"
cp "$WORK/manifest" "$WORK/manifest.before-noloaders"
gen -f isc -o "$WORK/out/pxekit.conf" --checker "$DHCPD" --no-loaders 2>"$WORK/noloaders.err"
check "--no-loaders removes no loader file" diff -r "$WORK/tftp.before-noloaders" "$T"
check "--no-loaders keeps them in the manifest" \
	sh -c "grep -c ' $T/' '$WORK/manifest.before-noloaders' >'$WORK/n1'; grep -c ' $T/' '$WORK/manifest' >'$WORK/n2'; cmp '$WORK/n1' '$WORK/n2'"
check "--no-loaders says 0 removed" expect_line ', 0 removed' "$WORK/noloaders.err"
gen -f isc -o "$WORK/out/pxekit.conf" --no-loaders --diff >"$WORK/noloaders.diff" 2>&1
check "--no-loaders --diff shows no loader file going away" sh -c "! grep -q '^-' '$WORK/noloaders.diff'"
rm -rf "$WORK/tftp.before-noloaders"

# ---- idempotence, manifest, stale files, foreign files ---------------
ls -l --time-style=+%s.%N -R "$T" "$WORK/out" >"$WORK/before"
sleep 1
gen -f isc -o "$WORK/out/pxekit.conf" --checker "$DHCPD" -q
ls -l --time-style=+%s.%N -R "$T" "$WORK/out" >"$WORK/after"
check "a second run with the same inventory rewrites nothing (mtimes kept)" cmp "$WORK/before" "$WORK/after"
gen -f isc -o "$WORK/out/pxekit.conf" --checker "$DHCPD" 2>"$WORK/second.err"
check "and says so" expect_line '0 written, [0-9]+ unchanged, 0 removed' "$WORK/second.err"
# The manifest records the run's key; a run with the same key whose
# files all keep their recorded stat renders no loader file (the short
# cut of a no-op run); a file edited in place or deleted ends it.
check "the manifest records the run's key" expect_line '^# key: [0-9a-f]{32}$' "$WORK/manifest"
echo "# edited" >>"$T/bios/pxelinux.cfg/01-52-54-00-12-34-01"
gen -f isc -o "$WORK/out/pxekit.conf" --checker "$DHCPD" 2>"$WORK/edit.err"
check "after an edit in place the run looks again: warned and replaced" sh -c \
	"grep -q 'was edited since' '$WORK/edit.err' && ! grep -q '# edited' '$T/bios/pxelinux.cfg/01-52-54-00-12-34-01'"
rm "$T/bios/pxelinux.cfg/01-52-54-00-12-34-01"
gen -f isc -o "$WORK/out/pxekit.conf" --checker "$DHCPD" 2>"$WORK/deleted.err"
check "a file deleted by hand is written again" sh -c \
	"test -s '$T/bios/pxelinux.cfg/01-52-54-00-12-34-01' && grep -q '1 written' '$WORK/deleted.err'"

cp "$WORK/inventory" "$WORK/inventory.orig"
sed -i 's/^host node01 .*/host node01 mac 52:54:00:12:34:01 address 192.0.2.101/' "$WORK/inventory"
gen -f isc -o "$WORK/out/pxekit.conf" --diff >"$WORK/diff.out" 2>&1
check "--diff shows the per-host files that would go" expect_line '^-DEFAULT debian12$' "$WORK/diff.out"
check "--diff writes nothing" test -e "$T/bios/pxelinux.cfg/01-52-54-00-12-34-01"
gen -f isc -o "$WORK/out/pxekit.conf" -q
check "files no longer generated are removed" test ! -e "$T/bios/pxelinux.cfg/01-52-54-00-12-34-01"
check "and dropped from the manifest" sh -c "! grep -q 01-52-54-00-12-34-01 '$WORK/manifest'"

cp "$WORK/inventory.orig" "$WORK/inventory"
echo "LABEL mine" >"$T/bios/pxelinux.cfg/01-52-54-00-12-34-01"
gen -f isc -o "$WORK/out/pxekit.conf" >"$WORK/foreign.out" 2>&1 && rc=0 || rc=$?
check "a file pxe-dhcpgen did not write is refused, exit 1" test "$rc" = 1
check "the refusal names the file" expect_line '01-52-54-00-12-34-01 exists and pxe-dhcpgen did not write it' "$WORK/foreign.out"
check "and the admin's file is untouched" expect_line '^LABEL mine$' "$T/bios/pxelinux.cfg/01-52-54-00-12-34-01"
rm "$T/bios/pxelinux.cfg/01-52-54-00-12-34-01"
echo "# my dhcpd include" >"$WORK/out/mine.conf"
gen -f isc -o "$WORK/out/mine.conf" >"$WORK/foreign2.out" 2>&1 && rc=0 || rc=$?
check "a DHCP file not generated by pxe-dhcpgen is never overwritten" \
	sh -c "[ $rc = 1 ] && grep -q '^# my dhcpd include' '$WORK/out/mine.conf'"

# A checker that refuses: its words are shown and nothing is replaced.
cat >"$WORK/refuse" <<'SH'
#!/bin/sh
echo "generated line 3: semicolon expected." >&2
exit 1
SH
chmod 755 "$WORK/refuse"
cp "$WORK/out/pxekit.conf" "$WORK/isc.before"
echo "host node09 mac 52:54:00:12:34:09" >>"$WORK/inventory"
gen -f isc -o "$WORK/out/pxekit.conf" --checker "$WORK/refuse" >"$WORK/refused.out" 2>&1 && rc=0 || rc=$?
check "a failing check exits 1 and shows the checker's message" \
	sh -c "[ $rc = 1 ] && grep -q 'semicolon expected' '$WORK/refused.out'"
check "and the live include is not replaced" cmp "$WORK/isc.before" "$WORK/out/pxekit.conf"
check "--check validates and writes nothing" gen -f isc -o "$WORK/out/pxekit.conf" --check --checker "$DHCPD"
check "--check left the include alone" cmp "$WORK/isc.before" "$WORK/out/pxekit.conf"
cp "$WORK/inventory.orig" "$WORK/inventory"

# ---- the checker runs the fragment inside the admin's configuration -
cat >"$WORK/dhcpd-main.conf" <<EOF
ddns-update-style none;
host node01 { hardware ethernet 52:54:00:12:34:01; }
include "$WORK/out/pxekit.conf";
EOF
gen -f isc -o "$WORK/out/pxekit.conf" --checker "$DHCPD" --main-config "$WORK/dhcpd-main.conf" \
	>"$WORK/main.out" 2>&1 && rc=0 || rc=$?
check "dhcpd -t inside the admin's dhcpd.conf catches a host declared twice" \
	sh -c "[ $rc = 1 ] && grep -q 'host node01: already exists' '$WORK/main.out'"
check "and names the admin's file" expect_line "checked inside $WORK/dhcpd-main.conf, the new $WORK/out/pxekit.conf" "$WORK/main.out"
sed -i '/^host node01/d' "$WORK/dhcpd-main.conf"
check "without the conflict it passes inside it" \
	gen -f isc -o "$WORK/out/pxekit.conf" --checker "$DHCPD" --main-config "$WORK/dhcpd-main.conf" --check
cat >"$WORK/kea-main.conf" <<EOF
{ "Dhcp4": {
  "interfaces-config": { "interfaces": [ ] },
  "client-classes": [ { "name": "mine" } ],
  <?include "$WORK/out/pxekit.json"?>
} }
EOF
gen -f kea -o "$WORK/out/pxekit.json" --checker "$KEA" --main-config "$WORK/kea-main.conf" --check \
	>"$WORK/kea-main.out" 2>&1 && rc=0 || rc=$?
check "kea-dhcp4 -t inside the admin's kea-dhcp4.conf catches a second client-classes" \
	sh -c "[ $rc = 1 ] && grep -q 'duplicate client-classes' '$WORK/kea-main.out'"
printf '{ "Dhcp4": {\n  "interfaces-config": { "interfaces": [ ] }\n} }\n' >"$WORK/kea-main2.conf"
check "a kea-dhcp4.conf that does not include it yet is checked with the include added" \
	gen -f kea -o "$WORK/out/pxekit.json" --checker "$KEA" --main-config "$WORK/kea-main2.conf" --check

# ---- the manifest stays in step with the files ----------------------
R=$WORK/r2
M=$WORK/m2
gen2() { "$GEN" -c "$WORK/inv2" --manifest "$M" -t "$R" -f isc -o "$WORK/out2/pxekit.conf" --no-checker "$@"; }
cp "$WORK/inventory.orig" "$WORK/inv2"
gen2 -q || true
# A write that fails (a read-only directory here; ENOSPC is the same
# path) keeps the file's entry, with both contents.
sed -i 's/priority=critical/priority=high/' "$WORK/inv2"
mount --bind "$R/ipxe" "$R/ipxe"
mount -o remount,bind,ro "$R/ipxe"
gen2 >"$WORK/ro.out" 2>&1 && rc=0 || rc=$?
check "a failed write exits 1 and names the file" \
	sh -c "[ $rc = 1 ] && grep -q 'cannot write $R/ipxe/' '$WORK/ro.out'"
gen2 --check >"$WORK/rocheck.out" 2>&1 && rc=0 || rc=$?
check "--check says a read-only directory cannot be written" \
	sh -c "[ $rc = 1 ] && grep -q 'cannot be written' '$WORK/rocheck.out'"
umount "$R/ipxe"
gen2 >"$WORK/ro2.out" 2>&1 && rc=0 || rc=$?
check "the next run writes them: no 'did not write it', no false 'edited'" \
	sh -c "[ $rc = 0 ] && ! grep -q 'did not write it\|edited' '$WORK/ro2.out'"
check "every file is back in step" expect_line "priority=high" "$R/bios/pxelinux.cfg/default"

# A run killed half-way (SIGKILL at its 6th rename): what it created is
# tracked, its temporary file is removed by the next run.
for i in 1 2 3 4 5 6 7 8; do
	echo "host extra$i mac 52:54:00:99:00:0$i profile debian12" >>"$WORK/inv2"
done
strace -f -qq -o /dev/null -e trace=rename,renameat,renameat2 \
	-e inject=rename,renameat,renameat2:signal=KILL:when=6 \
	"$GEN" -c "$WORK/inv2" --manifest "$M" -t "$R" -f isc -o "$WORK/out2/pxekit.conf" --no-checker \
	>"$WORK/killed.out" 2>&1 && rc=0 || rc=$?
check "the run was killed half-way" sh -c "[ $rc != 0 ] && ! test -e '$R/ipxe/52-54-00-99-00-08.ipxe'"
gen2 >"$WORK/killed2.out" 2>&1 && rc=0 || rc=$?
check "the next run completes it: no refusal, no false 'edited'" \
	sh -c "[ $rc = 0 ] && ! grep -q 'did not write it\|edited' '$WORK/killed2.out'"
check "no temporary file is left" sh -c "! find '$R' '$WORK/out2' -name '*pxekit-tmp*' | grep ."
check "and the files are all there" test -e "$R/ipxe/52-54-00-99-00-08.ipxe"

# Two runs at once on one manifest: the lock orders them.
awk 'BEGIN { print "server 192.0.2.1"; print "subnet 192.0.2.0/24"; print "boot bios bios/pxelinux.0";
	print "profile p kernel k/linux";
	for (i = 0; i < 400; i++) printf "host c%d mac 52:54:00:77:%02x:%02x profile p\n", i, i / 256, i % 256 }' \
	>"$WORK/inv3"
gen3() { "$GEN" -c "$WORK/inv3" --manifest "$WORK/m3" -t "$WORK/r3" -f isc -o "$WORK/out3/x.conf" --no-checker; }
gen3 >"$WORK/c1.out" 2>&1 & c1=$!
gen3 >"$WORK/c2.out" 2>&1 & c2=$!
wait $c1 && rc1=0 || rc1=$?
wait $c2 && rc2=0 || rc2=$?
check "two concurrent runs both succeed, without refusals or 'edited' warnings" \
	sh -c "[ $rc1 = 0 ] && [ $rc2 = 0 ] && ! cat '$WORK/c1.out' '$WORK/c2.out' | grep -q 'did not write\|edited'"
gen3 >"$WORK/c3.out" 2>&1 || true
check "and leave one consistent tree (a third run writes nothing)" expect_line ' 0 written, [0-9]+ unchanged, 0 removed' "$WORK/c3.out"

# A run for another TFTP root on the same manifest removes nothing here.
n_before=$(find "$R" -type f | wc -l)
printf 'server 192.0.2.1\nboot bios pxelinux.0\nprofile q kernel k/other\n' >"$WORK/inv4"
"$GEN" -c "$WORK/inv4" --manifest "$M" -t "$WORK/r4" -f isc -o "$WORK/out4/x.conf" --no-checker -q || true
check "another TFTP root's run leaves this root's files" test "$(find "$R" -type f | wc -l)" = "$n_before"
check "and their manifest entries" sh -c "grep -q ' $R/bios/pxelinux.cfg/default\$' '$M' && grep -q ' $WORK/r4/pxelinux.cfg/default\$' '$M'"
gen2 >"$WORK/back.out" 2>&1 || true
check "so this root's next run finds them all unchanged" expect_line ' 0 written, [0-9]+ unchanged, 0 removed' "$WORK/back.out"

# Modes do not follow the umask; the DHCP file keeps its mode and group.
(umask 077 && "$GEN" -c "$WORK/inv4" --manifest "$WORK/m5" -t "$WORK/r5" -f isc -o "$WORK/out5/x.conf" --no-checker -q) || true
check "under umask 077 loader files are 0644 and directories 0755" sh -c \
	"[ -z \"\$(find '$WORK/r5' -type f ! -perm 0644)\" ] && [ -z \"\$(find '$WORK/r5' -type d ! -perm 0755)\" ] && [ -n \"\$(find '$WORK/r5' -type f)\" ]"
chmod 0640 "$WORK/out5/x.conf"
chgrp 65534 "$WORK/out5/x.conf"
echo "host m1 mac 52:54:00:55:00:01" >>"$WORK/inv4"
(umask 077 && "$GEN" -c "$WORK/inv4" --manifest "$WORK/m5" -t "$WORK/r5" -f isc -o "$WORK/out5/x.conf" --no-checker -q) || true
check "a replaced DHCP file keeps its mode and group" sh -c \
	"grep -q 'host m1' '$WORK/out5/x.conf' && [ \"\$(stat -c '%a %g' '$WORK/out5/x.conf')\" = '640 65534' ]"

# A symlinked directory inside the TFTP root is not a way out of it.
mkdir -p "$WORK/r6" "$WORK/outside"
ln -s "$WORK/outside" "$WORK/r6/ipxe"
"$GEN" -c "$WORK/inv4" --manifest "$WORK/m6" -t "$WORK/r6" -f isc -o "$WORK/out6/x.conf" --no-checker \
	>"$WORK/link.out" 2>&1 && rc=0 || rc=$?
check "a symlinked directory in the TFTP root is refused" \
	sh -c "[ $rc = 1 ] && grep -q 'ipxe/boot.ipxe: a directory on its way is a symlink' '$WORK/link.out'"
check "and nothing is written where it points" sh -c "[ -z \"\$(ls -A '$WORK/outside')\" ]"

# ---- many hosts: files shared out among threads (output.c) ----------
# 1500 hosts, 3 files each: above SHARE_MIN_FILES, so a run writes and
# stats them from more than one thread; every file, the no-op, an edit
# and a deletion in the last share must come out as on one thread.
awk 'BEGIN {
	print "server 10.0.0.1"
	print "subnet 10.0.0.0/16"
	print "boot bios bios/pxelinux.0"
	print "boot uefi-x64 efi64/grubx64.efi"
	print "boot ipxe ipxe/boot.ipxe"
	print "profile install kernel d/linux initrd d/initrd.gz append \"auto=true\""
	for (i = 1; i <= 1500; i++)
		printf "host m%04d mac 02:00:00:00:%02x:%02x address 10.0.%d.%d profile install\n",
			i, int(i / 256), i % 256, int(i / 250) + 1, i % 250 + 1
}' >"$WORK/many.inv"
many() {
	"$GEN" -c "$WORK/many.inv" -o "$WORK/many/pxekit.conf" -t "$WORK/many/tftp" \
		--manifest "$WORK/many/manifest" --no-checker "$@"
}
strace -f -qq -e trace=clone,clone3 -o "$WORK/many.strace" \
	"$GEN" -c "$WORK/many.inv" -o "$WORK/many/pxekit.conf" -t "$WORK/many/tftp" \
	--manifest "$WORK/many/manifest" --no-checker 2>"$WORK/many1.err"
check "1500 hosts: every file written (3 a host, 2 menus, boot.ipxe, grub.cfg, DHCP)" \
	grep -q '4505 written, 0 unchanged' "$WORK/many1.err"
if [ "$(nproc)" -ge 2 ]; then
	check "1500 hosts: written from more than one thread" grep -q 'clone' "$WORK/many.strace"
fi
check "1500 hosts: the last host's files are all there" sh -c \
	"test -s '$WORK/many/tftp/bios/pxelinux.cfg/01-02-00-00-00-05-dc' &&
	 test -s '$WORK/many/tftp/grub/grub.cfg-02:00:00:00:05:dc' &&
	 test -s '$WORK/many/tftp/ipxe/02-00-00-00-05-dc.ipxe'"
check "1500 hosts: no temporary file left" sh -c "! find '$WORK/many' -name '*.pxekit-tmp*' | grep -q ."
check "1500 hosts: every file's stat in the manifest" sh -c \
	"! grep -v '^#' '$WORK/many/manifest' | awk '\$2 == 0' | grep -q ."
many 2>"$WORK/many2.err"
check "1500 hosts: a no-op run writes nothing" grep -q '0 written, 4505 unchanged' "$WORK/many2.err"
echo "# edited" >>"$WORK/many/tftp/ipxe/02-00-00-00-05-dc.ipxe"
rm "$WORK/many/tftp/ipxe/02-00-00-00-05-db.ipxe"
many 2>"$WORK/many3.err"
check "1500 hosts: an edit in the last share is warned and replaced" sh -c \
	"grep -q 'ipxe/02-00-00-00-05-dc.ipxe was edited since' '$WORK/many3.err' &&
	 ! grep -q '# edited' '$WORK/many/tftp/ipxe/02-00-00-00-05-dc.ipxe'"
check "1500 hosts: a deleted file in the last share is written again" sh -c \
	"test -s '$WORK/many/tftp/ipxe/02-00-00-00-05-db.ipxe' && grep -q '2 written' '$WORK/many3.err'"
# A path the manifest lists twice (a second content it may have, as a
# run that failed to write leaves it) proves nothing by its stat, even
# under the run's own key: the file is read, and listed once after.
dup=$(grep -m1 'grub.cfg-02:00:00:00:05:d0$' "$WORK/many/manifest")
echo "0123456789abcdef 0 0 0 ${dup##* }" >>"$WORK/many/manifest"
many 2>"$WORK/many4.err"
check "1500 hosts: a path listed twice is read, not taken on its stat" sh -c \
	"grep -q '0 written, 4505 unchanged' '$WORK/many4.err' &&
	 [ \$(grep -c 'grub.cfg-02:00:00:00:05:d0\$' '$WORK/many/manifest') = 1 ]"

# ---- inventory errors, like a compiler ------------------------------
cat >"$WORK/bad" <<'INV'
server 192.0.2.1
subnet 192.0.2.0/24
host a mac 52:54:00:00:00:01 address 192.0.2.10
host b mac 52:54:00:00:00:01 address 192.0.2.10
host c mac 52:54:00:00:00:02 address 198.51.100.7
host d mac 52:54:00:00:00:03 profile nosuch
profile x kernel "linux; rm -rf"
INV
"$GEN" -c "$WORK/bad" -o - --no-checker >"$WORK/bad.out" 2>&1 && rc=0 || rc=$?
check "a bad inventory exits 1" test "$rc" = 1
check "duplicate MAC, with file:line:col" expect_line "bad:4:12: error: MAC 52:54:00:00:00:01 is already used by host a \\(line 3\\)" "$WORK/bad.out"
check "duplicate fixed address" expect_line "bad:4:38: error: address 192.0.2.10 is already used by host a" "$WORK/bad.out"
check "address outside every subnet" expect_line "bad:5:38: error: address 198.51.100.7 is outside every subnet" "$WORK/bad.out"
check "unknown profile" expect_line "bad:6:38: error: unknown profile 'nosuch'" "$WORK/bad.out"
check "injection characters refused" expect_line "bad:7:24: error: character ';' is not allowed in a kernel path" "$WORK/bad.out"
check "--help and --version" sh -c "'$GEN' --help | grep -q -- --diff && '$GEN' --version | grep -q pxekit"
finish
