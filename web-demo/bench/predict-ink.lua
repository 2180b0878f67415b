-- wrk script: POST /api/predict with ink, a hand-like "7" of ~90 points on a 280x280 surface
-- (what the page sends on pen-up), so the server runs the core's stroke path.
package.path = (debug.getinfo(1, "S").source:match("@(.*/)") or "./") .. "?.lua;" .. package.path
require "common"
local pts = {}
local function line(x0, y0, x1, y1, n)
  for i = 0, n - 1 do
    local t = i / n
    pts[#pts + 1] = string.format("[%.1f,%.1f]", x0 + (x1 - x0) * t, y0 + (y1 - y0) * t)
  end
end
line(60, 50, 220, 55, 40)
line(220, 55, 120, 240, 50)
pts[#pts + 1] = "[120.0,240.0]"
wrk.body = '{"width":280,"height":280,"strokes":[[' .. table.concat(pts, ",") .. ']]}'
done = report("predict-ink")
