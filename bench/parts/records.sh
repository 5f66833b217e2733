# shellcheck shell=bash
# bench/parts/records.sh - scripts/bench part "records": the load scenarios
# against httpsd --tls-records wolfssl --idle-sleep US (wolfSSL's record
# layer after the handshake; CPU = process utime+stime, as the
# "httpsd-idle" part, which runs our own record layer, the default).
# results.md's "Other runs" table has it as httpsd-wolfrec-idle, next to
# httpsd-idle and nginx from the same run:
#   scripts/bench --only httpsd-idle,records,nginx
register_part records yes "load scenarios against httpsd --tls-records wolfssl --idle-sleep"
part_records() {
	bench_httpsd httpsd-wolfrec-idle --tls-records wolfssl --idle-sleep "$IDLE_SLEEP"
}
