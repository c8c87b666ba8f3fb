-- wrk script: POST a ~1 KB JSON survey answer with a unique id per request, so every
-- request is a new event (identical ids would be deduplicated and measure the dedup path,
-- not a durable append). The id is "<run tag>-<thread>-<counter>": the run tag comes from
-- /dev/urandom, because every wrk thread and every wrk run starts Lua's math.random from
-- the same seed (an earlier version of this script repeated its ids across threads and
-- rounds, so most of what it measured were duplicates).
local counter = 0
local padding = string.rep("x", 820)

local function random_hex(bytes)
  local source = assert(io.open("/dev/urandom", "rb"))
  local raw = source:read(bytes)
  source:close()
  return (raw:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

function setup(thread)
  run_tag = run_tag or random_hex(8)
  thread_count = (thread_count or 0) + 1
  thread:set("thread_tag", run_tag .. "-" .. thread_count)
end

request = function()
  counter = counter + 1
  local body = string.format(
    '{"id":"%s-%d","text":"The agent solved it on the first call, thank you","email":"bench@example.com","name":"Bench","score":9,"note":"%s"}',
    thread_tag, counter, padding)
  return wrk.format("POST", wrk.path, {["Content-Type"] = "application/json"}, body)
end
