#!/bin/sh
# What admins expect of pxe-dhcpgen beyond the basics (issue 19), end to
# end with the real servers:
# - DHCPv6: the isc6, kea6 and dnsmasq outputs pass dhcpd -6 -t,
#   kea-dhcp6 -t and dnsmasq --test; live dhcpd -6, kea-dhcp6 and dnsmasq
#   answer Solicits from tests/tools/dhcp6-probe posing as UEFI IPv6 PXE
#   (option 61), UEFI HTTP boot (vendor class 16, enterprise 343) and
#   iPXE (user class 15) with the right option 59 bootfile-url;
# - DHCPv4: live dhcpd and dnsmasq answer busybox udhcpc posing as a PXE
#   ROM without option 93 (BIOS fallback), as dual BIOS/UEFI hosts with
#   their own (and their group's) per-arch files, and hand out the
#   subnet's lease time, domain, search list and NTP servers;
# - dnsmasq proxy DHCP beside another server: the file passes
#   dnsmasq --test and a live dnsmasq answers a PXE client as proxy with
#   the per-arch menu, leasing nothing; ISC and Kea refuse proxy subnets;
# - per-host command lines with templates in every loader's files, and
#   menus where each secure-boot pair's GRUB reads them.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need busybox ip dnsmasq
GEN=$top_builddir/dhcp-snippets/pxe-dhcpgen
PROBE6=$top_builddir/tests/tools/dhcp6-probe
KEA4=$PEERS/kea-dhcp4-server/usr/sbin/kea-dhcp4
KEA6=$PEERS/kea-dhcp6-server/usr/sbin/kea-dhcp6
for tool in "$DHCPD" "$KEA4" "$KEA6" "$PROBE6"; do
	[ -x "$tool" ] || { echo "missing $tool: run tools/install-deps --test"; exit 99; }
done

cat >"$WORK/inventory" <<'INV'
server 192.0.2.1
server6 2001:db8::1
subnet 192.0.2.0/24 {
    range 192.0.2.150 192.0.2.199
    router 192.0.2.1
    dns 192.0.2.1
    lease-time 3600
    domain lab.example.org
    search lab.example.org example.org
    ntp 192.0.2.1 192.0.2.2
}
subnet6 2001:db8::/64 {
    interface srv0
    range 2001:db8::100 2001:db8::1ff
    dns 2001:db8::1
    lease-time 7200
}
boot bios       bios/pxelinux.0
boot no-arch    legacy/pxelinux.0
secure-boot uefi-x64 debian debian-installer/amd64
boot uefi-arm64 arm64/grubaa64.efi
boot ipxe       ipxe/boot.ipxe
boot6 uefi-x64  efi64/grubx64.efi
boot6 uefi-arm64 arm64/grubaa64.efi
boot6 ipxe      ipxe/boot.ipxe
boot6 http      http://[2001:db8::1]/boot/efi64/shimx64.efi
boot6 http-arm64 http://[2001:db8::1]/boot/arm64/shimaa64.efi
profile debian12 {
    kernel debian-installer/amd64/linux
    initrd debian-installer/amd64/initrd.gz
    append "auto=true priority=critical"
}
group rack1 {
    profile debian12
    append "url=http://${server}/preseed/${mac-dashes}.cfg"
    boot bios rack/lpxelinux.0
}
host dual mac 52:54:00:12:34:01 address 192.0.2.101 {
    boot bios dual/pxelinux.0
    boot uefi-x64 dual/ipxe.efi
}
host half mac 52:54:00:12:34:02 boot bios half/pxelinux.0
host racked mac 52:54:00:12:34:03 address 192.0.2.103 group rack1 append "hostname=${hostname} ip=${ip}"
INV

gen() { "$GEN" -c "$WORK/inventory" --manifest "$WORK/manifest" -t "$WORK/tftp" "$@"; }

# ---- the servers' own checkers ----------------------------------------
check "dhcpd -6 -t accepts the DHCPv6 include" gen -f isc6 -o - --checker "$DHCPD"
check "dnsmasq --test accepts v4 and v6 in one file" gen -f dnsmasq -o - --checker "$(command -v dnsmasq)"
gen -f dnsmasq -o - --no-checker >"$WORK/dm.conf" 2>"$WORK/dm.err"
check "dnsmasq: boot6 http rules are left out, with a warning saying why" sh -c \
	"grep -q 'dnsmasq cannot echo DHCPv6 vendor class' '$WORK/dm.err' && ! grep -q 'bootfile-url,http' '$WORK/dm.conf'"
check "dhcpd -t accepts the v4 include with the new settings" gen -f isc -o - --checker "$DHCPD"
check "kea-dhcp4 -t accepts the v4 fragment with the new settings" gen -f kea -o - --checker "$KEA4"
gen -f isc6 -o - --no-checker >"$WORK/isc6.conf"
check "DHCPv6 TFTP files become tftp://[server6]/path URLs" \
	expect_line 'option dhcp6.bootfile-url "tftp://\[2001:db8::1\]/efi64/grubx64.efi";' "$WORK/isc6.conf"
check "a v4-only inventory is refused for -f isc6" sh -c \
	"printf 'server 192.0.2.1\nboot bios p.0\n' >'$WORK/v4only' &&
	 ! '$GEN' -c '$WORK/v4only' -f isc6 -o - --no-checker 2>'$WORK/v4only.err' &&
	 grep -q 'no subnet6 or boot6' '$WORK/v4only.err'"

# ---- DHCPv6 on a veth: srv0 2001:db8::1, clients in netns "cli" --------
sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
ip netns add cli
ip netns exec cli sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
ip link add srv0 type veth peer name cli0
ip link set cli0 netns cli
ip addr add 192.0.2.1/24 dev srv0
ip addr add 2001:db8::1/64 dev srv0 nodad
ip link set srv0 up
ip netns exec cli ip link set lo up
ip netns exec cli ip link set cli0 up
# Kea's test mode wants the subnet6's interface to exist.
check "kea-dhcp6 -t accepts the Dhcp6 fragment" gen -f kea6 -o - --checker "$KEA6"

# ask6 NAME PROBE-ARGS...: one Solicit, what the Advertise said in $WORK/NAME.
ask6() {
	name=$1
	shift
	ip netns exec cli "$PROBE6" -i cli0 -t 4 "$@" >"$WORK/$name" 2>"$WORK/$name.err" || true
}

v6_matrix() {
	srv=$1
	ask6 x64 -m 52:54:00:bb:00:01 -a 7
	check "$srv: UEFI x64 IPv6 PXE (arch 7) gets tftp://[2001:db8::1]/efi64/grubx64.efi" \
		expect_line '^bootfile-url=tftp://\[2001:db8::1\]/efi64/grubx64.efi$' "$WORK/x64"
	check "$srv: and an address from the range" expect_line '^address=2001:db8::1[0-9a-f][0-9a-f]$' "$WORK/x64"
	ask6 x64_9 -m 52:54:00:bb:00:02 -a 9
	check "$srv: arch 9 gets the x64 file too" \
		expect_line '^bootfile-url=tftp://\[2001:db8::1\]/efi64/grubx64.efi$' "$WORK/x64_9"
	ask6 arm64 -m 52:54:00:bb:00:03 -a 11
	check "$srv: ARM64 (arch 11) gets its file" \
		expect_line '^bootfile-url=tftp://\[2001:db8::1\]/arm64/grubaa64.efi$' "$WORK/arm64"
	ask6 ipxe -m 52:54:00:bb:00:06 -a 7 -u iPXE
	check "$srv: iPXE (user class) gets its script, not the firmware's file" \
		expect_line '^bootfile-url=tftp://\[2001:db8::1\]/ipxe/boot.ipxe$' "$WORK/ipxe"
	ask6 plain -m 52:54:00:bb:00:07
	check "$srv: a client that is not booting gets an address and no boot file" sh -c \
		"grep -q '^address=' '$WORK/plain' && ! grep -q '^bootfile-url=' '$WORK/plain'"
	ask6 http -m 52:54:00:bb:00:04 -a 16 -V HTTPClient:Arch:00016:UNDI:003001
	if [ "$srv" = dnsmasq ]; then
		# It cannot echo option 16 with an enterprise number.
		check "$srv: UEFI HTTP boot over IPv6 gets no TFTP file instead" sh -c \
			"grep -q '^address=' '$WORK/http' && ! grep -q '^bootfile-url=' '$WORK/http'"
		return 0
	fi
	check "$srv: UEFI HTTP boot over IPv6 gets the http URL" \
		expect_line '^bootfile-url=http://\[2001:db8::1\]/boot/efi64/shimx64.efi$' "$WORK/http"
	check "$srv: and vendor class 343 HTTPClient echoed" expect_line '^vendor=343:HTTPClient$' "$WORK/http"
	ask6 http_arm -m 52:54:00:bb:00:05 -a 19 -V HTTPClient:Arch:00019:UNDI:003001
	check "$srv: ARM64 HTTP boot (arch 19) gets its own URL" \
		expect_line '^bootfile-url=http://\[2001:db8::1\]/boot/arm64/shimaa64.efi$' "$WORK/http_arm"
}

gen -f isc6 -o "$WORK/pxekit6.conf" --checker "$DHCPD" --no-loaders -q
printf 'include "%s";\n' "$WORK/pxekit6.conf" >"$WORK/dhcpd6.conf"
: >"$WORK/dhcpd6.leases"
spawn "$DHCPD" -6 -f -d -cf "$WORK/dhcpd6.conf" -lf "$WORK/dhcpd6.leases" \
	-pf "$WORK/dhcpd6.pid" srv0 >"$WORK/dhcpd6.log" 2>&1
DHCPD6_PID=$LAST_PID
wait_udp 547 || cat "$WORK/dhcpd6.log"
v6_matrix "dhcpd -6"
stop "$DHCPD6_PID"

gen -f kea6 -o "$WORK/pxekit-dhcp6.json" --checker "$KEA6" --no-loaders -q
mkdir -p "$WORK/kea"
cat >"$WORK/kea6.json" <<JSON
{ "Dhcp6": {
  "interfaces-config": { "interfaces": [ "srv0" ] },
  "lease-database": { "type": "memfile", "persist": false },
  "server-id": { "type": "LL", "persist": false },
  "loggers": [ { "name": "kea-dhcp6", "severity": "INFO",
                 "output_options": [ { "output": "$WORK/kea6.log" } ] } ],
<?include "$WORK/pxekit-dhcp6.json"?>
} }
JSON
KEA_LOCKFILE_DIR=$WORK/kea KEA_PIDFILE_DIR=$WORK/kea \
	spawn "$KEA6" -c "$WORK/kea6.json" >"$WORK/kea6.out" 2>&1
KEA6_PID=$LAST_PID
wait_udp 547 || cat "$WORK/kea6.out"
v6_matrix "kea-dhcp6"
stop "$KEA6_PID"

gen -f dnsmasq -o "$WORK/dnsmasq.conf" --no-loaders -q
spawn dnsmasq --no-daemon --port=0 --conf-file="$WORK/dnsmasq.conf" --interface=srv0 \
	--bind-interfaces --dhcp-leasefile="$WORK/dnsmasq.leases" --pid-file="$WORK/dnsmasq.pid" \
	--user=root --log-dhcp >"$WORK/dnsmasq.log" 2>&1
DNSMASQ_PID=$LAST_PID
wait_udp 547 || cat "$WORK/dnsmasq.log"
v6_matrix dnsmasq

# ---- DHCPv4: BIOS fallback, per-host arch files, subnet options -------
cat >"$WORK/udhcpc.script" <<'SCRIPT'
#!/bin/sh
# Records what the server answered; configures nothing.
[ "$1" = bound ] || exit 0
{
	echo "ip=$ip"
	echo "siaddr=${siaddr:-}"
	echo "boot_file=${boot_file:-}"
	echo "lease=${lease:-}"
	echo "domain=${domain:-}"
	echo "search=${search:-}"
	echo "ntpsrv=${ntpsrv:-}"
} >"$REPLY_FILE"
SCRIPT
chmod 755 "$WORK/udhcpc.script"

ask() {
	name=$1 mac=$2
	shift 2
	ip netns exec cli ip link set cli0 down
	ip netns exec cli ip link set cli0 address "$mac"
	ip netns exec cli ip link set cli0 up
	rm -f "$WORK/$name"
	REPLY_FILE=$WORK/$name ip netns exec cli busybox udhcpc -i cli0 -f -q -n -t 4 -T 1 \
		-s "$WORK/udhcpc.script" -O 60 -O search -O ntpsrv "$@" >"$WORK/$name.log" 2>&1 || true
	[ -f "$WORK/$name" ] || : >"$WORK/$name"
}
boot_file() { expect_line "^boot_file=$2\$" "$WORK/$1"; }

PXE_BIOS="-V PXEClient:Arch:00000:UNDI:002001 -x 0x5d:0000"
PXE_X64="-V PXEClient:Arch:00007:UNDI:003016 -x 0x5d:0007"
PXE_NOARCH="-V PXEClient:Arch:00000:UNDI:002001"

v4_matrix() {
	srv=$1
	ask noarch 52:54:00:aa:00:01 $PXE_NOARCH
	check "$srv: a PXE ROM without option 93 gets the no-arch (BIOS) file" boot_file noarch legacy/pxelinux.0
	ask bios 52:54:00:aa:00:02 $PXE_BIOS
	check "$srv: BIOS with option 93 still gets the bios file" boot_file bios bios/pxelinux.0
	ask x64 52:54:00:aa:00:03 $PXE_X64
	check "$srv: UEFI x64 gets the secure-boot pair's shim" boot_file x64 debian-installer/amd64/bootnetx64.efi
	check "$srv: the subnet's lease time" expect_line '^lease=3600$' "$WORK/x64"
	check "$srv: the subnet's domain" expect_line '^domain=lab.example.org$' "$WORK/x64"
	check "$srv: the subnet's search list" expect_line '^search=lab.example.org example.org$' "$WORK/x64"
	check "$srv: the subnet's NTP servers" expect_line '^ntpsrv=192.0.2.1 192.0.2.2$' "$WORK/x64"
	ask dual_bios 52:54:00:12:34:01 $PXE_BIOS
	check "$srv: dual host booting BIOS gets its own BIOS file" boot_file dual_bios dual/pxelinux.0
	ask dual_uefi 52:54:00:12:34:01 $PXE_X64
	check "$srv: dual host booting UEFI gets its own UEFI file" boot_file dual_uefi dual/ipxe.efi
	ask half_uefi 52:54:00:12:34:02 $PXE_X64
	check "$srv: a host with a BIOS file only gets the class's file for UEFI" \
		boot_file half_uefi debian-installer/amd64/bootnetx64.efi
	ask half_bios 52:54:00:12:34:02 $PXE_BIOS
	check "$srv: and its own file for BIOS" boot_file half_bios half/pxelinux.0
	ask racked 52:54:00:12:34:03 $PXE_BIOS
	check "$srv: a host gets its group's per-arch file" boot_file racked rack/lpxelinux.0
}

stop "$DNSMASQ_PID"
gen -f dnsmasq -o "$WORK/dnsmasq.conf" --no-loaders -q
spawn dnsmasq --no-daemon --port=0 --conf-file="$WORK/dnsmasq.conf" --interface=srv0 \
	--bind-interfaces --dhcp-leasefile="$WORK/dnsmasq4.leases" --pid-file="$WORK/dnsmasq.pid" \
	--user=root --log-dhcp >"$WORK/dnsmasq4.log" 2>&1
DNSMASQ_PID=$LAST_PID
wait_udp 67 || cat "$WORK/dnsmasq4.log"
v4_matrix dnsmasq
stop "$DNSMASQ_PID"

gen -f isc -o "$WORK/pxekit.conf" --checker "$DHCPD" --no-loaders -q
start_dhcpd "$WORK/pxekit.conf" srv0 "$WORK/dhcpd.log"
v4_matrix dhcpd
stop "$DHCPD_PID"

# ---- proxy DHCP beside another server ----------------------------------
cat >"$WORK/proxy.inv" <<'INV'
server 192.0.2.1
timeout 0
subnet 192.0.2.0/24 proxy
boot bios       bios/pxelinux.0
boot uefi-x64   efi64/grubx64.efi
boot ipxe       ipxe/boot.ipxe
INV
pgen() { "$GEN" -c "$WORK/proxy.inv" --manifest "$WORK/pmanifest" -t "$WORK/ptftp" "$@"; }
check "dnsmasq --test accepts the proxy file" pgen -f dnsmasq -o "$WORK/proxy.conf" --checker "$(command -v dnsmasq)" -q
check "the proxy range leases nothing" expect_line '^dhcp-range=set:pxekit-net1,192.0.2.0,proxy,255.255.255.0$' "$WORK/proxy.conf"
check "ISC is refused for a proxy subnet, with the reason" sh -c \
	"! '$GEN' -c '$WORK/proxy.inv' -f isc -o - --no-checker 2>'$WORK/proxy.err' && grep -q 'proxy subnet needs -f dnsmasq' '$WORK/proxy.err'"
check "Kea is refused too" sh -c "! '$GEN' -c '$WORK/proxy.inv' -f kea -o - --no-checker 2>/dev/null"
spawn dnsmasq --no-daemon --port=0 --conf-file="$WORK/proxy.conf" --interface=srv0 \
	--bind-interfaces --dhcp-leasefile="$WORK/proxy.leases" --pid-file="$WORK/proxy.pid" \
	--user=root --log-dhcp >"$WORK/proxy.log" 2>&1
PROXY_PID=$LAST_PID
wait_udp 67 || cat "$WORK/proxy.log"
ask pbios 52:54:00:cc:00:01 $PXE_BIOS
ask px64 52:54:00:cc:00:02 $PXE_X64
ask pplain 52:54:00:cc:00:03
stop "$PROXY_PID"
check "proxy dnsmasq answers the BIOS PXE client as proxy" expect_line 'PXE\(srv0\) 52:54:00:cc:00:01 proxy' "$WORK/proxy.log"
check "with the BIOS menu entry's file" expect_line 'bootfile name: bios/pxelinux.0' "$WORK/proxy.log"
# dnsmasq sends EFI clients to the boot server's port 4011 for the file.
check "and the UEFI client as proxy, tagged uefi-x64 and sent to the boot server" sh -c \
	"grep -q 'PXE(srv0) 52:54:00:cc:00:02 proxy' '$WORK/proxy.log' &&
	 grep -q 'tags: pxekit-net1, pxekit-uefi-x64' '$WORK/proxy.log' &&
	 grep -q 'next server: 192.0.2.1' '$WORK/proxy.log'"
check "the proxy leased no address" sh -c "! grep -q '^ip=' '$WORK/pbios' '$WORK/pplain'"
check "and ignored a client that is not PXE" sh -c "! grep -q '52:54:00:cc:00:03' '$WORK/proxy.log' || ! grep -q 'PXE(srv0) 52:54:00:cc:00:03' '$WORK/proxy.log'"

# ---- loader files: per-host command lines, secure-boot menus ----------
gen -f isc -o "$WORK/out/pxekit.conf" --checker "$DHCPD" -q
T=$WORK/tftp
check "PXELINUX per-host APPEND: profile, group and host, templates expanded" \
	expect_line '^  APPEND auto=true priority=critical url=http://192.0.2.1/preseed/52-54-00-12-34-03.cfg hostname=racked ip=192.0.2.103$' \
	"$T/bios/pxelinux.cfg/01-52-54-00-12-34-03"
check "GRUB per-host linux line, one quoted word each" \
	expect_line "'url=http://192.0.2.1/preseed/52-54-00-12-34-03.cfg' 'hostname=racked' 'ip=192.0.2.103'" \
	"$T/grub/grub.cfg-52:54:00:12:34:03"
# iPXE gets the line as a hex setting used as one word: decode it.
perl -ne 'print pack("H*", join("", split(/:/, $1))), "\n" if /^set pxekit-append-debian12:hex (\S+)$/' \
	"$T/ipxe/52-54-00-12-34-03.ipxe" >"$WORK/ipxe-append"
check "iPXE per-host command line, in the setting the kernel line uses" sh -c \
	"grep -qx 'auto=true priority=critical url=http://192.0.2.1/preseed/52-54-00-12-34-03.cfg hostname=racked ip=192.0.2.103' '$WORK/ipxe-append' &&
	 grep -q '^kernel /debian-installer/amd64/linux initrd=initrd \${pxekit-append-debian12:string}\$' '$T/ipxe/52-54-00-12-34-03.ipxe'"
check "a host's own lpxelinux.0 (from its group) finds its file beside it" \
	expect_line '^  APPEND .*hostname=racked' "$T/rack/pxelinux.cfg/01-52-54-00-12-34-03"
check "the shared menu keeps the profile's own line" sh -c "! grep -q preseed '$T/bios/pxelinux.cfg/default'"
check "Debian's secure-boot GRUB menu in its compiled-in prefix" \
	test -s "$T/debian-installer/amd64/grub/grub.cfg"
check "and its per-host file by \$net_default_mac" \
	cmp "$T/grub/grub.cfg-52:54:00:12:34:03" "$T/debian-installer/amd64/grub/grub.cfg-52:54:00:12:34:03"
# GRUB's own parser on every menu, the per-host command lines included.
GRUB_CHECK=$PEERS/grub-common/usr/bin/grub-script-check
if [ -x "$GRUB_CHECK" ]; then
	check "grub-script-check accepts every generated GRUB file" sh -c \
		"for f in '$T'/grub/grub.cfg* '$T'/debian-installer/amd64/grub/grub.cfg*; do '$GRUB_CHECK' \"\$f\" || exit 1; done"
else
	not_ok "grub-script-check missing: run tools/install-deps --test"
fi
# The prefix really is compiled into Debian's signed netboot GRUB.
DI=$PEERS/debian-installer-12-netboot-amd64/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64
if [ -f "$DI/grubx64.efi" ]; then
	check "Debian's grubx64.efi carries the prefix /debian-installer/amd64/grub" \
		sh -c "strings '$DI/grubx64.efi' | grep -qx /debian-installer/amd64/grub"
	check "and its shim is bootnetx64.efi beside it" test -f "$DI/bootnetx64.efi"
fi

# ---- inventory errors --------------------------------------------------
cat >"$WORK/bad" <<'INV'
server 192.0.2.1
subnet 192.0.2.0/24 proxy lease-time 600
subnet6 2001:db8::1/64
boot6 uefi-x64 efi/x.efi
secure-boot uefi-x64 suse d
profile p kernel k
host a mac 52:54:00:00:00:01 profile p append "x=${nope}"
host b mac 52:54:00:00:00:02 group g
INV
"$GEN" -c "$WORK/bad" -o - --no-checker >"$WORK/bad.out" 2>&1 && rc=0 || rc=$?
check "a bad inventory exits 1" test "$rc" = 1
check "proxy with a lease time, with file:line:col" expect_line "bad:2:1: error: a proxy subnet leases nothing" "$WORK/bad.out"
check "subnet6 with host bits" expect_line "bad:3:9: error: 2001:db8::1/64 has host bits set" "$WORK/bad.out"
check "boot6 path without server6" expect_line "bad:4:1: error: boot6 uefi-x64: a TFTP path needs 'server6 ADDRESS'" "$WORK/bad.out"
check "unknown secure-boot layout" expect_line "bad:5:22: error: unknown layout 'suse'" "$WORK/bad.out"
check "unknown template variable" expect_line "bad:7:50: error: '\\$' starts a template variable" "$WORK/bad.out"
check "unknown group" expect_line "bad:8:36: error: unknown group 'g'" "$WORK/bad.out"
finish
