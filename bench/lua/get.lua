-- GET the comma-separated BENCH_PATHS round robin, counting status classes.
dofile(os.getenv("BENCH_LUA_DIR") .. "/stats.lua")

local paths = {}
for p in string.gmatch(os.getenv("BENCH_PATHS") or "/", "[^,]+") do table.insert(paths, p) end
local i = 0

function request()
  i = i + 1
  return wrk.format("GET", paths[(i - 1) % #paths + 1])
end

function response(status, headers, body)
  count_status(status)
end
