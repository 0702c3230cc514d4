-- The same request again and again: `wrk -s fixed.lua URL -- METHOD [BODY]`, headers with -H.
-- For client_credentials (the body and the Basic credentials never change), discovery and JWKS.

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "report.lua")

function init(args)
   wrk.method = args[1] or "GET"
   wrk.body = args[2]
end
