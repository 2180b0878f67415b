-- Shared by the wrk scripts: POST a JSON body, print one parseable summary line.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

function report(name)
  return function(summary, latency, requests)
    local secs = summary.duration / 1e6
    local e = summary.errors
    io.write(string.format(
      "RESULT %s requests=%d req/s=%.0f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f errors=%d non2xx=%d\n",
      name, summary.requests, summary.requests / secs,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
      latency.max / 1000, e.connect + e.read + e.write + e.timeout, e.status))
  end
end
