-- One prepared body per request, never reused: `wrk -s bodies.lua URL -- FILE TOTAL THREADS`
-- POSTs each line of FILE once (form-encoded token requests: authorization codes are single-use
-- and each client assertion has its own jti). Thread i of THREADS takes lines
-- i*TOTAL/THREADS+1 … (i+1)*TOTAL/THREADS. A thread that runs out stops, and the run is flagged
-- (make more bodies: BENCH_MAX_RATE).

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "report.lua")

local prepared = {}
local sent = 0

function init(args)
   local file, total, count = args[1], tonumber(args[2]), tonumber(args[3])
   local share = math.floor(total / count)
   local first = wrk.thread:get("index") * share + 1
   local last = first + share - 1
   local line_number = 0
   for line in io.lines(file) do
      line_number = line_number + 1
      if line_number > last then break end
      if line_number >= first then
         prepared[#prepared + 1] = wrk.format("POST", nil, nil, line)
      end
   end
   planned = #prepared
end

function request()
   sent = sent + 1
   if sent > planned then
      -- Out of prepared bodies: stop this thread. The request returned here may still go out;
      -- its answer is counted as late, not as an error.
      if exhausted == 0 then
         exhausted = 1
         wrk.thread:stop()
      end
      return prepared[planned]
   end
   return prepared[sent]
end
