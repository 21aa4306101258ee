-- wrk script: POSTs AuthZEN evaluations to `rampart serve`, cycling through the distinct
-- request bodies of the file named by WRK_BODIES (one JSON body per line), so that the
-- server sees a stream of different subjects and objects, not one request repeated.
-- Used by benches/load/run.sh.

local bodies = {}
local next_body = 1

function init(args)
  local path = os.getenv("WRK_BODIES")
  for line in io.lines(path) do
    bodies[#bodies + 1] = line
  end
  -- Threads start at different offsets.
  next_body = (math.random(#bodies))
end

function request()
  local body = bodies[next_body]
  next_body = next_body + 1
  if next_body > #bodies then
    next_body = 1
  end
  return wrk.format("POST", wrk.path, {["Content-Type"] = "application/json"}, body)
end

local failures = 0
function response(status, headers, body)
  if status ~= 200 then
    failures = failures + 1
    if failures <= 3 then
      io.stderr:write("unexpected status " .. status .. ": " .. body .. "\n")
    end
  end
end
