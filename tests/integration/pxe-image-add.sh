#!/bin/sh
# pxe-image add / list / show / verify / remove in a scratch tree: fake
# distribution ISOs and trees with the real layouts (built here with
# xorriso), Debian's real netboot tree; the profiles it writes go through
# pxe-dhcpgen into real menus; the share check asks a real pxe-mountd.
. "$(dirname "$0")/lib.sh"
need xorriso osirrox rpcbind rpcinfo script
NETBOOT=$PEERS/debian-installer-12-netboot-amd64/usr/lib/debian-installer/images/12/amd64/text
[ -f "$NETBOOT/version.info" ] || { echo "missing $NETBOOT (tools/install-deps --test)"; exit 99; }
R=$WORK/root	# everything pxe-image may write lives under here
mkdir -p "$R/etc/pxekit" "$WORK/isos" "$WORK/empty"
PXEIMAGE="$top_builddir/image/pxe-image --rules $top_srcdir/etc/image-rules --rules-dir $WORK/empty"
PXEIMAGE="$PXEIMAGE --tftp-root $R/tftp --state-dir $R/state --exports-dir $R/etc/exports.d"
PXEIMAGE="$PXEIMAGE --profiles-dir $R/etc/pxekit/images.d --inventory $R/etc/pxekit/pxekit.conf"
GEN=$top_builddir/dhcp-snippets/pxe-dhcpgen
cat >"$R/etc/pxekit/pxekit.conf" <<'INV'
server 192.0.2.1
subnet 192.0.2.0/24 range 192.0.2.150 192.0.2.199
boot bios bios/pxelinux.0
profile disk label "Local disk" localboot
include "images.d/*.conf"
INV

# tree NAME PATH=TEXT...: a fake image tree, and isos/NAME.iso made from it.
tree() {
	name=$1
	shift
	for spec; do
		path=${spec%%=*}
		mkdir -p "$(dirname "$WORK/$name/$path")"
		printf '%b' "${spec#*=}" >"$WORK/$name/$path"
	done
	xorriso -as mkisofs -quiet -R -J -V "$name" -o "$WORK/isos/$name.iso" "$WORK/$name" 2>/dev/null
}
tree rocky \
	".treeinfo=[general]\narch = x86_64\nfamily = Rocky Linux\nversion = 10.0\n[images-x86_64]\nkernel = images/pxeboot/vmlinuz\ninitrd = images/pxeboot/initrd.img\n" \
	"images/pxeboot/vmlinuz=kernel" "images/install.img=s"
head -c 300000 /dev/urandom >"$WORK/rocky/images/pxeboot/initrd.img"
xorriso -as mkisofs -quiet -R -J -V rocky -o "$WORK/isos/rocky.iso" "$WORK/rocky" 2>/dev/null
tree ubuntu ".disk/info=Ubuntu-Server 26.04 LTS \"Resolute Raccoon\" - Release amd64 (20260423)" \
	".disk/casper-uuid-generic=0123\n" "casper/vmlinuz=k" "casper/initrd=i" \
	"casper/ubuntu-server-minimal.squashfs=s"
tree leap "media.1/products=/ openSUSE-Leap 16.0-1\n" \
	"boot/x86_64/loader/linux=k" "boot/x86_64/loader/initrd=i"

snapshot() { (cd "$R" && find . -printf '%p %y %s %T@\n' | sort) >"$1"; }
snapshot "$WORK/before"

run() {	# run OUT CMD...: pxe-image with output to OUT.out/.err; the exit status
	out=$1
	shift
	rc=0
	$PXEIMAGE "$@" >"$WORK/$out.out" 2>"$WORK/$out.err" || rc=$?
	return $rc
}
has() {	# has FILE LINE...: each line is in FILE as it is
	f=$1
	shift
	for line; do
		grep -qxF -- "$line" "$f" || { echo "no line '$line' in $f:"; cat "$f"; return 1; }
	done
}

# ---- dry run: a plan, and nothing written ----
check "add --dry-run succeeds" run dry add --dry-run --name rocky "$WORK/isos/rocky.iso"
check "... prints the plan" has "$WORK/dry.out" "would create directory: $R/tftp/images/rocky" \
	"would write: $R/state/rocky.state"
check "... with sizes" expect_line "^would write: $R/tftp/images/rocky/initrd.img \\(300000 bytes from images/pxeboot/initrd.img\\)" "$WORK/dry.out"
snapshot "$WORK/after-dry"
check "... and writes nothing" cmp "$WORK/before" "$WORK/after-dry"

# ---- an ISO of the RHEL family ----
check "add a Rocky 10 ISO" run add1 add --name rocky --server 192.0.2.1 "$WORK/isos/rocky.iso"
osirrox -indev "$WORK/isos/rocky.iso" -extract /images/pxeboot "$WORK/x-rocky" >/dev/null 2>&1
check "kernel in the TFTP root is the ISO's, byte for byte" same "$WORK/x-rocky/vmlinuz" "$R/tftp/images/rocky/vmlinuz"
check "initrd too" same "$WORK/x-rocky/initrd.img" "$R/tftp/images/rocky/initrd.img"
check "the exports drop-in exports the ISO's directory read-only" \
	has "$R/etc/exports.d/pxekit-rocky.exports" "$WORK/isos *(ro,no_subtree_check)"
check "... and the ISO itself (its contents, served by pxe-nfsd)" \
	has "$R/etc/exports.d/pxekit-rocky.exports" "$WORK/isos/rocky.iso *(ro,no_subtree_check)"
check "show: facts and the exact command line" run show show rocky
check "... as key: value lines" has "$WORK/show.out" "family: rhel" "version: 10.0" "arch: x86_64" \
	"type: iso" "status: complete" "tftp-kernel: images/rocky/vmlinuz" \
	"append: inst.repo=nfs:nfsvers=3:192.0.2.1:$WORK/isos/rocky.iso ip=dhcp" \
	"nfs-export: $WORK/isos" "http-url: http://192.0.2.1/pxekit/rocky/rocky.iso" \
	"nfs-contents: $WORK/isos/rocky.iso"

# the profile goes into real menus through the inventory's include
gen() { "$GEN" -q -c "$R/etc/pxekit/pxekit.conf" -o "$WORK/dhcp.conf" -t "$WORK/menus" \
	--manifest "$WORK/manifest" --no-checker; }
check "pxe-dhcpgen reads images.d through include" gen
printf 'server 192.0.2.1\nboot bios p.0\ninclude "/nonexistent/*.conf"\ninclude "%s/empty/*.conf"\n' "$WORK" >"$WORK/inc.conf"
check "include of a missing or empty directory is no error" \
	"$GEN" -q -c "$WORK/inc.conf" -o - --no-checker
mkdir "$WORK/locked" && touch "$WORK/locked/a.conf" && chmod 000 "$WORK/locked"
printf 'server 192.0.2.1\nboot bios p.0\ninclude "%s/locked/*.conf"\n' "$WORK" >"$WORK/inc2.conf"
check "... a directory that cannot be read is (as a non-root user)" sh -c \
	"setpriv --reuid=65534 --regid=65534 --clear-groups $GEN -q -c '$WORK/inc2.conf' -o - --no-checker 2>&1 |
	grep -q 'inc2.conf:3:9: error: .*locked/\\*.conf: Permission denied'"
check "the menu boots the image with its command line" has "$WORK/menus/bios/pxelinux.cfg/default" \
	"LABEL rocky" "  MENU LABEL Rocky Linux 10.0 x86_64" \
	"  APPEND inst.repo=nfs:nfsvers=3:192.0.2.1:$WORK/isos/rocky.iso ip=dhcp"
check "... kernel and initrd from images/rocky" expect_line "images/rocky/vmlinuz" "$WORK/menus/bios/pxelinux.cfg/default"

# ---- idempotent ----
snapshot "$WORK/after1"
check "adding it again changes nothing" run add2 add --name rocky --server 192.0.2.1 "$WORK/isos/rocky.iso"
check "... and says so" has "$WORK/add2.out" "rocky: already registered from $WORK/isos/rocky.iso, nothing changed"
snapshot "$WORK/after2"
check "... not even a time stamp" cmp "$WORK/after1" "$WORK/after2"

# ---- more families: the server address comes from the inventory ----
check "add an unpacked Ubuntu 26.04 tree (server from the inventory)" run add3 add -q "$WORK/ubuntu"
check "-q prints nothing" test ! -s "$WORK/add3.out"
check "its name, command line and export" has "$R/etc/pxekit/images.d/ubuntu-server-26-04-amd64.conf" \
	'	append "boot=casper netboot=nfs nfsroot=192.0.2.1:'"$WORK"'/ubuntu ip=dhcp"'
check "... the tree itself is exported" has "$R/etc/exports.d/pxekit-ubuntu-server-26-04-amd64.exports" \
	"$WORK/ubuntu *(ro,no_subtree_check)"
check "add the Ubuntu live ISO as it is" run add3b add --name ubuntu-iso "$WORK/isos/ubuntu.iso"
check "... casper's nfsroot= is the ISO's contents export" has "$R/etc/pxekit/images.d/ubuntu-iso.conf" \
	'	append "boot=casper netboot=nfs nfsroot=192.0.2.1:'"$WORK"'/isos/ubuntu.iso ip=dhcp"'
check "... which the drop-in exports, with the ISO's directory" \
	has "$R/etc/exports.d/pxekit-ubuntu-iso.exports" "$WORK/isos/ubuntu.iso *(ro,no_subtree_check)" \
	"$WORK/isos *(ro,no_subtree_check)"
check "... show names it as nfs-contents, with no warning" sh -c \
	"$PXEIMAGE show ubuntu-iso >'$WORK/show-u.out' && grep -qxF 'nfs-contents: $WORK/isos/ubuntu.iso' '$WORK/show-u.out' && ! grep -q '^warning:' '$WORK/show-u.out'"
check "... and remove takes it all back" run rm3b remove ubuntu-iso
check "add an openSUSE Leap ISO" run add4 add --name leap "$WORK/isos/leap.iso"
check "... linuxrc's install= names the ISO" has "$R/etc/pxekit/images.d/leap.conf" \
	'	append "install=nfs://192.0.2.1'"$WORK"'/isos/leap.iso"'
check "add Debian's netboot tree" run add5 add --name bookworm "$NETBOOT"
check "... its kernel, initrd and boot-screens" sh -c "cmp '$NETBOOT/debian-installer/amd64/linux' '$R/tftp/images/bookworm/linux' &&
	cmp '$NETBOOT/debian-installer/amd64/initrd.gz' '$R/tftp/images/bookworm/initrd.gz' &&
	cmp '$NETBOOT/debian-installer/amd64/boot-screens/vesamenu.c32' '$R/tftp/images/bookworm/boot-screens/vesamenu.c32'"
check "... d-i's own arguments" has "$R/etc/pxekit/images.d/bookworm.conf" '	append "vga=788 --- quiet"'
check "list shows all four" sh -c "$PXEIMAGE list | cut -f1 | tr '\n' ' ' | grep -qx 'bookworm leap rocky ubuntu-server-26-04-amd64 '"
check "--distro, --kernel, --initrd, --append override detection" run add6 add --dry-run --name odd \
	--distro debian-live --kernel casper/vmlinuz --initrd casper/initrd --append 'x=${server} y=${path}' "$WORK/ubuntu"
check "... as asked" has "$WORK/add6.out" "family: debian-live" "append: x=192.0.2.1 y=$WORK/ubuntu"
check "pxe-dhcpgen takes every profile pxe-image wrote" gen

# ---- verify ----
check "verify: all well" run verify1 verify
check "... says the d-i initrd needs blksize over TFTP" expect_line \
	"^tftp: $R/tftp/images/bookworm/initrd.gz: [0-9]+ bytes: more than 65535 blocks of 512 bytes" "$WORK/verify1.out"
check "... no share check without a MOUNT service" has "$WORK/verify1.out" \
	"share: not checked: no MOUNT service on localhost (is pxe-mountd running?)"
check "... no progress when stdout is no tty" sh -c "! grep -q '%' '$WORK/verify1.err'"
check "progress on a terminal" sh -c "script -qec '$PXEIMAGE verify bookworm' /dev/null | grep -q 'initrd.gz: 100%'"
check "... but not with -q" sh -c "! script -qec '$PXEIMAGE -q verify bookworm' /dev/null | grep -q '%'"
# pxe-mountd reads the drop-ins pxe-image wrote (-e FILE reads FILE.d/*.exports),
# all but Ubuntu's, moved away while it starts
start_rpcbind
: >"$WORK/exports"
ln -s "$R/etc/exports.d" "$WORK/exports.d"
mv "$R/etc/exports.d/pxekit-ubuntu-server-26-04-amd64.exports" "$WORK/ubuntu.exports"
start_nfs
mv "$WORK/ubuntu.exports" "$R/etc/exports.d/pxekit-ubuntu-server-26-04-amd64.exports"
check "verify asks pxe-mountd, which read the drop-in: exported" run verify2 verify rocky
check "... says so" has "$WORK/verify2.out" "share: $WORK/isos is exported (MOUNT EXPORT on localhost)"
check "verify: a share pxe-mountd does not export fails" sh -c "! $PXEIMAGE verify ubuntu-server-26-04-amd64 >'$WORK/verify3.out'"
check "... and says which" expect_line "^share: $WORK/ubuntu is not in the MOUNT service's export list" "$WORK/verify3.out"
stop "$NFSD_PID"
stop "$MOUNTD_PID"
printf 'tampered' >>"$R/tftp/images/rocky/vmlinuz"
check "verify: a changed file fails" sh -c "! $PXEIMAGE verify rocky >'$WORK/verify4.out'"
check "... and is named" has "$WORK/verify4.out" "file: $R/tftp/images/rocky/vmlinuz: changed since it was written"

# ---- bad input ----
fails() {	# fails STATUS PATTERN ARGS...
	want=$1 pat=$2
	shift 2
	rc=0
	$PXEIMAGE "$@" >"$WORK/fail.out" 2>"$WORK/fail.err" || rc=$?
	[ "$rc" = "$want" ] || { echo "exit $rc, not $want"; cat "$WORK/fail.err"; return 1; }
	expect_line "$pat" "$WORK/fail.err"
}
# (directory times left out: a failed add creates and removes images/half)
listing() { (cd "$R" && find . -printf '%p %y %s\n' | sort) >"$1"; }
listing "$WORK/before-bad"
head -c 100000 "$WORK/isos/rocky.iso" >"$WORK/isos/truncated.iso"
check "a truncated ISO is refused" fails 1 "truncated.iso: image is shorter than its volume space" add "$WORK/isos/truncated.iso"
check "a name with '/'" fails 2 "--name a/b: a name may hold only letters, digits and '-'" add --name a/b "$WORK/ubuntu"
check "a name taken by another source" fails 1 "rocky: already registered from $WORK/isos/rocky.iso; remove it first" \
	add --name rocky "$WORK/isos/leap.iso"
check "an unrecognised tree without --kernel/--initrd" fails 1 "not recognised; give --kernel and --initrd" add "$WORK/empty"
check "a server that is not an IPv4 address" fails 2 "not an IPv4 address" add --server host.example "$WORK/ubuntu"
check "show of an unknown image" fails 1 "nosuch: no such image" show nosuch
: >"$WORK/notadir"
check "a failure half-way (exports dir is a file)" fails 1 "notadir/.pxe-image.*: Not a directory" \
	add --name half --exports-dir "$WORK/notadir" "$NETBOOT"
listing "$WORK/after-bad"
check "refusals wrote nothing (no temporary file, no directory left)" diff "$WORK/before-bad" "$WORK/after-bad"
printf 'status: complete\nfile: 0000 12 ../../etc/passwd\n' >"$R/state/evil.state"
check "a damaged state file is refused, nothing removed" fails 1 "evil.state:2: error: not 'file: SHA256 SIZE /ABSOLUTE/PATH'" remove evil
rm "$R/state/evil.state"
mkdir -p "$R/tftp/images/mine" && echo admin >"$R/tftp/images/mine/linux"
check "a file pxe-image did not write is never overwritten" fails 1 \
	"$R/tftp/images/mine/linux: exists and was not written by pxe-image" add --name mine "$NETBOOT"
rm -r "$R/tftp/images/mine"

# ---- remove ----
echo "# the admin's note" >>"$R/etc/pxekit/images.d/leap.conf"
check "remove keeps a file the admin edited" run rm1 remove leap
check "... and warns" expect_line "leap.conf: changed since pxe-image wrote it; kept" "$WORK/rm1.err"
check "... the edited file is still there" grep -q "the admin's note" "$R/etc/pxekit/images.d/leap.conf"
check "... the rest of leap is gone" sh -c "test ! -e '$R/tftp/images/leap' && test ! -e '$R/etc/exports.d/pxekit-leap.exports' && test ! -e '$R/state/leap.state'"
rm "$R/etc/pxekit/images.d/leap.conf"
check "remove --dry-run removes nothing" sh -c "$PXEIMAGE remove --dry-run ubuntu-server-26-04-amd64 | grep -q 'would remove: ' && test -e '$R/state/ubuntu-server-26-04-amd64.state'"
for n in rocky ubuntu-server-26-04-amd64 bookworm; do
	$PXEIMAGE -q remove "$n" 2>>"$WORK/rm.err" || echo "remove $n failed" >>"$WORK/rm.err"
done
check "the tampered kernel was kept" expect_line "rocky/vmlinuz: changed since pxe-image wrote it; kept" "$WORK/rm.err"
rm "$R/tftp/images/rocky/vmlinuz" && rmdir "$R/tftp/images/rocky" "$R/tftp/images"
# what the admin made (directories add created: none left; parents it needed stay)
(cd "$R" && find . -type f | sort) >"$WORK/left"
check "remove leaves nothing it made" sh -c "printf './etc/pxekit/pxekit.conf\n' | cmp - '$WORK/left'"
check "list is empty" sh -c "test -z \"\$($PXEIMAGE list)\""
finish
