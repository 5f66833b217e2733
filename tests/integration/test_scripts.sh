#!/usr/bin/env bash
# Bare-metal operations scripts (scripts/hugepages, nic-bind, pin-cores,
# install-service, httpsd.service): --help, --dry-run output on this
# machine, and real runs + --undo only against a fake sysfs/procfs tree
# in a temp dir. The machine's own NIC (virtio at 0000:00:03.0) is only
# ever passed to --dry-run, and must still be on its driver afterwards.
# shellcheck disable=SC2119 # lib functions with optional arguments
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

S=$HS_SOURCE_DIR/scripts
HTTPSD=${HTTPSD:-/bin/true}	# hs_init wants an executable; none is run here
hs_init
T=$HS_TMP
export HS_STATE_DIR=$T/state	# never /var/lib/httpsd from a test

# --- shellcheck ---------------------------------------------------------------
if command -v shellcheck >/dev/null 2>&1; then
	for f in hugepages nic-bind pin-cores install-service; do
		check "shellcheck scripts/$f" shellcheck -x "$S/$f"
	done
	check "shellcheck tests/integration/test_scripts.sh" \
		shellcheck -x -P "$HS_LIBDIR" "$HS_LIBDIR/test_scripts.sh"
	check "shellcheck tests/integration/test_multicore.sh" \
		shellcheck -x -P "$HS_LIBDIR" "$HS_LIBDIR/test_multicore.sh"
else
	hs_log "shellcheck not installed: skipped"
fi

# --- --help ---------------------------------------------------------------------
for f in hugepages nic-bind pin-cores install-service; do
	out=$("$S/$f" --help 2>&1)
	check_eq "$f --help exits 0" 0 "$?"
	check_match "$f --help documents --dry-run" '--dry-run' "$out"
	check_match "$f --help documents --undo" '--undo' "$out"
done
"$S/hugepages" --bogus >/dev/null 2>&1
check_eq "hugepages: unknown option exits 2" 2 "$?"

# --- snapshot of what a dry run must not touch -----------------------------------
snap() {
	{
		cat /proc/irq/*/smp_affinity_list 2>/dev/null
		cat /proc/irq/default_smp_affinity
		cat /sys/kernel/mm/hugepages/hugepages-*/nr_hugepages
		cat /sys/devices/system/node/node*/hugepages/hugepages-*/nr_hugepages 2>/dev/null
		awk '$3 == "hugetlbfs"' /proc/mounts
		readlink /sys/bus/pci/devices/*/driver
	} | sha256sum
}
before=$(snap)

# --- hugepages --dry-run ------------------------------------------------------------
out=$("$S/hugepages" --dry-run --pages 64 2>&1)
check_eq "hugepages --dry-run exits 0" 0 "$?"
check_match "hugepages --dry-run names the node's nr_hugepages" \
	'would write 64 to /sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages' "$out"
check_match "hugepages --dry-run names the mount" 'would run: .*mount -t hugetlbfs' "$out"
out=$("$S/hugepages" --dry-run --size 3M 2>&1)
check_eq "hugepages --size 3M refused" 2 "$?"

# --- nic-bind --dry-run on the real NIC (dry run only!) -------------------------------
NIC=0000:00:03.0
if [ -e "/sys/bus/pci/devices/$NIC" ]; then
	drv=$(basename "$(readlink "/sys/bus/pci/devices/$NIC/driver")")
	out=$("$S/nic-bind" --dry-run "$NIC" 2>&1)
	check_eq "nic-bind --dry-run exits 0" 0 "$?"
	check_match "nic-bind --dry-run shows old and new driver" "$NIC: $drv -> vfio-pci" "$out"
	check_match "nic-bind --dry-run shows the devbind command" \
		"would run: dpdk-devbind.py --bind=vfio-pci $NIC" "$out"
	check_match "nic-bind --dry-run warns the NIC is in use" 'with addresses' "$out"
	check_eq "the NIC is still on its driver" "$drv" \
		"$(basename "$(readlink "/sys/bus/pci/devices/$NIC/driver")")"
fi
out=$("$S/nic-bind" --dry-run 12:34 2>&1)
check_eq "nic-bind refuses a malformed PCI address" 2 "$?"
out=$("$S/nic-bind" --dry-run --undo 2>&1)
check_match "nic-bind --undo with nothing recorded" 'nothing to undo' "$out"

# --- pin-cores --dry-run -------------------------------------------------------------
out=$("$S/pin-cores" --dry-run --nic "$NIC" 2>&1)
check_eq "pin-cores --dry-run exits 0" 0 "$?"
hs_log "pin-cores: $(grep -E 'dataplane CPUs|^isolcpus' <<<"$out" | tr '\n' ' ')"
check_match "pin-cores prints the boot parameter line" \
	'^isolcpus=managed_irq,domain,[0-9,-]+ nohz_full=[0-9,-]+ rcu_nocbs=[0-9,-]+ irqaffinity=[0-9,-]+$' "$out"
check_match "pin-cores keeps CPU 0 for housekeeping" 'housekeeping CPUs 0' "$out"
check_match "pin-cores would move IRQs" 'would write [0-9,-]+ to /proc/irq/[0-9]+/smp_affinity_list' "$out"
check_match "pin-cores prints the EAL core list" 'EAL option: -l ' "$out"

check_eq "dry runs changed nothing (IRQs, hugepages, mounts, drivers)" "$before" "$(snap)"

# --- real runs and --undo against a fake tree ---------------------------------------
F=$T/fake
mkdir -p "$F/sys/devices/system/node/node0/hugepages/hugepages-2048kB" \
	"$F/sys/devices/system/node/node1/hugepages/hugepages-2048kB" \
	"$F/sys/devices/system/cpu/cpu"{0,1,2,3}/cpufreq "$F/proc/irq/10" "$F/proc/irq/11" "$F/etc"
echo 0 >"$F/sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages"
echo 5 >"$F/sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages"
echo 0-3 >"$F/sys/devices/system/cpu/online"
echo 0-3 >"$F/sys/devices/system/node/node0/cpulist"
for c in 0 1 2 3; do echo powersave >"$F/sys/devices/system/cpu/cpu$c/cpufreq/scaling_governor"; done
echo f >"$F/proc/irq/default_smp_affinity"
echo 0-3 >"$F/proc/irq/10/smp_affinity_list"
echo 2 >"$F/proc/irq/11/smp_affinity_list"
printf 'OPTIONS=""\n' >"$F/etc/irqbalance"
nr() { cat "$F/sys/devices/system/node/node$1/hugepages/hugepages-2048kB/nr_hugepages"; }

HS_SYSFS=$F/sys "$S/hugepages" --pages 16 --no-mount >/dev/null
check_eq "hugepages: node0 set" 16 "$(nr 0)"
check_eq "hugepages: node1 set" 16 "$(nr 1)"
HS_SYSFS=$F/sys "$S/hugepages" --pages 8 --no-mount >/dev/null 2>&1
check_eq "hugepages: a second run before --undo is refused" 2 "$?"
HS_SYSFS=$F/sys "$S/hugepages" --undo >/dev/null
check_eq "hugepages --undo restores node0" 0 "$(nr 0)"
check_eq "hugepages --undo restores node1" 5 "$(nr 1)"

PC=(env HS_SYSFS="$F/sys" HS_PROCFS="$F/proc" HS_IRQBALANCE_CONF="$F/etc/irqbalance" PATH="$PATH")
out=$("${PC[@]}" "$S/pin-cores" --cores 2 2>&1)
check_eq "pin-cores (fake tree) exits 0" 0 "$?"
check_match "pin-cores chooses CPUs 1-2" 'dataplane CPUs 1-2; housekeeping CPUs 0,3' "$out"
check_eq "pin-cores moved IRQ 10" "0,3" "$(cat "$F/proc/irq/10/smp_affinity_list")"
check_eq "pin-cores moved IRQ 11" "0,3" "$(cat "$F/proc/irq/11/smp_affinity_list")"
check_eq "pin-cores: performance governor on CPU 1" performance \
	"$(cat "$F/sys/devices/system/cpu/cpu1/cpufreq/scaling_governor")"
check_eq "pin-cores: CPU 0 governor untouched" powersave \
	"$(cat "$F/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")"
check_match "pin-cores bans the dataplane CPUs from irqbalance" \
	'^IRQBALANCE_BANNED_CPUS=6$' "$(cat "$F/etc/irqbalance")"
check_match "pin-cores boot line for CPUs 1-2" \
	'^isolcpus=managed_irq,domain,1-2 nohz_full=1-2 rcu_nocbs=1-2 irqaffinity=0,3$' "$out"
"${PC[@]}" "$S/pin-cores" --undo >/dev/null
check_eq "pin-cores --undo restores IRQ 10" 0-3 "$(cat "$F/proc/irq/10/smp_affinity_list")"
check_eq "pin-cores --undo restores IRQ 11" 2 "$(cat "$F/proc/irq/11/smp_affinity_list")"
check_eq "pin-cores --undo restores the governor" powersave \
	"$(cat "$F/sys/devices/system/cpu/cpu1/cpufreq/scaling_governor")"
check_eq "pin-cores --undo restores irqbalance's config" 'OPTIONS=""' "$(cat "$F/etc/irqbalance")"
check_eq "pin-cores --undo restores default_smp_affinity" f "$(cat "$F/proc/irq/default_smp_affinity")"

# --- systemd unit ---------------------------------------------------------------------
U=$S/httpsd.service
# shellcheck disable=SC2016 # literal $MAINPID in a regex
for k in 'ExecReload=/bin/kill -HUP \$MAINPID' '^LimitMEMLOCK=infinity' '^Restart=on-failure' \
	'^NoNewPrivileges=yes' '^ProtectSystem=strict' '^CapabilityBoundingSet=.*CAP_IPC_LOCK'; do
	check_match "httpsd.service has $k" "$k" "$(cat "$U")"
done
out=$(HS_SYSTEMD_DIR=$F/systemd HS_ETC_DIR=$F/etc/httpsd "$S/install-service" 2>&1)
check "install-service installs the unit" cmp "$U" "$F/systemd/httpsd.service"
check "install-service writes an env file" test -s "$F/etc/httpsd/httpsd.env"
HS_SYSTEMD_DIR=$F/systemd HS_ETC_DIR=$F/etc/httpsd "$S/install-service" --undo >/dev/null 2>&1
check "install-service --undo removes the unit" test ! -e "$F/systemd/httpsd.service"

hs_finish
