-- wrk script: POST a ~1 KB JSON survey answer with a unique id per request, so every
-- request is a new event (identical bodies would be deduplicated and measure nothing).
local counter = 0
local thread_tag = tostring(math.random(1, 1e9))
local padding = string.rep("x", 820)

request = function()
  counter = counter + 1
  local body = string.format(
    '{"id":"%s-%d","text":"The agent solved it on the first call, thank you","email":"bench@example.com","name":"Bench","score":9,"note":"%s"}',
    thread_tag, counter, padding)
  return wrk.format("POST", wrk.path, {["Content-Type"] = "application/json"}, body)
end

function setup(thread)
  thread:set("thread_tag", tostring(math.random(1, 1e9)))
end
