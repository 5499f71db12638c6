# syntax=docker/dockerfile:1
# The runner builds this image at the start of every job that uses the
# action, so the build stays small and cached; users who want to skip it can
# use the prebuilt image (see the README).

FROM golang:1.26-alpine AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS=-trimpath
COPY go.mod go.sum ./
RUN go mod download
COPY main.go ./
COPY internal/ ./internal/
ARG VERSION=dev
RUN go build -ldflags="-s -w -X github.com/deploy-action/deploy-action/internal/cli.Version=${VERSION}" -o /out/deploy-action . \
 && ln -s deploy-action /out/deploy-action-post

# distroless/static carries CA certificates and nothing else. No USER and no
# WORKDIR: the runner mounts its file-command files owned by root and sets
# the working directory itself.
FROM gcr.io/distroless/static-debian12
COPY --from=build /out/ /
ENTRYPOINT ["/deploy-action"]
