-- Complete submissions: GET the survey for a fresh code, POST the form back, count accepted POSTs.
-- Run with one connection per thread (-t N -c N) so each thread's requests strictly alternate.
-- BENCH_CODES: file of fresh codes, one a line, shared out between threads by line number.
-- BENCH_ENTRY: entry path with {code}, e.g. /f/{code}/. The form is read generically: hidden
-- fields are sent back, one option per radio group is chosen, every fifth response comments.
EXTRA = { "posts_sent", "posts_ok", "posts_refused", "posts_unavailable", "codes_exhausted",
          "form_missing" }
dofile(os.getenv("BENCH_LUA_DIR") .. "/stats.lua")

posts_sent, posts_ok, posts_refused, posts_unavailable, codes_exhausted, form_missing = 0, 0, 0, 0, 0, 0
-- BENCH_SUBMIT_UNTIL (epoch seconds): start no submission after it, so none is in flight at the end.
local submit_until = tonumber(os.getenv("BENCH_SUBMIT_UNTIL") or "0")
local codes = {}
local next_code = 0
local pending = nil   -- the request to send next (redirect target or the POST)
local expecting = "get"
local cookies = {}

function init(args)
  local nthreads = tonumber(os.getenv("BENCH_THREADS"))
  local n = 0
  for line in io.lines(os.getenv("BENCH_CODES")) do
    if n % nthreads == id then table.insert(codes, line) end
    n = n + 1
  end
  math.randomseed(1000 + id)
end

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local function unescape(s)
  return (s:gsub("&amp;", "&"):gsub("&quot;", '"'):gsub("&#x27;", "'"):gsub("&#39;", "'")
           :gsub("&lt;", "<"):gsub("&gt;", ">"))
end

local function attr(tag, name)
  local v = tag:match("%s" .. name .. '="([^"]*)"')
  return v and unescape(v)
end

local function cookie_header()
  local parts = {}
  for k, v in pairs(cookies) do table.insert(parts, k .. "=" .. v) end
  return table.concat(parts, "; ")
end

local function remember_cookies(headers)
  for k, v in pairs(headers) do
    if k:lower() == "set-cookie" then
      local name, value = v:match("^%s*([^=]+)=([^;]*)")
      if name then cookies[name] = value end
    end
  end
end

local function header(headers, name)
  for k, v in pairs(headers) do
    if k:lower() == name then return v end
  end
end

local function survey_post(body)
  for form in body:gmatch("<form(.-)</form>") do
    if form:find('type="radio"', 1, true) then
      local action = attr("<form" .. form:match("^[^>]*>"), "action") or "."
      local fields, chosen, groups = {}, {}, {}
      for tag in form:gmatch("<input[^>]*>") do
        local t, n, v = attr(tag, "type") or "text", attr(tag, "name"), attr(tag, "value") or ""
        if n and t == "hidden" then
          table.insert(fields, urlencode(n) .. "=" .. urlencode(v))
        elseif n and t == "radio" then
          if not groups[n] then groups[n] = {}; table.insert(chosen, n) end
          table.insert(groups[n], v)
        end
      end
      for _, n in ipairs(chosen) do
        local opts = groups[n]
        table.insert(fields, urlencode(n) .. "=" .. urlencode(opts[math.random(#opts)]))
      end
      for tag in form:gmatch("<textarea[^>]*>") do
        local n = attr(tag, "name")
        if n and math.random(5) == 1 then
          table.insert(fields, urlencode(n) .. "=" .. urlencode("Benchmark comment: polite and quick."))
        end
      end
      return action, table.concat(fields, "&")
    end
  end
end

local current_path = "/"
-- Mixed traffic (the soak): between submissions, GET one of BENCH_MIX_PATHS with this probability.
local mix_paths = {}
for p in string.gmatch(os.getenv("BENCH_MIX_PATHS") or "", "[^,]+") do table.insert(mix_paths, p) end
local mix_share = tonumber(os.getenv("BENCH_MIX_GET_SHARE") or "0")

function request()
  if pending then
    local r = pending
    pending = nil
    return r
  end
  cookies = {}
  expecting = "get"
  local closing = submit_until > 0 and os.time() >= submit_until
  if closing and #mix_paths == 0 then
    current_path = "/healthz"
    expecting = "page"
    return wrk.format("GET", current_path)
  end
  if #mix_paths > 0 and (closing or math.random() < mix_share) then
    expecting = "page"
    current_path = mix_paths[math.random(#mix_paths)]
    return wrk.format("GET", current_path)
  end
  next_code = next_code + 1
  local code = codes[next_code]
  if not code then
    codes_exhausted = codes_exhausted + 1
    current_path = "/healthz"
    return wrk.format("GET", "/healthz")
  end
  current_path = os.getenv("BENCH_ENTRY"):gsub("{code}", code)
  return wrk.format("GET", current_path)
end

function response(status, headers, body)
  count_status(status)
  remember_cookies(headers)
  if expecting == "page" then
    return
  elseif expecting == "get" then
    if status >= 300 and status < 400 then
      current_path = header(headers, "location"):gsub("^https?://[^/]+", "")
      pending = wrk.format("GET", current_path, { Cookie = cookie_header() })
    elseif status == 200 then
      local action, form = survey_post(body)
      if not action then
        form_missing = form_missing + 1
        return
      end
      if action == "" or action == "." then action = current_path end
      expecting = "post"
      posts_sent = posts_sent + 1
      pending = wrk.format("POST", action, {
        ["Content-Type"] = "application/x-www-form-urlencoded",
        ["Cookie"] = cookie_header(),
        ["Origin"] = "http://" .. wrk.host .. ":" .. wrk.port,
        ["Referer"] = "http://" .. wrk.host .. ":" .. wrk.port .. current_path,
      }, form)
    end
  else
    expecting = "get"
    if status == 302 or status == 303 then posts_ok = posts_ok + 1
    elseif status == 503 then posts_unavailable = posts_unavailable + 1
    else posts_refused = posts_refused + 1 end
  end
end
