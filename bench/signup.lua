-- wrk script for bench/members.sh: every request signs up a new member
-- (a distinct e-mail address per thread and request).
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  thread_id = id or 0
end

request = function()
  counter = counter + 1
  local body = string.format(
    '{"name":"Bench Member","email":"b%d-%d-%d@example.org","password":"blue cooper rides at dawn","date_of_birth":"1980-05-06"}',
    thread_id, counter, math.random(1, 1000000000))
  return wrk.format("POST", "/api/v1/signup", {["Content-Type"] = "application/json"}, body)
end
