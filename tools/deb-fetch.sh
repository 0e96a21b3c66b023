# Sourced by tools/linux-root.sh and tools/linux-module.sh (not run on its own).
# deb_fetch TAG PACKAGE: print the path of PACKAGE's .deb under ./debs/,
# downloading it with `apt-get download` unless it is already there (nothing
# is installed). TAG names the calling script in the error message.
deb_fetch() {
	local f
	f=$(ls debs/"$2"_*.deb 2>/dev/null | head -1 || true)
	if [ -z "$f" ]; then
		(cd debs && apt-get download -q "$2" >/dev/null 2>&1) ||
			{ echo "$1: apt-get download $2 failed" >&2; exit 1; }
		f=$(ls debs/"$2"_*.deb | head -1)
	fi
	echo "$f"
}
