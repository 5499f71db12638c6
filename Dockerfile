# With `image: Dockerfile` (main, `uses: ./`, a branch) the runner builds
# this image at the start of every job that uses the action, so the build
# stays small. A release's action.yml names the image the release workflow
# built from this file instead, pinned by digest (see the README).
#
# Base images are pinned to exact tags: the Go patch release and Alpine
# version of the build stage, and the Debian release of the runtime stage.
# Distroless publishes no version tags (only latest, nonroot, debug,
# debug-nonroot), so its tag names the root variant explicitly. A tag can
# still be moved by its publisher; the full pin is the digest, which has to be
# read from the registry (`docker buildx imagetools inspect IMAGE:TAG`) and
# appended as `IMAGE:TAG@sha256:<digest>`, keeping the tag for readers. Once
# digests are in, Dependabot (the `docker` ecosystem) or Renovate (the
# `dockerfile` manager, `pinDigests`) proposes each new digest as a pull
# request, which CI then builds and tests. .ci/container-check builds this
# file offline against stand-ins named after these FROM lines.
# No `# syntax=` line: it would make BuildKit pull an unpinned frontend image
# on every build, and nothing here needs a newer Dockerfile syntax.
#
# One Dockerfile for every platform (the release publishes linux/amd64 and
# linux/arm64): the build stage always runs on the machine that builds
# (BUILDPLATFORM) and Go cross-compiles for the image's platform
# (TARGETOS/TARGETARCH), so an arm64 image needs no emulation. The runtime
# stage only copies files, so nothing runs on the target platform either.
# BuildKit (behind `docker build` since Docker 23, so behind the runner's
# build of `image: Dockerfile` too) and buildah set these arguments, to the
# machine's own platform when no other is asked for.

FROM --platform=$BUILDPLATFORM golang:1.26.8-alpine3.23 AS build
WORKDIR /src
# A static binary, and the toolchain of the image (never a downloaded one).
ENV CGO_ENABLED=0 GOTOOLCHAIN=local
COPY go.mod go.sum ./
RUN go mod download
COPY main.go ./
COPY internal/ ./internal/
ARG TARGETOS TARGETARCH
ARG VERSION=dev
RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w -X github.com/deploy-action/deploy-action/internal/cli.Version=${VERSION}" -o /out/deploy-action . \
 && ln -s deploy-action /out/deploy-action-post

# distroless/static carries CA certificates, /etc/passwd and /tmp, nothing
# else, and runs as root. No USER and no WORKDIR: the runner mounts its
# file-command files owned by root and sets the working directory itself.
FROM gcr.io/distroless/static-debian12:latest
COPY --from=build /out/ /
ENTRYPOINT ["/deploy-action"]
