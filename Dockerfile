# kubegate as a container: `kubegate serve` in a cluster, or `kubegate test` in CI.
# A static (musl) binary on distroless, running as the non-root user 65532.
#
# Base images are pinned by digest. To move to newer ones, look the tags up again
# (`docker buildx imagetools inspect rust:1.95-slim-bookworm`, and the same for
# gcr.io/distroless/static-debian12:nonroot) and replace the digests.
#
# Build it with scripts/build-image (docker or podman), which tags kubegate:<version> and
# kubegate:latest and passes the Git revision in.

FROM rust:1.95-slim-bookworm@sha256:d7482085ff5b415f84dba5647ae71606650bdef00db7aeb69f4b3d170c3e4082 AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends musl-tools \
 && rm -rf /var/lib/apt/lists/* \
 && rustup target add x86_64-unknown-linux-musl
WORKDIR /src
COPY . .
# The build context has no .git (.dockerignore): the revision `kubegate version` shows comes
# from here (scripts/build-image passes it); declared late, so a new revision reuses the
# layers above.
ARG KUBEGATE_GIT_REV=""
RUN cargo build --release --locked --target x86_64-unknown-linux-musl -p kubegate \
 && cp target/x86_64-unknown-linux-musl/release/kubegate /kubegate

FROM gcr.io/distroless/static-debian12:nonroot@sha256:afa5c872c891853ca7fcf1f12c3edb23f7eeef36189728842dd51042ff57f7ab
COPY --from=build /kubegate /usr/local/bin/kubegate
USER 65532:65532
EXPOSE 8443
ENTRYPOINT ["/usr/local/bin/kubegate"]
CMD ["--help"]
