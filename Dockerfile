# syntax=docker/dockerfile:1
# hft in a container: `docker build -t hft .`, then `docker run hft <subcommand>` (deploy/compose.yaml runs
# the whole system). The build stage installs exactly what CI installs (scripts/bootstrap) and builds the
# release binary the way scripts/run does; the runtime stage holds the binary and the shared libraries it
# links, nothing else. tests/deploy/dockerfile.sh checks these claims against the real binary (Docker itself
# is not available where the tests run).

FROM debian:bookworm AS build
WORKDIR /src/hft
COPY scripts/ scripts/
RUN scripts/bootstrap && rm -rf /var/lib/apt/lists/*
COPY . .
# The same configuration as scripts/run's build/release.
RUN bash -c 'source scripts/lib/common.sh && build_tree release \
      -DCMAKE_BUILD_TYPE=Release -DHFT_BUILD_TESTS=OFF -DHFT_BUILD_BENCH=OFF' && \
    build/release/hft --version

FROM debian:bookworm-slim
# One package per shared library `ldd hft` lists (apt brings their own dependencies), plus CA certificates
# for the exchanges' TLS endpoints.
RUN apt-get update -qq && \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      ca-certificates \
      libboost-url1.81.0 \
      libfmt9 \
      libgcc-s1 \
      libnats3.4 \
      libpq5 \
      libpqxx-6.4 \
      libsimdjson14 \
      libspdlog1.10 \
      libssl3 \
      libstdc++6 \
      libyaml-cpp0.7 \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --user-group --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin hft
COPY --from=build /src/hft/build/release/hft /usr/local/bin/hft
# The template, documented key by key; mount your own /etc/hft/config.yml over it and pass secrets as HFT_*.
COPY --chown=root:hft --chmod=0640 config.yml.example /etc/hft/config.yml
# Real 1m klines for `hft exchange-sim --replay /usr/share/hft/klines/<file>.csv` (paper trading).
COPY data/klines/ /usr/share/hft/klines/
ENV HFT_CONFIG=/etc/hft/config.yml
USER hft
ENTRYPOINT ["hft"]
CMD ["--help"]
