-- wrk script: POST /estimate with a 28x28 "7" (784 values 0..255), the classic demo's request.
package.path = (debug.getinfo(1, "S").source:match("@(.*/)") or "./") .. "?.lua;" .. package.path
require "common"
local v = {}
for y = 0, 27 do
  for x = 0, 27 do
    local ink = 0
    if (y == 6 and x >= 6 and x <= 21) or (x + y == 27 and y >= 6 and y <= 23) then ink = 255
    elseif (y == 7 and x >= 6 and x <= 21) or (x + y == 28 and y >= 6 and y <= 23) then ink = 128 end
    v[#v + 1] = tostring(ink)
  end
end
wrk.body = '{"input": [' .. table.concat(v, ",") .. ']}'
done = report("estimate")
