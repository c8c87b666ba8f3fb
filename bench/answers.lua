-- wrk script: NPS answers for bench/nps.sh. Each request is a new answer (a unique id from
-- a /dev/urandom run tag and a per-thread counter), from one of 60,000 customers in three
-- segments (by email domain), to one of three channels, for one of four surveys, given at a
-- random time in the last 365 days.
local tag
local counter = 0
local paths = {"/hooks/web", "/hooks/app", "/hooks/mail"}
local domains = {"gold.example", "partner.example", "example.com", "example.com"}

function setup(thread)
  local random = io.open("/dev/urandom", "rb")
  local bytes = random:read(6)
  random:close()
  thread:set("tag", string.format("%02x%02x%02x%02x%02x%02x", bytes:byte(1, 6)))
end

function init(args)
  tag = wrk.thread:get("tag")
  local seed = 0
  for index = 1, #tag do seed = (seed * 31 + tag:byte(index)) % 2147483647 end
  math.randomseed(seed)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local now = os.time()
  local at = os.date("!%Y-%m-%dT%H:%M:%SZ", now - math.random(0, 365 * 86400 - 1))
  local body = string.format(
    '{"id":"%s-%d","email":"c%d@%s","score":%d,"survey":"q%d","at":"%s","reason":"because"}',
    tag, counter, math.random(1, 60000), domains[math.random(1, 4)], math.random(0, 10), math.random(1, 4), at)
  return wrk.format(nil, paths[math.random(1, 3)], nil, body)
end
