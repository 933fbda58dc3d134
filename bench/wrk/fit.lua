-- wrk script: every request carries the next pre-minted FIT from $FIT_FILE (replay protection
-- rejects a reused token, so tokens are never reused: the threads split the file between them).
-- Optional $SYSTEM_TOKEN is sent as x-forge-oauth-system. $WRK_PATH is the path (default /api/me).
-- $WRK_ANONYMOUS=1 sends no token at all (the diagnostic row for the pipeline without a FIT).
-- done() prints one machine-readable RESULT line, read by scripts/bench.sh.
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  local count = tonumber(os.getenv("WRK_THREADS") or "2")
  tokens = {}
  local i = 0
  for line in io.lines(os.getenv("FIT_FILE")) do
    if i % count == id then
      tokens[#tokens + 1] = line
    end
    i = i + 1
  end
  ntokens = #tokens
  used = 0
  path = os.getenv("WRK_PATH") or "/api/me"
  system_token = os.getenv("SYSTEM_TOKEN")
  anonymous = os.getenv("WRK_ANONYMOUS") == "1"
end

function request()
  used = used + 1
  -- Past the end the tokens wrap around; the server rejects them as replays, and done() says so.
  local token = tokens[((used - 1) % ntokens) + 1]
  local headers = {}
  if not anonymous then
    headers["Authorization"] = "Bearer " .. token
    if system_token and system_token ~= "" then
      headers["x-forge-oauth-system"] = system_token
    end
  end
  return wrk.format("GET", path, headers)
end

function done(summary, latency, requests)
  local sent, available = 0, 0
  for _, thread in ipairs(threads) do
    sent = sent + thread:get("used")
    available = available + thread:get("ntokens")
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d non2xx=%d socket_errors=%d p50_us=%d p99_us=%d tokens_sent=%d tokens_available=%d\n",
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), sent, available))
end
