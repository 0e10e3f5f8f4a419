#!/bin/sh
# The HTTP boot path (issue 18): with http-server in the inventory, a
# QEMU BIOS machine (SeaBIOS + Debian's iPXE ROM) gets its address from
# ISC dhcpd with pxe-dhcpgen's include and its iPXE scripts from
# pxekit's in.tftpd, then fetches Debian's kernel and a busybox initrd
# over HTTP from a real nginx (Debian's, unpacked by tools/install-deps)
# serving pxe-dhcpgen --nginx's server block, included by Debian's stock
# nginx.conf with its paths moved into the test's directory. Checked: the
# guest's serial console shows the kernel ran the initrd's /init, nginx's
# access log has both files sent (200, or 206 for ranges), in.tftpd
# never sent them; the block serves ranges, refuses writes, listings and
# paths outside the TFTP root; the images pxe-image registered (an ISO
# file, an unpacked tree) are served at their http-url, with ranges, and
# one whose state file names a path nginx would need quoted is left out;
# a URL that would break a loader's syntax is refused with file:line and
# nothing is written. And a UEFI machine (OVMF + iPXE's EFI ROM) with
# Debian's signed grubnetx64.efi, which has no http module: with the
# http-server in the inventory its grub.cfg still loads kernel and initrd
# over TFTP (loaders.c grub_file says why GRUB stays on TFTP).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need qemu-system-x86_64 ip ss curl xorriso busybox dnsmasq od
GEN=$top_builddir/dhcp-snippets/pxe-dhcpgen
ROM=/usr/lib/ipxe/qemu/pxe-e1000.rom
EFI_ROM=/usr/lib/ipxe/qemu/efi-e1000.rom
OVMF=/usr/share/ovmf/OVMF.fd
GRUBNET=$PEERS/grub-efi-amd64-signed/usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed
GRUB_CHECK=$PEERS/grub-common/usr/bin/grub-script-check
NGX=$PEERS/nginx
NGINX=$NGX/usr/sbin/nginx
KEA=$PEERS/kea-dhcp4-server/usr/sbin/kea-dhcp4
for f in "$DHCPD" "$KEA" "$ROM" "$EFI_ROM" "$OVMF" "$GRUBNET" "$GRUB_CHECK" "$NGINX" "$NGX/etc/nginx/nginx.conf" "$NGX/etc/nginx/mime.types"; do
	[ -e "$f" ] || { echo "missing $f: run tools/install-deps --test"; exit 99; }
done
MAC=52:54:00:12:35:01

ip tuntap add tap0 mode tap
ip addr add 192.0.2.1/24 dev tap0
ip link set tap0 up

ROOT=$WORK/tftp
mkdir -p "$ROOT/k" "$WORK/initramfs"
cp "$(guest_kernel)" "$ROOT/k/vmlinuz"
cat >"$WORK/initramfs/init" <<'EOT'
#!/bin/sh
. /etc/guest-start
echo "PXEKIT-HTTP-BOOTED kernel $(cat /proc/sys/kernel/osrelease)"
reboot -f
EOT
make_initramfs "$WORK/initramfs" "$ROOT/k/initrd.gz"
chmod -R a+rX "$ROOT"

inventory() { # HTTP-SERVER-LINE
	{
		echo "server 192.0.2.1"
		echo "$1"
		echo "subnet 192.0.2.0/24 range 192.0.2.150 192.0.2.199"
		echo "boot bios pxelinux.0"
		echo "boot ipxe ipxe/boot.ipxe"
		echo "profile http kernel k/vmlinuz initrd k/initrd.gz append \"console=ttyS0 panic=-1\""
		echo "host node01 mac $MAC address 192.0.2.101 profile http"
	} >"$WORK/inventory"
}

# Bad input first: refused with file:line, nothing written.
refused() { # NAME INVENTORY-LINE WANT
	rm -rf "$WORK/bad" && mkdir -p "$WORK/bad/tftp"
	inventory "$2"
	if "$GEN" -c "$WORK/inventory" -o "$WORK/bad/dhcpd.conf" -t "$WORK/bad/tftp" \
		--manifest "$WORK/bad/manifest" --checker "$DHCPD" -q >"$WORK/bad/out" 2>&1; then
		not_ok "$1: accepted"
		return
	fi
	"$GEN" -c "$WORK/inventory" --nginx "$WORK/bad/nginx.conf" -t "$WORK/bad/tftp" \
		--manifest "$WORK/bad/manifest" --checker "$NGINX" -q >>"$WORK/bad/out" 2>&1 || true
	check "$1: refused with file:line:col" expect_line "$3" "$WORK/bad/out"
	check "$1: nothing written" sh -c "[ -z \"\$(find '$WORK/bad' -mindepth 1 ! -name out ! -name tftp)\" ] &&
		[ -z \"\$(ls -A '$WORK/bad/tftp')\" ]"
}
refused "http-server with a space" 'http-server "http://192.0.2.1/a b"' \
	"^$WORK/inventory:2:32: error: character ' ' is not allowed in an http-server URL"
refused "http-server with a quote" "http-server \"http://192.0.2.1/a'b\"" \
	"^$WORK/inventory:2:32: error: character ''' is not allowed in an http-server URL"
refused "http-server with ';'" 'http-server http://192.0.2.1/a;b' \
	"^$WORK/inventory:2:.*: error: character ';' is not allowed"
refused "https http-server" 'http-server https://192.0.2.1/pxekit' \
	"^$WORK/inventory:2:13: error: http-server must be http://"

# pxe-image's images: a Rocky-layout ISO and the same as a tree, in a
# scratch state directory; pxe-image's default http-url base is
# http://SERVER/pxekit, the http-server below.
mkdir -p "$WORK/rocky/images/pxeboot" "$WORK/isos" "$WORK/empty"
printf '[general]\narch = x86_64\nfamily = Rocky Linux\nversion = 10.0\n[images-x86_64]\nkernel = images/pxeboot/vmlinuz\ninitrd = images/pxeboot/initrd.img\n' \
	>"$WORK/rocky/.treeinfo"
head -c 100000 /dev/urandom >"$WORK/rocky/images/pxeboot/vmlinuz"
head -c 200000 /dev/urandom >"$WORK/rocky/images/pxeboot/initrd.img"
head -c 3000000 /dev/urandom >"$WORK/rocky/images/install.img"
xorriso -as mkisofs -quiet -R -J -V rocky -o "$WORK/isos/rocky.iso" "$WORK/rocky" 2>/dev/null
chmod -R a+rX "$WORK/rocky" "$WORK/isos"
PXEIMAGE="$top_builddir/image/pxe-image --rules $top_srcdir/etc/image-rules --rules-dir $WORK/empty"
PXEIMAGE="$PXEIMAGE --tftp-root $ROOT --state-dir $WORK/state --exports-dir $WORK/exports.d"
PXEIMAGE="$PXEIMAGE --profiles-dir $WORK/images.d --inventory $WORK/inventory"
$PXEIMAGE add --name rocky --server 192.0.2.1 "$WORK/isos/rocky.iso" >"$WORK/pxe-image.out" 2>&1 ||
	{ cat "$WORK/pxe-image.out"; exit 1; }
$PXEIMAGE add --name rocky-tree --server 192.0.2.1 "$WORK/rocky" >>"$WORK/pxe-image.out" 2>&1 ||
	{ cat "$WORK/pxe-image.out"; exit 1; }
chmod -R a+rX "$ROOT"
# A state file nginx cannot take as it is: left out, with a warning.
sed -e 's|^name: rocky$|name: bad|' -e 's|^http-url: .*|http-url: http://192.0.2.1/pxekit/bad/|' \
	-e "s|^http-serves: .*|http-serves: $WORK/a b|" "$WORK/state/rocky-tree.state" >"$WORK/state/bad.state"

inventory "http-server http://192.0.2.1/pxekit"
"$GEN" -c "$WORK/inventory" -o "$WORK/pxekit-dhcpd.conf" -t "$ROOT" --manifest "$WORK/manifest" \
	--checker "$DHCPD" -q
check "iPXE menu: the host's kernel and initrd are http:// URLs under the http-server" \
	sh -c "grep -qx 'kernel http://192.0.2.1/pxekit/k/vmlinuz initrd=initrd \${pxekit-append-http:string}' '$ROOT/ipxe/52-54-00-12-35-01.ipxe' &&
	       grep -qx 'initrd --name initrd http://192.0.2.1/pxekit/k/initrd.gz' '$ROOT/ipxe/52-54-00-12-35-01.ipxe'"
check "PXELINUX keeps TFTP paths" expect_line '^  KERNEL k/vmlinuz$' "$ROOT/pxelinux.cfg/default"
check "pxe-dhcpgen --nginx: the block passes the real nginx -t" \
	"$GEN" -c "$WORK/inventory" --nginx "$WORK/conf.d/pxekit.conf" --images "$WORK/state" -t "$ROOT" \
	--manifest "$WORK/manifest" --checker "$NGINX"
check "pxe-dhcpgen --nginx: a second run changes nothing" sh -c \
	"'$GEN' -c '$WORK/inventory' --nginx '$WORK/conf.d/pxekit.conf' --images '$WORK/state' -t '$ROOT' --manifest '$WORK/manifest' --checker '$NGINX' 2>&1 | grep -q unchanged"
check "pxe-dhcpgen --nginx: an image whose path nginx would need quoted is left out, said" sh -c \
	"'$GEN' -c '$WORK/inventory' --nginx - --images '$WORK/state' -t '$ROOT' --no-checker 2>&1 >/dev/null |
	 grep -q 'bad.state: its http-serves path holds a character nginx would need quoted; the image is not served' &&
	 ! grep -q 'bad' '$WORK/conf.d/pxekit.conf'"
# A file pxe-dhcpgen did not write is not replaced.
echo "server { }" >"$WORK/theirs.conf"
check "pxe-dhcpgen --nginx: refuses to replace a file it did not write" sh -c \
	"! '$GEN' -c '$WORK/inventory' --nginx '$WORK/theirs.conf' -t '$ROOT' --manifest '$WORK/manifest' --no-checker -q 2>/dev/null &&
	 [ \"\$(cat '$WORK/theirs.conf')\" = 'server { }' ]"

# Debian's stock nginx.conf, its paths moved here; conf.d/ is where the
# block goes on a real server.
mkdir -p "$WORK/nginx"
sed -e "s|/etc/nginx/conf.d/|$WORK/conf.d/|" -e "s|/etc/nginx/|$NGX/etc/nginx/|g" \
	-e "s|/run/nginx.pid|$WORK/nginx.pid|" -e "s|/var/log/nginx/|$WORK/nginx-|g" \
	-e "s|^http {|http {\n\tclient_body_temp_path $WORK/nginx/body;\n\tproxy_temp_path $WORK/nginx/proxy;\n\tfastcgi_temp_path $WORK/nginx/fastcgi;\n\tuwsgi_temp_path $WORK/nginx/uwsgi;\n\tscgi_temp_path $WORK/nginx/scgi;|" \
	"$NGX/etc/nginx/nginx.conf" >"$WORK/nginx.conf"
check "Debian's nginx.conf with the block included passes nginx -t" \
	"$NGINX" -t -p "$WORK/nginx/" -c "$WORK/nginx.conf" -e "$WORK/nginx-error.log"
spawn "$NGINX" -p "$WORK/nginx/" -c "$WORK/nginx.conf" -e "$WORK/nginx-error.log" -g 'daemon off;'
NGINX_PID=$LAST_PID
i=0
until ss -Hntl 'sport = :80' | grep -q . || [ $i -ge 100 ]; do sleep 0.05; i=$((i + 1)); done

# What the block does, asked with curl.
URL=http://192.0.2.1/pxekit
check "nginx: a range request is answered 206 with exactly those bytes" sh -c \
	"[ \"\$(curl -s -o '$WORK/part' -w '%{http_code}' -r 100-4195 $URL/k/vmlinuz)\" = 206 ] &&
	 tail -c +101 '$ROOT/k/vmlinuz' | head -c 4096 | cmp - '$WORK/part'"
check "nginx: a whole file is the file" sh -c "curl -sf $URL/k/initrd.gz | cmp - '$ROOT/k/initrd.gz'"
check "nginx: pxe-image's ISO at its http-url, a range 206 with exactly those bytes" sh -c \
	"[ \"\$(curl -s -o '$WORK/isopart' -w '%{http_code}' -r 32768-40959 $URL/rocky/rocky.iso)\" = 206 ] &&
	 tail -c +32769 '$WORK/isos/rocky.iso' | head -c 8192 | cmp - '$WORK/isopart'"
check "nginx: pxe-image's tree at its http-url" sh -c \
	"curl -sf $URL/rocky-tree/images/install.img | cmp - '$WORK/rocky/images/install.img'"
check "nginx: the kernel pxe-image copied into the TFTP root" sh -c \
	"curl -sf $URL/images/rocky/vmlinuz | cmp - '$WORK/rocky/images/pxeboot/vmlinuz'"
check "nginx: nothing beside the ISO in its directory (404)" sh -c \
	"[ \"\$(curl -s -o /dev/null -w '%{http_code}' $URL/rocky/other.iso)\" = 404 ]"
check "nginx: PUT is refused (403)" sh -c \
	"[ \"\$(curl -s -o /dev/null -w '%{http_code}' -T '$WORK/inventory' $URL/k/new)\" = 403 ] && [ ! -e '$ROOT/k/new' ]"
check "nginx: no directory listing (403)" sh -c \
	"[ \"\$(curl -s -o /dev/null -w '%{http_code}' $URL/k/)\" = 403 ]"
check "nginx: nothing outside the URL's path (404)" sh -c \
	"[ \"\$(curl -s -o /dev/null -w '%{http_code}' http://192.0.2.1/k/vmlinuz)\" = 404 ]"
check "nginx: no path out of the TFTP root" sh -c \
	"code=\$(curl -s --path-as-is -o /dev/null -w '%{http_code}' $URL/../nginx.conf); [ \"\$code\" = 400 ] || [ \"\$code\" = 404 ]"
# boot_guest CONSOLE LABEL: a SeaBIOS + iPXE machine on tap0 until its
# initrd says PXEKIT-HTTP-BOOTED (TCG on a loaded machine: up to 300 s for
# the kernel to reach /init), then stopped.
boot_guest() {
	console=$1
	: >"$console"
	spawn qemu-system-x86_64 -machine pc -boot n -m 512 -display none -monitor none -no-reboot \
		-serial "file:$console" \
		-netdev tap,id=n0,ifname=tap0,script=no,downscript=no \
		-device e1000,netdev=n0,mac=$MAC,romfile=$ROM
	qemu_pid=$LAST_PID
	i=0
	while [ $i -lt 600 ] && kill -0 "$qemu_pid" 2>/dev/null && ! grep -aq PXEKIT-HTTP-BOOTED "$console"; do
		sleep 0.5
		i=$((i + 1))
	done
	echo "# $2booted after about $((i / 2)) s"
	stop "$qemu_pid"
}

: >"$WORK/nginx-access.log.mark"
lines_before=$(wc -l <"$WORK/nginx-access.log")

start_tftpd -v -s "$ROOT" -a 192.0.2.1:69
start_dhcpd "$WORK/pxekit-dhcpd.conf" tap0 "$WORK/dhcpd.log"
boot_guest "$WORK/console" ""
stop "$DHCPD_PID"
tail -n +"$((lines_before + 1))" "$WORK/nginx-access.log" >"$WORK/access-boot.log"
echo "# nginx's access log during the boot:"
sed 's/^/#   /' "$WORK/access-boot.log"
echo "# in.tftpd sent:"
sed -n 's/.*RRQ from [^ ]* filename /#   /p' "$WORK/tftpd.log"
check "DHCP: dhcpd leased the host its fixed address" expect_line "DHCPACK on 192.0.2.101 to $MAC" "$WORK/dhcpd.log"
check "TFTP: iPXE fetched its scripts from in.tftpd" expect_line 'filename ipxe/52-54-00-12-35-01.ipxe' "$WORK/tftpd.log"
check "HTTP: nginx sent the kernel to the guest (200 or 206)" \
	expect_line '^192\.0\.2\.101 .*"GET /pxekit/k/vmlinuz HTTP/1\.[01]" 20[06] ' "$WORK/access-boot.log"
check "HTTP: nginx sent the initrd to the guest (200 or 206)" \
	expect_line '^192\.0\.2\.101 .*"GET /pxekit/k/initrd\.gz HTTP/1\.[01]" 20[06] ' "$WORK/access-boot.log"
check "TFTP: in.tftpd never sent the kernel or initrd" sh -c "! grep -q 'filename /*k/' '$WORK/tftpd.log'"
check "the guest's serial console: Debian's kernel booted" expect_line 'Linux version [0-9]' "$console"
check "the guest's serial console: the kernel ran the initrd's /init" \
	expect_line 'PXEKIT-HTTP-BOOTED kernel [0-9]' "$console"

# ---- A subnet's own http-server ---------------------------------------
# Subnet A (the guest's, 192.0.2.0/24) names nginx A (192.0.2.1:8081,
# /subnet-a), subnet B (198.51.100.0/24, a veth into namespace cli) its
# own URL, and the global http-server stays the default. The iPXE menus
# are shared: the guest must fetch kernel and initrd from nginx A, never
# from the global nginx; ISC dhcpd, Kea and dnsmasq each hand an iPXE
# client on subnet B B's URL in option 175, sub-option 224.
subnets_inventory() {
	cat >"$WORK/inventory" <<EOF
server 192.0.2.1
http-server http://192.0.2.1/pxekit
subnet 192.0.2.0/24 {
    range 192.0.2.150 192.0.2.199
    http-server http://192.0.2.1:8081/subnet-a/
}
subnet 198.51.100.0/24 {
    range 198.51.100.150 198.51.100.199
    $1
}
boot bios pxelinux.0
boot ipxe ipxe/boot.ipxe
profile http kernel k/vmlinuz initrd k/initrd.gz append "console=ttyS0 panic=-1"
host node01 mac $MAC address 192.0.2.101 profile http
EOF
}
# refused_subnet NAME LINE WANT: as refused, LINE in subnet B's block,
# for each DHCP format.
refused_subnet() {
	rm -rf "$WORK/bad" && mkdir -p "$WORK/bad/tftp"
	subnets_inventory "$2"
	for f in isc kea dnsmasq; do
		if "$GEN" -c "$WORK/inventory" -f $f -o "$WORK/bad/out.$f" -t "$WORK/bad/tftp" \
			--manifest "$WORK/bad/manifest" --no-checker -q >>"$WORK/bad/out" 2>&1; then
			not_ok "$1: accepted by -f $f"
			return
		fi
	done
	check "$1: refused with file:line:col" expect_line "$3" "$WORK/bad/out"
	check "$1: nothing written" sh -c "[ -z \"\$(find '$WORK/bad' -mindepth 1 ! -name out ! -name tftp)\" ] &&
		[ -z \"\$(ls -A '$WORK/bad/tftp')\" ]"
}
refused_subnet "a subnet's http-server with a space" 'http-server "http://198.51.100.1/a b"' \
	"^$WORK/inventory:9:39: error: character ' ' is not allowed in an http-server URL"
refused_subnet "a subnet's http-server with a quote" "http-server \"http://198.51.100.1/a'b\"" \
	"^$WORK/inventory:9:39: error: character ''' is not allowed in an http-server URL"
refused_subnet "a subnet's https http-server" 'http-server https://198.51.100.1/b' \
	"^$WORK/inventory:9:17: error: http-server must be http://"
refused_subnet "a subnet's http-server given twice" 'http-server http://198.51.100.1/b http-server http://198.51.100.1/c' \
	"^$WORK/inventory:9:39: error: http-server given twice"

URL_B=http://198.51.100.1/subnet-b
subnets_inventory "http-server $URL_B/"
"$GEN" -c "$WORK/inventory" -o "$WORK/pxekit-dhcpd.conf" -t "$ROOT" --manifest "$WORK/manifest" \
	--checker "$DHCPD" -q
check "iPXE menu: the base from option 175.224, the global http-server the default" sh -c "
	grep -qxF 'isset \${175.224:string} && set pxekit-http \${175.224:string} || set pxekit-http http://192.0.2.1/pxekit' '$ROOT/ipxe/52-54-00-12-35-01.ipxe' &&
	grep -qxF 'kernel \${pxekit-http}/k/vmlinuz initrd=initrd \${pxekit-append-http:string}' '$ROOT/ipxe/52-54-00-12-35-01.ipxe' &&
	grep -qxF 'initrd --name initrd \${pxekit-http}/k/initrd.gz' '$ROOT/ipxe/52-54-00-12-35-01.ipxe'"
check "dhcpd.conf: each subnet its own URL, as text in iPXE's space" sh -c "
	grep -qxF '  option ipxe.pxekit-http-server \"http://192.0.2.1:8081/subnet-a\";' '$WORK/pxekit-dhcpd.conf' &&
	grep -qxF '  option ipxe.pxekit-http-server \"$URL_B\";' '$WORK/pxekit-dhcpd.conf'"
mkdir -p "$WORK/conf.d-a" "$WORK/nginx-a"
check "pxe-dhcpgen --nginx --http-server: subnet A's block passes the real nginx -t" \
	"$GEN" -c "$WORK/inventory" --nginx "$WORK/conf.d-a/pxekit.conf" --http-server http://192.0.2.1:8081/subnet-a \
	--images "$WORK/empty" -t "$ROOT" --manifest "$WORK/manifest-a" --checker "$NGINX" -q
check "pxe-dhcpgen --nginx --http-server: a URL the inventory does not name is refused" sh -c \
	"if '$GEN' -c '$WORK/inventory' --nginx - --http-server http://192.0.2.9/x -t '$ROOT' --no-checker \
		>'$WORK/ngx.out' 2>'$WORK/ngx.err'; then exit 1; fi
	 grep -q 'http://192.0.2.9/x is not an http-server of the inventory' '$WORK/ngx.err' && [ ! -s '$WORK/ngx.out' ]"
check "nginx A listens on subnet A's URL" expect_line '^	listen 192.0.2.1:8081;$' "$WORK/conf.d-a/pxekit.conf"
sed -e "s|/etc/nginx/conf.d/|$WORK/conf.d-a/|" -e "s|/etc/nginx/|$NGX/etc/nginx/|g" \
	-e "s|/run/nginx.pid|$WORK/nginx-a.pid|" -e "s|/var/log/nginx/|$WORK/nginx-a-|g" \
	-e "s|^http {|http {\n\tclient_body_temp_path $WORK/nginx-a/body;\n\tproxy_temp_path $WORK/nginx-a/proxy;\n\tfastcgi_temp_path $WORK/nginx-a/fastcgi;\n\tuwsgi_temp_path $WORK/nginx-a/uwsgi;\n\tscgi_temp_path $WORK/nginx-a/scgi;|" \
	"$NGX/etc/nginx/nginx.conf" >"$WORK/nginx-a.conf"
spawn "$NGINX" -p "$WORK/nginx-a/" -c "$WORK/nginx-a.conf" -e "$WORK/nginx-a-error.log" -g 'daemon off;'
NGINX_A_PID=$LAST_PID
i=0
until ss -Hntl 'sport = :8081' | grep -q . || [ $i -ge 100 ]; do sleep 0.05; i=$((i + 1)); done

# Subnet B: a veth into namespace cli.
ip netns add cli
ip link add vb0 type veth peer name vb1
ip link set vb1 netns cli
ip addr add 198.51.100.1/24 dev vb0
ip link set vb0 up
ip netns exec cli ip link set lo up
ip netns exec cli ip link set vb1 up

lines_global=$(wc -l <"$WORK/nginx-access.log")
printf 'authoritative;\nping-check false;\ninclude "%s";\n' "$WORK/pxekit-dhcpd.conf" >"$WORK/dhcpd.conf"
: >"$WORK/dhcpd.leases"
spawn "$DHCPD" -4 -f -d -cf "$WORK/dhcpd.conf" -lf "$WORK/dhcpd.leases" -pf "$WORK/dhcpd.pid" \
	tap0 vb0 >"$WORK/dhcpd-subnets.log" 2>&1
DHCPD_PID=$LAST_PID
wait_udp 67 || { cat "$WORK/dhcpd-subnets.log"; exit 1; }
boot_guest "$WORK/console-subnet-a" "subnet A: "
echo "# nginx A's access log:"
sed 's/^/#   /' "$WORK/nginx-a-access.log"
tail -n +"$((lines_global + 1))" "$WORK/nginx-access.log" >"$WORK/access-global-subnets.log"
check "subnet A: nginx A sent the guest the kernel (200 or 206)" \
	expect_line '^192\.0\.2\.101 .*"GET /subnet-a/k/vmlinuz HTTP/1\.[01]" 20[06] ' "$WORK/nginx-a-access.log"
check "subnet A: nginx A sent the guest the initrd (200 or 206)" \
	expect_line '^192\.0\.2\.101 .*"GET /subnet-a/k/initrd\.gz HTTP/1\.[01]" 20[06] ' "$WORK/nginx-a-access.log"
check "subnet A: the global nginx was asked for nothing" sh -c "[ ! -s '$WORK/access-global-subnets.log' ]"
check "subnet A: the kernel ran the initrd's /init" expect_line 'PXEKIT-HTTP-BOOTED kernel [0-9]' "$console"

cat >"$WORK/udhcpc-b.script" <<'SCRIPT'
#!/bin/sh
[ "$1" = bound ] || exit 0
{
	echo "ip=$ip"
	echo "opt175=${opt175:-}"
} >"$REPLY_FILE"
SCRIPT
chmod 755 "$WORK/udhcpc-b.script"
# ask_b NAME: an iPXE client (user class "iPXE", asking for option 175)
# on subnet B, once.
ask_b() {
	rm -f "$WORK/$1"
	REPLY_FILE=$WORK/$1 ip netns exec cli busybox udhcpc -i vb1 -f -q -n -t 4 -T 1 \
		-s "$WORK/udhcpc-b.script" -O 175 -x 0x4d:69505845 >"$WORK/$1.log" 2>&1 || true
	[ -f "$WORK/$1" ] || : >"$WORK/$1"
	sed 's/^/#   /' "$WORK/$1"
}
# Sub-option 224, its length, B's URL; other sub-options may come first
# (ISC adds no-pxedhcp, b0 01 01) and an END may close them (dnsmasq).
WANT_B=$(printf 'e0%02x' ${#URL_B})$(printf '%s' "$URL_B" | od -An -tx1 | tr -d ' \n')
# check_b NAME SERVER: a lease on subnet B whose option 175 carries B's URL.
check_b() {
	ask_b "$1"
	check "$2: subnet B's iPXE client gets B's URL in option 175.224" sh -c "
	grep -q '^ip=198\.51\.100\.1[5-9][0-9]$' '$WORK/$1' && grep -qiE \"^opt175=([0-9a-f]{2})*$WANT_B(ff)?\$\" '$WORK/$1'"
}
check_b isc-b "ISC dhcpd"
stop "$DHCPD_PID"

"$GEN" -c "$WORK/inventory" -f kea -o "$WORK/pxekit-kea.json" -t "$ROOT" --manifest "$WORK/manifest" \
	--no-loaders --checker "$KEA" -q
mkdir -p "$WORK/kea"
cat >"$WORK/kea.json" <<JSON
{ "Dhcp4": {
  "interfaces-config": { "interfaces": [ "vb0" ] },
  "lease-database": { "type": "memfile", "persist": false },
<?include "$WORK/pxekit-kea.json"?>
} }
JSON
KEA_LOCKFILE_DIR=$WORK/kea KEA_PIDFILE_DIR=$WORK/kea spawn "$KEA" -c "$WORK/kea.json" >"$WORK/kea.log" 2>&1
KEA_PID=$LAST_PID
wait_udp 67 || { cat "$WORK/kea.log"; exit 1; }
check_b kea-b "Kea"
stop "$KEA_PID"

"$GEN" -c "$WORK/inventory" -f dnsmasq -o "$WORK/pxekit-dnsmasq.conf" -t "$ROOT" --manifest "$WORK/manifest" \
	--no-loaders --checker "$(command -v dnsmasq)" -q
spawn dnsmasq --no-daemon --port=0 --conf-file="$WORK/pxekit-dnsmasq.conf" \
	--interface=vb0 --bind-interfaces --dhcp-leasefile="$WORK/dnsmasq.leases" \
	--pid-file="$WORK/dnsmasq.pid" --user=root --log-dhcp >"$WORK/dnsmasq.log" 2>&1
DNSMASQ_PID=$LAST_PID
wait_udp 67 || { cat "$WORK/dnsmasq.log"; exit 1; }
check_b dnsmasq-b "dnsmasq"
stop "$DNSMASQ_PID"
stop "$NGINX_A_PID"

# GRUB: Debian's signed grubnetx64 (no http module) falls back to TFTP.
MAC2=52:54:00:12:35:02
cp "$GRUBNET" "$ROOT/grubnetx64.efi"
{
	echo "server 192.0.2.1"
	echo "http-server http://192.0.2.1/pxekit"
	echo "subnet 192.0.2.0/24 range 192.0.2.150 192.0.2.199"
	echo "boot uefi-x64 grubnetx64.efi"
	echo "profile http kernel k/vmlinuz initrd k/initrd.gz append \"console=ttyS0 panic=-1\""
	echo "host node02 mac $MAC2 address 192.0.2.102 profile http"
} >"$WORK/inventory"
"$GEN" -c "$WORK/inventory" -o "$WORK/pxekit-dhcpd.conf" -t "$ROOT" --manifest "$WORK/manifest" \
	--checker "$DHCPD" -q
check "grub.cfg: kernel and initrd stay TFTP-root paths" \
	expect_line "^  linux '/k/vmlinuz' 'console=ttyS0' 'panic=-1'\$" "$ROOT/grub/grub.cfg-$MAC2"
check "grub.cfg: GRUB's own parser accepts it" "$GRUB_CHECK" "$ROOT/grub/grub.cfg-$MAC2"
check "grub.cfg (menu): GRUB's own parser accepts it" "$GRUB_CHECK" "$ROOT/grub/grub.cfg"
# grub_boot NAME: the UEFI machine until its initrd was asked for, over
# TFTP or HTTP (300 s at most); in.tftpd's and nginx's logs of it kept.
grub_boot() {
	: >"$WORK/tftpd.log"
	lines_before=$(wc -l <"$WORK/nginx-access.log")
	start_dhcpd "$WORK/pxekit-dhcpd.conf" tap0 "$WORK/dhcpd-$1.log"
	: >"$WORK/console-$1"
	spawn qemu-system-x86_64 -machine q35 -bios "$OVMF" -m 512 -display none -monitor none -no-reboot \
		-serial "file:$WORK/console-$1" \
		-netdev tap,id=n0,ifname=tap0,script=no,downscript=no \
		-device e1000,netdev=n0,mac=$MAC2,romfile=$EFI_ROM
	qemu_pid=$LAST_PID
	i=0
	while [ $i -lt 600 ] && kill -0 "$qemu_pid" 2>/dev/null &&
		! grep -q 'filename /*k/initrd.gz' "$WORK/tftpd.log" &&
		! tail -n +"$((lines_before + 1))" "$WORK/nginx-access.log" | grep -q 'GET /pxekit/k/initrd.gz'; do
		sleep 0.5
		i=$((i + 1))
	done
	sleep 2	# the initrd's transfer ends
	stop "$qemu_pid"
	stop "$DHCPD_PID"
	cp "$WORK/tftpd.log" "$WORK/tftpd-$1.log"
	tail -n +"$((lines_before + 1))" "$WORK/nginx-access.log" >"$WORK/access-$1.log"
	echo "# $1: in.tftpd was asked for:"
	sed -n 's/.*RRQ from [^ ]* filename \([^:]*\)$/#   \1/p' "$WORK/tftpd-$1.log"
	echo "# $1: nginx was asked for:"
	sed 's/^/#   /' "$WORK/access-$1.log"
}
grub_boot grub-tftp
check "GRUB: OVMF got grubnetx64.efi, which read its grub.cfg" expect_line 'filename /?grub/grub.cfg' "$WORK/tftpd-grub-tftp.log"
check "GRUB without the http module: kernel and initrd over TFTP" sh -c \
	"grep -q 'filename /*k/vmlinuz' '$WORK/tftpd-grub-tftp.log' && grep -q 'filename /*k/initrd.gz' '$WORK/tftpd-grub-tftp.log'"
check "GRUB without the http module: nothing asked of nginx" sh -c "[ ! -s '$WORK/access-grub-tftp.log' ]"
stop "$NGINX_PID"
finish
