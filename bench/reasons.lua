-- wrk script: NPS answers with a reason, for bench/themes.sh. Like answers.lua (a new answer
-- per request, 60,000 customers in three segments, three channels, four surveys, a time in
-- the last 365 days), with a reason of 6-12 words drawn from a customer-service vocabulary
-- that holds the benchmark's 20 themes' phrases, and detractors leaning to some words.
local tag
local counter = 0
local paths = {"/hooks/web", "/hooks/app", "/hooks/mail"}
local domains = {"gold.example", "partner.example", "example.com", "example.com"}
local words = {
  "the", "delivery", "was", "slow", "and", "the", "courier", "lost", "my", "parcel", "great", "friendly", "staff", "refund",
  "took", "weeks", "app", "keeps", "crashing", "price", "too", "high", "easy", "to", "use", "never", "called", "back", "rude",
  "agent", "long", "queue", "on", "the", "phone", "billing", "error", "charged", "twice", "helpful", "support", "quick",
  "answer", "website", "confusing", "login", "broken", "password", "reset", "order", "arrived", "damaged", "wrong", "size",
  "good", "value", "for", "money", "love", "the", "product", "quality", "poor", "packaging", "late", "again", "waited",
  "hours", "chat", "bot", "useless", "store", "clean", "manager", "solved", "it", "fast", "shipping", "cheap", "expensive",
  "contract", "cancel", "hard", "fees", "hidden", "signal", "coverage", "bad", "battery", "dies", "screen", "cracked",
  "return", "label", "missing", "email", "spam", "offer", "discount", "loyal", "customer", "years", "not", "very", "always",
}
local leaning = {"slow", "lost", "rude", "crashing", "charged", "twice", "broken", "late", "useless", "hidden"}

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
  local score = math.random(0, 10)
  local reason = {}
  for index = 1, math.random(6, 12) do
    if score <= 6 and math.random(1, 4) == 1 then
      reason[index] = leaning[math.random(1, #leaning)]
    else
      reason[index] = words[math.random(1, #words)]
    end
  end
  local body = string.format(
    '{"id":"%s-%d","email":"c%d@%s","score":%d,"survey":"q%d","at":"%s","reason":"%s"}',
    tag, counter, math.random(1, 60000), domains[math.random(1, 4)], score, math.random(1, 4), at, table.concat(reason, " "))
  return wrk.format(nil, paths[math.random(1, 3)], nil, body)
end
