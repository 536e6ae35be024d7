#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# bolt surge on real containers: up in dependency order with health/completion gates,
# idempotent up, recreate on change, logs with prefixes, start/stop/restart/exec/status,
# foreground up stopped by SIGINT, down (-v), and surge-level errors.

load helpers/engine

setup() {
  eng_setup
  PROJ=$TMP/proj
  SHARED=$TMP/shared
  mkdir -p "$PROJ/sub/dir" "$SHARED"
  cd "$PROJ"
}

teardown() {
  cd /
  eng_teardown
}

# sh loops that leave at once on SIGTERM (pid 1 ignores signals without a handler)
LOOP="trap 'exit 0' TERM; while :; do sleep 0.1; done"

# db becomes ready after a second (a file in a shared bind mount); its healthcheck
# tests that file; web records whether db was ready when it started; worker needs
# web started and migrate completed successfully.
three_stack() {
  cat >"$PROJ/Boltfile.toml" <<EOF
project = "st"
[services.db]
image = "$IMG"
volumes = ["$SHARED:/shared"]
command = ["sh", "-c", "echo db-boot; sleep 1; touch /shared/db-ready; echo db-ready; $LOOP"]
[services.db.healthcheck]
test = ["CMD-SHELL", "test -f /shared/db-ready"]
interval = "300ms"
timeout = "2s"
retries = 20
[services.web]
image = "$IMG"
volumes = ["$SHARED:/shared"]
command = ["sh", "-c", "if test -f /shared/db-ready; then echo web-saw-db-ready; else echo web-too-early; fi; $LOOP"]
depends_on = { db = { condition = "service_healthy" } }
[services.migrate]
image = "$IMG"
command = ["sh", "-c", "echo migrated"]
[services.worker]
image = "$IMG"
command = ["sh", "-c", "echo worker-up; $LOOP"]
[services.worker.depends_on]
web = { condition = "service_started" }
migrate = { condition = "service_completed_successfully" }
EOF
}

ids() {
  b ps -a --no-trunc --format json | jq -r 'sort_by(.Name) | .[] | "\(.Name)=\(.Id)"'
}

@test "up: dependency order with a health gate and a completion gate; down removes everything" {
  three_stack
  run b surge up -d
  [ "$status" -eq 0 ]
  # db healthy before web is created; worker after web started and migrate ran
  healthy=$(grep -n 'st-db-1 Healthy' <<<"$output" | cut -d: -f1)
  web=$(grep -n 'st-web-1 Created' <<<"$output" | cut -d: -f1)
  worker=$(grep -n 'st-worker-1 Created' <<<"$output" | cut -d: -f1)
  webstart=$(grep -n 'st-web-1 Started' <<<"$output" | cut -d: -f1)
  [ -n "$healthy" ] && [ "$healthy" -lt "$web" ] && [ "$webstart" -lt "$worker" ]
  [ "$(b logs st-web-1)" = "web-saw-db-ready" ]
  # named PROJECT-SERVICE-1 and labelled
  [ "$(b ps -a --filter label=io.bolt.surge.project=st --format json | jq length)" -eq 4 ]
  [ "$(b ps -a --filter label=io.bolt.surge.service=worker --format json | jq -r '.[0].Name')" = "st-worker-1" ]
  run b surge status --format json
  [ "$(jq -r '.[] | select(.Service=="db") | .Health' <<<"$output")" = "healthy" ]
  [ "$(jq -r '.[] | select(.Service=="migrate") | .State' <<<"$output")" = "exited" ]
  [ "$(jq -r '[.[] | select(.State=="running")] | length' <<<"$output")" -eq 3 ]
  run b surge down
  [ "$status" -eq 0 ]
  # dependents stop first
  w=$(grep -n 'st-worker-1 Stopped' <<<"$output" | cut -d: -f1)
  d=$(grep -n 'st-db-1 Stopped' <<<"$output" | cut -d: -f1)
  [ "$w" -lt "$d" ]
  [ "$(b ps -aq | wc -l)" -eq 0 ]
  assert_clean_state
}

@test "up: a dependency that fails its gate keeps dependents from starting" {
  cat >Boltfile.toml <<EOF
project = "gate"
[services.migrate]
image = "$IMG"
command = ["sh", "-c", "echo boom; exit 4"]
[services.app]
image = "$IMG"
command = ["sh", "-c", "$LOOP"]
depends_on = { migrate = { condition = "service_completed_successfully" } }
EOF
  run b surge up -d
  [ "$status" -eq 1 ]
  [[ "$output" == *"bolt surge: service 'app' not started: dependency 'migrate' did not complete successfully"* ]]
  [[ "$output" == *"bolt surge up: 1 service failed to start"* ]]
  ! b ps -a --format json | jq -r '.[].Name' | grep -q gate-app-1
}

@test "up is idempotent; a changed service is recreated, the others are left running" {
  three_stack
  b surge up -d 2>/dev/null
  before=$(ids)
  b inspect st-worker-1 | jq -r '.[0].Config.Labels["io.bolt.surge.config-hash"]' >"$TMP/worker-hash"
  b inspect st-db-1 | jq -r '.[0].Config.Labels["io.bolt.surge.config-hash"]' >"$TMP/db-hash"
  run b surge up -d
  [ "$status" -eq 0 ]
  [[ "$output" == *"st-db-1 Running"* ]] && [[ "$output" == *"st-worker-1 Running"* ]]
  [[ "$output" != *Created* ]]
  [ "$(ids)" = "$before" ]
  sed -i 's/echo worker-up/echo worker-v2/' Boltfile.toml
  run b surge up -d
  [ "$status" -eq 0 ]
  [[ "$output" == *"st-worker-1 Recreate"* ]]
  after=$(ids)
  [ "$(grep st-db-1 <<<"$after")" = "$(grep st-db-1 <<<"$before")" ]
  [ "$(grep st-web-1 <<<"$after")" = "$(grep st-web-1 <<<"$before")" ]
  [ "$(grep st-worker-1 <<<"$after")" != "$(grep st-worker-1 <<<"$before")" ]
  wait_for 5 bash -c "'$BOLT' --root '$ROOT' --runroot '$RUNROOT' logs st-worker-1 | grep -q worker-v2"
  # the config hash label changed with it; the others kept theirs
  hash() { b inspect "$1" | jq -r '.[0].Config.Labels["io.bolt.surge.config-hash"]'; }
  [[ "$(hash st-worker-1)" =~ ^[0-9a-f]{64}$ ]]
  [ "$(hash st-worker-1)" != "$(cat "$TMP/worker-hash")" ]
  [ "$(hash st-db-1)" = "$(cat "$TMP/db-hash")" ]
  b surge down -t 1 >/dev/null 2>&1
}

@test "logs: several services, prefixed, --tail, one service, -f ends when the services stop" {
  cat >Boltfile.toml <<EOF
project = "lg"
[services.alpha]
image = "$IMG"
command = ["sh", "-c", "echo a1; echo a2; echo a3"]
[services.beta]
image = "$IMG"
command = ["sh", "-c", "echo b1; echo b2 >&2"]
EOF
  b surge up -d 2>/dev/null
  wait_for 5 bash -c "[ \"\$('$BOLT' --root '$ROOT' --runroot '$RUNROOT' ps -q | wc -l)\" -eq 0 ]"
  run b surge logs --no-color
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 5 ]
  grep -qx 'alpha | a1' <<<"$output"
  grep -qx 'alpha | a3' <<<"$output"
  grep -qx 'beta  | b1' <<<"$output"
  grep -qx 'beta  | b2' <<<"$output"
  # a service's own lines keep their order
  [ "$(grep alpha <<<"$output" | tr -d '\n')" = "alpha | a1alpha | a2alpha | a3" ]
  run b surge logs --tail 1 alpha
  [ "$output" = "alpha | a3" ]
  run b surge logs --tail 0 beta
  [ -z "$output" ]
  run timeout 10 "$BOLT" --root "$ROOT" --runroot "$RUNROOT" surge logs -f --tail 1
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 2 ]
  run b surge logs --tail x
  [ "$status" -eq 2 ]
  [ "$output" = "bolt surge logs: --tail: invalid value 'x' (expected a number of lines or 'all')" ]
}

@test "start, stop, restart, exec, status" {
  cat >Boltfile.toml <<EOF
project = "lc"
[services.db]
image = "$IMG"
command = ["sh", "-c", "echo db-started; $LOOP"]
[services.app]
image = "$IMG"
command = ["sh", "-c", "$LOOP"]
depends_on = ["db"]
environment = { GREETING = "hello" }
EOF
  b surge up -d 2>/dev/null
  run b surge exec app sh -c 'echo $GREETING; exit 3'
  [ "$status" -eq 3 ]
  [ "$output" = "hello" ]
  run b surge stop app
  [ "$status" -eq 0 ]
  [[ "$output" == *"lc-app-1 Stopped"* ]]
  run b surge status
  [[ "${lines[0]}" == NAME*SERVICE*STATE*STATUS*HEALTH ]]
  [[ "$(grep lc-app-1 <<<"$output")" == *exited* ]]
  [[ "$(grep lc-db-1 <<<"$output")" == *running* ]]
  run b surge exec app true
  [ "$status" -ne 0 ]
  [[ "$output" == *"container lc-app-1 is not running"* ]]
  run b surge start
  [ "$status" -eq 0 ]
  [[ "$output" == *"lc-db-1 Running"* ]] && [[ "$output" == *"lc-app-1 Started"* ]]
  [ "$(b surge ps -q | wc -l)" -eq 2 ]
  run b surge restart db
  [ "$status" -eq 0 ]
  [[ "$output" == *"lc-db-1 Stopped"* ]] && [[ "$output" == *"lc-db-1 Started"* ]]
  [ "$(b logs lc-db-1 | grep -c db-started)" -eq 2 ]
  run b surge ps --format json
  [ "$(jq -r '[.[] | select(.State=="running")] | length' <<<"$output")" -eq 2 ]
  run b surge down
  [ "$status" -eq 0 ]
  run b surge start
  [ "$status" -eq 1 ]
  [[ "$output" == *"service 'db' has no container (run 'bolt surge up db' first)"* ]]
}

@test "up in the foreground follows the logs and SIGINT stops the stack" {
  cat >Boltfile.toml <<EOF
project = "fg"
[services.a]
image = "$IMG"
command = ["sh", "-c", "trap 'exit 0' TERM; echo a-up; while :; do sleep 0.1; done"]
[services.b]
image = "$IMG"
command = ["sh", "-c", "trap 'exit 0' TERM; echo b-up; while :; do sleep 0.1; done"]
depends_on = ["a"]
EOF
  "$BOLT" --root "$ROOT" --runroot "$RUNROOT" surge up >"$TMP/out" 2>"$TMP/err" &
  pid=$!
  wait_for 10 grep -q 'b | b-up' "$TMP/out"
  grep -qx 'a | a-up' "$TMP/out"
  [ "$(b surge ps -q | wc -l)" -eq 2 ]
  kill -INT "$pid"
  rc=0
  wait "$pid" || rc=$?
  [ "$rc" -eq 130 ]
  grep -q 'Gracefully stopping' "$TMP/err"
  grep -q 'fg-a-1 Stopped' "$TMP/err"
  [ "$(b ps -q | wc -l)" -eq 0 ]
  [ "$(b ps -aq | wc -l)" -eq 2 ]
}

@test "named volumes are directories under the root; down -v removes them; -p and -f" {
  cat >"$PROJ/sub/stack.toml" <<EOF
[services.w]
image = "$IMG"
command = ["sh", "-c", "echo kept >/data/f"]
volumes = ["cache:/data", "/anon"]
[volumes.cache]
EOF
  cd "$PROJ/sub/dir"
  run b surge -f ../stack.toml -p vp up -d
  [ "$status" -eq 0 ]
  [[ "$output" == *"vp-w-1 Started"* ]]
  wait_for 5 test -f "$ROOT/surge-volumes/vp_cache/f"
  [ "$(cat "$ROOT/surge-volumes/vp_cache/f")" = "kept" ]
  [ -d "$ROOT/surge-volumes/vp_anon/w/1" ]
  # down without -v keeps the data
  b surge -f ../stack.toml -p vp down 2>/dev/null
  [ -f "$ROOT/surge-volumes/vp_cache/f" ]
  b surge -f ../stack.toml -p vp up -d 2>/dev/null
  run b surge -f ../stack.toml -p vp down -v
  [ "$status" -eq 0 ]
  [ ! -e "$ROOT/surge-volumes/vp_cache" ]
  [ ! -e "$ROOT/surge-volumes/vp_anon" ]
  assert_clean_state
}

@test "errors: unknown service, missing Boltfile names the directories searched, bad flags" {
  cat >Boltfile.toml <<EOF
project = "er"
[services.web]
image = "$IMG"
[services.db]
image = "$IMG"
EOF
  run b surge up -d wbe
  [ "$status" -eq 1 ]
  [ "$output" = "bolt surge: no service 'wbe' in $PROJ/Boltfile.toml (services: web, db)" ]
  run b surge logs nope
  [ "$output" = "bolt surge: no service 'nope' in $PROJ/Boltfile.toml (services: web, db)" ]
  run b surge exec nope true
  [ "$status" -eq 1 ]
  run b surge exec web
  [ "$status" -eq 2 ]
  [ "$output" = "bolt surge exec: missing COMMAND (usage: bolt surge exec SERVICE COMMAND [ARG...])" ]
  run b surge down --timeout soon
  [ "$status" -eq 2 ]
  [ "$output" = "bolt surge down: --timeout: invalid value 'soon' (expected seconds, 0 to 86400)" ]
  run b surge down web
  [ "$status" -eq 2 ]
  mkdir -p "$TMP/empty/a/b"
  cd "$TMP/empty/a/b"
  run b surge up -d
  [ "$status" -eq 1 ]
  [ "$output" = "bolt surge: no Boltfile.toml found; searched $TMP/empty/a/b, $TMP/empty/a, $TMP/empty, $TMP, /tmp, / (create one, or name it with -f FILE)" ]
  run b surge -f missing.toml up
  [ "$status" -eq 1 ]
  [[ "$output" == "bolt surge: Boltfile 'missing.toml': No such file or directory" ]]
  run b surge frobnicate
  [ "$status" -eq 2 ]
  [[ "$output" == "bolt surge: unknown command 'frobnicate'; commands are: config validate up down status ps logs start stop restart pull exec" ]]
}

@test "ports that need a bridge network and unsupported network modes are refused" {
  cat >Boltfile.toml <<EOF
project = "np"
[services.web]
image = "$IMG"
ports = ["8080:80"]
EOF
  run b surge up -d
  [ "$status" -eq 1 ]
  [[ "$output" == *"service 'web': ports: 8080:80 maps a host port to a different container port, which needs a bridge network"* ]]
  [ "$(b ps -aq | wc -l)" -eq 0 ]
}

@test "pull: an unreachable registry names the service and the image" {
  cat >Boltfile.toml <<EOF
project = "pl"
[services.web]
image = "127.0.0.1:1/nothing:latest"
EOF
  run b surge pull -q
  [ "$status" -eq 1 ]
  [[ "$output" == "bolt surge pull: service 'web': pull: "* ]]
  [[ "$output" == *"127.0.0.1:1"* ]]
  run b surge up -d
  [ "$status" -eq 1 ]
  [[ "$output" == *"service 'web': pull: "* ]]
}

@test "one changing command per project: a second up waits for the project lock" {
  cat >Boltfile.toml <<EOF
project = "lk"
[services.a]
image = "$IMG"
command = ["sh", "-c", "$LOOP"]
EOF
  mkdir -p "$RUNROOT/surge"
  exec 9>"$RUNROOT/surge/lk.lock"
  flock -x 9
  # (fd 9 is not inherited: the lock must be held by this shell only)
  "$BOLT" --root "$ROOT" --runroot "$RUNROOT" surge up -d >"$TMP/out" 2>&1 9>&- &
  pid=$!
  wait_for 5 grep -q "waiting for another bolt surge command on project 'lk' (lock $RUNROOT/surge/lk.lock)" "$TMP/out"
  sleep 0.3
  [ "$(b ps -aq | wc -l)" -eq 0 ]
  exec 9>&-
  wait "$pid"
  grep -q 'lk-a-1 Started' "$TMP/out"
  # reading commands do not take it
  exec 9>"$RUNROOT/surge/lk.lock"
  flock -x 9
  run timeout 5 "$BOLT" --root "$ROOT" --runroot "$RUNROOT" surge status -q
  exec 9>&-
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 1 ]
  b surge down >/dev/null 2>&1
}

@test "services reach each other by name (host network: names map to 127.0.0.1); extra_hosts" {
  port=$((20000 + RANDOM % 20000))
  cat >Boltfile.toml <<EOF
project = "nm"
[services.db]
image = "$IMG"
command = ["busybox", "nc", "-ll", "-p", "$port", "-e", "echo", "hello-from-db"]
[services.app]
image = "$IMG"
hostname = "appbox"
command = ["sh", "-c", "$LOOP"]
depends_on = ["db"]
extra_hosts = ["registry.local:10.9.8.7"]
EOF
  run b surge up -d
  echo "$output"
  [ "$status" -eq 0 ]
  run b surge exec app cat /etc/hosts
  echo "$output"
  [[ "$output" == *$'10.9.8.7\tregistry.local'* ]]
  [[ "$output" == *$'127.0.0.1\tdb'* ]]
  [[ "$output" == *$'127.0.0.1\tappbox'* ]]
  for _ in $(seq 50); do
    run b surge exec app sh -c "busybox nc -w 2 db $port </dev/null"
    [ "$output" = "hello-from-db" ] && break
    sleep 0.1
  done
  echo "$output"
  [ "$output" = "hello-from-db" ]
  b surge down
  # a bad entry names the file, line and column
  cat >Boltfile.toml <<EOF
project = "nm"
[services.app]
image = "$IMG"
extra_hosts = { registry = "10.9.8" }
EOF
  run b surge up -d
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"Boltfile.toml:4:28: services.app.extra_hosts.registry: invalid address '10.9.8' (expected an IPv4 or IPv6 address, or \"host-gateway\")"* ]]
}
