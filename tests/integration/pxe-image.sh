#!/bin/sh
# pxe-image inspect over fake distribution ISOs with the real layouts
# (built here with xorriso, squashfs images with mksquashfs), Debian's
# real netboot tree and memtest86+'s ISO, and broken input.
. "$(dirname "$0")/lib.sh"
need xorriso mksquashfs
PXEIMAGE="$top_builddir/image/pxe-image --rules $top_srcdir/etc/image-rules --rules-dir $WORK/rules.d"
NETBOOT=$PEERS/debian-installer-12-netboot-amd64/usr/lib/debian-installer/images/12/amd64/text
[ -f "$NETBOOT/version.info" ] || { echo "missing $NETBOOT (tools/install-deps --test)"; exit 99; }
mkdir -p "$WORK/rules.d"

# tree NAME PATH=TEXT...: a fake image tree, and NAME.iso made from it.
tree() {
	name=$1
	shift
	for spec; do
		path=${spec%%=*}
		mkdir -p "$(dirname "$WORK/$name/$path")"
		printf '%b' "${spec#*=}" >"$WORK/$name/$path"
	done
	xorriso -as mkisofs -quiet -R -J -V "$name" -o "$WORK/$name.iso" "$WORK/$name" 2>/dev/null
}
squash() {	# squash FILE: a real squashfs where a live system keeps its root
	mkdir -p "$WORK/sqroot/sbin" && echo '#!/bin/sh' >"$WORK/sqroot/sbin/init"
	mksquashfs "$WORK/sqroot" "$1" -noappend -quiet >/dev/null
}

tree rocky10 \
	".treeinfo=[general]\narch = x86_64\nfamily = Rocky Linux\nversion = 10.0\n[images-x86_64]\nkernel = images/pxeboot/vmlinuz\ninitrd = images/pxeboot/initrd.img\n[release]\nname = Rocky Linux\nversion = 10.0\n[tree]\narch = x86_64\n" \
	".discinfo=1716900000.0\n10.0\nx86_64\nALL\n" \
	"images/pxeboot/vmlinuz=k" "images/pxeboot/initrd.img=i" "images/install.img=s"
mkdir -p "$WORK/ubuntu/casper"
squash "$WORK/ubuntu/casper/ubuntu-server-minimal.squashfs"
tree ubuntu \
	".disk/info=Ubuntu-Server 26.04 LTS \"Resolute Raccoon\" - Release amd64 (20260423)" \
	".disk/casper-uuid-generic=0123\n" "casper/vmlinuz=k" "casper/initrd=i" \
	"boot/grub/grub.cfg=menuentry \"Try or Install Ubuntu Server\" {\n\tlinux\t/casper/vmlinuz  ---\n\tinitrd\t/casper/initrd\n}\n"
mkdir -p "$WORK/deblive/live"
squash "$WORK/deblive/live/filesystem.squashfs"
tree deblive \
	".disk/info=Debian GNU/Linux 13.1.0 \"Trixie\" - Official Live amd64 20250906" \
	"live/vmlinuz-6.12.38-amd64=k" "live/initrd.img-6.12.38-amd64=i" \
	"install/vmlinuz=d" "install/initrd.gz=d"
tree leap "media.1/products=/ openSUSE-Leap 16.0-1\n" \
	"boot/x86_64/loader/linux=k" "boot/x86_64/loader/initrd=i"
tree odd "boot/vmlinuz-6.1=k" "boot/initrd.img-6.1=i"

# inspect_has SOURCE KEY: VALUE...: inspect succeeds and prints these lines.
inspect_has() {
	src=$1
	shift
	$PXEIMAGE inspect "$src" >"$WORK/inspect.out" 2>"$WORK/inspect.err" || { cat "$WORK/inspect.err"; return 1; }
	for line; do
		grep -qxF -- "$line" "$WORK/inspect.out" || { echo "no line '$line' in:"; cat "$WORK/inspect.out"; return 1; }
	done
}
check "Rocky 10 ISO" inspect_has "$WORK/rocky10.iso" "type: iso" "names: rockridge" \
	"family: rhel" "name: Rocky Linux" "version: 10.0" "arch: x86_64" \
	"kernel: images/pxeboot/vmlinuz" "initrd: images/pxeboot/initrd.img" \
	'append: inst.repo=nfs:nfsvers=3:${server}:${path} ip=dhcp'
check "the same tree unpacked" inspect_has "$WORK/rocky10" "type: tree" "family: rhel" "version: 10.0"
check "Ubuntu 26.04 live-server ISO" inspect_has "$WORK/ubuntu.iso" "family: ubuntu-casper" \
	"name: Ubuntu-Server" "version: 26.04" "codename: Resolute Raccoon" "arch: amd64" \
	"kernel: casper/vmlinuz" "initrd: casper/initrd" "args: ---" \
	'append: boot=casper netboot=nfs nfsroot=${server}:${path} ip=dhcp'
check "Debian live ISO (not its d-i)" inspect_has "$WORK/deblive.iso" "family: debian-live" \
	"version: 13.1.0" "kernel: live/vmlinuz-6.12.38-amd64" \
	'append: boot=live netboot=nfs nfsroot=${server}:${path} ip=dhcp'
check "openSUSE Leap 16 ISO" inspect_has "$WORK/leap.iso" "family: suse" "version: 16.0" \
	"arch: x86_64" 'append: install=nfs://${server}${path}'
check "Debian's netboot tree" inspect_has "$NETBOOT" "rule: debian-netboot" "family: debian-installer" "name: Debian" \
	"version: 12" "codename: bookworm" "arch: amd64" "kernel: debian-installer/amd64/linux" \
	"initrd: debian-installer/amd64/initrd.gz" "append: vga=788 --- quiet"
check "an unknown image registers as generic" inspect_has "$WORK/odd.iso" "family: generic" \
	"kernel: boot/vmlinuz-6.1" "initrd: boot/initrd.img-6.1"
check "... with a warning naming what was found" \
	expect_line "odd.iso: no distribution rule matched.*kernel boot/vmlinuz-6.1 and initrd boot/initrd.img-6.1" "$WORK/inspect.err"

# fails SOURCE PATTERN: inspect exits 1 and says why on stderr.
fails() {
	rc=0
	$PXEIMAGE inspect "$1" >"$WORK/inspect.out" 2>"$WORK/inspect.err" || rc=$?
	[ "$rc" -eq 1 ] || { echo "exit $rc, not 1"; return 1; }
	expect_line "$2" "$WORK/inspect.err"
}
MEMTEST=$PEERS/memtest86+/usr/lib/memtest86+/memtest86+x64.iso
[ -f "$MEMTEST" ] || { echo "missing $MEMTEST (tools/install-deps --test)"; exit 99; }
check "memtest86+'s ISO has no kernel and initrd" fails "$MEMTEST" \
	"memtest86\\+x64.iso: no rule matched"
head -c 100000 "$WORK/rocky10.iso" >"$WORK/truncated.iso"
check "a truncated ISO is named as such" fails "$WORK/truncated.iso" "truncated.iso: image is shorter than its volume space"
head -c 50000 /dev/zero >"$WORK/zero.iso"
check "a file that is no ISO" fails "$WORK/zero.iso" "not an ISO 9660 image"
check "a missing source" fails "$WORK/nosuch" "nosuch: No such file or directory"

# The admin's rules come first; errors in them stop with file:line:col.
printf 'rule rhel\n family mine\n require images/pxeboot\n kernel images/pxeboot/vmlinuz\n initrd images/pxeboot/initrd.img\n append "inst.repo=http://${server}/${path}"\n' \
	>"$WORK/rules.d/10-local.rules"
check "an admin rule replaces the shipped one of its name" inspect_has "$WORK/rocky10.iso" \
	"family: mine" 'append: inst.repo=http://${server}/${path}'
printf 'rule broken\n familyy x\n' >"$WORK/rules.d/20-broken.rules"
check "an error in the admin's rules" fails "$WORK/rocky10.iso" "20-broken.rules:2:2: error: unknown directive"
rm "$WORK/rules.d/"*
check "--help and --version" sh -c "$PXEIMAGE --help | grep -q inspect && $PXEIMAGE --version | grep -q pxekit"
check "usage errors exit 2" sh -c "$PXEIMAGE frobnicate x 2>/dev/null; test \$? = 2"
finish
