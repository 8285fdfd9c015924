-- wrk script for the soak (bench/soak.ts runs it). A fixed, interleaved cycle of request
-- kinds; every response is checked and counted by kind. Each thread stops after its quota
-- and prints "soak-done"; the runner then interrupts wrk, which calls done() for the totals.
-- args: quota-per-thread, payload file, cycle ("hello:89,download:4,...")

local kinds = { "hello", "download", "upload", "throw", "reject" }
local threads = {}

function setup(thread)
  thread:set("index", #threads + 1)
  table.insert(threads, thread)
end

local quota, payload, cycle, requests, position, stopped, marker
-- Globals, not locals: done() reads them from each thread with thread:get().
sent, ok, bad, err500, unexpected, samples, received = nil, nil, nil, 0, 0, "", 0

function init(args)
  quota = tonumber(args[1])
  local file = assert(io.open(args[2], "rb"))
  payload = file:read("*a")
  file:close()
  requests = {
    hello = wrk.format("GET", "/hello"),
    download = wrk.format("GET", "/download?n=" .. #payload),
    upload = wrk.format("POST", "/upload", { ["Content-Type"] = "application/octet-stream" }, payload),
    throw = wrk.format("GET", "/throw"),
    reject = wrk.format("GET", "/reject"),
  }
  -- Spread each kind evenly over the cycle rather than in runs of one kind.
  local weights, total = {}, 0
  for name, weight in string.gmatch(args[3], "(%w+):(%d+)") do
    weights[name] = tonumber(weight)
    total = total + tonumber(weight)
  end
  cycle = {}
  local credit = {}
  for _, kind in ipairs(kinds) do credit[kind] = 0 end
  for _ = 1, total do
    local best, bestCredit = nil, -1
    for _, kind in ipairs(kinds) do
      credit[kind] = credit[kind] + (weights[kind] or 0)
      if credit[kind] > bestCredit then best, bestCredit = kind, credit[kind] end
    end
    credit[best] = credit[best] - total
    table.insert(cycle, best)
  end
  position, received, stopped, samples = 0, 0, false, ""
  sent, ok, bad, err500, unexpected = {}, {}, {}, 0, 0
  for _, kind in ipairs(kinds) do sent[kind], ok[kind], bad[kind] = 0, 0, 0 end
  marker = wrk.thread:get("index")
end

function request()
  position = position % #cycle + 1
  local kind = cycle[position]
  sent[kind] = sent[kind] + 1
  return requests[kind]
end

local function note(text)
  if #samples < 2000 then samples = samples .. text .. "\n" end
end

function response(status, headers, body)
  if stopped then return end
  received = received + 1
  local kind = headers["x-soak"] or headers["X-Soak"]
  if status == 200 and kind ~= nil and ok[kind] ~= nil then
    local good = (kind == "hello" and body == "Hello, world!")
      or (kind == "download" and body == payload)
      or (kind == "upload" and body == "ok")
    if good then ok[kind] = ok[kind] + 1 else
      bad[kind] = bad[kind] + 1
      note("bad " .. kind .. ": " .. status .. " " .. #body .. " bytes: " .. string.sub(body, 1, 80))
    end
  elseif status == 500 and body == "Internal Server Error\n" then
    err500 = err500 + 1
  else
    unexpected = unexpected + 1
    note("unexpected " .. status .. " (" .. tostring(kind) .. "): " .. string.sub(body, 1, 120))
  end
  if received % 5000 == 0 then
    io.write("soak-progress " .. marker .. " " .. received .. "\n")
    io.flush()
  end
  if received >= quota then
    stopped = true
    io.write("soak-progress " .. marker .. " " .. received .. "\nsoak-done " .. marker .. "\n")
    io.flush()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local out = { "soak-summary" }
  for _, thread in ipairs(threads) do
    local s, o, b = thread:get("sent"), thread:get("ok"), thread:get("bad")
    for _, kind in ipairs(kinds) do
      table.insert(out, string.format("%s.sent=%d %s.ok=%d %s.bad=%d", kind, s[kind], kind, o[kind], kind, b[kind]))
    end
    table.insert(out, string.format("err500=%d unexpected=%d received=%d", thread:get("err500"), thread:get("unexpected"), thread:get("received")))
    local notes = thread:get("samples")
    if notes ~= "" then table.insert(out, "samples<<\n" .. notes .. ">>") end
  end
  table.insert(out, string.format("socket.connect=%d socket.read=%d socket.write=%d socket.timeout=%d socket.status=%d",
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout, summary.errors.status))
  io.write(table.concat(out, "\n") .. "\nsoak-end\n")
end
