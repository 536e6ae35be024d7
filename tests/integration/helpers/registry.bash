# SPDX-License-Identifier: Apache-2.0
# Registry helpers for image tests: Debian's docker-registry on loopback, pushes with skopeo,
# and fakereg.py in front of it for token auth and fault injection.
#
#   registry_start DIR [USER:PASS]   start docker-registry (filesystem storage in DIR), with
#                                    htpasswd basic auth when USER:PASS is given; sets
#                                    REG=127.0.0.1:PORT and REG_PID
#   registry_start_token DIR DATA USER:PASS [--anonymous]
#                                    docker-registry in token-auth mode over the storage DATA,
#                                    with tokenserver.py as its realm; sets REG, TOKSRV
#   fakereg_start DIR UPSTREAM [opts] start fakereg.py; sets FREG=127.0.0.1:PORT, FREG_PID
#   registry_push LAYOUT REF [USER:PASS] skopeo copy (--all) oci:LAYOUT -> docker://REF
#   registry_stop_all                kill what this file started (by pid)

REGISTRY_HELPERS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REGISTRY_PIDS=()

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_http() {
    local url=$1 i
    for i in $(seq 1 100); do
        curl -s -o /dev/null "$url" && return 0
        sleep 0.1
    done
    echo "nothing answers at $url" >&2
    return 1
}

registry_start() {
    local dir=$1 cred=${2:-} port
    port=$(free_port)
    mkdir -p "$dir/data"
    {
        echo "version: 0.1"
        echo "log: {level: error, accesslog: {disabled: true}}"
        echo "storage: {filesystem: {rootdirectory: $dir/data}, delete: {enabled: true}}"
        echo "http: {addr: 127.0.0.1:$port, secret: bolt-test}"
        if [ -n "${REGISTRY_TOKEN_REALM:-}" ]; then
            echo "auth: {token: {realm: $REGISTRY_TOKEN_REALM, service: bolt-test, issuer: bolt-test-issuer, rootcertbundle: $REGISTRY_TOKEN_CERT}}"
        elif [ -n "$cred" ]; then
            htpasswd -Bbn "${cred%%:*}" "${cred#*:}" >"$dir/htpasswd"
            echo "auth: {htpasswd: {realm: bolt-test, path: $dir/htpasswd}}"
        fi
    } >"$dir/config.yml"
    docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 3>&- &
    REG_PID=$!
    REGISTRY_PIDS+=("$REG_PID")
    REG=127.0.0.1:$port
    wait_http "http://$REG/v2/"
}

registry_start_token() {
    local dir=$1 data=$2 user=$3
    shift 3
    mkdir -p "$dir"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/token.key" -out "$dir/token.crt" \
        -days 2 -subj /CN=bolt-test-token >/dev/null 2>&1
    rm -f "$dir/tport"
    python3 "$REGISTRY_HELPERS_DIR/tokenserver.py" --port-file "$dir/tport" --key "$dir/token.key" \
        --cert "$dir/token.crt" --service bolt-test --issuer bolt-test-issuer --user "$user" "$@" \
        >/dev/null 2>"$dir/tokenserver.log" 3>&- &
    REGISTRY_PIDS+=("$!")
    local i
    for i in $(seq 1 100); do [ -f "$dir/tport" ] && break; sleep 0.05; done
    TOKSRV=127.0.0.1:$(cat "$dir/tport")
    mkdir -p "$dir/data"
    rmdir "$dir/data" && ln -s "$data" "$dir/data"
    REGISTRY_TOKEN_REALM=http://$TOKSRV/token REGISTRY_TOKEN_CERT=$dir/token.crt registry_start "$dir"
}

fakereg_start() {
    local dir=$1 upstream=$2
    shift 2
    mkdir -p "$dir"
    rm -f "$dir/port"
    python3 "$REGISTRY_HELPERS_DIR/fakereg.py" --port-file "$dir/port" --upstream "http://$upstream" \
        "$@" >/dev/null 2>"$dir/fakereg.log" 3>&- &
    FREG_PID=$!
    REGISTRY_PIDS+=("$FREG_PID")
    local i
    for i in $(seq 1 100); do [ -f "$dir/port" ] && break; sleep 0.05; done
    FREG=127.0.0.1:$(cat "$dir/port")
    wait_http "http://$FREG/token"
}

registry_push() {
    local layout=$1 ref=$2 cred=${3:-}
    local args=(--insecure-policy copy -q --all --dest-tls-verify=false)
    [ -n "$cred" ] && args+=(--dest-creds "$cred")
    skopeo "${args[@]}" "oci:$layout" "docker://$ref"
}

registry_stop_all() {
    local p
    for p in "${REGISTRY_PIDS[@]}"; do
        kill "$p" 2>/dev/null || true
    done
    for p in "${REGISTRY_PIDS[@]}"; do
        wait "$p" 2>/dev/null || true
    done
    REGISTRY_PIDS=()
}
