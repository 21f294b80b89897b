# Debian 12 packages for the build, the tests and the VM harness.
DEB_BUILD := make gcc clang llvm pkg-config libbpf-dev bpftool libelf-dev \
             zlib1g-dev libsystemd-dev libjson-c-dev libinih-dev \
             libmicrohttpd-dev
DEB_TEST  := libcmocka-dev clang-format tmux libclang-rt-14-dev prometheus systemd qemu-system-x86 busybox-static \
             cpio kmod xz-utils stress-ng util-linux procps jq \
             libjemalloc-dev libgoogle-perftools-dev gnuplot-nox
# the systemd guest suite (tests/systemd): a Debian 12 image, its ext4 disk,
# and node_exporter's textfile collector for the Prometheus check
DEB_SYSD  := mmdebstrap e2fsprogs prometheus-node-exporter
# the Debian package (make deb, debian/): debhelper, lintian, scdoc for the
# man pages
DEB_PKG   := debhelper dpkg-dev fakeroot lintian scdoc
DEB_KERN  := flex bison bc libssl-dev libelf-dev dwarves ccache rsync \
             gcc-aarch64-linux-gnu gcc-mips-linux-gnu \
             linux-source-6.12
deps:
	@[ "$$(id -u)" = 0 ] || { echo "make deps: must run as root (apt-get)" >&2; exit 1; }
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		$(DEB_BUILD) $(DEB_TEST) $(DEB_SYSD) $(DEB_PKG) $(DEB_KERN)
