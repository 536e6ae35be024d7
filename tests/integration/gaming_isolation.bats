#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# CPU isolation (--cpuset-cpus, Boltfile `cpuset`) and huge pages (--hugepages): the
# affinity seen inside, the cpuset/hugetlb cgroup files, the hugetlbfs mount inside.

load helpers/engine

setup() {
  eng_setup
}

teardown() {
  cd /
  eng_teardown
}

# cgroup file of a running container: cg_file NAME CONTROLLER FILE (v1 dir, else cgroup2)
cg_file() {
  local pid cg
  pid=$(b inspect -f '{{.State.Pid}}' "$1")
  cg=$(awk -F: -v c="$2" '{n=split($2,a,","); for(i=1;i<=n;i++) if(a[i]==c) print $3}' /proc/$pid/cgroup)
  if [ -n "$cg" ] && [ -e "/sys/fs/cgroup/$2$cg/$3" ]; then
    cat "/sys/fs/cgroup/$2$cg/$3"
    return
  fi
  cg=$(awk -F: '$1 == 0 {print $3}' /proc/$pid/cgroup)
  if [ -e "/sys/fs/cgroup/unified$cg/$3" ]; then cat "/sys/fs/cgroup/unified$cg/$3"; else cat "/sys/fs/cgroup$cg/$3"; fi
}

last_cpu() { echo $(( $(nproc --all) - 1 )); }

@test "isolation --cpuset-cpus: the container's processes run only there (affinity and cgroup)" {
  cpu=$(last_cpu)
  b run -d --name iso --cpuset-cpus "$cpu" $IMG sleep 300
  wait_for 10 status_is iso running
  [ "$(cg_file iso cpuset cpuset.cpus)" = "$cpu" ] || [ "$(cg_file iso cpuset cpuset.cpus.effective)" = "$cpu" ]
  run b exec iso sh -c 'grep Cpus_allowed_list /proc/self/status'
  [[ "$output" =~ Cpus_allowed_list:[[:space:]]+$cpu$ ]]
  # and a process it starts later (exec) as well as pid 1
  pid=$(b inspect -f '{{.State.Pid}}' iso)
  grep -Eq "^Cpus_allowed_list:[[:space:]]+$cpu$" /proc/$pid/status
  b rm -f iso
}

@test "isolation: bad --cpuset-cpus is refused before anything starts" {
  run b run --rm --cpuset-cpus 4096 $IMG true
  [ "$status" -eq 125 ]
  [[ "$output" == *"4096"* ]]
  run b run --rm --cpuset-cpus zz $IMG true
  [ "$status" -eq 125 ]
  [ "$(n_containers)" -eq 0 ]
}

@test "isolation: Boltfile cpuset pins the service" {
  cpu=$(last_cpu)
  mkdir -p "$TMP/proj"
  cat > "$TMP/proj/Boltfile.toml" <<EOF2
project = "iso"
[services.game]
image = "$IMG"
command = ["sleep", "300"]
cpuset = "$cpu"
stop_grace_period = "1s"
EOF2
  cd "$TMP/proj"
  run b surge up -d
  echo "$output"
  [ "$status" -eq 0 ]
  name=iso-game-1
  [ -n "$name" ]
  wait_for 10 status_is "$name" running
  pid=$(b inspect -f '{{.State.Pid}}' "$name")
  grep -Eq "^Cpus_allowed_list:[[:space:]]+$cpu$" /proc/$pid/status
  run b surge down
  [ "$status" -eq 0 ]
}

@test "hugepages: hugetlb limit in the cgroup (rounded to whole pages) and hugetlbfs inside" {
  [ -d /sys/kernel/mm/hugepages/hugepages-2048kB ] || skip "no 2 MiB huge pages in this kernel"
  b run -d --name hp --hugepages 9m $IMG sleep 300
  wait_for 10 status_is hp running
  # 9 MiB rounds up to 5 pages of 2 MiB
  [ "$(cg_file hp hugetlb hugetlb.2MB.max 2>/dev/null || cg_file hp hugetlb hugetlb.2MB.limit_in_bytes)" -eq 10485760 ]
  run b exec hp sh -c 'grep " /dev/hugepages " /proc/mounts'
  [ "$status" -eq 0 ]
  [[ "$output" == "hugetlbfs /dev/hugepages hugetlbfs rw,nosuid,nodev"*"pagesize=2M"*"size=10485760"* ]]
  b rm -f hp
}

@test "hugepages: bad sizes name the flag; nothing is created" {
  run b run --rm --hugepages lots $IMG true
  [ "$status" -eq 125 ]
  [[ "$output" == *"--hugepages: invalid size 'lots'"* ]]
  run b run --rm --hugepages 0 $IMG true
  [ "$status" -eq 125 ]
  [[ "$output" == *"--hugepages '0': expected a size above 0"* ]]
  [ "$(n_containers)" -eq 0 ]
}
