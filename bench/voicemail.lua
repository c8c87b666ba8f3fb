-- wrk script: Twilio Voice `<Record action>` callbacks for bench/voice.sh, each a new
-- voicemail (a unique RecordingSid and CallSid from a /dev/urandom run tag and a counter),
-- with the parameters Twilio sends for it (about 700 bytes of form), from one of 60,000
-- callers. Unsigned: the channel runs with `insecure: true`, as the webhook beside it does,
-- so both rounds measure parsing, routing and the durable append, not an HMAC.
local counter = 0

local function random_hex(bytes)
  local source = assert(io.open("/dev/urandom", "rb"))
  local raw = source:read(bytes)
  source:close()
  return (raw:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

function setup(thread)
  run_tag = run_tag or random_hex(8)
  thread_count = (thread_count or 0) + 1
  thread:set("thread_tag", run_tag .. thread_count)
end

request = function()
  counter = counter + 1
  local sid = string.format("%s%08d", thread_tag, counter)
  local caller = string.format("%%2B1212555%04d", counter % 10000)
  local body = "AccountSid=AC0123456789abcdef0123456789abcdef&ApiVersion=2010-04-01&CallSid=CA" .. sid ..
    "&CallStatus=completed&Called=%2B14155550100&CalledCity=SAN+FRANCISCO&CalledCountry=US&CalledState=CA&CalledZip=94105" ..
    "&Caller=" .. caller .. "&CallerCity=NEW+YORK&CallerCountry=US&CallerState=NY&CallerZip=10001&Digits=hangup" ..
    "&Direction=inbound&From=" .. caller .. "&FromCity=NEW+YORK&FromCountry=US&FromState=NY&FromZip=10001" ..
    "&RecordingDuration=14&RecordingSid=RE" .. sid ..
    "&RecordingUrl=https%3A%2F%2Fapi.twilio.com%2F2010-04-01%2FAccounts%2FAC0123456789abcdef0123456789abcdef%2FRecordings%2FRE" .. sid ..
    "&To=%2B14155550100&ToCity=SAN+FRANCISCO&ToCountry=US&ToState=CA&ToZip=94105"
  return wrk.format("POST", wrk.path, {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end
