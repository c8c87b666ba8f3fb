-- wrk script for bench/cases.sh. Each request is a new message (a unique id from a
-- /dev/urandom run tag and a per-thread counter). DETRACTOR_SHARE (default 0.2) of them
-- are detractors from one of 60,000 customers at detractors.example, who open a case or
-- join their open one; the rest are promoters and passives from promoters.example, who
-- never have a case. CUSTOMERS_DOMAIN overrides the detractors' domain.
local tag
local counter = 0
local share = tonumber(os.getenv("DETRACTOR_SHARE") or "0.2")
local domain = os.getenv("CUSTOMERS_DOMAIN") or "detractors.example"
local unique = os.getenv("UNIQUE_CUSTOMERS") == "1"

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
  local email, score
  if math.random() < share then
    if unique then email = string.format("%s-%d@%s", tag, counter, domain) else email = string.format("c%d@%s", math.random(1, 60000), domain) end
    score = math.random(0, 6)
  else
    email = string.format("c%d@promoters.example", math.random(1, 60000))
    score = math.random(7, 10)
  end
  local body = string.format('{"id":"%s-%d","email":"%s","score":%d,"reason":"because"}', tag, counter, email, score)
  return wrk.format(nil, "/hooks/web", nil, body)
end
