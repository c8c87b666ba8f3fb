-- wrk script: POST pre-signed Twilio inbound-SMS forms (bench/twilio_bodies.py), each with
-- its own MessageSid. The file is split into TWILIO_SLICES slices (one per wrk run, chosen
-- by TWILIO_SLICE) and each slice between the two threads, so no two requests of a bench
-- repeat a message. The file is read once per thread before the clock starts.
local bodies = {}
local index = 0

function setup(thread)
  thread:set("thread_id", setup_count or 0)
  setup_count = (setup_count or 0) + 1
end

function init(args)
  local path = os.getenv("TWILIO_BODIES")
  local slices = tonumber(os.getenv("TWILIO_SLICES") or "1")
  local slice = tonumber(os.getenv("TWILIO_SLICE") or "0")
  local n = 0
  for line in io.lines(path) do
    if n % (2 * slices) == 2 * slice + (thread_id or 0) then
      local tab = line:find("\t", 1, true)
      bodies[#bodies + 1] = { line:sub(1, tab - 1), line:sub(tab + 1) }
    end
    n = n + 1
  end
end

request = function()
  index = index + 1
  if index > #bodies then index = 1 end  -- wrapped: later requests are duplicates
  local item = bodies[index]
  return wrk.format("POST", wrk.path, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Twilio-Signature"] = item[1],
  }, item[2])
end
