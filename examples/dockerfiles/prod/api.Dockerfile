# The API's image: built in a full toolchain image, run on distroless as a numeric
# non-root user, every base pinned by digest.
FROM golang:1.23@sha256:2e5ea7c7c9fa6d2e3c2a4f1b9e8e6f4a1c3d2b5a6e7f8091a2b3c4d5e6f70819 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=secret,id=netrc,target=/root/.netrc go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /backend ./cmd/backend

FROM gcr.io/distroless/static-debian12:nonroot@sha256:6ec5aa99dc335666e79dc64e4a6c8b89c33a543a1967f20d360922a80dd21f02
COPY --from=build /backend /backend
USER 65532:65532
ENTRYPOINT ["/backend"]
