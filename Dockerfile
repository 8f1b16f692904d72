# keyhound in a container: a static (musl) binary on an empty base image, a few MB in all.
#
#   docker build -t keyhound .
#   docker run --rm -v "$PWD:/scan" keyhound                       # scan the current directory
#   docker run --rm -v "$PWD:/scan" keyhound scan --history .      # and its whole git history
#
# keyhound reads git objects itself (gix), so the image needs no git, no shell and no libc.
FROM rust:1.95-alpine AS build
# musl-dev links the static binary; ca-certificates is copied out for --validate and doctor.
# Alpine's packages are left unpinned: the base image's tag fixes the release they come from.
# hadolint ignore=DL3018
RUN apk add --no-cache musl-dev ca-certificates
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY benches benches
COPY src src
COPY rules rules
RUN cargo build --release --locked --bin keyhound \
    && cp target/release/keyhound /keyhound \
    && /keyhound --version

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /keyhound /usr/local/bin/keyhound
WORKDIR /scan
ENTRYPOINT ["/usr/local/bin/keyhound"]
CMD ["scan", "."]
