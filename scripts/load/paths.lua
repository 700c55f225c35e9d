-- wrk script for scripts/load/run.sh: requests the URL paths of the file named by the
-- PATHS environment variable in turn (each thread from its own offset), stops each thread
-- after MAX_REQUESTS/threads answers, and prints one line: requests, seconds, req/s, p50, p99
-- (ms), non-2xx answers and socket errors.
local paths = {}
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(os.getenv("PATHS")) do
    paths[#paths + 1] = line
  end
  local total = tonumber(os.getenv("MAX_REQUESTS") or "100000")
  local nthreads = tonumber(os.getenv("THREADS") or "1")
  limit = math.ceil(total / nthreads)
  next_index = (id * 7919) % #paths + 1
  answered = 0
end

function request()
  local path = paths[next_index]
  next_index = next_index % #paths + 1
  return wrk.format("GET", path)
end

function response(status, headers, body)
  answered = answered + 1
  if answered >= limit then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format("RESULT %d %.2f %.0f %.2f %.2f %d %d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
