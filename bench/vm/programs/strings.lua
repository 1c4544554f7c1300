-- Benchmark: strings, the Lua 5.4 peer of strings.wf.
local parts = {}
local i = 0
while i < 300000 do parts[#parts+1] = "item " .. tostring(i) .. ","; i = i + 1 end
print(#table.concat(parts))
