-- Shared by every bench script: count response classes per thread and print one JSON line from
-- done() (parsed by bench/report.py). A script may list extra per-thread counters in EXTRA.
EXTRA = EXTRA or {}
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

s2, s3, s4, s5 = 0, 0, 0, 0

function count_status(status)
  if status < 300 then s2 = s2 + 1
  elseif status < 400 then s3 = s3 + 1
  elseif status < 500 then s4 = s4 + 1
  else s5 = s5 + 1 end
end

function done(summary, latency, requests)
  local st = { s2 = 0, s3 = 0, s4 = 0, s5 = 0 }
  local extra = {}
  for _, name in ipairs(EXTRA) do extra[name] = 0 end
  for _, t in ipairs(threads) do
    for k, _ in pairs(st) do st[k] = st[k] + (t:get(k) or 0) end
    for _, name in ipairs(EXTRA) do extra[name] = extra[name] + (t:get(name) or 0) end
  end
  local parts = {}
  for _, name in ipairs(EXTRA) do
    table.insert(parts, string.format('"%s":%d', name, extra[name]))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"p50_us":%.1f,"p99_us":%.1f,"mean_us":%.1f,' ..
    '"status":{"2xx":%d,"3xx":%d,"4xx":%d,"5xx":%d},' ..
    '"socket_errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},"extra":{%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.mean, st.s2, st.s3, st.s4, st.s5, e.connect, e.read, e.write, e.timeout,
    table.concat(parts, ",")))
end
