#!/bin/sh
# pxe-dhcpgen --kea-lists beside an administrator's own Kea configuration
# (issue 19, Medium 9): the admin's kea-dhcp4.conf has its own
# client-classes, its own subnet4 with a reservation, global
# reservations and a hook library, and pulls pxekit's pieces in with
# <?include?> inside those lists. The checker runs the real kea-dhcp4 -t
# on that file; a live kea-dhcp4 fed it answers busybox udhcpc posing as
# PXE firmware (option 93) with pxekit's boot file on one veth, and the
# admin's reservation and class on another. Conflicts (same subnet id,
# same class name, same reservation) are refused, naming the files, and
# nothing is written. The same for kea-dhcp6 -t with subnet6.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need busybox ip
GEN=$top_builddir/dhcp-snippets/pxe-dhcpgen
KEA4=$PEERS/kea-dhcp4-server/usr/sbin/kea-dhcp4
KEA6=$PEERS/kea-dhcp6-server/usr/sbin/kea-dhcp6
# An admin's hook library: kea-common's lease_cmds (tools/install-deps).
HOOK=$(ls /usr/lib/*/kea/hooks/libdhcp_lease_cmds.so 2>/dev/null | head -n 1)
HOOK=${HOOK:-/usr/lib/kea/hooks/libdhcp_lease_cmds.so}
for tool in "$KEA4" "$KEA6" "$HOOK"; do
	[ -e "$tool" ] || { echo "missing $tool: run tools/install-deps --test"; exit 99; }
done

cat >"$WORK/inventory" <<'INV'
server 192.0.2.1
subnet 192.0.2.0/24 {
    range 192.0.2.150 192.0.2.199
    router 192.0.2.1
}
boot bios       bios/pxelinux.0
boot uefi-x64   efi64/grubx64.efi
profile disk label "Local disk" localboot
default-profile disk
host node01 mac 52:54:00:12:34:01 address 192.0.2.101 profile disk
host node05 mac 52:54:00:12:34:05 profile disk
host retired mac 52:54:00:12:34:03 noboot
INV
K=$WORK/kea
mkdir -p "$K"
gen() {
	"$GEN" -c "$WORK/inventory" --manifest "$WORK/manifest" -t "$WORK/tftp" -f kea --kea-lists \
		-o "$K/pxekit-dhcp4.json" --checker "$KEA4" "$@"
}

# admin_conf FILE [EXTRA-CLASS] [EXTRA-SUBNET] [EXTRA-RESERVATION]: the
# admin's kea-dhcp4.conf; the extras go first in their lists.
admin_conf() {
	cat >"$1" <<JSON
{ "Dhcp4": {
  "interfaces-config": { "interfaces": [ "srv0", "srv1" ] },
  "lease-database": { "type": "memfile", "persist": false },
  "hooks-libraries": [ { "library": "$HOOK" } ],
  "loggers": [ { "name": "kea-dhcp4", "severity": "INFO",
                 "output_options": [ { "output": "$WORK/kea4.log" } ] } ],
  "client-classes": [ ${2:-}
    { "name": "admin-phones", "test": "substring(option[60].hex,0,10) == 'AdminPhone'",
      "option-data": [ { "name": "domain-name", "data": "phones.example" } ] },
    <?include "$K/pxekit-dhcp4-client-classes.json"?>
  ],
  "subnet4": [ ${3:-}
    { "id": 1, "subnet": "198.51.100.0/24", "interface": "srv1",
      "pools": [ { "pool": "198.51.100.100 - 198.51.100.199" } ],
      "reservations": [ { "hw-address": "52:54:00:99:00:01", "ip-address": "198.51.100.9" } ] },
    <?include "$K/pxekit-dhcp4-subnet4.json"?>
  ],
  "reservations-global": true, "reservations-in-subnet": true,
  "reservations": [ ${4:-}
    { "hw-address": "52:54:00:99:00:02", "hostname": "adminbox" },
    <?include "$K/pxekit-dhcp4-reservations.json"?>
  ]
} }
JSON
}
# Two links: pxekit's subnet on srv0, the admin's on srv1 (kea-dhcp4 -t
# wants the interfaces the file names to exist).
ip netns add cli
for i in 0 1; do
	ip link add srv$i type veth peer name cli$i
	ip link set cli$i netns cli
	ip link set srv$i up
	ip netns exec cli ip link set cli$i up
done
ip addr add 192.0.2.1/24 dev srv0
ip addr add 198.51.100.1/24 dev srv1
ip netns exec cli ip link set lo up
admin_conf "$WORK/kea-dhcp4.conf"

check "the whole fragment cannot go beside the admin's own client-classes (why --kea-lists)" \
	sh -c "! '$GEN' -c '$WORK/inventory' -f kea -o '$K/pxekit-dhcp4.json' --checker '$KEA4' \
		--main-config '$WORK/kea-dhcp4.conf' --check >'$WORK/whole.out' 2>&1"
check "and the refusal points at --kea-lists" grep -q -- '--kea-lists' "$WORK/whole.out"
check "--check: kea-dhcp4 -t passes on the admin's file with the pieces in its lists" \
	gen --main-config "$WORK/kea-dhcp4.conf" --check
check "--check wrote nothing" sh -c "[ -z \"\$(ls '$K')\" ] && [ ! -e '$WORK/manifest' ]"
check "the real run writes the three pieces" gen --main-config "$WORK/kea-dhcp4.conf" -q
for l in client-classes subnet4 reservations; do
	check "$l piece written" test -s "$K/pxekit-dhcp4-$l.json"
done
check "the admin's file itself is untouched" grep -q '"admin-phones"' "$WORK/kea-dhcp4.conf"
check "real kea-dhcp4 -t on the admin's file with the written pieces" \
	"$KEA4" -t "$WORK/kea-dhcp4.conf"
check "a second run changes nothing" sh -c \
	"'$GEN' -c '$WORK/inventory' --manifest '$WORK/manifest' -t '$WORK/tftp' -f kea --kea-lists \
	 -o '$K/pxekit-dhcp4.json' --checker '$KEA4' --main-config '$WORK/kea-dhcp4.conf' 2>&1 |
	 grep -q ' 0 written'"

# ---- a live kea-dhcp4 with the admin's file -------------------------
cat >"$WORK/udhcpc.script" <<'SCRIPT'
#!/bin/sh
# Records what the server answered; configures nothing.
[ "$1" = bound ] || exit 0
{
	echo "ip=$ip"
	echo "siaddr=${siaddr:-}"
	echo "boot_file=${boot_file:-}"
	echo "domain=${domain:-}"
} >"$REPLY_FILE"
SCRIPT
chmod 755 "$WORK/udhcpc.script"
# ask NAME IFACE MAC UDHCPC-ARGS...: one exchange, the answer in $WORK/NAME.
ask() {
	name=$1 ifc=$2 mac=$3
	shift 3
	ip netns exec cli ip link set "$ifc" down
	ip netns exec cli ip link set "$ifc" address "$mac"
	ip netns exec cli ip link set "$ifc" up
	rm -f "$WORK/$name"
	REPLY_FILE=$WORK/$name ip netns exec cli busybox udhcpc -i "$ifc" -f -q -n -t 4 -T 1 \
		-s "$WORK/udhcpc.script" -O 60 "$@" >"$WORK/$name.log" 2>&1 || true
	[ -f "$WORK/$name" ] || : >"$WORK/$name"
}
PXE_BIOS="-V PXEClient:Arch:00000:UNDI:002001 -x 0x5d:0000"
PXE_X64="-V PXEClient:Arch:00007:UNDI:003016 -x 0x5d:0007"

mkdir -p "$WORK/run"
KEA_LOCKFILE_DIR=$WORK/run KEA_PIDFILE_DIR=$WORK/run \
	spawn "$KEA4" -c "$WORK/kea-dhcp4.conf" >"$WORK/kea4.out" 2>&1
KEA4_PID=$LAST_PID
wait_udp 67 || cat "$WORK/kea4.out"
ask bios cli0 52:54:00:aa:00:01 $PXE_BIOS
check "PXE BIOS client (option 93 = 0) gets pxekit's boot file and next-server" sh -c \
	"grep -qx 'boot_file=bios/pxelinux.0' '$WORK/bios' && grep -qx 'siaddr=192.0.2.1' '$WORK/bios'"
check "from pxekit's pool" expect_line '^ip=192\.0\.2\.1[5-9][0-9]$' "$WORK/bios"
ask x64 cli0 52:54:00:aa:00:02 $PXE_X64
check "UEFI x64 client (option 93 = 7) gets the UEFI file" expect_line '^boot_file=efi64/grubx64.efi$' "$WORK/x64"
ask node01 cli0 52:54:00:12:34:01 $PXE_BIOS
check "pxekit's reservation in its subnet" expect_line '^ip=192.0.2.101$' "$WORK/node01"
ask retired cli0 52:54:00:12:34:03 $PXE_BIOS
check "pxekit's noboot host is not answered (DROP beside the admin's classes)" \
	sh -c "! grep -q ip= '$WORK/retired'"
ask admin cli1 52:54:00:99:00:01
check "the admin's own subnet still answers with the admin's reservation" \
	expect_line '^ip=198.51.100.9$' "$WORK/admin"
check "and sends no boot file to a client that is not PXE" expect_line '^boot_file=$' "$WORK/admin"
ask phone cli1 52:54:00:99:00:03 -V AdminPhone
check "the admin's own class still applies" expect_line '^domain=phones.example$' "$WORK/phone"
check "from the admin's pool" expect_line '^ip=198\.51\.100\.1[0-9][0-9]$' "$WORK/phone"
check "the admin's hook library is loaded" grep -q 'libdhcp_lease_cmds' "$WORK/kea4.log"
stop "$KEA4_PID"

# ---- conflicts: refused, the files named, nothing written -----------
echo "host node09 mac 52:54:00:12:34:09 address 192.0.2.109 profile disk" >>"$WORK/inventory"
snap() { (cd "$WORK" && ls -l --time-style=full-iso kea tftp manifest && cat kea/*) ; }
snap >"$WORK/before"
# refused NAME WHAT PATTERN PIECE: the admin file $WORK/NAME is refused.
refused() {
	gen --main-config "$WORK/$1" >"$WORK/$1.out" 2>&1 && rc=0 || rc=$?
	check "$2: refused with exit status 1" test "$rc" = 1
	check "$2: kea-dhcp4's reason shown" grep -q "$3" "$WORK/$1.out"
	check "$2: the piece and the admin's file are named" sh -c \
		"grep -q '$K/pxekit-dhcp4-$4.json' '$WORK/$1.out' && grep -q '$WORK/$1' '$WORK/$1.out'"
	snap >"$WORK/after"
	check "$2: nothing was written" cmp -s "$WORK/before" "$WORK/after"
}
# pxekit's id for 192.0.2.0/24 is the network address, 3221225984.
admin_conf "$WORK/same-id.conf" "" '{ "id": 3221225984, "subnet": "203.0.113.0/24" },'
refused same-id.conf "the admin's subnet with pxekit's subnet id" "already in use" subnet4
admin_conf "$WORK/same-class.conf" '{ "name": "pxekit-bios" },'
refused same-class.conf "the admin's class named like pxekit's" "already been defined" client-classes
admin_conf "$WORK/same-host.conf" "" "" '{ "hw-address": "52:54:00:12:34:05", "hostname": "mine" },'
refused same-host.conf "the admin's global reservation for pxekit's host" "already been added" reservations
grep -v 'pxekit-dhcp4-subnet4' "$WORK/kea-dhcp4.conf" >"$WORK/no-include.conf"
gen --main-config "$WORK/no-include.conf" >"$WORK/no-include.out" 2>&1 && rc=0 || rc=$?
check "a main file without the subnet4 include is refused" test "$rc" = 1
check "and the exact line to add is shown" \
	grep -q "<?include \"$K/pxekit-dhcp4-subnet4.json\"?>" "$WORK/no-include.out"
snap >"$WORK/after"
check "nothing was written" cmp -s "$WORK/before" "$WORK/after"
check "without a conflict the new host is written" gen --main-config "$WORK/kea-dhcp4.conf" -q
check "the new reservation is in the subnet4 piece" grep -q '192.0.2.109' "$K/pxekit-dhcp4-subnet4.json"

# ---- Kea DHCPv6: the same beside an admin's own subnet6 --------------
cat >"$WORK/inventory6" <<'INV'
server 192.0.2.1
server6 2001:db8::1
subnet6 2001:db8::/64 range 2001:db8::1000 2001:db8::1fff
boot6 uefi-x64 efi64/grubx64.efi
INV
gen6() {
	"$GEN" -c "$WORK/inventory6" --manifest "$WORK/manifest6" -t "$WORK/tftp6" -f kea6 --kea-lists \
		-o "$K/pxekit-dhcp6.json" --checker "$KEA6" --no-loaders "$@"
}
admin6() { # FILE ID
	cat >"$1" <<JSON
{ "Dhcp6": {
  "interfaces-config": { "interfaces": [ ] },
  "client-classes": [
    { "name": "admin-v6", "test": "option[16].exists" },
    <?include "$K/pxekit-dhcp6-client-classes.json"?>
  ],
  "subnet6": [
    { "id": $2, "subnet": "2001:db8:1::/64" },
    <?include "$K/pxekit-dhcp6-subnet6.json"?>
  ]
} }
JSON
}
admin6 "$WORK/kea-dhcp6.conf" 1
check "kea6: --check passes inside the admin's kea-dhcp6.conf" gen6 --main-config "$WORK/kea-dhcp6.conf" --check
check "kea6: the pieces are written" gen6 --main-config "$WORK/kea-dhcp6.conf" -q
check "kea6: real kea-dhcp6 -t on the admin's file with them" "$KEA6" -t "$WORK/kea-dhcp6.conf"
id6=$(sed -n 's/.*"id": \([0-9]*\).*/\1/p' "$K/pxekit-dhcp6-subnet6.json")
admin6 "$WORK/kea6-same-id.conf" "$id6"
cp "$K/pxekit-dhcp6-subnet6.json" "$WORK/subnet6.before"
echo "subnet6 2001:db8:2::/64" >>"$WORK/inventory6"
gen6 --main-config "$WORK/kea6-same-id.conf" >"$WORK/kea6-same-id.out" 2>&1 && rc=0 || rc=$?
check "kea6: the admin's subnet6 with pxekit's id is refused" sh -c \
	"[ $rc = 1 ] && grep -q 'already in use' '$WORK/kea6-same-id.out'"
check "kea6: nothing written" cmp "$WORK/subnet6.before" "$K/pxekit-dhcp6-subnet6.json"
check "--kea-lists with another format is a usage error" sh -c \
	"'$GEN' -c '$WORK/inventory' -f isc --kea-lists -o - --no-checker 2>/dev/null; [ \$? = 2 ]"
finish
