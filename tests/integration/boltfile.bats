#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Boltfile.toml validation and `bolt surge config|validate`: the README's gaming stack,
# a stack using every key, and broken files whose problems are checked word for word.

load helpers/boltfile

setup() {
  bf_setup
}

teardown() {
  bf_teardown
}

@test "the README gaming stack validates and prints the normalized stack" {
  cp "$BF_FIXTURES/gaming-rig.toml" Boltfile.toml
  run bolt surge validate
  [ "$status" -eq 0 ]
  [ "$output" = "Boltfile.toml: valid (project gaming-rig, 1 service)" ]
  run bolt surge config
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 'project = "gaming-rig"' ]
  [[ "$output" == *$'[services.steam]\nimage = "ghcr.io/games-on-whales/steam:latest"\nports = ["8080:8080/tcp"]'* ]]
  [[ "$output" == *$'[services.steam.gaming.gpu]\nruntime = "nvbind"\nisolation_level = "exclusive"\nmemory_limit = 8589934592'* ]]
  [[ "$output" == *$'devices = ["gpu:0"]\nperformance_mode = "ultra"\nwsl2_optimized = true'* ]]
  [[ "$output" == *$'[services.steam.gaming.audio]\nsystem = "pipewire"\nlatency = "low"'* ]]
}

@test "config --format json carries the same stack" {
  cp "$BF_FIXTURES/gaming-rig.toml" Boltfile.toml
  run bolt surge config --format json
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r .project)" = gaming-rig ]
  [ "$(echo "$output" | jq -r .services.steam.gaming.gpu.memory_limit)" = 8589934592 ]
  [ "$(echo "$output" | jq -r '.services.steam.gaming.gpu.nvbind.devices[0]')" = gpu:0 ]
  [ "$(echo "$output" | jq -r .services.steam.gaming.gpu.gaming.profile)" = ultra-low-latency ]
  [ "$(echo "$output" | jq -r .services.steam.gaming.audio.system)" = pipewire ]
}

@test "the normalized output is itself a valid Boltfile with the same content" {
  cp "$BF_FIXTURES/full.toml" Boltfile.toml
  cp "$BF_FIXTURES/app.env" .
  run bolt surge config
  [ "$status" -eq 0 ]
  echo "$output" > normalized.toml
  run bolt surge -f normalized.toml config
  [ "$status" -eq 0 ]
  [ "$output" = "$(cat normalized.toml)" ]
  [ "$(bolt surge config --format json)" = "$(bolt surge -f normalized.toml config --format json)" ]
}

@test "every key: sizes, durations, paths and capabilities are normalized" {
  cp "$BF_FIXTURES/full.toml" Boltfile.toml
  cp "$BF_FIXTURES/app.env" .
  run bolt surge config --format json
  [ "$status" -eq 0 ]
  j() { echo "$output" | jq -c "$1"; }
  [ "$(j .services.db.memory)" = 536870912 ]
  [ "$(j .services.db.stop_grace_period)" = '"1m30s"' ]
  [ "$(j .services.db.healthcheck.retries)" = 5 ]
  [ "$(j .services.cache.healthcheck.test)" = '["CMD-SHELL","redis-cli ping"]' ]
  [ "$(j .services.cache.command)" = '["redis-server","--save","","--appendonly","no"]' ]
  [ "$(j '.services.web.volumes[0]')" = "\"$BF_TMP/proj/static:/srv/static:ro\"" ]
  [ "$(j '.services.web.ports')" = '["8080:8080/tcp","127.0.0.1:9090:9090/tcp","[::1]:5353:53/udp","443/tcp","7000-7002:7000-7002/tcp","9001:9000/udp"]' ]
  [ "$(j .services.web.cap_add)" = '["CAP_NET_ADMIN","CAP_SYS_NICE"]' ]
  [ "$(j .services.web.depends_on.migrate.condition)" = '"service_completed_successfully"' ]
  [ "$(j .services.game.gaming.gpu.memory_limit)" = 4294967296 ]
  [ "$(j .services.game.gaming.gpu.nvbind.nvidia.cuda_version)" = '"12.2"' ]
  [ "$(j .services.game.gaming.audio.buffer_size)" = 512 ]
  run bolt surge config --services
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'db\ncache\nmigrate\nweb\nsidecar\ngame')" ]
}

@test "the Boltfile is found in a parent directory; -p overrides the project" {
  cp "$BF_FIXTURES/gaming-rig.toml" Boltfile.toml
  mkdir -p deep/er
  cd deep/er
  run bolt surge validate
  [ "$status" -eq 0 ]
  [ "$output" = "$BF_TMP/proj/Boltfile.toml: valid (project gaming-rig, 1 service)" ]
  run bolt surge -p other config
  [ "${lines[0]}" = 'project = "other"' ]
  run bolt surge config -p 'Not Valid'
  [ "$status" -eq 1 ]
  [ "$output" = "bolt surge: invalid project name 'Not Valid' (use lowercase letters, digits, '_' and '-', starting with a letter or digit)" ]
}

@test "without a project key the directory names the project" {
  printf '[services.web]\nimage = "nginx"\n' > Boltfile.toml
  run bolt surge config
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 'project = "proj"' ]
}

@test "no Boltfile: one clear line and status 1" {
  run bolt surge config
  [ "$status" -eq 1 ]
  [ "$output" = "bolt surge: no Boltfile.toml found; searched $BF_TMP/proj, $BF_TMP, /tmp, / (create one, or name it with -f FILE)" ]
  run bolt surge -f missing.toml validate
  [ "$status" -eq 1 ]
  [ "$output" = "bolt surge: Boltfile 'missing.toml': No such file or directory" ]
}

@test "usage errors exit 2" {
  run bolt surge
  [ "$status" -eq 2 ]
  run bolt surge frobnicate
  [ "$status" -eq 2 ]
  [[ "$output" == "bolt surge: unknown command 'frobnicate'; commands are: config validate "* ]]
  run bolt surge config --format yaml
  [ "$status" -eq 2 ]
  [ "$output" = "bolt surge config: --format: unknown format 'yaml' (expected toml or json)" ]
}

@test "TOML syntax errors name the file, line and column" {
  printf '[services.web]\nimage = "nginx\n' | boltfile
  run bolt surge validate
  [ "$status" -eq 1 ]
  [ "${lines[0]}" = "Boltfile.toml:2:9: unterminated string (single-line strings end on the same line; use \"\"\" for several lines)" ]
  [ "${lines[1]}" = "bolt surge: Boltfile.toml: 1 problem found" ]
}

@test "a broken stack reports every problem at once, in file order" {
  cp "$BF_FIXTURES/broken.toml" Boltfile.toml
  run bolt surge config
  [ "$status" -eq 1 ]
  diff -u - <(echo "$output") <<'WANT'
Boltfile.toml:1:11: project: invalid name 'Gaming Rig' (use lowercase letters, digits, '_' and '-', starting with a letter or digit)
Boltfile.toml:2:1: unknown key 'servces' at the top level (did you mean 'services'?)
Boltfile.toml:4:11: services.web: missing required key 'image'
Boltfile.toml:5:1: unknown key 'imgae' in [services.web] (did you mean 'image'?)
Boltfile.toml:6:14: services.web.privileged: expected a bool (true or false), found a string
Boltfile.toml:7:11: services.web.restart: invalid value 'sometimes' (allowed: no, always, on-failure, on-failure:N, unless-stopped)
Boltfile.toml:8:10: services.web.memory: invalid size '8XB' (expected a number with an optional unit b, k, m, g or t, e.g. 512m or 8GB)
Boltfile.toml:9:10: services.web.ports[0]: invalid port mapping '80800:80' (expected [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL], ports 1-65535)
Boltfile.toml:10:15: services.web.depends_on: dependency cycle: web -> db -> cache -> web
Boltfile.toml:10:30: services.web.depends_on[2]: unknown service 'dbb' (did you mean 'db'?)
Boltfile.toml:11:21: services.web.stop_grace_period: invalid duration '10 seconds' (expected a number with a unit ms, s, m or h, e.g. 30s or 1m30s)
Boltfile.toml:12:12: services.web.cap_add[0]: unknown capability 'SYS_ADMN' (did you mean 'SYS_ADMIN'?)
Boltfile.toml:13:12: services.web.volumes[0]: volume 'data' is not declared (add a [volumes.data] table, or write ./data for a directory next to the Boltfile)
Boltfile.toml:13:69: services.web.volumes[2]: container path 'rel' must be absolute
Boltfile.toml:17:12: services.web.healthcheck.interval: invalid duration '10x' (expected a number with a unit ms, s, m or h, e.g. 30s or 1m30s)
Boltfile.toml:18:11: services.web.healthcheck.retries: -1 is out of range (0 to 1000000)
Boltfile.toml:22:16: services.db.depends_on.cache: condition 'service_healthy' needs a healthcheck in service 'cache'
Boltfile.toml:32:19: services.steam.gaming.gpu.isolation_level: invalid value 'exclusiv' (allowed: exclusive, shared)
Boltfile.toml:33:16: services.steam.gaming.gpu.memory_limit: invalid size '8 gigs' (expected a number with an optional unit b, k, m, g or t, e.g. 512m or 8GB)
Boltfile.toml:35:12: services.steam.gaming.gpu.nvbind.devices[0]: invalid GPU 'gpu:x' (expected all, none, an index like 0 or gpu:0, GPU-<uuid> or MIG-<uuid>)
Boltfile.toml:36:20: services.steam.gaming.gpu.nvbind.performance_mode: invalid value 'ludicrous' (allowed: ultra, high, balanced, efficient)
Boltfile.toml:37:1: unknown key 'wsl2' in [services.steam.gaming.gpu.nvbind] (did you mean 'wsl2_optimized'?)
Boltfile.toml:40:15: services.steam.gaming.audio.sample_rate: 1 is out of range (8000 to 384000)
Boltfile.toml:41:15: services.steam.gaming.audio.buffer_size: 300 is not a power of two (e.g. 256, 512, 1024)
bolt surge: Boltfile.toml: 24 problems found
WANT
}

@test "unknown key with a suggestion" {
  boltfile <<'EOF2'
[services.web]
image = "nginx"
enviroment = { A = "1" }
EOF2
  run bolt surge validate
  [ "$status" -eq 1 ]
  [ "${lines[0]}" = "Boltfile.toml:3:1: unknown key 'enviroment' in [services.web] (did you mean 'environment'?)" ]
}

@test "an env_file that cannot be read" {
  boltfile <<'EOF2'
[services.web]
image = "nginx"
env_file = "web.env"
EOF2
  run bolt surge validate
  [ "$status" -eq 1 ]
  [ "${lines[0]}" = "Boltfile.toml:3:12: services.web.env_file: cannot read '$BF_TMP/proj/web.env': No such file or directory" ]
  echo "A=1" > web.env
  run bolt surge validate
  [ "$status" -eq 0 ]
}

@test "wrong type" {
  boltfile <<'EOF2'
[services.web]
image = "nginx"
read_only = "true"
EOF2
  run bolt surge validate
  [ "$status" -eq 1 ]
  [ "${lines[0]}" = "Boltfile.toml:3:13: services.web.read_only: expected a bool (true or false), found a string" ]
}

@test "bad enum value lists the allowed ones" {
  boltfile <<'EOF2'
[services.web]
image = "nginx"
[services.web.gaming.gpu.gaming]
profile = "turbo"
EOF2
  run bolt surge validate
  [ "$status" -eq 1 ]
  [ "${lines[0]}" = "Boltfile.toml:4:11: services.web.gaming.gpu.gaming.profile: invalid value 'turbo' (allowed: ultra-low-latency, performance, balanced, quality, power-saving)" ]
}

@test "bad size and bad duration" {
  boltfile <<'EOF2'
[services.web]
image = "nginx"
memory = "12 parsecs"
healthcheck = { test = "true", timeout = "soon" }
EOF2
  run bolt surge validate
  [ "$status" -eq 1 ]
  [ "${lines[0]}" = "Boltfile.toml:3:10: services.web.memory: invalid size '12 parsecs' (expected a number with an optional unit b, k, m, g or t, e.g. 512m or 8GB)" ]
  [ "${lines[1]}" = "Boltfile.toml:4:42: services.web.healthcheck.timeout: invalid duration 'soon' (expected a number with a unit ms, s, m or h, e.g. 30s or 1m30s)" ]
  [ "${lines[2]}" = "bolt surge: Boltfile.toml: 2 problems found" ]
}

@test "missing image" {
  boltfile <<'EOF2'
[services.web]
ports = ["80:80"]
EOF2
  run bolt surge validate
  [ "$status" -eq 1 ]
  [ "${lines[0]}" = "Boltfile.toml:1:11: services.web: missing required key 'image'" ]
}

@test "depends_on naming no service, as a list and as a table" {
  boltfile <<'EOF2'
[services.web]
image = "nginx"
depends_on = ["api"]
[services.api]
image = "x"
depends_on = { databse = { condition = "service_healthy" } }
[services.database]
image = "pg"
healthcheck = { test = "pg_isready" }
EOF2
  run bolt surge validate
  [ "$status" -eq 1 ]
  [ "${lines[0]}" = "Boltfile.toml:6:16: services.api.depends_on.databse: unknown service 'databse' (did you mean 'database'?)" ]
  [ "${#lines[@]}" -eq 2 ]
}

@test "a dependency cycle is named" {
  boltfile <<'EOF2'
[services.a]
image = "x"
depends_on = ["b"]
[services.b]
image = "x"
depends_on = { c = {} }
[services.c]
image = "x"
depends_on = ["a"]
EOF2
  run bolt surge validate
  [ "$status" -eq 1 ]
  [ "${lines[0]}" = "Boltfile.toml:3:15: services.a.depends_on: dependency cycle: a -> b -> c -> a" ]
  [ "${lines[1]}" = "bolt surge: Boltfile.toml: 1 problem found" ]
}

@test "every Boltfile example in README.md and docs/boltfile.md validates" {
  local n=0 f
  for doc in "$BOLT_TOP/README.md" "$BOLT_TOP/docs/boltfile.md"; do
    awk -v out="$BF_TMP/proj/ex" '/^```toml$/ {n++; f=out "-" n ".toml"; on=1; next} /^```$/ {on=0} on {print > f}' "$doc"
    for f in "$BF_TMP"/proj/ex-*.toml; do
      [ -f "$f" ] || continue
      # other TOML blocks (e.g. containers.conf) are not Boltfiles
      grep -q '^\[services\.' "$f" || { rm -f "$f"; continue; }
      run bolt surge -f "$f" validate
      echo "$f: $output"
      [ "$status" -eq 0 ]
      n=$((n + 1))
      rm -f "$f"
    done
  done
  [ "$n" -ge 2 ]
}
