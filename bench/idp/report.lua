-- Shared by the bench-idp wrk scripts (loaded with dofile): counts the answers that are not
-- 2xx in each thread, and prints one JSON line at the end for bench/bench_idp.py:
--   BENCH_IDP_RESULT {"requests": …, "duration_us": …, "p50_us": …, "p95_us": …, "non2xx": …,
--                     "socket_errors": …, "exhausted_threads": …, "statuses": {"400": …},
--                     "sample": "<the start of the first such answer>"}
--
-- wrk runs one Lua state per thread plus the main one: setup() and done() run in the main
-- state, init(), request() and response() in each thread's own. setup() hands each thread its
-- index (thread:set) and keeps the thread so that done() can read its counters (thread:get).

local threads = {}

function setup(thread)
   thread:set("index", #threads)
   table.insert(threads, thread)
end

-- Per-thread counters: globals of the thread's state, read by done() through thread:get.
non2xx = 0
statuses = {}      -- status -> count, for the answers that are not 2xx
sample = ""        -- the start of the first such answer's body
answered = 0
planned = nil      -- requests this thread may send (nil: no limit)
late = 0           -- answers to requests sent after the thread ran out of prepared ones
exhausted = 0

function response(status, headers, body)
   answered = answered + 1
   if planned and answered > planned then
      late = late + 1
   elseif status < 200 or status > 299 then
      if non2xx == 0 then
         sample = (string.gsub(string.sub(body or "", 1, 160), '[%c"\\]', " "))
      end
      non2xx = non2xx + 1
      statuses[status] = (statuses[status] or 0) + 1
   end
end

function done(summary, latency, requests)
   local non, late_total, exhausted_total, first = 0, 0, 0, ""
   local counts = {}
   for _, thread in ipairs(threads) do
      non = non + thread:get("non2xx")
      late_total = late_total + thread:get("late")
      exhausted_total = exhausted_total + thread:get("exhausted")
      if first == "" then first = thread:get("sample") end
      for status, count in pairs(thread:get("statuses")) do
         counts[status] = (counts[status] or 0) + count
      end
   end
   local parts = {}
   for status, count in pairs(counts) do
      table.insert(parts, string.format('"%d": %d', status, count))
   end
   local errors = summary.errors
   io.write(string.format(
      'BENCH_IDP_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, '
         .. '"non2xx": %d, "socket_errors": %d, "exhausted_threads": %d, "statuses": {%s}, '
         .. '"sample": "%s"}\n',
      summary.requests - late_total, summary.duration,
      math.floor(latency:percentile(50)), math.floor(latency:percentile(95)),
      non, errors.connect + errors.read + errors.write + errors.timeout,
      exhausted_total, table.concat(parts, ", "), first))
end
