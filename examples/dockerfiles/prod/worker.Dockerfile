# The worker's image, as it must not be built for production.
FROM golang:1.23 AS build
ENV GOPRIVATE=github.com/sdottatum GITHUB_TOKEN=ghp_R4nd0mT0k3nF0rTh3Ex4mpl3Onlyxxxxxx12
COPY . /src
RUN cd /src && go build -o /backend ./cmd/backend

FROM debian:latest
COPY .env /app/.env
COPY --from=build /backend /backend
ENTRYPOINT ["/backend"]
