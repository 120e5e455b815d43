# SPDX-License-Identifier: MIT
# A thin wrapper over the same scripts CI runs: scripts/install-deps.sh and scripts/build.sh.
#   docker build -t nexusmap .
#   docker run --rm -v "$PWD/data:/data" -v "$PWD/out:/out" -e NEXUSMAP_DATA=/data \
#     nexusmap run /src/configs/badakhshan.toml --out /out
FROM debian:bookworm-slim AS build
WORKDIR /src
COPY . .
RUN scripts/install-deps.sh && scripts/build.sh --no-tests

FROM debian:bookworm-slim
COPY scripts/install-deps.sh /usr/local/share/nexusmap/install-deps.sh
RUN /usr/local/share/nexusmap/install-deps.sh --runtime && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/nexusmap /usr/local/bin/nexusmap
COPY configs /src/configs
ENTRYPOINT ["nexusmap"]
CMD ["--help"]
