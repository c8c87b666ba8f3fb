-- wrk script for bench/outbox.sh: POST /v1/outbox, each request a new message (its own
-- Idempotency-Key) to one of 10,000 numbers or addresses. CHANNEL and KIND come from the
-- environment (sms: phones; email: addresses).
local counter = 0
local tag
local channel = os.getenv("CHANNEL") or "sms"
local kind = os.getenv("KIND") or "sms"
local token = os.getenv("TOKEN") or ""

function setup(thread)
  local random = io.open("/dev/urandom", "rb")
  local bytes = random:read(6)
  random:close()
  thread:set("tag", string.format("%02x%02x%02x%02x%02x%02x", bytes:byte(1, 6)))
end

function init(args)
  tag = wrk.thread:get("tag")
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. token
end

function request()
  counter = counter + 1
  local n = (counter * 7919) % 10000
  local to
  if kind == "sms" then to = string.format('{"phone":"+44770090%04d"}', n) else to = string.format('{"email":"c%d@example.org"}', n) end
  wrk.headers["Idempotency-Key"] = tag .. "-" .. counter
  return wrk.format(nil, "/v1/outbox", nil, string.format('{"to":%s,"channel":"%s","text":"Did you get what you needed? Reply YES or NO."}', to, channel))
end
