# containers.bash: what .ci/container-check and .ci/startup-measure share to
# build and run the project's image on a machine with no Docker engine and no
# reachable container registry (the kind CI runs on). Sourced, never run.
#
#   - install buildah, podman and runc (Debian packages), fetch busybox-static;
#   - run the caller again inside its own PID and mount namespaces with a
#     private /run and /var/lib/containers, so every process the container
#     tools leave behind (conmon) dies with the namespace and every mount they
#     make goes with it; a trap then removes the temporary folder and the
#     cgroups the containers ran in;
#   - make local stand-ins for the base images, which cannot be pulled, under
#     the exact names of the Dockerfile's first and last FROM lines, for each
#     platform the image is built for:
#        build stage:   this machine's Go toolchain plus a static busybox with
#                       the applets the RUN lines use;
#        runtime stage: scratch plus CA certificates, /etc/passwd and /tmp,
#                       the parts of distroless/static the binary relies on.
#
# The caller sets `prog` (its name in messages) and `self` (its own path),
# defines `outside_main` (which ends by calling run_inside) and `inside_main`,
# then calls `containers_main "$@"`.

say() { printf '%s\n' "$*"; }
die() { printf '%s: FAIL: %s\n' "$prog" "$*" >&2; exit 1; }

phase_name=
phase() { # phase NAME: end the current phase (recording its time), start NAME
  end_phase
  phase_name=$1 phase_start=$SECONDS
  printf '\n-- %s: %s\n' "$prog" "$1"
}
end_phase() {
  [[ -n $phase_name ]] || return 0
  local took=$((SECONDS - phase_start))
  printf '   (%ds)\n' "$took"
  printf '%-56s %4ds\n' "$phase_name" "$took" >>"$work/timings"
  phase_name=
}

# ---------------------------------------------------------------- outside ---

apt_updated=
apt_update() {
  [[ -z $apt_updated ]] || return 0
  say "apt-get update"
  apt-get update -qq >"$work/apt-update.log" 2>&1 || { cat "$work/apt-update.log" >&2; die "apt-get update failed"; }
  apt_updated=1
}

install_tools() {
  local missing=() tool
  for tool in buildah podman runc unshare od; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  [[ -r /etc/ssl/certs/ca-certificates.crt ]] || missing+=(ca-certificates)
  if ((${#missing[@]})); then
    say "missing: ${missing[*]}; installing buildah podman runc ca-certificates"
    apt_update
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq buildah podman runc ca-certificates util-linux coreutils \
      >"$work/apt-install.log" 2>&1 || { tail -40 "$work/apt-install.log" >&2; die "apt-get install failed"; }
  fi
  say "$(buildah --version)"
  say "$(podman --version)"
  say "$(runc --version | head -1)"
}

fetch_busybox() {
  local dir=$work/busybox
  mkdir -p "$dir"
  download() { (cd "$dir" && apt-get -o APT::Sandbox::User=root download busybox-static) >"$work/apt-download.log" 2>&1; }
  if ! download; then
    apt_update # a machine whose package lists are stale or missing
    download || { cat "$work/apt-download.log" >&2; die "apt-get download busybox-static failed"; }
  fi
  dpkg -x "$dir"/busybox-static_*.deb "$dir/root"
  [[ -x $dir/root/bin/busybox ]] || die "busybox-static has no /bin/busybox"
  say "busybox: $(basename "$dir"/busybox-static_*.deb)"
}

cleanup() {
  local rc=$?
  set +e
  end_phase 2>/dev/null
  if [[ -n ${ns_pid:-} ]]; then
    # Interrupted. unshare ignores SIGTERM and SIGINT while it waits, so
    # SIGKILL it: --kill-child then kills the namespace's first process,
    # which takes every other process in the namespace with it. Its exit
    # completes only when they are all gone: wait for that (at most 30 s).
    local init
    init=$(cat "/proc/$ns_pid/task/$ns_pid/children" 2>/dev/null)
    init=${init%% *}
    kill -KILL "$ns_pid" 2>/dev/null
    wait "$ns_pid" 2>/dev/null
    local i
    for ((i = 0; i < 300; i++)); do
      [[ -n $init && -e /proc/$init ]] || break
      [[ $(awk '{ print $3 }' "/proc/$init/stat" 2>/dev/null) != Z ]] || break
      sleep 0.1
    done
  fi
  # unshare has returned, so the namespace and every process in it are gone:
  # the container cgroups are empty and can be removed.
  if [[ -n ${cgroup_name:-} ]]; then
    local dir
    while IFS= read -r dir; do
      find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null
      [[ ! -d $dir ]] || say "$prog: could not remove cgroup $dir" >&2
    done < <(find /sys/fs/cgroup -maxdepth 2 -type d -name "$cgroup_name" 2>/dev/null)
  fi
  [[ -z ${made_varlib:-} ]] || rmdir /var/lib/containers 2>/dev/null
  [[ -z ${work:-} ]] || rm -rf "$work"
  if ((rc != 0)); then
    printf '%s: failed (exit %d) after %ds\n' "$prog" "$rc" "$((SECONDS - started))" >&2
  fi
  exit "$rc"
}

# outside: the part that runs on the machine: the temporary folder and the
# tools, then the caller's outside_main.
outside() {
  started=$SECONDS
  [[ $EUID -eq 0 ]] || die "run as root (CI does): buildah, podman and apt-get need it"
  [[ -f Dockerfile ]] || die "no Dockerfile in $(pwd)"
  command -v go >/dev/null 2>&1 || die "no go on PATH: the build stand-in is made from this machine's Go toolchain"

  work=$(mktemp -d "${TMPDIR:-/tmp}/$prog.XXXXXX")
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  : >"$work/timings"
  # The containers' cgroups go under a parent named after the folder, so the
  # trap knows exactly which ones to remove.
  cgroup_name=$(basename "$work")

  phase "install buildah, podman, runc, busybox-static"
  install_tools
  fetch_busybox

  # Tools write run state to /run and a blob cache to /var/lib/containers,
  # whatever their configuration says; inside the namespace both are tmpfs.
  if [[ ! -d /var/lib/containers ]]; then
    mkdir -p /var/lib/containers
    made_varlib=1
  fi
  end_phase
  outside_main "$@"
}

# run_inside ARGS...: run the caller's inside_main ARGS in the namespaces.
run_inside() {
  # In the background and waited for, so that a signal reaches the trap at
  # once (bash runs traps only between foreground commands).
  unshare --mount --propagation private --pid --fork --kill-child --mount-proc \
    bash "$self" --inside "$work" "/$cgroup_name" "$@" &
  ns_pid=$!
  wait "$ns_pid"
  ns_pid=
}

print_timings() {
  printf '\n-- %s: timings\n' "$prog"
  cat "$work/timings"
  printf '%-56s %4ds\n' "total" "$((SECONDS - started))"
}

# ----------------------------------------------------------------- inside ---

# qualify REF: the name local storage gives an image reference
# (golang:1.26 -> docker.io/library/golang:1.26).
qualify() {
  local ref=$1 first=${1%%/*}
  if [[ $ref != */* ]]; then
    ref=docker.io/library/$ref
  elif [[ $first != *.* && $first != *:* && $first != localhost ]]; then
    ref=docker.io/$ref
  fi
  [[ ${ref##*/} == *:* ]] || ref=$ref:latest
  printf '%s\n' "$ref"
}

# use_storage NAME: point buildah and podman at the storage folder NAME under
# the work folder; each has its own images, layers and cache.
use_storage() {
  mkdir -p "$work/storage-$1" "$work/run-$1"
  cat >"$work/conf/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$work/storage-$1"
runroot = "$work/run-$1"
EOF
}

# drop_storage NAME: remove the storage folder NAME (nothing may use it).
drop_storage() {
  rm -rf "$work/storage-$1" "$work/run-$1"
}

write_config() {
  mkdir -p "$work"/{tmp,conf,workspace}
  use_storage main
  # runc, not crun (cgroups here are hybrid and crun cannot raise rlimits);
  # ulimits the machine allows; no network namespace plumbing (podman's
  # default bridge would edit iptables).
  cat >"$work/conf/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
netns = "none"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "none"
tmp_dir = "$work/tmp"
image_copy_tmp_dir = "$work/tmp"
EOF
  # No registry is ever searched or contacted.
  cat >"$work/conf/registries.conf" <<EOF
unqualified-search-registries = []
short-name-mode = "permissive"
EOF
  export CONTAINERS_CONF=$work/conf/containers.conf
  export CONTAINERS_STORAGE_CONF=$work/conf/storage.conf
  export CONTAINERS_REGISTRIES_CONF=$work/conf/registries.conf
  export TMPDIR=$work/tmp
}

# inside WORK CGROUP_PARENT: the first steps in the namespaces.
inside() {
  work=$1
  cgroup_parent=$2
  # Private run state for this namespace only (see the header).
  mount --no-mtab -t tmpfs -o mode=0755 tmpfs /run
  mount --no-mtab -t tmpfs -o mode=0700 tmpfs /var/lib/containers
  write_config
}

# from_lines: the images of the Dockerfile's FROM lines, one a line.
from_lines() {
  awk 'toupper($1) == "FROM" { for (i = 2; i <= NF; i++) if ($i !~ /^--/) { print $i; break } }' "$1"
}

# prepare_dockerfile: sets dockerfile, build_ref and runtime_ref from the
# project's Dockerfile (a copy without digests when its FROM lines have them).
prepare_dockerfile() {
  dockerfile=Dockerfile
  if grep -Eq '^[[:space:]]*FROM[[:space:]].*@sha256:' Dockerfile; then
    # A local image cannot carry a registry digest: build a copy without them.
    sed -E 's/@sha256:[0-9a-f]{64}//' Dockerfile >"$work/Dockerfile"
    dockerfile=$work/Dockerfile
    say "note: the FROM lines are pinned by digest; building a copy without the digests"
  fi
  local froms
  mapfile -t froms < <(from_lines "$dockerfile")
  ((${#froms[@]} >= 2)) || die "expected a multi-stage Dockerfile (a build and a runtime FROM), found: ${froms[*]:-none}"
  build_ref=${froms[0]} runtime_ref=${froms[${#froms[@]} - 1]}
  [[ $build_ref$runtime_ref != *'$'* ]] || die "FROM lines use build arguments ($build_ref, $runtime_ref); name the images literally"
  say "build stage FROM:   $build_ref"
  say "runtime stage FROM: $runtime_ref"
  local tag_go host_go
  tag_go=$(sed -nE 's/^([^/]*\/)*golang:([0-9]+\.[0-9]+(\.[0-9]+)?).*/\2/p' <<<"$build_ref")
  host_go=$(cd / && GOTOOLCHAIN=local go env GOVERSION)
  if [[ -n $tag_go && go$tag_go != "$host_go" && $host_go != go$tag_go.* ]]; then
    say "warning: the Dockerfile builds with Go $tag_go, the stand-in has $host_go"
  fi
}

# Busybox applets linked into the build stand-in: what the Dockerfile's RUN
# lines call (sh, ln) and the usual few. A RUN line that needs another one
# fails with "not found": add it here.
readonly applets=(sh ln ls cat mkdir cp mv rm chmod env echo test true)

# stand_in_image NAME PREFIX ARCHES...: commit the working container ctr once
# per platform as PREFIX:ARCH, and make NAME a manifest list of them, as the
# registry's image is, so that a build for any of the platforms finds it.
stand_in_image() {
  local name=$1 prefix=$2 arch
  shift 2
  buildah manifest create "$name" >/dev/null
  for arch; do
    buildah config --os linux --arch "$arch" "$ctr"
    buildah commit --quiet "$ctr" "$prefix:$arch" >/dev/null
    buildah manifest add "$name" "containers-storage:$prefix:$arch" >/dev/null
  done
  buildah rm "$ctr" >/dev/null
}

# stand_in_build NAME ARCHES...: the build stage's image. Its content is this
# machine's for every platform, because the build stage runs on the build
# platform and cross-compiles. BuildKit (and newer buildah) pick the build
# platform's image by the Dockerfile's `FROM --platform=$BUILDPLATFORM`; the
# buildah of Debian 12 ignores that flag and asks for the target platform's
# image, which the list offers with this machine's toolchain in it, so the
# RUN lines still run natively, never under emulation.
stand_in_build() {
  local name=$1 mnt goroot gover
  shift
  goroot=$(cd / && GOTOOLCHAIN=local go env GOROOT)
  gover=$(cd / && GOTOOLCHAIN=local go env GOVERSION)
  ctr=$(buildah from --quiet scratch)
  mnt=$(buildah mount "$ctr")
  mkdir -p "$mnt"/{bin,etc/ssl/certs,tmp,root,go/bin,usr/local}
  chmod 1777 "$mnt/tmp"
  cp -a "$goroot" "$mnt/usr/local/go"
  cp "$work/busybox/root/bin/busybox" "$mnt/bin/busybox"
  local applet
  for applet in "${applets[@]}"; do ln -s busybox "$mnt/bin/$applet"; done
  cp /etc/ssl/certs/ca-certificates.crt "$mnt/etc/ssl/certs/"
  printf 'root:x:0:0:root:/root:/bin/sh\n' >"$mnt/etc/passwd"
  printf 'root:x:0:root\n' >"$mnt/etc/group"
  buildah unmount "$ctr" >/dev/null
  # The environment of the official golang image.
  buildah config \
    --env PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env GOLANG_VERSION="${gover#go}" --env GOTOOLCHAIN=local --env GOPATH=/go --env HOME=/root \
    --workingdir /go --cmd /bin/sh "$ctr"
  stand_in_image "$name" localhost/stand-in-build "$@"
  say "built $name for $* from ${goroot} (${gover}, $(cd / && go env GOHOSTARCH)) and busybox (${applets[*]})"
}

# stand_in_runtime NAME ARCHES...: the runtime stage's image, the same files
# for each platform (nothing in it runs during the build: the Dockerfile only
# copies into it).
stand_in_runtime() {
  local name=$1 mnt
  shift
  ctr=$(buildah from --quiet scratch)
  mnt=$(buildah mount "$ctr")
  mkdir -p "$mnt"/{etc/ssl/certs,tmp,root,home/nonroot}
  chmod 1777 "$mnt/tmp"
  cp /etc/ssl/certs/ca-certificates.crt "$mnt/etc/ssl/certs/"
  cat >"$mnt/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
PASSWD
  printf 'root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n' >"$mnt/etc/group"
  buildah unmount "$ctr" >/dev/null
  stand_in_image "$name" localhost/stand-in-runtime "$@"
  say "built $name for $* (CA certificates, /etc/passwd, /tmp)"
}

# stand_ins ARCHES...: both base images, for each platform.
stand_ins() {
  stand_in_build "$(qualify "$build_ref")" "$@"
  stand_in_runtime "$(qualify "$runtime_ref")" "$@"
}

# quiet_build ARGS...: buildah build of the Dockerfile, never pulling, without
# its per-blob copy lines.
quiet_build() {
  buildah build --pull=never --isolation chroot "$@" 2>&1 |
    sed -E '/^(Getting image source signatures|Copying (blob|config)|Writing manifest|Storing signatures)/d'
  return "${PIPESTATUS[0]}"
}

# elf_arch FILE: the Go architecture an ELF executable is for (amd64, arm64),
# read from its header: the magic, the class (64-bit), the byte order
# (little-endian) and e_machine (62 x86-64, 183 AArch64).
elf_arch() {
  local h
  h=$(od -An -tx1 -N20 -v "$1" | tr -d ' \n') || return 1
  if [[ ${h:0:8} != 7f454c46 ]]; then
    echo "not-ELF"
  elif [[ ${h:8:4} != 0201 ]]; then
    echo "not-64-bit-little-endian"
  else
    case ${h:36:4} in
      3e00) echo amd64 ;;
      b700) echo arm64 ;;
      *) echo "e_machine-0x${h:38:2}${h:36:2}" ;;
    esac
  fi
}

mb() { awk -v b="$1" 'BEGIN { printf "%.2f MB", b / 1e6 }'; }

# containers_main ARGS...: the outside part, or with --inside the part in the
# namespaces.
containers_main() {
  if [[ ${1:-} == --inside ]]; then
    inside "$2" "$3"
    shift 3
    inside_main "$@"
  else
    outside "$@"
  fi
}
