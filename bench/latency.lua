-- bench/latency.lua - wrk script for scripts/bench's keep-alive scenarios:
-- at the end of the run, print latency percentiles wrk's --latency output
-- stops short of (it prints up to p99).  Values in microseconds, from
-- wrk's own latency histogram (one sample per response).
done = function(summary, latency, requests)
	io.write(string.format("latency_us p50 %d p90 %d p99 %d p99.9 %d max %d\n",
		latency:percentile(50), latency:percentile(90),
		latency:percentile(99), latency:percentile(99.9), latency.max))
end
