-- wrk script for scripts/bench_directory.py: cycles through request paths read from a file, counts answers by status
-- and prints one machine-readable line at the end.
--
--   wrk -t2 -c8 -d15s --latency -H "Authorization: Bearer T" -s paths.lua http://127.0.0.1:PORT -- PATHS_FILE
--
-- PATHS_FILE holds one path (with its query string, already percent-encoded) a line. Each thread starts at a
-- different place in the list and wraps around. The last line of output is
--   WRK_JSON {"requests":…,"duration_us":…,"p50_us":…,"p99_us":…,"max_us":…,"mean_us":…,
--             "ok":…,"notfound":…,"client_errors":…,"server_errors":…,"socket_errors":{…}}
-- ok = 2xx/3xx, notfound = 404, client_errors = other 4xx, server_errors = 5xx.

local threads = {}

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

function init(args)
  local file = args[1] or error("usage: wrk … -s paths.lua URL -- PATHS_FILE")
  requests_list = {}
  for line in io.lines(file) do
    if line ~= "" then requests_list[#requests_list + 1] = wrk.format("GET", line) end
  end
  if #requests_list == 0 then error("no paths in " .. file) end
  -- Spread the threads over the list (thread_index is set by setup()).
  position = math.floor((((thread_index or 0) * 0.6180339887) % 1) * #requests_list)
  ok, notfound, client_errors, server_errors = 0, 0, 0, 0
end

function request()
  position = position % #requests_list + 1
  return requests_list[position]
end

function response(status, headers, body)
  if status < 400 then ok = ok + 1
  elseif status == 404 then notfound = notfound + 1
  elseif status >= 500 then server_errors = server_errors + 1
  else client_errors = client_errors + 1 end
end

function done(summary, latency, requests)
  local counts = { ok = 0, notfound = 0, client_errors = 0, server_errors = 0 }
  for _, thread in ipairs(threads) do
    for name, _ in pairs(counts) do counts[name] = counts[name] + (thread:get(name) or 0) end
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f,' ..
    '"ok":%d,"notfound":%d,"client_errors":%d,"server_errors":%d,' ..
    '"socket_errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\n',
    summary.requests, summary.duration, latency:percentile(50.0), latency:percentile(99.0), latency.max, latency.mean,
    counts.ok, counts.notfound, counts.client_errors, counts.server_errors,
    e.connect, e.read, e.write, e.status, e.timeout))
end
