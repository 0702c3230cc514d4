-- The same JSON POST again and again, every answer checked:
--   wrk -s post.lua URL -- BODY_FILE [HEADER_TO_EXPECT]   (other headers with -H)
-- An answer counts as wrong when its status is not 200, its body is not the request's body
-- (the provider echoes it) or, when HEADER_TO_EXPECT is given (X-Road-Request-Hash through
-- the exchange), that header is missing. At the end one JSON line for bench/bench_exchange.py:
--   BENCH_EXCHANGE_RESULT {"requests": …, "duration_us": …, "p50_us": …, "p99_us": …,
--                          "wrong": …, "socket_errors": …, "statuses": {"500": …},
--                          "sample": "<the start of the first wrong answer>"}
--
-- wrk runs one Lua state per thread plus the main one: setup() and done() run in the main
-- state, init() and response() in each thread's own; done() reads the threads' counters.

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

-- Per-thread counters (globals of the thread's state, read by done() through thread:get).
wrong = 0
statuses = {}
sample = ""

local expected_header = nil

function init(args)
   local file = assert(io.open(args[1], "rb"))
   wrk.method = "POST"
   wrk.body = file:read("*a")
   file:close()
   if args[2] and args[2] ~= "" then
      expected_header = string.lower(args[2])
   end
end

local function has_header(headers, lowered)
   for name, _ in pairs(headers) do
      if string.lower(name) == lowered then return true end
   end
   return false
end

function response(status, headers, body)
   local problem = nil
   if status ~= 200 then
      problem = "status " .. status
   elseif body ~= wrk.body then
      problem = "a body other than the request's"
   elseif expected_header and not has_header(headers, expected_header) then
      problem = "no " .. expected_header .. " header"
   end
   if problem then
      if wrong == 0 then
         sample = problem .. ": " .. string.sub(body or "", 1, 160)
         sample = (string.gsub(sample, '[%c"\\]', " "))
      end
      wrong = wrong + 1
      statuses[status] = (statuses[status] or 0) + 1
   end
end

function done(summary, latency, requests)
   local total_wrong, first = 0, ""
   local counts = {}
   for _, thread in ipairs(threads) do
      total_wrong = total_wrong + thread:get("wrong")
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
      'BENCH_EXCHANGE_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
         .. '"wrong": %d, "socket_errors": %d, "statuses": {%s}, "sample": "%s"}\n',
      summary.requests, summary.duration,
      math.floor(latency:percentile(50)), math.floor(latency:percentile(99)),
      total_wrong, errors.connect + errors.read + errors.write + errors.timeout,
      table.concat(parts, ", "), first))
end
