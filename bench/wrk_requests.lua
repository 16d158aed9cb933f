-- Replays pre-signed requests from a file, each once: line = method \t path \t headers \t body,
-- headers as "Name: value" pairs joined by \x1f. Thread k of n takes lines k, k+n, k+2n, ...
-- and counts the responses by status. An optional third argument paces each connection: it
-- waits that many milliseconds after a response before sending its next request.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local n = tonumber(args[2])
  pace = tonumber(args[3] or "0")
  math.randomseed(os.time() + id)
  requests, statuses, index = {}, {}, 0
  local line_no = 0
  for line in io.lines(args[1]) do
    if line_no % n == id then
      local method, path, hdrs, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      local headers = {}
      for pair in string.gmatch(hdrs, "[^\31]+") do
        local name, value = pair:match("^([^:]+): (.*)$")
        headers[name] = value
      end
      table.insert(requests, wrk.format(method, path, headers, body))
    end
    line_no = line_no + 1
  end
end

function request()
  index = index + 1
  if index > #requests then
    index = 1 -- the file ran out: repeats now count as duplicates (status 200)
  end
  return requests[index]
end

function delay()
  -- Uniform between half and one and a half times the pace: the connections drift apart
  -- instead of sending together in bursts, and the mean rate is the same.
  return pace * (0.5 + math.random())
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses")
    for status, count in pairs(counts) do
      totals[status] = (totals[status] or 0) + count
    end
  end
  for status, count in pairs(totals) do
    io.write(string.format("status %d %d\n", status, count))
  end
  io.write(string.format("p99_us %d\n", latency:percentile(99)))
  io.write(string.format("p50_us %d\n", latency:percentile(50)))
end
