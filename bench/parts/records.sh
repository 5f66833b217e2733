# bench/parts/records.sh - scripts/bench part "records": the load scenarios
# against httpsd --tls-records wolfssl (wolfSSL's record layer after the
# handshake), busy polling as the "httpsd" part (which runs our own record
# layer, the default): results.md's "Other runs" table has it as
# httpsd-wolfrec, next to httpsd and nginx from the same run.
#   scripts/bench --only httpsd,records,nginx
register_part records yes "load scenarios against httpsd --tls-records wolfssl"
part_records() { bench_httpsd httpsd-wolfrec --tls-records wolfssl; }
