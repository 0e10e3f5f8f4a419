#!/bin/sh
# lib/iso9660 (through tests/tools/iso-cat) against xorriso's own reading
# (osirrox -extract) of the same images: every file's bytes, type, mode,
# owner, size, mtime and link target. Images: xorriso and genisoimage
# builds of one tree (Rock Ridge + Joliet, Joliet only, plain levels 1 and
# 3, relocated deep directories) and the ISOs Debian ships (memtest86+,
# iPXE).
. "$(dirname "$0")/lib.sh"
need xorriso osirrox genisoimage isoinfo md5sum
ISOCAT=$top_builddir/tests/tools/iso-cat
MEMTEST=$PEERS/memtest86+/usr/lib/memtest86+/memtest86+x64.iso
IPXE=$PEERS/ipxe/usr/lib/ipxe/ipxe.iso
for f in "$MEMTEST" "$IPXE"; do
	[ -f "$f" ] || { echo "missing $f (tools/install-deps --test unpacks memtest86+ and ipxe there)"; exit 99; }
done

# ---- the tree ---------------------------------------------------------
src=$WORK/src
mkdir -p "$src/a/b/c/d/e/f/g/h/i/j/k/l/m" "$src/many" "$src/modes"
echo deep >"$src/a/b/c/d/e/f/g/h/i/j/k/l/m/deep.txt"
head -c 3000000 /dev/urandom >"$src/big.bin"
head -c 2049 /dev/urandom >"$src/odd.bin"
: >"$src/empty"
ln -s a/b/c "$src/rel"
ln -s /etc/passwd "$src/abs"
ln -s ../../../../outside "$src/a/b/up"
ln -s nowhere "$src/dangling"
touch "$src/$(printf 'L%.0s' $(seq 200))" "$src/caf$(printf '\303\251') name.txt"
i=0
while [ $i -lt 400 ]; do	# a directory of many sectors
	echo "$i" >"$src/many/file-$i.txt"
	i=$((i + 1))
done
printf 'x' >"$src/modes/setuid"
chmod 4755 "$src/modes/setuid"
printf 'y' >"$src/modes/private"
chmod 600 "$src/modes/private"
chown 1234:5678 "$src/modes/private"
chmod 751 "$src/a"
touch -d '2001-02-03 04:05:06 UTC' "$src/empty"

img=$WORK/img
mkdir -p "$img"
xorriso -as mkisofs -quiet -R -J -o "$img/rr-joliet.iso" "$src" 2>/dev/null
genisoimage -quiet -J -joliet-long -o "$img/joliet.iso" "$src" 2>/dev/null
genisoimage -quiet -R -o "$img/rr-relocated.iso" "$src" 2>/dev/null
genisoimage -quiet -iso-level 3 -o "$img/plain3.iso" "$src" 2>/dev/null
genisoimage -quiet -o "$img/plain1.iso" "$src" 2>/dev/null
cp "$MEMTEST" "$img/memtest86+x64.iso"
cp "$IPXE" "$img/ipxe.iso"

# A directory's attributes come from its "." record (the one record its
# id names), xorriso's from its record in the parent. They agree, except
# where genisoimage cuts the tree too deep for plain ISO 9660: its "g"
# keeps a "." written a second later, so that mtime is not compared.
# listing DIR: one line per entry (path type mode owner size mtime target),
# then a checksum per file; names lower-cased with lower=1 (plain ISO 9660
# names: xorriso keeps their case, Linux isofs and iso-cat lower it).
listing() {
	(cd "$1" && find . -mindepth 1 -printf '%p %y %m %U:%G %s %T@ %l\n' &&
		find . -type f -exec md5sum {} +) |
		if [ "${lower:-0}" = 1 ]; then tr 'A-Z' 'a-z'; else cat; fi |
		# a directory's size is the local file system's; a link's mtime
		# is not restored by osirrox
		sed -e 's/ d \([0-7]*\) \([^ ]*\) [0-9]* / d \1 \2 - /' \
			-e 's/ l \([0-7]*\) \([^ ]*\) \([0-9]*\) [0-9.]* / l \1 \2 \3 - /' \
			-e 's|^\(\./a/b/c/d/e/f/g d [^ ]* [^ ]* -\) [0-9.]*|\1 -|' \
			-e 's/\.0*\( \|$\)/\1/' | sort
}

# compare NAME: osirrox and iso-cat extract the image; same listings.
compare() {
	iso=$1
	rm -rf "$WORK/ref" "$WORK/ours"
	osirrox -indev "$img/$iso" -extract / "$WORK/ref" >/dev/null 2>&1 || { echo "osirrox failed"; return 1; }
	"$ISOCAT" "$img/$iso" extract "$WORK/ours" >"$WORK/ours.ls" || { echo "iso-cat refused entries"; return 1; }
	listing "$WORK/ref" >"$WORK/ref.txt"
	listing "$WORK/ours" >"$WORK/ours.txt"
	[ "$(wc -l <"$WORK/ref.txt")" -gt 2 ] || { echo "nothing extracted"; return 1; }
	diff -u "$WORK/ref.txt" "$WORK/ours.txt"
}

for name in rr-joliet.iso joliet.iso rr-relocated.iso memtest86+x64.iso ipxe.iso; do
	lower=0
	check "$name: bytes and metadata as osirrox extracts them" compare "$name"
done
for name in plain3.iso plain1.iso; do
	lower=1
	check "$name: bytes and metadata as osirrox extracts them (names lower-cased)" compare "$name"
done
lower=0

# Which tree is served, and the paths isoinfo lists for the same tree.
names() { "$ISOCAT" "$img/$1" info | sed -n 's/^names: //p'; }
check "Rock Ridge is preferred over Joliet" test "$(names rr-joliet.iso)" = rockridge
check "Joliet when there is no Rock Ridge" test "$(names joliet.iso)" = joliet
check "plain names when there is neither" test "$(names plain1.iso)" = plain
paths_isoinfo() {
	isoinfo -R -f -i "$img/rr-joliet.iso" | sort >"$WORK/isoinfo.paths"
	"$ISOCAT" "$img/rr-joliet.iso" ls | cut -f1 | sort >"$WORK/ours.paths"
	diff -u "$WORK/isoinfo.paths" "$WORK/ours.paths"
}
check "rr-joliet.iso: the same paths as isoinfo -R -f" paths_isoinfo
cat_one() {
	"$ISOCAT" "$img/$1" cat "$2" >"$WORK/cat.out" && cmp "$3" "$WORK/cat.out"
}
check "cat a file of a relocated deep directory" \
	cat_one rr-relocated.iso a/b/c/d/e/f/g/h/i/j/k/l/m/deep.txt "$src/a/b/c/d/e/f/g/h/i/j/k/l/m/deep.txt"
check "cat a 3 MB file" cat_one joliet.iso big.bin "$src/big.bin"
check "symlinks are reported, never followed" sh -c "'$ISOCAT' '$img/rr-joliet.iso' cat rel/d 2>&1 | grep -q 'not a directory'"
"$ISOCAT" "$img/rr-joliet.iso" ls >"$WORK/rr.ls"
check "a link out of the image is reported as recorded" \
	expect_line "^/a/b/up	l	0777	.*	\\.\\./\\.\\./\\.\\./\\.\\./outside\$" "$WORK/rr.ls"

# Broken images: a clear error, no crash.
head -c 200000 "$img/rr-joliet.iso" >"$img/truncated.iso"
# refused IMAGE MESSAGE: iso-cat fails on the image and says why.
refused() {
	if "$ISOCAT" "$img/$1" ls >"$WORK/refused.out" 2>&1; then
		echo "accepted"
		return 1
	fi
	expect_line "$2" "$WORK/refused.out"
}
check "a truncated image is named as such" refused truncated.iso "truncated"
head -c 40000 /dev/zero >"$img/zero.iso"
check "zeroes are not an ISO image" refused zero.iso "not an ISO 9660 image"
finish
