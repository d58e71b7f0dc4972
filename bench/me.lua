-- wrk script for bench/members.sh: GET /api/v1/me, each request with the
-- session cookie of the next of the members signed in before the run
-- (bench/members.sh writes them to the file named by BENCH_COOKIES).
local cookies = {}
local i = 0

function init(args)
  local f = assert(io.open(os.getenv("BENCH_COOKIES"), "r"))
  for line in f:lines() do
    if #line > 0 then table.insert(cookies, line) end
  end
  f:close()
  i = math.random(1, #cookies)
end

request = function()
  i = i % #cookies + 1
  return wrk.format("GET", "/api/v1/me", {["Cookie"] = cookies[i]})
end
